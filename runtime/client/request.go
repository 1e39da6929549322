package client

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
)

// A RedirectMode says what a request does with a 3xx answer that has a
// Location.
type RedirectMode int

const (
	// RedirectFollow follows redirects, at most Request.MaxRedirects of
	// them (fetch's "follow", the default).
	RedirectFollow RedirectMode = iota
	// RedirectManual returns the 3xx response itself (fetch's "manual",
	// Dirigible's default: redirectsEnabled false).
	RedirectManual
	// RedirectError fails with KindRedirect on the first redirect (fetch's
	// "error").
	RedirectError
)

// A Request describes one outbound HTTP request. The package never
// modifies a Request and does not keep it after the call that took it
// returns, except a task, which keeps it until it completes.
type Request struct {
	// Method is the HTTP method; "" means GET.
	Method string
	// URL is the absolute http or https URL.
	URL string
	// Header holds the request's headers; they win over a session's
	// default headers. Host and Connection are ignored.
	Header http.Header
	// Body is the request body. At most one of Body and BodyFile is set.
	Body []byte
	// BodyFile is the path of a file sent as the body (uploads); the
	// caller checks that the script may read it.
	BodyFile string
	// Redirect is the redirect mode; the zero value follows redirects.
	Redirect RedirectMode
	// MaxRedirects caps the redirects followed; 0 means DefaultMaxRedirects.
	MaxRedirects int
	// Timeout bounds the whole request, body included. 0 means the
	// session's resource timeout (none for Client.Do); < 0 means none.
	Timeout time.Duration
	// IdleTimeout bounds each wait for data (connecting, the answer, each
	// read of the body); it restarts on progress. 0 means the session's
	// request timeout (none for Client.Do); < 0 means none.
	IdleTimeout time.Duration
	// ConnectTimeout bounds establishing a connection; 0 means the
	// client's ConnectTimeout.
	ConnectTimeout time.Duration
	// MaxBody lowers the client's cap on the response body for this
	// request; 0 or a value above the client's cap means the client's.
	MaxBody int64
	// NoDecompress neither asks for nor decodes compressed bodies: the
	// body is returned as the server sent it.
	NoDecompress bool
}

// A Response is the answer to a request, returned once its headers have
// arrived. Its Body must be read and closed; while it is open, the
// request's timeouts still run.
type Response struct {
	// StatusCode is the HTTP status (200).
	StatusCode int
	// Status is the reason phrase ("OK").
	Status string
	// Proto is the protocol ("HTTP/1.1").
	Proto string
	// Header holds the response headers as received (Content-Encoding and
	// Content-Length included, also when the body is decoded).
	Header http.Header
	// URL is the final URL, after redirects.
	URL string
	// Redirected reports whether at least one redirect was followed.
	Redirected bool
	// ContentLength is the length of Body if known, else -1.
	ContentLength int64
	// Decoded reports whether Body is decoded from a Content-Encoding.
	Decoded bool
	// Body is the decoded body, capped at the body limit. Read errors are
	// *Error values (KindBodyTooLarge, KindTimeout, KindAbort...).
	Body io.ReadCloser
}

// ReadAll reads and closes the body.
func (r *Response) ReadAll() ([]byte, error) {
	defer r.Body.Close()
	var buf bytes.Buffer
	if r.ContentLength > 0 && r.ContentLength < 64<<20 {
		buf.Grow(int(r.ContentLength))
	}
	_, err := buf.ReadFrom(r.Body)
	return buf.Bytes(), err
}

// exchangeOpts is what a session or task adds to a plain request.
type exchangeOpts struct {
	transport http.RoundTripper
	jar       http.CookieJar
	defaults  http.Header
	idle      time.Duration
	total     time.Duration
	// onSend is called with the number of request body bytes the
	// transport read, as it reads them.
	onSend func(n int64)
	// header adjusts the prepared headers (Range, If-Range).
	header func(h http.Header)
	// maxBody, when > 0, lowers the cap further (resumed downloads).
	maxBody int64
	// cancel, when set, cancels ctx, which then belongs to this exchange
	// alone (a task's attempt): the exchange uses it instead of deriving
	// its own.
	cancel context.CancelCauseFunc
}

// exchange holds the timers and the context of one request in flight.
type exchange struct {
	ctx      context.Context
	cancel   context.CancelCauseFunc
	idleDur  time.Duration
	idle     *time.Timer
	total    *time.Timer
	stopOnce sync.Once
}

func newExchange(parent context.Context, cancel context.CancelCauseFunc, idle, total time.Duration) *exchange {
	ctx := parent
	if cancel == nil {
		ctx, cancel = context.WithCancelCause(parent)
	}
	ex := &exchange{ctx: ctx, cancel: cancel, idleDur: idle}
	if total > 0 {
		ex.total = time.AfterFunc(total, func() { cancel(errResourceTimeout) })
	}
	if idle > 0 {
		ex.idle = time.AfterFunc(idle, func() { cancel(errIdleTimeout) })
	}
	return ex
}

