package runtime

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync/atomic"
)

// RequestIDHeader is the header that carries a request's ID, in both
// directions: a client (or a proxy in front) may send one, and every
// response carries the ID the server used.
const RequestIDHeader = "X-Request-Id"

// MaxRequestIDLen bounds an X-Request-Id the server accepts.
const MaxRequestIDLen = 128

// ValidRequestID reports whether id is acceptable as a request ID: 1 to 128
// bytes of letters, digits and - _ . : + = / @. Anything else (spaces,
// quotes, control characters, non-ASCII) could forge or break log lines, so
// the server replaces it with an ID of its own.
func ValidRequestID(id string) bool {
	if len(id) == 0 || len(id) > MaxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '=' || c == '/' || c == '@') {
			return false
		}
	}
	return true
}

// idSource makes request IDs: a random prefix per server, so IDs of several
// processes (and restarts) do not collide, and a counter, so making one costs
// an atomic add and a short string.
type idSource struct {
	prefix string // 12 hex digits and "-"
	n      atomic.Uint64
}

func newIDSource() *idSource {
	var b [6]byte
	_, _ = rand.Read(b[:]) // never fails (Go 1.24+)
	return &idSource{prefix: hex.EncodeToString(b[:]) + "-"}
}

func (s *idSource) next() string {
	var b [40]byte
	out := append(b[:0], s.prefix...)
	out = strconv.AppendUint(out, s.n.Add(1), 10)
	return string(out)
}

// requestID returns the ID of r: its valid X-Request-Id, or a new one.
func (s *idSource) requestID(r *http.Request) string {
	if v := r.Header[RequestIDHeader]; len(v) == 1 && ValidRequestID(v[0]) {
		return v[0]
	}
	return s.next()
}

// exchange is the server's side of one request in progress. It wraps the
// ResponseWriter so that every response carries X-Request-Id whatever the
// script did to the headers (reset, sendError), records the status and
// bytes actually sent, and carries what the access log and the metrics
// learn on the way (the session, the cause of a 503).
type exchange struct {
	http.ResponseWriter
	id      [1]string // the request ID, as a header value
	session string    // hash of the session ID, when the request had one
	user    string    // the authenticated user's name, when known
	bytes   int64
	status  int32 // the status sent, 0 until then
	cause   Cause // why the answer is 503, when known
}

func (x *exchange) stamp(code int) {
	x.ResponseWriter.Header()[RequestIDHeader] = x.id[:]
	if code >= 200 || code == http.StatusSwitchingProtocols {
		x.status = int32(code)
	}
}

// WriteHeader implements http.ResponseWriter.
func (x *exchange) WriteHeader(code int) {
	if x.status == 0 {
		x.stamp(code)
	}
	x.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (x *exchange) Write(p []byte) (int, error) {
	if x.status == 0 {
		x.stamp(http.StatusOK)
	}
	n, err := x.ResponseWriter.Write(p)
	x.bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher.
func (x *exchange) Flush() {
	if x.status == 0 {
		x.stamp(http.StatusOK)
	}
	if f, ok := x.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (x *exchange) Unwrap() http.ResponseWriter { return x.ResponseWriter }

// exchangeOf returns the exchange behind w, or nil (batch runs, tests that
// call a Response directly).
func exchangeOf(w http.ResponseWriter) *exchange {
	x, _ := w.(*exchange)
	return x
}

// noteCause records why the request behind w is answered 503 (the first
// cause noted wins), for the metrics.
func noteCause(w http.ResponseWriter, cause Cause) {
	if x := exchangeOf(w); x != nil && x.cause == 0 {
		x.cause = cause
	}
}

// RequestID returns the ID of the request (X-Request-Id), or "" in batch mode.
func (c *Call) RequestID() string {
	if x := exchangeOf(c.resp.w); x != nil {
		return x.id[0]
	}
	return ""
}

// noteSession records the request's session for the access log before the
// session handle is released.
func (c *Call) noteSession() {
	if x := exchangeOf(c.resp.w); x != nil && c.sess != nil {
		x.session = c.sess.LogID()
	}
}

// noteUser records the user the request is known to be authenticated as
// for the access log: from its credentials, or from its session when the
// server or the script looked (a session is never loaded just for the log).
func (c *Call) noteUser() {
	if x := exchangeOf(c.resp.w); x != nil && c.userKnown && c.user != nil {
		x.user = c.user.Name
	}
}
