package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
)

// ErrBodyTooLarge is returned by Call.Body when the request body is larger
// than Config.MaxBodyBytes.
var ErrBodyTooLarge = errors.New("runtime: request body too large")

// ErrBodyConsumed is returned by Call.Body when the body was read as a
// stream (Call.BodyReader) and so was not kept.
var ErrBodyConsumed = errors.New("runtime: the request body was read as a stream and not kept")

// A Call is one run of a script: an HTTP request, or a batch run without one
// (dirigo run). Modules reach it through VM.Call while the script runs; it
// exposes the request, the buffered response and the session, nothing more.
type Call struct {
	vm     *VM
	gen    uint64 // watcher generation at the start of the call (0: unwatched)
	ctx    context.Context
	req    *http.Request // nil in batch mode
	resp   Response
	route  Route
	mgr    *sessions.Manager
	sess   *sessions.Session
	logger *slog.Logger
	scoped bool // logger has the script attribute

	// auth is Config.Auth; user is the request's user once userKnown.
	auth      Auth
	user      *User
	userKnown bool

	maxBody  int64
	form     url.Values
	body     []byte
	bodyErr  error
	bodyRead bool
	attrs    map[string]string
	cleanups []func()

	// deadline is when the script's time is up (zero: no limit); reading
	// the body and writing the response are bounded by it.
	deadline   time.Time
	readArmed  bool // a read deadline is set on the connection
	writeArmed bool // a write deadline is set on the connection

	// runs without HTTP (Server.Run)
	args     []string
	exitCode int
	job      *Job
	result   any
}

// writeGrace bounds each write of the response the script's handler makes
// (a flush, or a large final body): a client that does not read cannot hold
// a VM longer than that per chunk.
const writeGrace = 30 * time.Second

// armRead bounds the reading of the request body by the script's deadline:
// goja's interrupt cannot stop a Go read from a slow client.
func (c *Call) armRead() {
	if c.req == nil || c.deadline.IsZero() {
		return
	}
	if http.NewResponseController(c.resp.w).SetReadDeadline(c.deadline) == nil {
		c.readArmed = true
	}
}

// armWrite bounds the next write of the response.
func (c *Call) armWrite() {
	if c.req == nil {
		return
	}
	if http.NewResponseController(c.resp.w).SetWriteDeadline(time.Now().Add(writeGrace)) == nil {
		c.writeArmed = true
	}
}

// disarm removes the deadlines the call set, so they do not outlive the
// request on a kept-alive connection.
func (c *Call) disarm() {
	if !c.readArmed && !c.writeArmed {
		return
	}
	rc := http.NewResponseController(c.resp.w)
	if c.readArmed {
		_ = rc.SetReadDeadline(time.Time{})
	}
	if c.writeArmed {
		_ = rc.SetWriteDeadline(time.Time{})
	}
	c.readArmed, c.writeArmed = false, false
}

// reset prepares a reused Call for a new request, keeping its buffers.
func (c *Call) reset(ctx context.Context, gen uint64, r *http.Request, route Route, mgr *sessions.Manager, logger *slog.Logger, maxBody int64) {
	resp := c.resp
	*c = Call{ctx: ctx, gen: gen, req: r, route: route, mgr: mgr, logger: logger, maxBody: maxBody}
	c.resp.buf = resp.buf[:0]
}

// Request returns the HTTP request, or nil in batch mode.
func (c *Call) Request() *http.Request { return c.req }

// Response returns the buffered response, or nil in batch mode.
func (c *Call) Response() *Response {
	if c.req == nil {
		return nil
	}
	return &c.resp
}

// Route returns how the request path was resolved (zero in batch mode).
func (c *Call) Route() Route { return c.route }

// Logger returns the logger of the call, with the script path and the
// request ID attached.
func (c *Call) Logger() *slog.Logger {
	if !c.scoped {
		c.scoped = true
		if id := c.RequestID(); id != "" {
			c.logger = c.logger.With("script", c.route.File, "request_id", id)
		} else {
			c.logger = c.logger.With("script", c.route.File)
		}
	}
	return c.logger
}

// Args returns the arguments of a batch run after the file name.
func (c *Call) Args() []string { return c.args }

// Session returns the request's session handle, or nil in batch mode and
// when the server keeps no sessions. The handle loads the session on first use.
func (c *Call) Session() *sessions.Session {
	if c.sess == nil && c.mgr != nil && c.req != nil {
		c.sess = c.mgr.Begin(c.req)
		if c.resp.started {
			c.sess.ResponseStarted()
		}
	}
	return c.sess
}

// Body returns the request body, read once (up to Config.MaxBodyBytes) and
// kept for every later call.
func (c *Call) Body() ([]byte, error) {
	if c.req == nil {
		return nil, nil
	}
	if !c.bodyRead {
		c.bodyRead = true
		if c.req.Body != nil && c.req.Body != http.NoBody {
			c.armRead()
			data, err := io.ReadAll(io.LimitReader(c.req.Body, c.maxBody+1))
			switch {
			case err != nil:
				c.bodyErr = fmt.Errorf("reading request body: %w", err)
			case int64(len(data)) > c.maxBody:
				c.bodyErr = fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, c.maxBody)
			default:
				c.body = data
			}
		}
	}
	return c.body, c.bodyErr
}