// touch restarts the idle timer: data moved.
func (ex *exchange) touch() {
	if ex.idle != nil {
		ex.idle.Reset(ex.idleDur)
	}
}

// done stops the timers and releases the context.
func (ex *exchange) done() {
	ex.stopOnce.Do(func() {
		if ex.idle != nil {
			ex.idle.Stop()
		}
		if ex.total != nil {
			ex.total.Stop()
		}
		ex.cancel(errCanceled)
	})
}

// parseURL checks that raw is an absolute http(s) URL.
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, newError(KindBadURL, CodeBadURL, raw, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return nil, newError(KindBadURL, CodeBadURL, raw, errors.New("not an absolute URL"))
	default:
		return nil, newError(KindBadURL, CodeUnsupportedURL, raw, fmt.Errorf("unsupported scheme %q", u.Scheme))
	}
	if u.Host == "" {
		return nil, newError(KindBadURL, CodeBadURL, raw, errors.New("missing host"))
	}
	return u, nil
}

// bodyOf returns the request body reader, its length (-1 unknown) and a
// GetBody for redirects that resend the body.
func bodyOf(r *Request) (io.ReadCloser, int64, func() (io.ReadCloser, error), error) {
	switch {
	case r.Body != nil && r.BodyFile != "":
		return nil, 0, nil, newError(KindInvalid, CodeUnknown, r.URL, errors.New("both Body and BodyFile are set"))
	case r.BodyFile != "":
		open := func() (io.ReadCloser, error) { return os.Open(r.BodyFile) }
		f, err := os.Open(r.BodyFile)
		if err != nil {
			return nil, 0, nil, newError(KindInvalid, CodeUnknown, r.URL, fmt.Errorf("reading upload file: %w", err))
		}
		fi, err := f.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			f.Close()
			return nil, 0, nil, newError(KindInvalid, CodeUnknown, r.URL, fmt.Errorf("upload file %s is not a regular file", r.BodyFile))
		}
		return f, fi.Size(), open, nil
	case r.Body != nil:
		b := r.Body
		return io.NopCloser(bytes.NewReader(b)), int64(len(b)), func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(b)), nil
		}, nil
	}
	return nil, 0, nil, nil
}

// countingBody reports the bytes the transport reads from a request body.
type countingBody struct {
	rc     io.ReadCloser
	ex     *exchange
	onSend func(int64)
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	if n > 0 {
		c.ex.touch()
		if c.onSend != nil {
			c.onSend(int64(n))
		}
	}
	return n, err
}

func (c *countingBody) Close() error { return c.rc.Close() }

// hopHeader reports headers a request or a session may not set.
func hopHeader(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Host", "Connection", "Content-Length", "Transfer-Encoding":
		return true
	}
	return false
}

// exchange sends r and returns the response once its headers are in.
func (c *Client) exchange(ctx context.Context, r *Request, o *exchangeOpts) (*Response, error) {
	u, err := parseURL(r.URL)
	if err != nil {
		return nil, err
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	idle, total := o.idle, o.total
	if r.IdleTimeout != 0 {
		idle = r.IdleTimeout
	}
	if r.Timeout != 0 {
		total = r.Timeout
	}
	cancel := o.cancel
	if r.ConnectTimeout > 0 {
		ctx = context.WithValue(ctx, connectTimeoutKey{}, r.ConnectTimeout)
	}
	ex := newExchange(ctx, cancel, idle, total)
	ok := false
	defer func() {
		if !ok {
			ex.done()
		}
	}()

	body, length, getBody, err := bodyOf(r)
	if err != nil {
		return nil, err
	}
	req := &http.Request{
		Method:     strings.ToUpper(method),
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     make(http.Header, len(r.Header)+len(o.defaults)+3),
		Host:       u.Host,
	}
	if !validMethod(method) {
		if body != nil {
			body.Close()
		}
		return nil, newError(KindInvalid, CodeUnknown, r.URL, fmt.Errorf("invalid method %q", method))
	}
	if method != req.Method && !isStandardMethod(req.Method) {
		req.Method = method // custom verbs keep their case
	}
	req = req.WithContext(ex.ctx)
	if body != nil {
		req.Body = &countingBody{rc: body, ex: ex, onSend: o.onSend}
		req.ContentLength = length
		req.GetBody = func() (io.ReadCloser, error) {
			rc, err := getBody()
			if err != nil {
				return nil, err
			}
			return &countingBody{rc: rc, ex: ex, onSend: o.onSend}, nil
		}
		if length == 0 {
			req.Body = http.NoBody
			req.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
		}
	}
	for k, v := range r.Header {
		if hopHeader(k) {
			continue
		}
		req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
	}
	for k, v := range o.defaults {
		if _, set := req.Header[k]; !set {
			req.Header[k] = v
		}
	}
	if _, set := req.Header["User-Agent"]; !set {
		req.Header["User-Agent"] = []string{c.cfg.UserAgent}
	}
	if _, set := req.Header["Accept-Encoding"]; !set && !r.NoDecompress {
		req.Header["Accept-Encoding"] = []string{"gzip, deflate, br"}
	}
	if o.header != nil {
		o.header(req.Header)
	}

	maxRedirects := r.MaxRedirects
	if maxRedirects <= 0 {
		maxRedirects = DefaultMaxRedirects
	}
	redirected := false
	hc := http.Client{
		Transport: o.transport,
		Jar:       o.jar,
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			switch r.Redirect {
			case RedirectManual:
				return http.ErrUseLastResponse
			case RedirectError:
				return ErrRedirect
			}
			if len(via) > maxRedirects {
				return ErrTooManyRedirects
			}
			redirected = true
			return nil
		},
	}
	resp, err := hc.Do(req)
	if err != nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		return nil, classify(err, ex.ctx, r.URL)
	}
	ex.touch()

	maxBody := c.cfg.MaxBody
	if r.MaxBody > 0 && (maxBody < 0 || r.MaxBody < maxBody) {
		maxBody = r.MaxBody
	}
	if o.maxBody > 0 && (maxBody < 0 || o.maxBody < maxBody) {
		maxBody = o.maxBody
	}
	out := &Response{
		StatusCode:    resp.StatusCode,
		Status:        reasonPhrase(resp),
		Proto:         resp.Proto,
		Header:        resp.Header,
		URL:           resp.Request.URL.String(),
		Redirected:    redirected,
		ContentLength: resp.ContentLength,
	}
	enc := ""
	if !r.NoDecompress && req.Method != http.MethodHead {
		enc = strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding")))
		switch enc {
		case "gzip", "x-gzip", "deflate", "br":
			out.Decoded = true
			out.ContentLength = -1
		default:
			enc = ""
		}
	}
	if maxBody >= 0 && out.ContentLength > maxBody {
		resp.Body.Close()
		return nil, newError(KindBodyTooLarge, CodeDataLengthExceedsMaximum, out.URL,
			fmt.Errorf("%w: Content-Length %d is over the limit of %d bytes", ErrBodyTooLarge, out.ContentLength, maxBody))
	}
	out.Body = &responseBody{raw: resp.Body, ex: ex, enc: enc, max: maxBody, url: out.URL}
	ok = true
	return out, nil
}

