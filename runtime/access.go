package runtime

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"
)

// An AccessLogger writes the access log. The server calls LogAccess once per
// request, on the request's goroutine, after the response: it must be quick
// (buffer, never wait for a disk) and must not keep e.Request.
type AccessLogger interface {
	LogAccess(e AccessEntry)
}

// An AccessEntry describes one request served.
type AccessEntry struct {
	// Start is when the request arrived, Duration how long it took to serve.
	Start    time.Time
	Duration time.Duration
	// Request is the request: read it, never change or keep it.
	Request *http.Request
	// RequestID is the request's ID, as sent in X-Request-Id.
	RequestID string
	// Status is the status sent, Bytes the body bytes sent.
	Status int
	Bytes  int64
	// Kind tells how the path resolved (0: to nothing, 400 or 404).
	Kind RouteKind
	// Script is the script run (its path under the root), "" when none ran.
	Script string
	// Session is a short hash of the request's session ID, "" when the
	// request had no session. It ties the requests of one session together
	// in the log without showing the ID (the hash cannot be turned back
	// into a cookie).
	Session string
	// User is the name of the user the request was authenticated as, ""
	// for none: its Basic credentials, or its login session where the path
	// needs a user or the script asked who the user is (Call.User).
	User string

	trusted []netip.Prefix
}

// maxUserAgent bounds the user agent the access log shows.
const maxUserAgent = 512

// UserAgent returns the request's User-Agent header, cut at 512 bytes.
func (e *AccessEntry) UserAgent() string {
	ua := e.Request.Header["User-Agent"]
	if len(ua) == 0 {
		return ""
	}
	if len(ua[0]) > maxUserAgent {
		return ua[0][:maxUserAgent]
	}
	return ua[0]
}

// Client returns the client's IP address: the host of the connection's
// remote address or, when that is a trusted proxy (Config.TrustedProxies),
// the rightmost address of X-Forwarded-For that is not one (the addresses
// to its left were written by the client and prove nothing). An entry that
// is not an IP address ends the walk at the last trusted hop.
func (e *AccessEntry) Client() string { return clientAddr(e.Request, e.trusted) }

func validAddr(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// AppendAttrs appends the entry's attributes to dst, in the order the
// request line shows them: method, path, status, bytes, duration,
// request_id, client, then user, query_len (the length of the query string, which
// may hold secrets and is never logged), user_agent, script and session
// when they are not empty.
func (e *AccessEntry) AppendAttrs(dst []slog.Attr) []slog.Attr {
	r := e.Request
	dst = append(dst,
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", e.Status),
		slog.Int64("bytes", e.Bytes),
		slog.Duration("duration", e.Duration),
		slog.String("request_id", e.RequestID),
		slog.String("client", e.Client()),
	)
	if e.User != "" {
		dst = append(dst, slog.String("user", e.User))
	}
	if n := len(r.URL.RawQuery); n > 0 {
		dst = append(dst, slog.Int("query_len", n))
	}
	if ua := e.UserAgent(); ua != "" {
		dst = append(dst, slog.String("user_agent", ua))
	}
	if e.Script != "" {
		dst = append(dst, slog.String("script", e.Script))
	}
	if e.Session != "" {
		dst = append(dst, slog.String("session", e.Session))
	}
	return dst
}

// MaxAccessAttrs is the most attributes AppendAttrs appends.
const MaxAccessAttrs = 12

// Record returns the entry as the slog record of the request line: message
// "request" at info level, at the time the response was done.
func (e *AccessEntry) Record() slog.Record {
	rec := slog.NewRecord(e.Start.Add(e.Duration), slog.LevelInfo, "request", 0)
	var buf [MaxAccessAttrs]slog.Attr
	rec.AddAttrs(e.AppendAttrs(buf[:0])...)
	return rec
}

// slogAccessLog is the default access log: the request line on a logger.
type slogAccessLog struct{ l *slog.Logger }

func (a slogAccessLog) LogAccess(e AccessEntry) {
	if h := a.l.Handler(); h.Enabled(context.Background(), slog.LevelInfo) {
		_ = h.Handle(context.Background(), e.Record())
	}
}
