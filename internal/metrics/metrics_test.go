package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/dirigo/dirigo/internal/metrics"
	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/memstore"
)

// scrape reads the exposition with the Prometheus text parser.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != 200 {
		t.Fatalf("metrics: %d", w.Code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(w.Body)
	if err != nil {
		t.Fatalf("parsing the exposition: %v", err)
	}
	return fams
}

// value returns the value of the sample of family name whose labels are
// labels (name=value pairs): a counter's or gauge's value, a histogram's
// count. It fails the test when there is no such sample.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	f := fams[name]
	if f == nil {
		t.Fatalf("no metric %s", name)
	}
next:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, lp := range m.GetLabel() {
			got[lp.GetName()] = lp.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if got[labels[i]] != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("no sample of %s with %v", name, labels)
	return 0
}

// failingStore fails its writes while failing is set.
type failingStore struct {
	*memstore.Store
	failing atomic.Bool
}

func (s *failingStore) Create(ctx context.Context, key string, rec *sessions.Record) error {
	if s.failing.Load() {
		return errors.New("disk on fire")
	}
	return s.Store.Create(ctx, key, rec)
}

func TestMetrics(t *testing.T) {
	m := metrics.New(metrics.Build{Version: "v1.2.3", Revision: "abc123", GoVersion: "go1.x"})
	inner := &failingStore{Store: memstore.New(memstore.Config{})}
	store := m.Store("memory", inner)
	s := moduletest.New(t, map[string]string{
		"hello.js":  `require("http/response").print("hi")`,
		"throws.js": `throw new Error("boom")`,
		"spin.js":   `while (true) {}`,
		"deep.js":   `function f() { return f() + 1 } f()`,
		"write.js":  `var s = require("http/session"); s.setAttribute("n", (s.getAttribute("n") || 0) + 1)`,
		"a.txt":     "static",
	}, moduletest.Options{Store: store, Runtime: func(c *runtime.Config) {
		c.Observer = m
		c.PoolSize = 2
		c.Timeout = 500 * time.Millisecond
		c.MaxCallStackSize = 500 // deep.js overflows long before the time limit, even under -race
	}})
	m.WatchPool(s.Runtime.PoolStats)
	h := m.Handler()

	before := scrape(t, h)
	if v := value(t, before, "dirigo_http_requests_total", "kind", "script", "status", "2xx"); v != 0 {
		t.Fatalf("requests before any: %v", v)
	}
	for _, p := range []string{"/hello", "/hello", "/hello", "/a.txt", "/missing", "/throws", "/spin", "/deep", "/write", "/write"} {
		s.Get(t, p)
	}
	inner.failing.Store(true)
	s.Client.Jar = nil // a new client: its session must be created, and fails
	s.Get(t, "/write")
	inner.failing.Store(false)
	if _, err := store.(sessions.Sweeper).Sweep(context.Background(), time.Now().Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}

	// The VMs broken by the timeout and the overflow are replaced in the background.
	for deadline := time.Now().Add(10 * time.Second); s.Runtime.PoolStats().Live < 2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("broken VMs not replaced: %+v", s.Runtime.PoolStats())
		}
	}
	after := scrape(t, h)
	tests := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"dirigo_http_requests_total", []string{"kind", "script", "status", "2xx"}, 5},
		{"dirigo_http_requests_total", []string{"kind", "script", "status", "5xx"}, 4},
		{"dirigo_http_requests_total", []string{"kind", "static", "status", "2xx"}, 1},
		{"dirigo_http_requests_total", []string{"kind", "none", "status", "4xx"}, 1},
		{"dirigo_http_request_duration_seconds", []string{"kind", "script"}, 9},
		{"dirigo_script_errors_total", []string{"reason", "exception"}, 1},
		{"dirigo_script_errors_total", []string{"reason", "timeout"}, 1},
		{"dirigo_script_errors_total", []string{"reason", "stack_overflow"}, 1},
		{"dirigo_script_errors_total", []string{"reason", "panic"}, 0},
		{"dirigo_http_unavailable_total", []string{"cause", "store"}, 1},
		{"dirigo_http_unavailable_total", []string{"cause", "queue"}, 0},
		{"dirigo_sessions_created_total", []string{"store", "memory"}, 1},
		{"dirigo_sessions_committed_total", []string{"store", "memory"}, 2},
		{"dirigo_sessions_expired_total", []string{"store", "memory"}, 1},
		{"dirigo_session_store_duration_seconds", []string{"store", "memory", "op", "create"}, 2},
		{"dirigo_session_store_duration_seconds", []string{"store", "memory", "op", "load"}, 1},
		{"dirigo_session_store_errors_total", []string{"store", "memory", "op", "create"}, 1},
		{"dirigo_pool_size", nil, 2},
		{"dirigo_pool_vms", nil, 2},
		{"dirigo_pool_vms_in_use", nil, 0},
		{"dirigo_pool_waiting_requests", nil, 0},
		{"dirigo_build_info", []string{"version", "v1.2.3", "revision", "abc123", "goversion", "go1.x"}, 1},
	}
	for _, tc := range tests {
		if got := value(t, after, tc.name, tc.labels...); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes", "process_cpu_seconds_total"} {
		if after[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	if v := value(t, after, "process_resident_memory_bytes"); v <= 0 {
		t.Errorf("process_resident_memory_bytes = %v", v)
	}
}

// A request that waits for a VM and gives up is a 503 by cause queue.
func TestMetricsQueue(t *testing.T) {
	m := metrics.New(metrics.Build{})
	s := moduletest.New(t, map[string]string{
		"slow.js":  `setTimeout(function () { require("http/response").print("slow") }, 50)`,
		"hello.js": `require("http/response").print("hi")`,
	}, moduletest.Options{NoSessions: true, Runtime: func(c *runtime.Config) {
		c.Observer = m
		c.PoolSize = 1
		c.QueueTimeout = 20 * time.Millisecond
	}})
	m.WatchPool(s.Runtime.PoolStats)
	// Two at once on one VM with a queue timeout shorter than the run: one
	// of them waits and gets 503, unless the first finished before the
	// second arrived (then try again).
	for i := 0; ; i++ {
		codes := make(chan int, 2)
		for j := 0; j < 2; j++ {
			go func() {
				w := httptest.NewRecorder()
				s.Runtime.ServeHTTP(w, httptest.NewRequest("GET", "/slow", nil))
				codes <- w.Code
			}()
		}
		if a, b := <-codes, <-codes; a == 503 || b == 503 {
			break
		}
		if i == 50 {
			t.Fatal("never saw a 503 for want of a VM")
		}
	}
	fams := scrape(t, m.Handler())
	if v := value(t, fams, "dirigo_http_unavailable_total", "cause", "queue"); v < 1 {
		t.Errorf("unavailable{cause=queue} = %v", v)
	}
	if v := value(t, fams, "dirigo_pool_wait_seconds"); v < 1 {
		t.Errorf("pool waits = %v", v)
	}
	if v := value(t, fams, "dirigo_http_requests_total", "kind", "script", "status", "5xx"); v < 1 {
		t.Errorf("503s among requests = %v", v)
	}
}

// Fake stores with each combination of the optional interfaces.
type plain struct{ sessions.Store }
type sweeping struct{ plain }
type locking struct{ plain }
type lockingUU struct{ locking }
type sweepingLocking struct{ locking }
type all struct{ lockingUU }

func (sweeping) Sweep(context.Context, time.Time) (int, error)                    { return 3, nil }
func (sweepingLocking) Sweep(context.Context, time.Time) (int, error)             { return 3, nil }
func (all) Sweep(context.Context, time.Time) (int, error)                         { return 3, nil }
func (locking) Lock(context.Context, string) (func(), error)                      { return func() {}, nil }
func (lockingUU) UpdateAndUnlock(context.Context, string, *sessions.Change) error { return nil }

// The instrumented store implements an optional interface exactly when the
// store it wraps does, so the manager behaves the same with metrics on.
func TestStoreKeepsOptionalInterfaces(t *testing.T) {
	m := metrics.New(metrics.Build{})
	base := plain{memstore.New(memstore.Config{})}
	for _, s := range []sessions.Store{base, sweeping{base}, locking{base}, lockingUU{locking{base}},
		sweepingLocking{locking{base}}, all{lockingUU{locking{base}}}, memstore.New(memstore.Config{})} {
		w := m.Store("x", s)
		_, sw := s.(sessions.Sweeper)
		_, l := s.(sessions.Locker)
		_, uu := s.(sessions.UnlockingUpdater)
		_, wsw := w.(sessions.Sweeper)
		_, wl := w.(sessions.Locker)
		_, wuu := w.(sessions.UnlockingUpdater)
		if sw != wsw || l != wl || uu != wuu {
			t.Errorf("%T: sweeper %v→%v, locker %v→%v, unlocking updater %v→%v", s, sw, wsw, l, wl, uu, wuu)
		}
	}
}

// The observer's cost per request, from every core at once.
func BenchmarkObserverRequest(b *testing.B) {
	m := metrics.New(metrics.Build{})
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Request(runtime.RouteScript, 200, 150*time.Microsecond)
		}
	})
}