// reasonPhrase returns the reason phrase of resp ("OK" of "200 OK").
func reasonPhrase(resp *http.Response) string {
	s := resp.Status
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[i+1:]
	}
	return http.StatusText(resp.StatusCode)
}

func isStandardMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodTrace, http.MethodConnect:
		return true
	}
	return false
}

// validMethod reports whether m is an HTTP token.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}

// responseBody decodes, caps and classifies the body of a response, and
// restarts the idle timer as data arrives.
type responseBody struct {
	raw  io.ReadCloser
	ex   *exchange
	enc  string
	dec  io.Reader
	max  int64
	n    int64
	err  error
	url  string
	once sync.Once
}

// Read implements io.Reader.
func (b *responseBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.dec == nil {
		src := io.Reader(touchReader{b.raw, b.ex})
		dec, err := newDecoder(b.enc, src)
		if err != nil {
			return 0, b.fail(err)
		}
		b.dec = dec
	}
	n, err := b.dec.Read(p)
	b.n += int64(n)
	if b.max >= 0 && b.n > b.max {
		n -= int(b.n - b.max)
		b.n = b.max
		b.err = newError(KindBodyTooLarge, CodeDataLengthExceedsMaximum, b.url,
			fmt.Errorf("%w: over the limit of %d bytes", ErrBodyTooLarge, b.max))
		b.release()
		return n, b.err
	}
	if err == io.EOF {
		b.err = io.EOF
		b.release()
		return n, io.EOF
	}
	if err != nil {
		return n, b.fail(err)
	}
	return n, nil
}

func (b *responseBody) fail(err error) error {
	b.err = classify(err, b.ex.ctx, b.url)
	b.release()
	return b.err
}

func (b *responseBody) release() {
	b.once.Do(func() {
		b.raw.Close()
		b.ex.done()
	})
}

// Close implements io.Closer.
func (b *responseBody) Close() error {
	if b.err == nil {
		b.err = newError(KindInvalid, CodeUnknown, b.url, errors.New("body closed"))
	}
	b.release()
	return nil
}

type touchReader struct {
	r  io.Reader
	ex *exchange
}

func (t touchReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.ex.touch()
	}
	return n, err
}

// newDecoder returns a reader decoding r from the content coding enc.
func newDecoder(enc string, r io.Reader) (io.Reader, error) {
	switch enc {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("decoding gzip body: %w", err)
		}
		return zr, nil
	case "deflate":
		// "deflate" is zlib (RFC 9110), but some servers send raw deflate.
		br := bufio.NewReader(r)
		head, _ := br.Peek(2)
		if len(head) == 2 && head[0]&0x0f == 8 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0 {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, fmt.Errorf("decoding deflate body: %w", err)
			}
			return zr, nil
		}
		return flate.NewReader(br), nil
	case "br":
		return brotli.NewReader(r), nil
	}
	return r, nil
}
