package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/memstore"
)

// downStore is a memory store whose Load fails while down is set, and
// counts its Loads.
type downStore struct {
	sessions.Store
	down  atomic.Bool
	loads atomic.Int64
}

func (s *downStore) Load(ctx context.Context, key string) (*sessions.Record, error) {
	s.loads.Add(1)
	if s.down.Load() {
		return nil, errors.New("connection refused")
	}
	return s.Store.Load(ctx, key)
}

func ask(h http.Handler, path string) (int, string) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w.Code, w.Body.String()
}

// Readiness follows the server: starting (pool warming up), ready, not
// ready while the store is down (asked at most once a second), ready again,
// draining. Liveness stays 200 throughout.
func TestReadinessTransitions(t *testing.T) {
	store := &downStore{Store: memstore.New(memstore.Config{})}
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "metrics here") })
	h := newHealth(store, metrics)
	now := time.Unix(1000, 0)
	h.now = func() time.Time { return now }
	srv, err := runtime.NewServer(runtime.Config{Root: t.TempDir(), PoolSize: 1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	steps := []struct {
		name   string
		do     func()
		status int
		body   string
	}{
		{"warming up", func() {}, 503, "not ready: starting"},
		{"serving", func() { h.serving(srv) }, 200, "ready"},
		{"store down, within the second of the last probe", func() { store.down.Store(true) }, 200, "ready"},
		{"store down, probed", func() { now = now.Add(probeEvery) }, 503, "not ready: session store: connection refused"},
		{"store back, within the second", func() { store.down.Store(false) }, 503, "session store"},
		{"store back, probed", func() { now = now.Add(probeEvery) }, 200, "ready"},
		{"draining", func() { h.draining() }, 503, "not ready: draining"},
	}
	for _, st := range steps {
		st.do()
		code, body := ask(h, "/_dirigo/readyz")
		if code != st.status || !strings.Contains(body, st.body) {
			t.Errorf("%s: readyz %d %q, want %d %q", st.name, code, body, st.status, st.body)
		}
		if code, body := ask(h, "/_dirigo/healthz"); code != 200 || body != "ok\n" {
			t.Errorf("%s: healthz %d %q", st.name, code, body)
		}
	}
	// Probes are rationed: a flood of readyz costs one store call a second.
	h = newHealth(store, metrics)
	h.serving(srv)
	before := store.loads.Load()
	for i := 0; i < 100; i++ {
		ask(h, "/_dirigo/readyz")
	}
	if n := store.loads.Load() - before; n != 1 {
		t.Errorf("100 readiness probes made %d store calls", n)
	}
	for path, want := range map[string]string{"/_dirigo/metrics": "metrics here", "/metrics": "metrics here", "/readyz": "ready\n", "/healthz": "ok\n"} {
		if code, body := ask(h, path); code != 200 || body != want {
			t.Errorf("%s: %d %q", path, code, body)
		}
	}
	if code, _ := ask(h, "/_dirigo/nope"); code != 404 {
		t.Errorf("unknown admin path: %d", code)
	}
}

// The main listener sends /_dirigo/ to the health endpoints, everything
// else to the scripts; with --admin-addr the prefix is the scripts' (404).
func TestFrontDoor(t *testing.T) {
	app := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "app") })
	admin := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "admin") })
	for _, tc := range []struct {
		door frontDoor
		path string
		want string
	}{
		{frontDoor{app: app, admin: admin}, "/_dirigo/readyz", "admin"},
		{frontDoor{app: app, admin: admin}, "/_dirigo", "app"},
		{frontDoor{app: app, admin: admin}, "/readyz", "app"},
		{frontDoor{app: app, admin: admin}, "/hello", "app"},
		{frontDoor{app: app}, "/_dirigo/readyz", "app"},
	} {
		if _, body := ask(tc.door, tc.path); body != tc.want {
			t.Errorf("%s (admin on main: %v): %q, want %q", tc.path, tc.door.admin != nil, body, tc.want)
		}
	}
}

func TestHealthURL(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "http://127.0.0.1:8080/_dirigo/readyz"},
		{[]string{"--addr", ":9000"}, "http://127.0.0.1:9000/_dirigo/readyz"},
		{[]string{"--addr", "0.0.0.0:9000"}, "http://127.0.0.1:9000/_dirigo/readyz"},
		{[]string{"--addr", "[::]:9000"}, "http://[::1]:9000/_dirigo/readyz"},
		{[]string{"--addr", "10.1.2.3:9000", "--tls-cert", "c", "--tls-key", "k"}, "https://10.1.2.3:9000/_dirigo/readyz"},
		{[]string{"--admin-addr", ":9100", "--tls-cert", "c"}, "http://127.0.0.1:9100/readyz"},
	} {
		f := newFlags(io.Discard)
		if err := f.parse(tc.args, env(nil)); err != nil {
			t.Fatal(err)
		}
		if got, err := healthURL(f); err != nil || got != tc.want {
			t.Errorf("%v: %q %v, want %q", tc.args, got, err, tc.want)
		}
	}
}
