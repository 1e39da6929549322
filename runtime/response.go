package runtime

import (
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrCommitted is returned by Response methods that need the response not to
// have started (Reset, SendError, Redirect after output was flushed).
var ErrCommitted = errors.New("runtime: response already committed")

// Response is the buffered response of one script run. Output is kept in a
// buffer (Config.ResponseBuffer) and sent when the script ends, when it
// calls Flush, or when the buffer fills; until then status and headers may
// change. Before the first byte goes out, the commit hook runs (the session
// is written and its cookie set); if it fails, the client gets a 503 instead
// of the script's output.
type Response struct {
	w       http.ResponseWriter
	status  int
	buf     []byte
	limit   int
	started bool   // status and headers are sent
	done    bool   // no more output is accepted (closed, error sent, redirected)
	written int64  // body bytes sent
	failed  error  // the commit hook's error, once it failed
	charset string // set by SetCharacterEncoding or a content type; kept by later content types
	// maxOutput bounds the body (0: no limit); overflow is the error once
	// a write passed it. The response has then failed, whatever the script
	// does with the exception.
	maxOutput int64
	overflow  error

	// call, when set, commits its session once before the first byte.
	call *Call
}

func (r *Response) init(w http.ResponseWriter, limit int, call *Call) {
	r.w, r.status, r.limit, r.call = w, http.StatusOK, limit, call
	r.buf = r.buf[:0]
	r.started, r.done, r.written, r.failed, r.charset = false, false, 0, nil, ""
	r.maxOutput, r.overflow = 0, nil
}

// Room returns how many more bytes the body may take before the output
// limit (math.MaxInt64 without one).
func (r *Response) Room() int64 {
	if r.maxOutput <= 0 {
		return math.MaxInt64
	}
	return max(0, r.maxOutput-r.written-int64(len(r.buf)))
}

// Overflow returns the error of a write past the output limit, or nil.
func (r *Response) Overflow() error { return r.overflow }

// over reports whether n more bytes pass the output limit, and if so fails
// the response.
func (r *Response) over(n int) bool {
	if r.maxOutput <= 0 || r.written+int64(len(r.buf))+int64(n) <= r.maxOutput {
		return r.overflow != nil
	}
	if r.overflow == nil {
		r.overflow = fmt.Errorf("%w: more than %d bytes", ErrOutputLimit, r.maxOutput)
		r.buf = r.buf[:0]
	}
	return true
}

// Header returns the response headers. Changes after the response has
// started are ignored.
func (r *Response) Header() http.Header { return r.w.Header() }

// Status returns the status code (200 unless set).
func (r *Response) Status() int { return r.status }

// SetStatus sets the status code; it is ignored once the response is
// committed.
func (r *Response) SetStatus(code int) {
	if !r.Committed() && code >= 100 && code <= 999 {
		r.status = code
	}
}

// Committed reports whether the response is committed, as a servlet's
// isCommitted: status and headers are sent, or decided by SendError,
// Redirect or Close. Changes to status and headers are then ignored.
func (r *Response) Committed() bool { return r.started || r.done }

// SetContentType sets the Content-Type header. A type without a charset
// gets the one set before by SetCharacterEncoding or a content type (the
// servlet rule); an empty type removes the header.
func (r *Response) SetContentType(ct string) {
	if r.Committed() {
		return
	}
	h := r.w.Header()
	if ct == "" {
		h.Del("Content-Type")
		return
	}
	if strings.IndexByte(ct, ';') >= 0 { // has parameters, maybe a charset
		if _, params, err := mime.ParseMediaType(ct); err == nil && params["charset"] != "" {
			r.charset = params["charset"]
			h.Set("Content-Type", ct)
			return
		}
	}
	if r.charset != "" {
		ct = withCharset(ct, r.charset)
	}
	h.Set("Content-Type", ct)
}

// SetCharacterEncoding sets the charset of the content type, now and for a
// later content type without one. It adds no Content-Type by itself.
func (r *Response) SetCharacterEncoding(cs string) {
	if r.Committed() {
		return
	}
	r.charset = cs
	if h := r.w.Header(); h.Get("Content-Type") != "" {
		h.Set("Content-Type", withCharset(h.Get("Content-Type"), cs))
	}
}

// CharacterEncoding returns the charset of the content type, or the one set
// for it, or "UTF-8" (what print writes).
func (r *Response) CharacterEncoding() string {
	if _, params, err := mime.ParseMediaType(r.w.Header().Get("Content-Type")); err == nil && params["charset"] != "" {
		return params["charset"]
	}
	if r.charset != "" {
		return r.charset
	}
	return "UTF-8"
}

// withCharset returns the content type ct with its charset parameter set to
// cs, or removed when cs is empty.
func withCharset(ct, cs string) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		mt, params = strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]), map[string]string{}
	}
	if cs == "" {
		delete(params, "charset")
	} else {
		params["charset"] = cs
	}
	if f := mime.FormatMediaType(mt, params); f != "" {
		return f
	}
	return ct
}

// Done reports whether the response accepts no more output.
func (r *Response) Done() bool { return r.done }

// Write adds p to the body. Output after Close, SendError or Redirect is
// discarded. When the buffer fills, it is flushed. Past the output limit it
// fails with ErrOutputLimit.
func (r *Response) Write(p []byte) (int, error) {
	if r.done {
		return len(p), nil
	}
	if r.over(len(p)) {
		return 0, r.overflow
	}
	if len(r.buf)+len(p) > r.limit {
		if err := r.Flush(); err != nil {
			return 0, err
		}
		if len(p) >= r.limit {
			r.armWrite()
			n, err := r.w.Write(p)
			r.written += int64(n)
			return len(p), ignoreBodyNotAllowed(err)
		}
	}
	r.buf = append(r.buf, p...)
	return len(p), nil
}

