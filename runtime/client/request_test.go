package client

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

func TestDoBasics(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-UA", r.Header.Get("User-Agent"))
		w.Header().Set("X-Host", r.Host)
		w.WriteHeader(http.StatusTeapot)
		fmt.Fprintf(w, "%s %s", r.URL.Path, body)
	}))
	defer srv.Close()
	c := newClient(t, Config{UserAgent: "dirigo/1.2.3"})

	resp, err := c.Do(testCtx(t), &Request{Method: "post", URL: srv.URL + "/p", Body: []byte("hi")})
	if err != nil {
		t.Fatal(err)
	}
	body, err := resp.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 418 || resp.Status != "I'm a teapot" || string(body) != "/p hi" ||
		resp.Header.Get("X-Method") != "POST" || resp.Header.Get("X-UA") != "dirigo/1.2.3" ||
		resp.URL != srv.URL+"/p" || resp.Redirected || resp.Proto != "HTTP/1.1" {
		t.Fatalf("got %d %q %q %v, UA %q", resp.StatusCode, resp.Status, body, resp.Header, resp.Header.Get("X-UA"))
	}

	// The script's User-Agent wins; Host and Connection are ignored.
	resp, err = c.Do(testCtx(t), &Request{URL: srv.URL, Header: http.Header{
		"User-Agent": {"mine"}, "Host": {"evil.example"}, "Connection": {"close"}}})
	if err != nil {
		t.Fatal(err)
	}
	resp.ReadAll()
	if ua, host := resp.Header.Get("X-UA"), resp.Header.Get("X-Host"); ua != "mine" || host == "evil.example" {
		t.Fatalf("UA %q host %q", ua, host)
	}

	// Custom verbs keep their case; a bad one is refused.
	resp, err = c.Do(testCtx(t), &Request{Method: "Purge", URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	resp.ReadAll()
	if m := resp.Header.Get("X-Method"); m != "Purge" {
		t.Fatalf("method %q", m)
	}
	_, err = c.Do(testCtx(t), &Request{Method: "GE T", URL: srv.URL})
	wantKind(t, err, KindInvalid, CodeUnknown)
}

func TestDoBadURL(t *testing.T) {
	c := newClient(t, Config{})
	for _, tc := range []struct {
		url  string
		code int
	}{
		{"", CodeBadURL},
		{"/relative", CodeBadURL},
		{"http://", CodeBadURL},
		{"http://a b/", CodeBadURL},
		{"ftp://example.com/", CodeUnsupportedURL},
		{"file:///etc/passwd", CodeUnsupportedURL},
	} {
		_, err := c.Do(testCtx(t), &Request{URL: tc.url})
		wantKind(t, err, KindBadURL, tc.code)
	}
}

func TestRedirects(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/r/")); err == nil {
			if n == 0 {
				fmt.Fprint(w, "end")
				return
			}
			http.Redirect(w, r, fmt.Sprintf("/r/%d", n-1), http.StatusFound)
			return
		}
		if r.URL.Path == "/loop" {
			http.Redirect(w, r, "/loop", http.StatusMovedPermanently)
			return
		}
		if r.URL.Path == "/post" {
			b, _ := io.ReadAll(r.Body)
			if r.Method == http.MethodPost && r.URL.Query().Get("hop") == "" {
				http.Redirect(w, r, "/post?hop=1", http.StatusTemporaryRedirect)
				return
			}
			fmt.Fprintf(w, "%s %s", r.Method, b)
		}
	}))
	defer srv.Close()
	c := newClient(t, Config{})

	tests := []struct {
		name       string
		req        Request
		status     int
		body, url  string
		redirected bool
		kind       ErrorKind
	}{
		{"follow", Request{URL: srv.URL + "/r/3"}, 200, "end", srv.URL + "/r/0", true, 0},
		{"no redirect", Request{URL: srv.URL + "/r/0"}, 200, "end", srv.URL + "/r/0", false, 0},
		{"twenty is the limit", Request{URL: srv.URL + "/r/20"}, 200, "end", srv.URL + "/r/0", true, 0},
		{"twenty-one is too many", Request{URL: srv.URL + "/r/21"}, 0, "", "", false, KindRedirect},
		{"loop", Request{URL: srv.URL + "/loop"}, 0, "", "", false, KindRedirect},
		{"own limit", Request{URL: srv.URL + "/r/3", MaxRedirects: 2}, 0, "", "", false, KindRedirect},
		{"manual", Request{URL: srv.URL + "/r/3", Redirect: RedirectManual}, 302, "", srv.URL + "/r/3", false, 0},
		{"error", Request{URL: srv.URL + "/r/3", Redirect: RedirectError}, 0, "", "", false, KindRedirect},
		{"307 resends the body", Request{Method: "POST", URL: srv.URL + "/post", Body: []byte("data")}, 200, "POST data", srv.URL + "/post?hop=1", true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := c.Do(testCtx(t), &tc.req)
			if tc.kind != 0 {
				wantKind(t, err, tc.kind, CodeHTTPTooManyRedirects)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			body, err := resp.ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || resp.URL != tc.url || resp.Redirected != tc.redirected ||
				tc.body != "" && string(body) != tc.body {
				t.Fatalf("got %d %q url %s redirected %v", resp.StatusCode, body, resp.URL, resp.Redirected)
			}
			if tc.req.Redirect == RedirectManual && resp.Header.Get("Location") != "/r/2" {
				t.Fatalf("manual: Location %q", resp.Header.Get("Location"))
			}
		})
	}
}

