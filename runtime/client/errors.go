package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
)

// An ErrorKind classifies a failure the way the facades report it: fetch
// turns KindAbort into an AbortError, KindTimeout into a TimeoutError and
// the rest into a TypeError; Titanium and Volt MX report [Error.Code].
type ErrorKind int

// The kinds of failure. The zero value is not used by the package.
const (
	// KindNetwork is a transport failure: the host was not found, the
	// connection was refused or lost, the server answered garbage.
	KindNetwork ErrorKind = iota + 1
	// KindAbort means the request was cancelled: by its context, by
	// [Task.Cancel] or by invalidating its session.
	KindAbort
	// KindTimeout means a deadline passed: the request's or session's idle
	// or total timeout, or the deadline of the context (the script's).
	KindTimeout
	// KindDenied means the outbound policy refused the destination address.
	KindDenied
	// KindBodyTooLarge means the response body was larger than the cap.
	KindBodyTooLarge
	// KindBadURL means the URL could not be parsed or its scheme is not
	// http or https.
	KindBadURL
	// KindRedirect means a redirect was refused (RedirectError) or the
	// redirect limit was reached.
	KindRedirect
	// KindTLS means the TLS handshake or the certificate check failed.
	KindTLS
	// KindLimit means a configured limit of the client was reached: too
	// many sessions, tasks or spooled bytes.
	KindLimit
	// KindInvalid means the call is not allowed in the current state: a
	// task on an invalidated session, a forbidden default header, an
	// unreadable upload file.
	KindInvalid
	// KindStore means the persistence store of background sessions failed.
	KindStore
)

func (k ErrorKind) String() string {
	switch k {
	case KindNetwork:
		return "network"
	case KindAbort:
		return "abort"
	case KindTimeout:
		return "timeout"
	case KindDenied:
		return "denied"
	case KindBodyTooLarge:
		return "body too large"
	case KindBadURL:
		return "bad url"
	case KindRedirect:
		return "redirect"
	case KindTLS:
		return "tls"
	case KindLimit:
		return "limit"
	case KindInvalid:
		return "invalid"
	case KindStore:
		return "store"
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// NSURLErrorDomain codes, as Titanium's errorCode and Volt MX report them.
const (
	CodeUnknown                  = -1
	CodeCancelled                = -999
	CodeBadURL                   = -1000
	CodeTimedOut                 = -1001
	CodeUnsupportedURL           = -1002
	CodeCannotFindHost           = -1003
	CodeCannotConnectToHost      = -1004
	CodeNetworkConnectionLost    = -1005
	CodeHTTPTooManyRedirects     = -1007
	CodeBadServerResponse        = -1011
	CodeDataLengthExceedsMaximum = -1103
	CodeSecureConnectionFailed   = -1200
	CodeServerCertificateBad     = -1202
	CodeCannotWriteToFile        = -3003
)

// An Error is a classified failure of a request or of a call of this
// package. Every error the package returns for a request is an *Error (use
// [errors.As] or [AsError]); Err is the underlying cause.
type Error struct {
	// Kind classifies the failure.
	Kind ErrorKind
	// Code is the NSURLErrorDomain code (CodeCancelled, CodeTimedOut...).
	Code int
	// URL is the URL of the request that failed, when there is one.
	URL string
	// Err is the cause.
	Err error
}

func (e *Error) Error() string {
	msg := "client: " + e.Kind.String()
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.URL != "" {
		msg += " (" + e.URL + ")"
	}
	return msg
}

// Message is the error text without the package prefix and the URL, as a
// facade shows it to a script ("connection refused").
func (e *Error) Message() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return e.Kind.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrDenied) and the other sentinels match an
// *Error of the corresponding kind.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrDenied:
		return e.Kind == KindDenied
	case ErrBodyTooLarge:
		return e.Kind == KindBodyTooLarge
	case ErrLimit:
		return e.Kind == KindLimit
	case ErrInvalidated:
		return e.Kind == KindInvalid && errors.Is(e.Err, ErrInvalidated)
	}
	return false
}

// Sentinels that match an *Error with errors.Is (see [Error.Is]) and are
// the causes the package puts in Err.
var (
	// ErrDenied: the destination address is denied by the outbound policy.
	ErrDenied = errors.New("destination address denied by policy")
	// ErrBodyTooLarge: the response body is larger than the cap.
	ErrBodyTooLarge = errors.New("response body too large")
	// ErrLimit: a limit of the client (sessions, tasks, spool) was reached.
	ErrLimit = errors.New("limit reached")
	// ErrInvalidated: the session is invalidated or being invalidated.
	ErrInvalidated = errors.New("session invalidated")
	// ErrNotFound: no such session or task record.
	ErrNotFound = errors.New("not found")
	// ErrTooManyRedirects: more redirects than the request allows.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrRedirect: the request's redirect mode is RedirectError and the
	// server answered with a redirect.
	ErrRedirect = errors.New("redirect not allowed")
)

