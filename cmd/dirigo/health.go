package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/sessions"
)

// adminPrefix is where the operator's endpoints live on the main listener.
// Scripts cannot shadow it: no "_"-prefixed path is ever served from the
// script root.
const adminPrefix = "/_dirigo/"

// The states of a server, as /readyz tells them.
const (
	stateStarting = iota // the VM pool is warming up
	stateReady
	stateDraining // stopping: requests in flight finish, new ones should go elsewhere
)

// probeKey is the session-store key a readiness probe loads: no session is
// ever stored under it (session keys are 43-character hashes).
const probeKey = "dirigo-readiness-probe"

// probeEvery bounds how often readiness asks the session store, however
// often /readyz is asked: a flood of probes must not become a flood of
// store calls.
const probeEvery = time.Second

// health serves /healthz (the process serves), /readyz (the server can take
// requests: warm pool, store answering, not draining) and /metrics. None is
// logged or counted in the request metrics.
type health struct {
	state   atomic.Int32
	srv     atomic.Pointer[runtime.Server]
	store   sessions.Store // probed for readiness; nil when there are no sessions
	metrics http.Handler
	now     func() time.Time

	probeMu  sync.Mutex
	probedAt time.Time
	probeErr error
}

func newHealth(store sessions.Store, metrics http.Handler) *health {
	return &health{store: store, metrics: metrics, now: time.Now}
}

// serving marks the server warm and ready.
func (h *health) serving(srv *runtime.Server) {
	h.srv.Store(srv)
	h.state.Store(stateReady)
}

// draining marks the server as stopping: /readyz answers 503 from now on.
func (h *health) draining() { h.state.Store(stateDraining) }

// ready returns why the server is not ready, or nil.
func (h *health) ready(ctx context.Context) error {
	switch h.state.Load() {
	case stateStarting:
		return errors.New("starting: warming up the VM pool")
	case stateDraining:
		return errors.New("draining: shutting down")
	}
	if srv := h.srv.Load(); srv == nil || srv.PoolStats().Live == 0 {
		return errors.New("no VM in the pool")
	}
	if h.store != nil {
		if err := h.probe(ctx); err != nil {
			return fmt.Errorf("session store: %w", err)
		}
	}
	return nil
}

// probe asks the store for a key that is never there: any answer but "not
// found" means the store is not answering. The result is kept probeEvery.
func (h *health) probe(ctx context.Context) error {
	h.probeMu.Lock()
	defer h.probeMu.Unlock()
	if now := h.now(); !h.probedAt.IsZero() && now.Sub(h.probedAt) < probeEvery {
		return h.probeErr
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := h.store.Load(ctx, probeKey)
	if errors.Is(err, sessions.ErrNotFound) {
		err = nil
	}
	h.probedAt, h.probeErr = h.now(), err
	return err
}

// ServeHTTP answers /_dirigo/healthz, /_dirigo/readyz and /_dirigo/metrics,
// and the same paths without the prefix (for --admin-addr).
func (h *health) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(adminPrefix, "/"))
	w.Header().Set("Cache-Control", "no-store")
	switch p {
	case "/healthz":
		plain(w, http.StatusOK, "ok")
	case "/readyz":
		if err := h.ready(r.Context()); err != nil {
			w.Header().Set("Retry-After", "1")
			plain(w, http.StatusServiceUnavailable, "not ready: "+err.Error())
			return
		}
		plain(w, http.StatusOK, "ready")
	case "/metrics":
		h.metrics.ServeHTTP(w, r)
	default:
		plain(w, http.StatusNotFound, "404 Not Found: "+adminPrefix+" has healthz, readyz and metrics")
	}
}

func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}

// frontDoor sends the admin prefix to the health endpoints and every other
// path to the scripts.
type frontDoor struct {
	app   http.Handler
	admin http.Handler // nil: --admin-addr serves them
}

func (d frontDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if d.admin != nil && strings.HasPrefix(r.URL.Path, adminPrefix) {
		d.admin.ServeHTTP(w, r)
		return
	}
	d.app.ServeHTTP(w, r)
}

// healthURL is the readiness URL of the server that f describes, as seen
// from the same machine.
func healthURL(f *flags) (string, error) {
	addr, scheme, path := f.addr, "http", adminPrefix+"readyz"
	if f.adminAddr != "" {
		addr, path = f.adminAddr, "/readyz"
	} else if f.tls() {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--addr %q: %w", addr, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + path, nil
}

// checkHealth is `dirigo health`: it asks the readiness endpoint of the
// server the flags describe (or url) and exits 0 when it is ready. A
// container image has no curl; this is its HEALTHCHECK.
func checkHealth(ctx context.Context, f *flags, url string, stdout, stderr io.Writer) (int, error) {
	if url == "" {
		var err error
		if url, err = healthURL(f); err != nil {
			return 2, err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 2, err
	}
	// The probe talks to this machine's own server, whose certificate names
	// its public host, not 127.0.0.1.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Do(req)
	if err != nil {
		return 1, fmt.Errorf("not healthy: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return 1, fmt.Errorf("not ready: %s: %s %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprint(stdout, string(body))
	return 0, nil
}
