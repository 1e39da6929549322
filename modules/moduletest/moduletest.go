// Package moduletest runs scripts against a real dirigo server in tests: a
// temporary script folder, the built-in modules, an in-memory session store
// and a client with a cookie jar.
package moduletest

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dirigo/dirigo/modules"
	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/memstore"
)

// Options tune a test server. The zero value is a server with sessions in
// memory and default limits.
type Options struct {
	// Runtime is applied to the runtime configuration before the server starts.
	Runtime func(*runtime.Config)
	// Sessions is applied to the session configuration.
	Sessions func(*sessions.Config)
	// Store replaces the in-memory session store.
	Store sessions.Store
	// NoSessions runs the server without a session manager.
	NoSessions bool
	// Modules are served besides the built-in ones.
	Modules []runtime.Module
	// Builtin configures the built-in modules (the outbound client of
	// fetch and http/client).
	Builtin modules.Config
	// TLS serves HTTPS (the client trusts the test certificate).
	TLS bool
}

// Server is a dirigo server over a temporary script folder.
type Server struct {
	*httptest.Server
	// Dir is the script root.
	Dir string
	// Client sends requests with a cookie jar.
	Client *http.Client
	// Runtime is the handler under test.
	Runtime *runtime.Server
	// Manager keeps the sessions (nil with NoSessions).
	Manager *sessions.Manager
	// Store is the session store.
	Store sessions.Store
	logs  *SyncBuffer
}

// New starts a server whose script root holds files (path → content).
func New(t testing.TB, files map[string]string, opts Options) *Server {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		WriteFile(t, dir, name, content)
	}
	logs := &SyncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := runtime.Config{Root: dir, Logger: logger, PoolSize: 4}
	s := &Server{Dir: dir, logs: logs}
	if !opts.NoSessions {
		s.Store = opts.Store
		if s.Store == nil {
			s.Store = memstore.New(memstore.Config{})
		}
		scfg := sessions.Config{Keys: []sessions.Key{sessions.GenerateKey()}, Logger: logger}
		if opts.Sessions != nil {
			opts.Sessions(&scfg)
		}
		mgr, err := sessions.NewManager(s.Store, scfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { mgr.Close() })
		s.Manager = mgr
		cfg.Sessions = mgr
	}
	if opts.Runtime != nil {
		opts.Runtime(&cfg)
	}
	srv, err := runtime.NewServer(cfg, append(modules.Builtin(opts.Builtin), opts.Modules...)...)
	if err != nil {
		t.Fatal(err)
	}
	s.Runtime = srv
	if opts.TLS {
		s.Server = httptest.NewTLSServer(srv)
	} else {
		s.Server = httptest.NewServer(srv)
	}
	t.Cleanup(func() {
		s.Server.Close()
		srv.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	jar, _ := cookiejar.New(nil)
	s.Client = s.Server.Client()
	s.Client.Jar = jar
	s.Client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return s
}

// WriteFile writes a file under dir, creating its folders.
func WriteFile(t testing.TB, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Write writes a file into the script root.
func (s *Server) Write(t testing.TB, name, content string) {
	t.Helper()
	WriteFile(t, s.Dir, name, content)
}

// Logs returns what the server logged so far.
func (s *Server) Logs() string { return s.logs.String() }

// Get sends GET path with the server's client and returns the response and
// its body.
func (s *Server) Get(t testing.TB, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s.Do(t, req)
}

// Do sends req (a path-only URL is resolved against the server) with the
// server's client.
func (s *Server) Do(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	if req.URL.Host == "" {
		u := *req.URL
		base, _ := url.Parse(s.URL)
		u.Scheme, u.Host = base.Scheme, base.Host
		req.URL = &u
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// Eval runs script (as t.js) for req in a fresh server without network and
// returns the recorded response. A path-less req runs GET /t.
func Eval(t testing.TB, script string, req *http.Request, opts Options) *httptest.ResponseRecorder {
	t.Helper()
	s := New(t, map[string]string{"t.js": script}, opts)
	if req == nil {
		req = httptest.NewRequest(http.MethodGet, "/t", nil)
	}
	w := httptest.NewRecorder()
	s.Runtime.ServeHTTP(w, req)
	if w.Code >= 500 && !strings.Contains(w.Body.String(), "expected") {
		t.Logf("server log:\n%s", s.Logs())
	}
	return w
}

// SyncBuffer is a bytes.Buffer safe for concurrent use, for logs written by
// servers under test.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
