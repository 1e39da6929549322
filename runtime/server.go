package runtime

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/runtime/sessions"
)

// Server serves a folder of scripts and static files over HTTP. It is an
// http.Handler; Close releases it after the HTTP server has shut down.
type Server struct {
	cfg  Config
	h    *host
	pool *pool
	rv   resolver
	log  *slog.Logger
	// watch reports changes under the root; nil means every request checks
	// the files it uses.
	watch *watcher
	// routes caches resolved paths (string → cachedRoute) per generation.
	routes  sync.Map
	nroutes atomic.Int64
	// ids makes the IDs of requests that come without a valid one.
	ids *idSource
}

// maxCachedRoutes and maxCachedPath bound the route cache.
const (
	maxCachedRoutes = 10000
	maxCachedPath   = 256
)

type cachedRoute struct {
	gen   uint64
	route Route
}

var _ http.Handler = (*Server)(nil)

// NewServer returns a server for cfg.Root with the given modules. The VMs of
// the pool are created (warm) before it returns.
func NewServer(cfg Config, modules ...Module) (*Server, error) {
	cfg = cfg.withDefaults()
	if cfg.Root == "" {
		return nil, errors.New("runtime: Config.Root is empty")
	}
	abs, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("runtime: script root: %w", err)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("runtime: opening script root: %w", err)
	}
	setRegexpTimeout(cfg.Timeout)
	h, err := newHost(cfg, root, filepath.ToSlash(abs), modules)
	if err != nil {
		root.Close()
		return nil, err
	}
	p, err := newPool(h, cfg.PoolSize, cfg.QueueTimeout)
	if err != nil {
		root.Close()
		return nil, err
	}
	s := &Server{cfg: cfg, h: h, pool: p, rv: newResolver(root, abs), log: cfg.Logger, ids: newIDSource()}
	if w, err := newWatcher(abs, cfg.Logger); err == nil {
		s.watch = w
	} else {
		cfg.Logger.Warn("not watching the script root; checking files on every request", "error", err)
	}
	return s, nil
}

// generation returns the watcher's generation (0 without a watcher).
func (s *Server) generation() uint64 {
	if s.watch == nil {
		return 0
	}
	return s.watch.generation()
}

// resolve resolves a URL path, from the cache when nothing changed since.
func (s *Server) resolve(p string, gen uint64) (Route, error) {
	if gen != 0 {
		if v, ok := s.routes.Load(p); ok && v.(*cachedRoute).gen == gen {
			return v.(*cachedRoute).route, nil
		}
	}
	r, err := s.rv.resolve(p)
	// Cache only plain paths: a resource path or a long URL would let
	// clients fill the cache with paths of their choosing.
	if err == nil && gen != 0 && r.Kind != RouteRedirect && r.Resource == "" && len(p) <= maxCachedPath {
		if _, had := s.routes.Swap(p, &cachedRoute{gen: gen, route: r}); !had && s.nroutes.Add(1) > maxCachedRoutes {
			s.routes.Clear()
			s.nroutes.Store(0)
		}
	}
	return r, err
}

// Close releases the script root. Call it after the HTTP server has stopped.
func (s *Server) Close() error {
	s.pool.close()
	var werr error
	if s.watch != nil {
		werr = s.watch.close()
	}
	return errors.Join(werr, s.h.root.Close())
}

// ServeHTTP resolves the request path and runs the script (or serves the
// static file) it names. Every response carries the request's ID in
// X-Request-Id (the client's, when valid, or a new one); the access log
// and the observer hear of every request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	x := &exchange{ResponseWriter: w}
	x.id[0] = s.ids.requestID(r)
	var route Route
	defer func() { s.served(x, r, route, start) }() // also when a handler aborts with a panic
	gen := s.generation()
	route, err := s.resolve(r.URL.Path, gen)
	var st *authState
	if s.cfg.Auth != nil {
		// Admitted before Auth may load (and lock) the session, as a
		// script's request is admitted before its script loads it: one
		// order of the two, so requests of one session never wait on each
		// other in a circle.
		adm, aerr := s.cfg.Sessions.Admit(r, s.cfg.QueueTimeout)
		if aerr != nil {
			s.shed(x, r, CauseSession, "too many requests of one session", aerr)
			return
		}
		defer adm.Release()
		ar := route
		if err != nil {
			ar = Route{}
		}
		var done bool
		st, done = s.authenticate(x, r, ar)
		defer st.end(x)
		if st.user != nil {
			x.user = st.user.Name
		}
		if done {
			route = Route{}
			return
		}
	}
	abort := false
	switch {
	case errors.Is(err, ErrBadPath):
		route = Route{}
		plainError(x, http.StatusBadRequest)
	case err != nil:
		route = Route{}
		plainError(x, http.StatusNotFound)
	case route.Kind == RouteRedirect:
		loc := route.Location
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		status := http.StatusMovedPermanently
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			status = http.StatusPermanentRedirect
		}
		http.Redirect(x, r, loc, status)
	case route.Kind == RouteStatic:
		s.serveStatic(x, r, route)
	case route.Kind == RoutePage:
		_, _, abort = s.servePage(x, r, route, gen, st)
	default:
		_, _, abort = s.serveScript(x, r, route, gen, st)
	}
	if abort {
		// The script failed after part of its response went out: end the
		// connection (HTTP/1) or stream (HTTP/2) without the end of the
		// body, so that the client sees an error, not a complete response.
		// (The deferred served still logs the request.)
		panic(http.ErrAbortHandler)
	}
}

