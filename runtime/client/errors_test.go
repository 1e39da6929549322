package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"
)

func TestClassify(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	idle, cancelIdle := context.WithCancelCause(context.Background())
	cancelIdle(errIdleTimeout)
	suspended, cancelSusp := context.WithCancelCause(context.Background())
	cancelSusp(errSuspended)
	dial := func(err error) error {
		return &url.Error{Op: "Get", URL: "http://x/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: err}}
	}
	tests := []struct {
		name string
		err  error
		ctx  context.Context
		kind ErrorKind
		code int
	}{
		{"cancelled context", errors.New("whatever"), canceled, KindAbort, CodeCancelled},
		{"idle timer", errors.New("whatever"), idle, KindTimeout, CodeTimedOut},
		{"suspension", errors.New("whatever"), suspended, KindAbort, CodeCancelled},
		{"context.Canceled", fmt.Errorf("x: %w", context.Canceled), nil, KindAbort, CodeCancelled},
		{"context.DeadlineExceeded", context.DeadlineExceeded, nil, KindTimeout, CodeTimedOut},
		{"denied", dial(fmt.Errorf("%w: 169.254.1.1", ErrDenied)), nil, KindDenied, CodeCannotConnectToHost},
		{"dns not found", &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}, nil, KindNetwork, CodeCannotFindHost},
		{"dns timeout", &net.DNSError{Err: "timeout", Name: "x", IsTimeout: true}, nil, KindTimeout, CodeTimedOut},
		{"refused", dial(os.NewSyscallError("connect", syscall.ECONNREFUSED)), nil, KindNetwork, CodeCannotConnectToHost},
		{"unreachable", dial(os.NewSyscallError("connect", syscall.EHOSTUNREACH)), nil, KindNetwork, CodeCannotConnectToHost},
		{"other dial failure", dial(errors.New("odd")), nil, KindNetwork, CodeCannotConnectToHost},
		{"reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, nil, KindNetwork, CodeNetworkConnectionLost},
		{"unexpected EOF", io.ErrUnexpectedEOF, nil, KindNetwork, CodeNetworkConnectionLost},
		{"unknown authority", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, nil, KindTLS, CodeServerCertificateBad},
		{"hostname", x509.HostnameError{Host: "x"}, nil, KindTLS, CodeServerCertificateBad},
		{"expired", x509.CertificateInvalidError{Reason: x509.Expired}, nil, KindTLS, CodeServerCertificateBad},
		{"record header", tls.RecordHeaderError{Msg: "bad"}, nil, KindTLS, CodeSecureConnectionFailed},
		{"alert", tls.AlertError(40), nil, KindTLS, CodeSecureConnectionFailed},
		{"redirect limit", &url.Error{Op: "Get", URL: "u", Err: ErrTooManyRedirects}, nil, KindRedirect, CodeHTTPTooManyRedirects},
		{"io timeout", &net.OpError{Op: "read", Err: os.ErrDeadlineExceeded}, nil, KindTimeout, CodeTimedOut},
		{"anything else", errors.New("strange"), nil, KindNetwork, CodeNetworkConnectionLost},
	}
	for _, tc := range tests {
		e := classify(tc.err, tc.ctx, "http://x/")
		if e.Kind != tc.kind || e.Code != tc.code || e.URL != "http://x/" {
			t.Errorf("%s: classify(%v) = %s %d (%v), want %s %d", tc.name, tc.err, e.Kind, e.Code, e, tc.kind, tc.code)
		}
	}
}

func TestErrorValues(t *testing.T) {
	e := newError(KindDenied, CodeCannotConnectToHost, "http://169.254.169.254/", fmt.Errorf("%w: 169.254.169.254", ErrDenied))
	if !errors.Is(e, ErrDenied) || errors.Is(e, ErrLimit) || errors.Is(e, ErrBodyTooLarge) {
		t.Fatal("errors.Is does not follow the kind")
	}
	if got := e.Error(); got != "client: denied: destination address denied by policy: 169.254.169.254 (http://169.254.169.254/)" {
		t.Fatalf("Error() = %q", got)
	}
	if e.Message() != "destination address denied by policy: 169.254.169.254" {
		t.Fatalf("Message() = %q", e.Message())
	}
	wrapped := fmt.Errorf("fetch: %w", e)
	if AsError(wrapped) != e || CodeOf(wrapped) != CodeCannotConnectToHost || CodeOf(nil) != 0 || AsError(nil) != nil {
		t.Fatal("AsError/CodeOf do not unwrap")
	}
	if CodeOf(errors.New("x")) != CodeNetworkConnectionLost {
		t.Fatal("CodeOf of a foreign error")
	}
	for k := KindNetwork; k <= KindStore; k++ {
		if s := k.String(); s == "" || s[0] == 'E' {
			t.Errorf("kind %d has no name", k)
		}
	}
	if ErrorKind(99).String() != "ErrorKind(99)" {
		t.Error("unknown kind name")
	}
}