// WriteString adds s to the body, like Write.
func (r *Response) WriteString(s string) (int, error) {
	if r.done {
		return len(s), nil
	}
	if r.over(len(s)) {
		return 0, r.overflow
	}
	if len(r.buf)+len(s) > r.limit {
		return r.Write([]byte(s))
	}
	r.buf = append(r.buf, s...)
	return len(s), nil
}

// Flush sends status, headers and the buffered body to the client now.
func (r *Response) Flush() error {
	if err := r.start(false); err != nil {
		return err
	}
	r.armWrite()
	if len(r.buf) > 0 {
		n, err := r.w.Write(r.buf)
		r.written += int64(n)
		r.buf = r.buf[:0]
		if err = ignoreBodyNotAllowed(err); err != nil {
			return err
		}
	}
	if f, ok := r.w.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}

// armWrite bounds a write the handler makes to the client.
func (r *Response) armWrite() {
	if r.call != nil {
		r.call.armWrite()
	}
}

// start runs the commit hook and sends status and headers, once. When final
// is set the whole body is in the buffer and its length is announced.
// Before that, while the script runs, nothing starts after its deadline: a
// run past its limit commits no session and sends no byte.
func (r *Response) start(final bool) error {
	if r.failed != nil {
		return r.failed
	}
	if r.overflow != nil {
		return r.overflow
	}
	if r.started {
		return nil
	}
	if !final && r.call != nil && !r.call.deadline.IsZero() && time.Now().After(r.call.deadline) {
		return ErrTimeout
	}
	if r.call != nil {
		if err := r.call.commitSession(final); err != nil {
			r.failed = err
			r.sendPlain(http.StatusServiceUnavailable, "Service Unavailable\n", true)
			return err
		}
	}
	// net/http announces the length of small bodies itself; for a larger
	// one sent whole, saying it spares the client chunked encoding.
	if h := r.w.Header(); final && len(r.buf) > 2048 && bodyAllowed(r.status) && h.Get("Content-Length") == "" {
		h.Set("Content-Length", strconv.Itoa(len(r.buf)))
	}
	r.started = true
	r.w.WriteHeader(r.status)
	return nil
}

// finish sends what is left: status and headers if they are not out, and the
// buffered body. The script's work is over.
func (r *Response) finish() error {
	if r.failed != nil {
		return r.failed
	}
	if r.started {
		// The session was committed at the first byte; what the script
		// changed since (no new cookie is possible) is committed now.
		if r.call != nil {
			if err := r.call.commitSession(true); err != nil {
				r.failed = err
				return err
			}
		}
	} else if err := r.start(true); err != nil {
		return err
	}
	if r.call != nil && len(r.buf) > 4096 { // more than net/http buffers: written now
		r.armWrite()
	}
	if len(r.buf) > 0 {
		n, err := r.w.Write(r.buf)
		r.written += int64(n)
		r.buf = r.buf[:0]
		return ignoreBodyNotAllowed(err)
	}
	return nil
}

// Reset clears status, headers, charset and buffered body. It fails once the
// response is committed.
func (r *Response) Reset() error {
	if r.Committed() {
		return ErrCommitted
	}
	clear(r.w.Header())
	r.status = http.StatusOK
	r.buf = r.buf[:0]
	r.charset = ""
	return nil
}

// Close flushes the response and accepts no more output.
func (r *Response) Close() error {
	err := r.Flush()
	r.done = true
	return err
}

// SendError replaces the response with status code and a plain-text message
// (the status text when msg is empty) and commits it: later output is
// discarded. It fails for a code outside 100–999 and once committed.
func (r *Response) SendError(code int, msg string) error {
	if code < 100 || code > 999 {
		return fmt.Errorf("runtime: invalid HTTP status code %d", code)
	}
	if r.Committed() {
		return ErrCommitted
	}
	if msg == "" {
		msg = http.StatusText(code)
	}
	r.buf = r.buf[:0]
	h := r.w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	r.status = code
	r.buf = append(r.buf, msg...)
	r.done = true
	return nil
}

// Redirect answers 302 Found with Location loc and commits the response:
// later output is discarded. It fails once committed.
func (r *Response) Redirect(loc string) error {
	if r.Committed() {
		return ErrCommitted
	}
	r.buf = r.buf[:0]
	r.w.Header().Set("Location", loc)
	r.status = http.StatusFound
	r.done = true
	return nil
}

// sendPlain answers status with body in place of anything the script set,
// when nothing has been sent yet. With skipCommit set, the session is not
// committed (a failed request must not set session cookies).
func (r *Response) sendPlain(status int, body string, skipCommit bool) {
	r.done = true
	r.buf = r.buf[:0]
	if r.started {
		return
	}
	if skipCommit {
		r.call = nil
	}
	h := r.w.Header()
	clear(h)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "1")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	r.started = true
	r.status = status
	r.w.WriteHeader(status)
	n, _ := r.w.Write([]byte(body))
	r.written += int64(n)
}

func bodyAllowed(status int) bool {
	return !(status >= 100 && status <= 199 || status == http.StatusNoContent || status == http.StatusNotModified)
}

func ignoreBodyNotAllowed(err error) error {
	if errors.Is(err, http.ErrBodyNotAllowed) {
		return nil
	}
	return err
}