// BodyReader returns the request body as a stream, for a module that must
// not hold a large body in memory (a file upload). Reading more than
// Config.MaxBodyBytes from it fails with an error that wraps
// ErrBodyTooLarge; the read is bounded by the script's deadline. The body
// is not kept: afterwards Body returns ErrBodyConsumed, and Form ignores
// the parameters of the body. When Body has read the body already,
// BodyReader reads the kept bytes. Only one stream is handed out.
func (c *Call) BodyReader() (io.Reader, error) {
	if c.req == nil {
		return bytes.NewReader(nil), nil
	}
	if c.bodyRead {
		if c.bodyErr != nil {
			return nil, c.bodyErr
		}
		return bytes.NewReader(c.body), nil
	}
	c.bodyRead = true
	if c.req.Body == nil || c.req.Body == http.NoBody {
		return bytes.NewReader(nil), nil
	}
	c.bodyErr = ErrBodyConsumed
	c.armRead()
	return &limitedBody{r: c.req.Body, n: c.maxBody, max: c.maxBody}, nil
}

// limitedBody reads at most n more bytes of a request body; past them it
// fails with ErrBodyTooLarge.
type limitedBody struct {
	r      io.Reader
	n, max int64
	err    error
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.n <= 0 {
		// At the limit: the body must end here.
		var one [1]byte
		n, err := b.r.Read(one[:])
		switch {
		case n > 0:
			b.err = fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, b.max)
		case err == nil:
			return 0, nil
		case err == io.EOF:
			b.err = io.EOF
		default:
			b.err = fmt.Errorf("reading request body: %w", err)
		}
		return 0, b.err
	}
	if int64(len(p)) > b.n {
		p = p[:b.n]
	}
	n, err := b.r.Read(p)
	b.n -= int64(n)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("reading request body: %w", err)
		b.err = err
	}
	return n, err
}

// Cleanup registers fn to run when the call ends: after the response has
// been sent (or the batch run has finished), on the goroutine that ran the
// script, before the VM serves anything else. Functions run in the reverse
// order of their registration. Modules use it to release what they hold
// for one request, such as temporary files.
func (c *Call) Cleanup(fn func()) { c.cleanups = append(c.cleanups, fn) }

// File returns the absolute path of the script file.
func (c *Call) File() string {
	if c.vm == nil {
		return c.route.File
	}
	return path.Join(c.vm.h.rootDir, c.route.File)
}

// Form returns the request parameters: the query string's, then those of an
// application/x-www-form-urlencoded or multipart/form-data body (fields
// only), like a servlet container. It is parsed once. A source over the
// limits (10 000 parameters, 1000 parts) or a malformed multipart body
// gives no parameters, and a warning in the log.
func (c *Call) Form() (url.Values, error) {
	if c.req == nil {
		return nil, nil
	}
	if c.form != nil {
		return c.form, nil
	}
	form, err := parseParams(c.req.URL.RawQuery)
	if err != nil {
		c.Logger().Warn("ignoring the query string's parameters", "error", err)
	}
	var more url.Values
	ct, params, _ := mime.ParseMediaType(c.req.Header.Get("Content-Type"))
	switch {
	case ct == "application/x-www-form-urlencoded":
		body, err := c.Body()
		if err != nil && !errors.Is(err, ErrBodyConsumed) {
			return nil, err
		}
		if more, err = parseParams(string(body)); err != nil {
			c.Logger().Warn("ignoring the form body's parameters", "error", err)
		}
	case ct == "multipart/form-data" && params["boundary"] != "":
		body, err := c.Body()
		switch {
		case errors.Is(err, ErrBodyConsumed): // an upload read it: its items have the fields
		case err != nil:
			return nil, err
		default:
			if more, err = multipartFields(body, params["boundary"]); err != nil {
				c.Logger().Warn("ignoring the form body's parameters", "error", err)
			}
		}
	}
	for k, vs := range more {
		form[k] = append(form[k], vs...)
	}
	c.form = form
	return form, nil
}

// Attribute returns the request attribute name (request.setAttribute).
func (c *Call) Attribute(name string) (string, bool) {
	v, ok := c.attrs[name]
	return v, ok
}

// SetAttribute sets a request attribute.
func (c *Call) SetAttribute(name, value string) {
	if c.attrs == nil {
		c.attrs = map[string]string{}
	}
	c.attrs[name] = value
}

// RemoveAttribute removes a request attribute.
func (c *Call) RemoveAttribute(name string) { delete(c.attrs, name) }

// AttributeNames returns the names of the request attributes, sorted.
func (c *Call) AttributeNames() []string {
	names := make([]string, 0, len(c.attrs))
	for n := range c.attrs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// SetExitCode sets the exit code of a batch run.
func (c *Call) SetExitCode(code int) { c.exitCode = code }

// commitSession is the response's commit hook. The last commit also lets
// the session's other requests go, before the body is written to the client.
func (c *Call) commitSession(last bool) error {
	if c.sess == nil {
		return nil
	}
	var err error
	if last {
		err = c.sess.CommitLast(c.resp.Header())
	} else {
		err = c.sess.Commit(c.resp.Header())
	}
	if err != nil {
		noteCause(c.resp.w, causeOf(err))
	}
	return err
}

// end releases what the call holds: what modules registered with Cleanup,
// the session, the connection deadlines.
func (c *Call) end() {
	for i := len(c.cleanups) - 1; i >= 0; i-- {
		c.cleanups[i]()
	}
	c.cleanups = nil
	c.noteUser()
	if c.sess != nil {
		c.noteSession()
		c.sess.End()
		c.sess = nil
	}
	c.disarm()
}
