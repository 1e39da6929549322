package client

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"
)

// fakeResolver resolves the names in its map and nothing else (no
// network): names not in it are "not found".
type fakeResolver map[string][]netip.Addr

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := f[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

// newClient returns a client for tests: loopback names resolve without
// DNS, the spool is in a temporary folder, and it is shut down at the end.
func newClient(t testing.TB, cfg Config) *Client {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.Resolver == nil {
		cfg.Resolver = fakeResolver{"localhost": addrs("127.0.0.1")}
	}
	c := New(cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.Shutdown(ctx)
	})
	return c
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// wantKind fails unless err is an *Error of kind k and code.
func wantKind(t *testing.T, err error, k ErrorKind, code int) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *Error of kind %s", err, err, k)
	}
	if e.Kind != k || e.Code != code {
		t.Fatalf("err = %v: kind %s code %d, want kind %s code %d", err, e.Kind, e.Code, k, code)
	}
	return e
}

// recorder collects events.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) handle(ev Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}

func (r *recorder) all() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

func (r *recorder) forTask(id int64) []Event {
	var out []Event
	for _, ev := range r.all() {
		if ev.Task == id {
			out = append(out, ev)
		}
	}
	return out
}

// waitFor polls cond until it holds or the test's bound (5 s) passes; it
// never asserts on durations, it only bounds the test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}