// served reports a request to the observer and the access log.
func (s *Server) served(x *exchange, r *http.Request, route Route, start time.Time) {
	elapsed := time.Since(start)
	status := int(x.status)
	if status == 0 { // nothing was written: net/http sends 200
		status = http.StatusOK
	}
	obs := s.cfg.Observer
	obs.Request(route.Kind, status, elapsed)
	if status == http.StatusServiceUnavailable && x.cause != 0 {
		obs.Unavailable(x.cause)
	}
	e := AccessEntry{Start: start, Duration: elapsed, Request: r, RequestID: x.id[0], Status: status,
		Bytes: x.bytes, Kind: route.Kind, Session: x.session, User: x.user, trusted: s.cfg.TrustedProxies}
	if route.Kind == RouteScript || route.Kind == RoutePage {
		e.Script = route.File
	}
	s.cfg.AccessLog.LogAccess(e)
}

func plainError(w http.ResponseWriter, status int) int64 {
	body := strconv.Itoa(status) + " " + http.StatusText(status) + "\n"
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	n, _ := w.Write([]byte(body))
	return int64(n)
}

// serveScript runs the script of route and sends its response. abort
// reports a failure after the response started: the caller must abort it.
// st is the request's authentication (nil without Config.Auth), which also
// admitted it.
func (s *Server) serveScript(w http.ResponseWriter, r *http.Request, route Route, gen uint64, st *authState) (status int, n int64, abort bool) {
	prog, err := s.h.loader.program(route.File, gen)
	if errors.Is(err, fs.ErrNotExist) { // removed since it was resolved
		return http.StatusNotFound, plainError(w, http.StatusNotFound), false
	}
	if err != nil {
		return s.fail(w, r, nil, route.File, err)
	}
	if st == nil {
		// At most a few requests of one session hold VMs; the others wait here.
		adm, err := s.cfg.Sessions.Admit(r, s.cfg.QueueTimeout)
		if err != nil {
			return s.shed(w, r, CauseSession, "too many requests of one session", err)
		}
		defer adm.Release()
	}
	vm, err := s.pool.get(r.Context())
	if err != nil {
		return s.shed(w, r, 0, "no VM free", err) // the pool reports the cause (Observer.PoolWaited)
	}
	c := &vm.scratch
	c.reset(r.Context(), gen, r, route, s.cfg.Sessions, s.log, s.cfg.MaxBodyBytes)
	if st != nil {
		c.auth, c.user, c.sess = s.cfg.Auth, st.user, st.takeSession()
		c.userKnown = c.user != nil
	}
	c.resp.init(w, s.cfg.ResponseBuffer, c)
	c.resp.maxOutput = s.cfg.MaxOutput
	defer func() { // also when something below panics
		c.end()
		s.pool.put(vm)
	}()
	if err = vm.run(c, route.File, prog); err == nil {
		err = c.resp.overflow // the script caught the exception; the response has failed all the same
	}
	if err != nil {
		return s.fail(w, r, c, route.File, err)
	}
	if ferr := c.resp.finish(); ferr != nil && c.resp.failed != nil {
		s.log.Error("committing session", "path", r.URL.Path, "script", route.File, "error", ferr)
	}
	return c.resp.status, c.resp.written, false
}

// shed answers 503 with Retry-After to a request turned away before its
// script ran, and logs why; a non-zero cause is noted for the observer.
func (s *Server) shed(w http.ResponseWriter, r *http.Request, cause Cause, msg string, err error) (int, int64, bool) {
	var id string
	if x := exchangeOf(w); x != nil {
		id = x.id[0]
	}
	s.log.LogAttrs(r.Context(), slog.LevelWarn, msg, slog.String("path", r.URL.Path),
		slog.Any("error", err), slog.String("request_id", id))
	if cause != 0 {
		noteCause(w, cause)
	}
	w.Header().Set("Retry-After", "1")
	return http.StatusServiceUnavailable, plainError(w, http.StatusServiceUnavailable), false
}

