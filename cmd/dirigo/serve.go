package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/dirigo/dirigo/modules"
	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/sessions"
)

// serve runs the HTTP server until ctx is done, then drains it.
func serve(ctx context.Context, f *flags, stderr io.Writer) error {
	logger, closeLog, err := newLogger(f, stderr)
	if err != nil {
		return err
	}
	defer closeLog()

	store, closeStore, err := openStore(f, logger)
	if err != nil {
		return err
	}
	defer func() {
		if err := closeStore(); err != nil {
			logger.Error("closing the session store", "error", err)
		}
	}()
	keys, err := sessionKeys(f)
	if err != nil {
		return err
	}
	mgr, err := sessions.NewManager(store, sessions.Config{
		CookieName:  f.sessionCookie,
		IdleTimeout: orNone(f.sessionTimeout),
		Lifetime:    orNone(f.sessionLifetime),
		Keys:        keys,
		Logger:      logger,
	})
	if err != nil {
		return err
	}
	defer mgr.Close()

	maxMemory := f.maxMemory.bytes()
	setMemoryLimit(maxMemory, logger)
	srv, err := runtime.NewServer(runtime.Config{
		Root:         f.scripts,
		Sessions:     mgr,
		PoolSize:     f.pool,
		QueueTimeout: f.queueTimeout,
		Timeout:      orNone(f.timeout),
		MaxBodyBytes: f.maxBody,
		MaxOutput:    f.maxOutput.bytes(),
		MaxMemory:    maxMemory,
		Dev:          f.dev,
		Logger:       logger,
	}, modules.Builtin()...)
	if err != nil {
		return err
	}
	defer srv.Close()

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if f.tlsCert != "" || f.tlsKey != "" {
		scheme = "https"
	}
	root, _ := filepath.Abs(f.scripts)
	logger.Info("listening", "addr", ln.Addr().String(), "url", scheme+"://"+ln.Addr().String()+"/",
		"scripts", root, "sessions", storeName(f.sessions))

	errc := make(chan error, 1)
	go func() {
		if scheme == "https" {
			errc <- hs.ServeTLS(ln, f.tlsCert, f.tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: draining requests in flight")
	grace := 30 * time.Second
	if f.timeout > 0 {
		grace = f.timeout + 5*time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		logger.Error("shutdown", "error", err)
		_ = hs.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
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

// sessionKeys returns the cookie key ring: --session-keys, or the keys kept
// in the data folder (generated there on first start).
func sessionKeys(f *flags) ([]sessions.Key, error) {
	if f.sessionKeys != "" {
		keys, err := sessions.ParseKeys(f.sessionKeys)
		if err != nil {
			return nil, fmt.Errorf("--session-keys: %w", err)
		}
		return keys, nil
	}
	return sessions.LoadOrCreateKeys(filepath.Join(f.data, "session-keys"))
}

// storeName returns what the log may show of a --sessions value (no password).
func storeName(s string) string {
	if i := strings.Index(s, "@"); i >= 0 && strings.Contains(s, "://") {
		return s[:strings.Index(s, "://")+3] + "***" + s[i:]
	}
	return s
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
	srv, err := runtime.NewServer(runtime.Config{
		Root:      root,
		PoolSize:  1,
		Timeout:   orNone(f.timeout),
		MaxMemory: f.maxMemory.bytes(),
		Logger:    logger,
		Stdout:    stdout,
		Stderr:    stderr,
	}, modules.Builtin()...)
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