// Causes of context cancellation set by the package, told apart by
// context.Cause.
var (
	errCanceled        = errors.New("cancelled")
	errIdleTimeout     = errors.New("timed out waiting for data")
	errResourceTimeout = errors.New("timed out")
	errSuspended       = errors.New("suspended")
	errClosed          = errors.New("client closed")
	errConnectTimeout  = errors.New("timed out connecting")
)

// AsError returns err as an *Error, classifying it if it is not one yet.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return classify(err, nil, "")
}

// CodeOf returns the NSURLErrorDomain code of err: 0 for nil, the code of
// an *Error, CodeUnknown otherwise.
func CodeOf(err error) int {
	if err == nil {
		return 0
	}
	return AsError(err).Code
}

func newError(kind ErrorKind, code int, rawURL string, err error) *Error {
	return &Error{Kind: kind, Code: code, URL: rawURL, Err: err}
}

// classify maps err, returned while ctx was the request's context, to an
// *Error. ctx may be nil.
func classify(err error, ctx context.Context, rawURL string) *Error {
	var e *Error
	if errors.As(err, &e) {
		if e.URL == "" && rawURL != "" {
			c := *e
			c.URL = rawURL
			return &c
		}
		return e
	}
	if ctx != nil && ctx.Err() != nil {
		return contextError(ctx, rawURL)
	}
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	var alert tls.AlertError
	var urlErr *url.Error
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return newError(KindAbort, CodeCancelled, rawURL, errCanceled)
	case errors.Is(err, context.DeadlineExceeded):
		return newError(KindTimeout, CodeTimedOut, rawURL, errResourceTimeout)
	case errors.Is(err, ErrDenied):
		return newError(KindDenied, CodeCannotConnectToHost, rawURL, ErrDenied)
	case errors.Is(err, ErrTooManyRedirects), errors.Is(err, ErrRedirect):
		cause := ErrRedirect
		if errors.Is(err, ErrTooManyRedirects) {
			cause = ErrTooManyRedirects
		}
		return newError(KindRedirect, CodeHTTPTooManyRedirects, rawURL, cause)
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return newError(KindTimeout, CodeTimedOut, rawURL, err)
		}
		return newError(KindNetwork, CodeCannotFindHost, rawURL, fmt.Errorf("host not found: %s", dnsErr.Name))
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &invalidCert):
		return newError(KindTLS, CodeServerCertificateBad, rawURL, err)
	case errors.As(err, &recordErr), errors.As(err, &alert), errors.Is(err, http.ErrSchemeMismatch):
		return newError(KindTLS, CodeSecureConnectionFailed, rawURL, err)
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return newError(KindNetwork, CodeCannotConnectToHost, rawURL, unwrapOp(err))
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return newError(KindNetwork, CodeNetworkConnectionLost, rawURL, unwrapOp(err))
	case errors.As(err, &netErr) && netErr.Timeout():
		return newError(KindTimeout, CodeTimedOut, rawURL, unwrapOp(err))
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return newError(KindNetwork, CodeCannotConnectToHost, rawURL, unwrapOp(err))
	}
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	return newError(KindNetwork, CodeNetworkConnectionLost, rawURL, err)
}

// contextError classifies the end of ctx by its cause.
func contextError(ctx context.Context, rawURL string) *Error {
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, errIdleTimeout), errors.Is(cause, errResourceTimeout), errors.Is(cause, errConnectTimeout):
		return newError(KindTimeout, CodeTimedOut, rawURL, cause)
	case errors.Is(cause, context.DeadlineExceeded):
		return newError(KindTimeout, CodeTimedOut, rawURL, errResourceTimeout)
	case errors.Is(cause, errSuspended):
		return newError(KindAbort, CodeCancelled, rawURL, errSuspended)
	case errors.Is(cause, ErrInvalidated):
		return newError(KindAbort, CodeCancelled, rawURL, errCanceled)
	case errors.Is(cause, errClosed):
		return newError(KindAbort, CodeCancelled, rawURL, errClosed)
	}
	return newError(KindAbort, CodeCancelled, rawURL, errCanceled)
}

// unwrapOp strips *url.Error and *net.OpError wrappers that repeat the URL
// and addresses, keeping a readable cause ("connect: connection refused").
func unwrapOp(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return fmt.Errorf("%s: %w", opErr.Op, opErr.Err)
	}
	return err
}