// fail logs a script failure and answers it; when the response has already
// started, it reports that the caller must abort it.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, c *Call, file string, err error) (int, int64, bool) {
	status := statusOf(err)
	se := scriptError(err, file)
	level := slog.LevelError
	if status < 500 || status == http.StatusServiceUnavailable { // the client's doing, or load
		level = slog.LevelWarn
	}
	var id string
	if x := exchangeOf(w); x != nil {
		id = x.id[0]
	}
	s.log.LogAttrs(r.Context(), level, "script failed",
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.String("script", se.File),
		slog.Int("line", se.Line),
		slog.Int("column", se.Column),
		slog.String("error", se.Message),
		slog.String("stack", se.Stack),
		slog.String("request_id", id),
	)
	switch {
	case status == http.StatusServiceUnavailable:
		noteCause(w, causeOf(err))
	case status >= 500:
		s.cfg.Observer.ScriptFailed(se)
	}
	body := strconv.Itoa(status) + " " + http.StatusText(status) + "\n"
	if s.cfg.Dev && status >= 500 {
		body += "\n" + se.Error() + "\n" + se.Stack
	}
	if c == nil {
		var resp Response
		resp.init(w, 0, nil)
		resp.sendPlain(status, body, true)
		return status, resp.written, false
	}
	if c.resp.started {
		c.resp.done = true
		return c.resp.status, c.resp.written, true
	}
	c.resp.sendPlain(status, body, true)
	return status, c.resp.written, false
}

// statusOf maps a script failure to its HTTP status.
func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrTimeout):
		return http.StatusGatewayTimeout
	case errors.Is(err, ErrMemory), errors.Is(err, sessions.ErrBusy), errors.Is(err, sessions.ErrUnavailable), errors.Is(err, sessions.ErrFull):
		return http.StatusServiceUnavailable
	case errors.Is(err, ErrBodyTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, os.ErrDeadlineExceeded): // the client sent its body too slowly
		return http.StatusRequestTimeout
	default:
		return http.StatusInternalServerError
	}
}

// serveStatic serves a file under the root with ETag, Last-Modified and Range.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request, route Route) (int, int64) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return http.StatusMethodNotAllowed, plainError(w, http.StatusMethodNotAllowed)
	}
	f, err := s.h.root.Open(route.File)
	if err != nil {
		return http.StatusNotFound, plainError(w, http.StatusNotFound)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return http.StatusNotFound, plainError(w, http.StatusNotFound)
	}
	h := w.Header()
	h.Set("ETag", `"`+strconv.FormatInt(fi.ModTime().UnixNano(), 36)+"-"+strconv.FormatInt(fi.Size(), 36)+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	http.ServeContent(rec, r, path.Base(route.File), fi.ModTime(), f)
	return rec.status, rec.n
}

// statusWriter records the status and size of a response it passes on.
type statusWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *statusWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }
func (w *statusWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// exitError is how process.exit(code) ends a batch run.
type exitError int

func (e exitError) Error() string { return "process.exit(" + strconv.Itoa(int(e)) + ")" }

// RunFile runs the script file (a path relative to the root) outside HTTP,
// in batch mode (dirigo run): it is [Server.Run] with process.argv set to
// args. It returns the exit code: process.exitCode or the process.exit
// argument, else 0; an uncaught error returns 1 with the error.
func (s *Server) RunFile(ctx context.Context, file string, args []string) (int, error) {
	res, err := s.Run(ctx, Job{File: file, Argv: args})
	if err != nil {
		return 1, err
	}
	return res.ExitCode, nil
}

// installProcess binds the batch-mode process object on the run's global.
func (vm *VM) installProcess(g *goja.Object, c *Call) {
	rt := vm.rt
	p := rt.NewObject()
	// What the process global of HTTP runs has (version, nextTick...), if
	// a module provides one.
	if bp, ok := vm.base.Get("process").(*goja.Object); ok {
		_ = p.SetPrototype(bp)
	}
	argv := append([]string{"dirigo", path.Join(vm.h.rootDir, c.route.File)}, c.args...)
	_ = p.Set("argv", argv)
	env := rt.NewObject()
	for _, kv := range os.Environ() {
		for i := 0; i < len(kv); i++ {
			if kv[i] == '=' {
				_ = env.Set(kv[:i], kv[i+1:])
				break
			}
		}
	}
	_ = p.Set("env", env)
	_ = p.Set("exit", func(call goja.FunctionCall) goja.Value {
		code := c.exitCode
		if a := call.Argument(0); !goja.IsUndefined(a) {
			code = int(a.ToInteger())
		}
		rt.Interrupt(exitError(code))
		return goja.Undefined()
	})
	_ = p.DefineAccessorProperty("exitCode",
		rt.ToValue(func(goja.FunctionCall) goja.Value { return rt.ToValue(c.exitCode) }),
		rt.ToValue(func(call goja.FunctionCall) goja.Value {
			c.exitCode = int(call.Argument(0).ToInteger())
			return goja.Undefined()
		}),
		goja.FLAG_FALSE, goja.FLAG_TRUE)
	vm.nameNatives(p)
	_ = g.Set("process", p)
}
