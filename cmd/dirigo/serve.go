package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dirigo/dirigo/internal/auth"
	"github.com/dirigo/dirigo/internal/metrics"
	"github.com/dirigo/dirigo/modules"
	"github.com/dirigo/dirigo/modules/core"
	"github.com/dirigo/dirigo/modules/titanium"
	"github.com/dirigo/dirigo/runtime"
	outbound "github.com/dirigo/dirigo/runtime/client"
	"github.com/dirigo/dirigo/runtime/sessions"
)

// serve runs the HTTP server until ctx is done, then drains it.
func serve(ctx context.Context, f *flags, sys system) error {
	// What a first run gets wrong is checked before anything is created.
	root, err := scriptRoot(f.scripts)
	if err != nil {
		return err
	}
	trusted, err := f.proxies()
	if err != nil {
		return err
	}
	if f.sessionKeys != "" && f.sessionKeysFile != "" {
		return errors.New("--session-keys and --session-keys-file: give one of them")
	}
	lg, err := openLogs(f, sys.stderr)
	if err != nil {
		return err
	}
	defer lg.close()
	logger := lg.logger

	ln, err := listen(f.addr, "--addr")
	if err != nil {
		return err
	}
	defer ln.Close()
	b := readBuild()
	m := metrics.New(metrics.Build{Version: b.Version, Revision: b.Revision, GoVersion: b.Go})
	var adminLn net.Listener
	var admin *http.Server
	if f.adminAddr != "" {
		if adminLn, err = listen(f.adminAddr, "--admin-addr"); err != nil {
			return err
		}
		defer adminLn.Close()
	}

	dataExisted := exists(f.data)
	store, closeStore, err := openStore(f, logger)
	if err != nil {
		return err
	}
	defer func() {
		if err := closeStore(); err != nil {
			logger.Error("closing the session store", "error", err)
		}
	}()
	noteData := func() {
		if !dataExisted && exists(f.data) {
			dataExisted = true
			abs, _ := filepath.Abs(f.data)
			logger.Info("created the data folder", "path", abs)
		}
	}
	noteData()
	hl := newHealth(store, m.Handler())
	if adminLn != nil {
		// Served from now on, so probes see the warm-up.
		admin = &http.Server{Handler: hl, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = admin.Serve(adminLn) }()
		defer admin.Close()
		logger.Info("admin endpoints", "addr", adminLn.Addr().String(),
			"readyz", displayURL("http", adminLn.Addr())+"readyz", "metrics", displayURL("http", adminLn.Addr())+"metrics")
	}
	keys, keyFile, err := sessionKeys(f, logger)
	if err != nil {
		return err
	}
	noteData()
	mgr, err := sessions.NewManager(m.Store(storeKind(f.sessions), store), sessions.Config{
		CookieName:  f.sessionCookie,
		IdleTimeout: orNone(f.sessionTimeout),
		Lifetime:    orNone(f.sessionLifetime),
		Keys:        keys,
		Logger:      logger,
		MaxParallel: f.sessionParallel,
	})
	if err != nil {
		return err
	}
	defer mgr.Close()

	ccfg, err := f.clientConfig(b.Version, logger)
	if err != nil {
		return err
	}
	if ccfg.Store, err = clientStore(store); err != nil {
		return err
	}
	ccfg.Instance = clientInstance(f, ln.Addr())
	oc := outbound.New(ccfg)
	stopOC := sync.OnceFunc(func() { stopClient(oc, f.clientGrace, logger) })
	defer stopOC()

	var users *auth.Auth
	if f.users != "" {
		users, err = auth.New(auth.Config{UsersFile: f.users, Root: root, Logger: logger})
		if err != nil {
			return fmt.Errorf("--users: %w", err)
		}
		logger.Info("users and roles", "users_file", f.users, "users", users.Users())
	}
	configs, err := configurations(f, root)
	if err != nil {
		return err
	}

	maxMemory := f.maxMemory.bytes()
	setMemoryLimit(maxMemory, logger)
	srv, err := runtime.NewServer(runtime.Config{
		Root:           root,
		Sessions:       mgr,
		PoolSize:       f.pool,
		QueueTimeout:   f.queueTimeout,
		Timeout:        orNone(f.timeout),
		MaxBodyBytes:   f.maxBody,
		MaxOutput:      f.maxOutput.bytes(),
		MaxMemory:      maxMemory,
		Dev:            f.dev,
		Logger:         logger,
		Observer:       m,
		AccessLog:      lg.access,
		TrustedProxies: trusted,
		Auth:           authOf(users),
	}, modules.Builtin(modules.Config{Client: oc, Configurations: configs})...)
	if err != nil {
		return err
	}
	defer srv.Close()
	m.WatchPool(srv.PoolStats)
	stopSweep := startClient(ctx, oc, srv, logger)
	defer stopSweep()

	door := frontDoor{app: srv}
	if adminLn == nil {
		door.admin = hl
	}
	hs := &http.Server{
		Handler:           door,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if f.tls() {
		scheme = "https"
	}
	errc := make(chan error, 1)
	go func() {
		if scheme == "https" {
			errc <- hs.ServeTLS(ln, f.tlsCert, f.tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	hl.serving(srv)
	attrs := []any{"addr", ln.Addr().String(), "url", displayURL(scheme, ln.Addr()), "scripts", root, "sessions", storeName(f.sessions)}
	if isLoopback(ln.Addr()) {
		attrs = append(attrs, "note", "this machine only; --addr :"+port(ln.Addr())+" listens on every interface")
	}
	logger.Info("listening", attrs...)

	for running := true; running; {
		select {
		case err := <-errc:
			return err
		case <-sys.hup:
			if err := lg.reopen(); err != nil {
				logger.Error("SIGHUP: reopening the log files", "error", err)
			} else if len(lg.files) > 0 {
				logger.Info("SIGHUP: reopened the log files")
			}
			reloadKeys(f, keyFile, mgr, logger)
			if users != nil {
				users.Reload()
			}
			reloadConfig(f, configs, logger)
		case <-ctx.Done():
			running = false
		}
	}
	hl.draining()
	if f.shutdownDelay > 0 {
		logger.Info("shutting down: not ready, still serving", "for", f.shutdownDelay.String())
		select {
		case <-time.After(f.shutdownDelay):
		case <-sys.hurry:
		}
	}
	logger.Info("shutting down: draining requests in flight")
	grace := 30 * time.Second
	if f.timeout > 0 {
		grace = f.timeout + 5*time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	go func() {
		select {
		case <-sys.hurry:
			logger.Warn("shutting down: not waiting for requests in flight")
			cancel()
		case <-sctx.Done():
		}
	}()
	if err := hs.Shutdown(sctx); err != nil {
		logger.Error("shutdown", "error", err)
		_ = hs.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	// Background transfers get their grace period while the VMs are still
	// there for their listeners.
	stopOC()
	logger.Info("stopped")
	return nil
}

// scriptRoot checks the script root and returns its absolute path.
func scriptRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("no script root at %s: create it (mkdir -p %s) or point --scripts (DIRIGO_SCRIPTS) at your scripts folder", abs, dir)
	case err != nil:
		return "", fmt.Errorf("script root: %w", err)
	case !fi.IsDir():
		return "", fmt.Errorf("the script root %s is not a folder: point --scripts at the folder that holds your scripts", abs)
	}
	return abs, nil
}

// listen listens on addr, explaining the usual failures.
func listen(addr, flagName string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	switch {
	case err == nil:
		return ln, nil
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("cannot listen on %s: the port is already in use (another dirigo?); stop that process or choose another port, e.g. %s %s", addr, flagName, nextPort(addr))
	case errors.Is(err, syscall.EACCES):
		return nil, fmt.Errorf("cannot listen on %s: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE); choose a port above 1024 with %s", addr, flagName)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return nil, fmt.Errorf("cannot listen on %s: no interface of this machine has that address; use 127.0.0.1 (this machine) or leave the host out (%s :8080) for every interface", addr, flagName)
	default:
		return nil, fmt.Errorf("cannot listen on %s (%s): %w", addr, flagName, err)
	}
}

// nextPort returns addr with the port after its own.
func nextPort(addr string) string {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "127.0.0.1:8081"
	}
	var n int
	if _, err := fmt.Sscan(p, &n); err != nil || n <= 0 || n >= 65535 {
		return net.JoinHostPort(host, "8081")
	}
	return net.JoinHostPort(host, fmt.Sprint(n+1))
}

// displayURL is a clickable URL of the listener: localhost when it listens
// on the loopback or on every interface.
func displayURL(scheme string, a net.Addr) string {
	host, p, err := net.SplitHostPort(a.String())
	if err != nil {
		return scheme + "://" + a.String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsLoopback() || ip.IsUnspecified() {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, p) + "/"
}

func isLoopback(a net.Addr) bool {
	host, _, err := net.SplitHostPort(a.String())
	ip := net.ParseIP(host)
	return err == nil && ip != nil && ip.IsLoopback()
}

func port(a net.Addr) string {
	_, p, _ := net.SplitHostPort(a.String())
	return p
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// setMemoryLimit makes the memory budget Go's soft memory limit as well,
// unless GOMEMLIMIT sets one: the collector then keeps garbage from taking
// the heap over the budget (the guard would otherwise have to collect to
// tell garbage from live data) and returns freed memory to the system.
func setMemoryLimit(budget int64, logger *slog.Logger) {
	if budget <= 0 || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(budget)
	logger.Debug("memory budget", "bytes", budget)
}

// orNone maps the command line's "<= 0 means none" to the negative value
// the configs use for none (their zero means the default).
func orNone(d time.Duration) time.Duration {
	if d <= 0 {
		return -1
	}
	return d
}

// sessionKeys returns the cookie key ring and the file it came from ("" for
// keys given on the command line): --session-keys, --session-keys-file, or
// the keys kept in the data folder (generated there on first start).
func sessionKeys(f *flags, logger *slog.Logger) ([]sessions.Key, string, error) {
	switch {
	case f.sessionKeys != "":
		keys, err := sessions.ParseKeys(f.sessionKeys)
		if err != nil {
			return nil, "", fmt.Errorf("--session-keys: %w", err)
		}
		return keys, "", nil
	case f.sessionKeysFile != "":
		keys, err := readKeyFile(f.sessionKeysFile)
		if err != nil {
			return nil, "", fmt.Errorf("--session-keys-file: %w", err)
		}
		return keys, f.sessionKeysFile, nil
	}
	file := filepath.Join(f.data, "session-keys")
	existed := exists(file)
	keys, err := sessions.LoadOrCreateKeys(file)
	if err != nil {
		return nil, "", err
	}
	if !existed {
		abs, _ := filepath.Abs(file)
		logger.Info("generated a cookie signing key", "file", abs,
			"note", "keep it secret and keep it: every process that shares sessions needs the same key (see --session-keys-file)")
	}
	return keys, file, nil
}

// readKeyFile reads a key ring from a file: keys newest first, one per line
// or comma-separated; blank lines and lines starting with # are ignored.
func readKeyFile(file string) ([]sessions.Key, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var entries []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			entries = append(entries, line)
		}
	}
	keys, err := sessions.ParseKeys(strings.Join(entries, ","))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return keys, nil
}

// reloadKeys reads the key file again (SIGHUP) and gives its keys to mgr.
func reloadKeys(f *flags, file string, mgr *sessions.Manager, logger *slog.Logger) {
	if file == "" {
		logger.Info("SIGHUP: the cookie keys come from --session-keys; nothing to reload")
		return
	}
	keys, err := readKeyFile(file)
	if err == nil {
		err = mgr.SetKeys(keys)
	}
	if err != nil {
		logger.Error("SIGHUP: reloading the cookie keys; keeping the old ones", "file", file, "error", err)
		return
	}
	logger.Info("SIGHUP: reloaded the cookie keys", "file", file, "keys", len(keys))
}

// storeName returns what the log may show of a --sessions value (no password).
func storeName(s string) string {
	if i := strings.Index(s, "@"); i >= 0 && strings.Contains(s, "://") {
		return s[:strings.Index(s, "://")+3] + "***" + s[i:]
	}
	return s
}

// storeKind is the store label of the metrics: memory, bolt or redis.
func storeKind(s string) string {
	switch s = strings.TrimSpace(s); {
	case strings.HasPrefix(s, "bolt"):
		return "bolt"
	case strings.HasPrefix(s, "redis"):
		return "redis"
	default:
		return s
	}
}

// stopClient stops the outbound client once no request runs: running
// tasks get the grace period to end, then they are cancelled; background
// ones are recorded unfinished, for the next start to take over.
func stopClient(c *outbound.Client, grace time.Duration, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := c.Shutdown(ctx); err != nil && logger != nil {
		logger.Warn("shutting down: client tasks still running after the grace period were cancelled", "grace", grace.String())
	}
}

// startClient starts what the outbound client does beside requests:
// delivering the events of background sessions to their listener scripts,
// taking over the transfers the previous run of this instance left
// unfinished, and sweeping expired results. The returned function stops
// the sweeping.
func startClient(ctx context.Context, oc *outbound.Client, srv *runtime.Server, logger *slog.Logger) (stop func()) {
	if deliver := listenerDelivery(srv, oc); deliver != nil {
		if err := oc.StartDelivery(ctx, deliver); err != nil {
			logger.Error("client: reading the queued listener events", "error", err)
		}
	}
	rep, err := oc.Recover(ctx)
	if err != nil {
		logger.Error("client: taking over unfinished background tasks", "error", err)
	}
	if rep.Restarted+rep.Failed > 0 {
		logger.Info("client: took over the background tasks of the previous run",
			"sessions", rep.Sessions, "restarted", rep.Restarted, "failed", rep.Failed)
	}
	every := min(max(oc.Config().Retention/10, time.Second), time.Minute)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				oc.Sweep(now)
			case <-done:
				return
			}
		}
	}()
	return sync.OnceFunc(func() { close(done) })
}