// trickle writes n chunks, waiting for gap between them; n < 0 writes
// until the client goes away.
func trickle(gap time.Duration, n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		for i := 0; n < 0 || i < n; i++ {
			if _, err := w.Write([]byte("x")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-time.After(gap):
			case <-r.Context().Done():
				return
			}
		}
	}
}

func TestTimeouts(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/slow", trickle(2*time.Millisecond, 20))
	mux.Handle("/endless", trickle(2*time.Millisecond, -1))
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("head"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	mux.HandleFunc("/noanswer", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := newClient(t, Config{})

	read := func(r *Request) ([]byte, error) {
		resp, err := c.Do(testCtx(t), r)
		if err != nil {
			return nil, err
		}
		return resp.ReadAll()
	}
	// Data keeps coming: a generous idle timeout never fires, however
	// long the whole transfer takes.
	body, err := read(&Request{URL: srv.URL + "/slow", IdleTimeout: 5 * time.Second})
	if err != nil || len(body) != 20 {
		t.Fatalf("slow transfer under an idle timeout: %q %v", body, err)
	}
	// The total timeout ends a transfer that makes progress forever.
	_, err = read(&Request{URL: srv.URL + "/endless", IdleTimeout: 5 * time.Second, Timeout: 50 * time.Millisecond})
	e := wantKind(t, err, KindTimeout, CodeTimedOut)
	if !errors.Is(e, errResourceTimeout) {
		t.Fatalf("endless: cause %v, want the total timeout", e.Err)
	}
	// The idle timeout ends a transfer that stalls mid-body...
	_, err = read(&Request{URL: srv.URL + "/stall", IdleTimeout: 50 * time.Millisecond})
	e = wantKind(t, err, KindTimeout, CodeTimedOut)
	if !errors.Is(e, errIdleTimeout) {
		t.Fatalf("stall: cause %v, want the idle timeout", e.Err)
	}
	// ...or before the headers.
	_, err = read(&Request{URL: srv.URL + "/noanswer", IdleTimeout: 50 * time.Millisecond})
	e = wantKind(t, err, KindTimeout, CodeTimedOut)
	if !errors.Is(e, errIdleTimeout) {
		t.Fatalf("noanswer: cause %v, want the idle timeout", e.Err)
	}
	// The context's deadline (the script's) is a timeout too.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = c.Do(ctx, &Request{URL: srv.URL + "/noanswer"})
	wantKind(t, err, KindTimeout, CodeTimedOut)
}

func TestAbort(t *testing.T) {
	started := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := newClient(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	_, err := c.Do(ctx, &Request{URL: srv.URL})
	wantKind(t, err, KindAbort, CodeCancelled)

	// Aborting while the body is read.
	srv2 := httptest.NewServer(trickle(time.Millisecond, -1))
	defer srv2.Close()
	ctx, cancel = context.WithCancel(context.Background())
	resp, err := c.Do(ctx, &Request{URL: srv2.URL})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	_, err = io.ReadAll(resp.Body)
	wantKind(t, err, KindAbort, CodeCancelled)
}

func TestRefusedAndNotFound(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := newClient(t, Config{})
	_, err = c.Do(testCtx(t), &Request{URL: "http://" + addr + "/"})
	wantKind(t, err, KindNetwork, CodeCannotConnectToHost)

	_, err = c.Do(testCtx(t), &Request{URL: "http://nowhere.invalid/"})
	e := wantKind(t, err, KindNetwork, CodeCannotFindHost)
	if !strings.Contains(e.Message(), "nowhere.invalid") {
		t.Fatalf("message %q", e.Message())
	}
}

func TestConnectionLost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer srv.Close()
	c := newClient(t, Config{})
	resp, err := c.Do(testCtx(t), &Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = resp.ReadAll()
	wantKind(t, err, KindNetwork, CodeNetworkConnectionLost)
}

func TestBodyCap(t *testing.T) {
	big := bytes.Repeat([]byte("a"), 5000)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(bytes.Repeat([]byte("b"), 100000)) // a small bomb
	zw.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("/length", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(big)))
		w.Write(big)
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 5; i++ {
			w.Write(big[:1000])
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gz.Bytes())
	})
	mux.HandleFunc("/exact", func(w http.ResponseWriter, r *http.Request) { w.Write(big[:4096]) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := newClient(t, Config{MaxBody: 4096})

	// Content-Length over the cap fails before the body is read.
	_, err := c.Do(testCtx(t), &Request{URL: srv.URL + "/length"})
	e := wantKind(t, err, KindBodyTooLarge, CodeDataLengthExceedsMaximum)
	if !errors.Is(err, ErrBodyTooLarge) || !strings.Contains(e.Message(), "4096") {
		t.Fatalf("err %v", err)
	}
	for _, p := range []string{"/chunked", "/bomb"} {
		resp, err := c.Do(testCtx(t), &Request{URL: srv.URL + p})
		if err != nil {
			t.Fatal(p, err)
		}
		body, err := resp.ReadAll()
		wantKind(t, err, KindBodyTooLarge, CodeDataLengthExceedsMaximum)
		if len(body) != 4096 {
			t.Fatalf("%s: read %d bytes before the error, want 4096", p, len(body))
		}
	}
	resp, err := c.Do(testCtx(t), &Request{URL: srv.URL + "/exact"})
	if err != nil {
		t.Fatal(err)
	}
	if body, err := resp.ReadAll(); err != nil || len(body) != 4096 {
		t.Fatalf("exactly the cap: %d %v", len(body), err)
	}
	// A request may lower the cap, not raise it.
	for _, r := range []*Request{
		{URL: srv.URL + "/exact", MaxBody: 100},
		{URL: srv.URL + "/length", MaxBody: 1 << 20},
	} {
		resp, err := c.Do(testCtx(t), r)
		if err == nil {
			_, err = resp.ReadAll()
		}
		wantKind(t, err, KindBodyTooLarge, CodeDataLengthExceedsMaximum)
	}
}

func TestDecoding(t *testing.T) {
	text := strings.Repeat("hello, compressed world. ", 200)
	encode := map[string]func(io.Writer) io.WriteCloser{
		"gzip":    func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) },
		"deflate": func(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) },
		"br":      func(w io.Writer) io.WriteCloser { return brotli.NewWriter(w) },
		"raw-deflate": func(w io.Writer) io.WriteCloser {
			fw, _ := flate.NewWriter(w, flate.DefaultCompression)
			return fw
		},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		enc := r.URL.Query().Get("enc")
		w.Header().Set("X-Accept-Encoding", r.Header.Get("Accept-Encoding"))
		if enc == "" {
			io.WriteString(w, text)
			return
		}
		name := enc
		if enc == "raw-deflate" {
			name = "deflate"
		}
		w.Header().Set("Content-Encoding", name)
		zw := encode[enc](w)
		io.WriteString(zw, text)
		zw.Close()
	}))
	defer srv.Close()
	c := newClient(t, Config{})
	for _, enc := range []string{"", "gzip", "deflate", "raw-deflate", "br"} {
		resp, err := c.Do(testCtx(t), &Request{URL: srv.URL + "?enc=" + enc})
		if err != nil {
			t.Fatal(enc, err)
		}
		body, err := resp.ReadAll()
		if err != nil || string(body) != text {
			t.Fatalf("%s: %d bytes, %v", enc, len(body), err)
		}
		if resp.Header.Get("X-Accept-Encoding") != "gzip, deflate, br" || resp.Decoded != (enc != "") {
			t.Fatalf("%s: Accept-Encoding %q decoded %v", enc, resp.Header.Get("X-Accept-Encoding"), resp.Decoded)
		}
	}
	// NoDecompress gives the bytes as sent.
	resp, err := c.Do(testCtx(t), &Request{URL: srv.URL + "?enc=gzip", NoDecompress: true})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := resp.ReadAll()
	if resp.Decoded || len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b || resp.Header.Get("X-Accept-Encoding") != "" {
		t.Fatalf("NoDecompress: decoded %v, %x", resp.Decoded, body[:2])
	}
	// A corrupt gzip body is a network error, not a panic or garbage.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write([]byte("not gzip at all"))
	}))
	defer bad.Close()
	resp, err = c.Do(testCtx(t), &Request{URL: bad.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = resp.ReadAll()
	wantKind(t, err, KindNetwork, CodeNetworkConnectionLost)
}

func TestTLSVerified(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "secure")
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are the point
	srv.StartTLS()
	defer srv.Close()
	c := newClient(t, Config{})
	_, err := c.Do(testCtx(t), &Request{URL: srv.URL})
	wantKind(t, err, KindTLS, CodeServerCertificateBad)

	// Trusting the test CA makes it work; InsecureSkipVerify in the given
	// config is ignored.
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c2 := newClient(t, Config{TLSConfig: &tls.Config{RootCAs: pool}})
	resp, err := c2.Do(testCtx(t), &Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := resp.ReadAll(); string(body) != "secure" {
		t.Fatalf("body %q", body)
	}
	c3 := newClient(t, Config{TLSConfig: &tls.Config{InsecureSkipVerify: true}})
	_, err = c3.Do(testCtx(t), &Request{URL: srv.URL})
	wantKind(t, err, KindTLS, CodeServerCertificateBad)

	// A server that does not speak TLS.
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer plain.Close()
	_, err = c2.Do(testCtx(t), &Request{URL: "https://" + strings.TrimPrefix(plain.URL, "http://")})
	wantKind(t, err, KindTLS, CodeSecureConnectionFailed)
}

func TestUploadFileBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%d:%s", r.ContentLength, b)
	}))
	defer srv.Close()
	c := newClient(t, Config{})
	path := t.TempDir() + "/up.txt"
	if err := writeFile(path, "file content"); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(testCtx(t), &Request{Method: "PUT", URL: srv.URL, BodyFile: path})
	if err != nil {
		t.Fatal(err)
	}
	if body, _ := resp.ReadAll(); string(body) != "12:file content" {
		t.Fatalf("body %q", body)
	}
	_, err = c.Do(testCtx(t), &Request{Method: "PUT", URL: srv.URL, BodyFile: path + ".missing"})
	wantKind(t, err, KindInvalid, CodeUnknown)
	_, err = c.Do(testCtx(t), &Request{Method: "PUT", URL: srv.URL, BodyFile: t.TempDir()})
	wantKind(t, err, KindInvalid, CodeUnknown)
}

// ctxResolver records the connect timeout the dialer was given.
type ctxResolver struct{ got chan any }

func (r ctxResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	r.got <- ctx.Value(connectTimeoutKey{})
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestConnectTimeoutReachesDialer(t *testing.T) {
	r := ctxResolver{got: make(chan any, 1)}
	c := newClient(t, Config{Resolver: r})
	c.Do(testCtx(t), &Request{URL: "http://example.test/", ConnectTimeout: 1234 * time.Millisecond})
	if got := <-r.got; got != 1234*time.Millisecond {
		t.Fatalf("dialer saw connect timeout %v", got)
	}
}

func TestClosedClient(t *testing.T) {
	c := New(Config{DataDir: t.TempDir()})
	s, err := c.NewSession(testCtx(t), SessionConfig{Kind: Default})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Shutdown(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(testCtx(t), &Request{URL: "http://localhost/"})
	wantKind(t, err, KindAbort, CodeCancelled)
	_, err = s.NewTask(testCtx(t), DataTask, &Request{URL: "http://localhost/"}, nil)
	wantKind(t, err, KindAbort, CodeCancelled)
	_, err = c.NewSession(testCtx(t), SessionConfig{})
	wantKind(t, err, KindAbort, CodeCancelled)
}