// listenerDelivery returns what runs the listener script of a background
// client session for each of its events (client.DeliverFunc): the
// Titanium facade's, which calls the script's default export in a fresh
// pooled VM with Titanium's event object.
func listenerDelivery(srv *runtime.Server, oc *outbound.Client) outbound.DeliverFunc {
	return titanium.Deliver(srv, oc)
}

// runFile runs one script in batch mode and returns its exit code.
func runFile(ctx context.Context, f *flags, file string, args []string, stdout, stderr io.Writer) (int, error) {
	level, err := f.level()
	if err != nil {
		return 2, err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	abs, err := filepath.Abs(file)
	if err != nil {
		return 2, err
	}
	if _, err := os.Stat(abs); err != nil {
		return 2, err
	}
	root := filepath.Dir(abs)
	if scripts, err := filepath.Abs(f.scripts); err == nil {
		if rel, err := filepath.Rel(scripts, abs); err == nil && filepath.IsLocal(rel) {
			root = scripts
		}
	}
	rel, _ := filepath.Rel(root, abs)
	configs, err := configurations(f, root)
	if err != nil {
		return 2, err
	}
	ccfg, err := f.clientConfig(readBuild().Version, logger)
	if err != nil {
		return 2, err
	}
	oc := outbound.New(ccfg)
	defer stopClient(oc, f.clientGrace, nil)
	srv, err := runtime.NewServer(runtime.Config{
		Root:      root,
		PoolSize:  1,
		Timeout:   orNone(f.timeout),
		MaxMemory: f.maxMemory.bytes(),
		Logger:    logger,
		Stdout:    stdout,
		Stderr:    stderr,
	}, modules.Builtin(modules.Config{Client: oc, Configurations: configs})...)
	if err != nil {
		return 2, err
	}
	defer srv.Close()
	code, err := srv.RunFile(ctx, filepath.ToSlash(rel), args)
	if err != nil {
		var se *runtime.ScriptError
		if errors.As(err, &se) && se.Stack != "" {
			return code, fmt.Errorf("%w\n%s", err, strings.TrimRight(se.Stack, "\n"))
		}
	}
	return code, err
}

// authOf is the runtime's Auth of the users file: nil (no authentication)
// without --users, not a nil *auth.Auth in an interface.
func authOf(a *auth.Auth) runtime.Auth {
	if a == nil {
		return nil
	}
	return a
}

// configurations returns the scripts' configuration (core/configurations):
// the environment and the --config file, which must be outside the script
// root (it could be served).
func configurations(f *flags, root string) (*core.Configurations, error) {
	if f.config != "" {
		if err := outside(f.config, root); err != nil {
			return nil, fmt.Errorf("--config: %w", err)
		}
	}
	c, err := core.NewConfigurations(core.Options{File: f.config})
	if err != nil {
		return nil, fmt.Errorf("--config: %w", err)
	}
	return c, nil
}

// reloadConfig reads the --config file again (SIGHUP); a file that cannot
// be read keeps the values in use.
func reloadConfig(f *flags, c *core.Configurations, logger *slog.Logger) {
	if f.config == "" {
		return
	}
	if err := c.Update(); err != nil {
		logger.Error("SIGHUP: reading the configuration file; keeping the values in use", "file", f.config, "error", err)
		return
	}
	logger.Info("SIGHUP: read the configuration file", "file", f.config)
}

// outside returns an error when file is under the folder root (symlinks
// resolved).
func outside(file, root string) error {
	real := func(p string) string {
		abs, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			return r
		}
		return abs
	}
	rel, err := filepath.Rel(real(root), real(file))
	if err == nil && filepath.IsLocal(rel) {
		return fmt.Errorf("%s is under the script root %s: move it out (it could be served)", file, root)
	}
	return nil
}
