// Package metrics exposes what a dirigo server does in the Prometheus text
// format: requests, latencies, the VM pool, 503s by cause, script failures
// and the session store, with the Go runtime and process collectors, on a
// registry of its own.
//
// The runtime knows nothing of Prometheus: Metrics is a runtime.Observer
// whose counters and histograms are resolved when it is made, so a request
// costs a few atomic additions; the pool is read when scraped; the session
// store is wrapped (Store) to time its calls.
//
// Outbound requests and tasks of the script HTTP client get their metrics
// the same way when that client lands: an Observer method each (the
// runtime's NopObserver keeps other observers compiling), implemented here
// with children resolved in New.
package metrics

import (
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dirigo/dirigo/runtime"
)

// Build describes the running binary, for dirigo_build_info.
type Build struct {
	Version, Revision, GoVersion string
}

// Metrics is the server's registry and a runtime.Observer feeding it.
type Metrics struct {
	runtime.NopObserver
	reg *prometheus.Registry

	requestsVec *prometheus.CounterVec
	durationVec *prometheus.HistogramVec
	// requests and durations by route kind and status class (0: other).
	requests    [runtime.NumRouteKinds][6]prometheus.Counter
	durations   [runtime.NumRouteKinds]prometheus.Observer
	unavailable [runtime.NumCauses]prometheus.Counter
	failures    [numReasons]prometheus.Counter
	poolWait    prometheus.Observer

	store *storeMetrics
}

// Reasons of script failures, the label of dirigo_script_errors_total.
const (
	reasonException = iota
	reasonTimeout
	reasonStackOverflow
	reasonPanic
	numReasons
)

var reasonNames = [numReasons]string{"exception", "timeout", "stack_overflow", "panic"}

// statusClasses are the values of the status label, by status/100.
var statusClasses = [6]string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"}

// requestBuckets cover a script that answers in 100 µs up to one that takes
// the default 30 s limit.
var requestBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// New returns the metrics of one server, with the Go runtime and process
// collectors and dirigo_build_info.
func New(b Build) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{reg: reg}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "dirigo_build_info",
		Help:        "The running dirigo: version, VCS revision and Go version (always 1).",
		ConstLabels: prometheus.Labels{"version": b.Version, "revision": b.Revision, "goversion": b.GoVersion},
	})
	info.Set(1)
	m.requestsVec = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dirigo_http_requests_total",
		Help: "Requests served, by how the path resolved (script, static, redirect, none) and status class.",
	}, []string{"kind", "status"})
	m.durationVec = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "dirigo_http_request_duration_seconds",
		Help:    "Time from the request's arrival to the end of its response, by how the path resolved.",
		Buckets: requestBuckets,
	}, []string{"kind"})
	unavailable := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dirigo_http_unavailable_total",
		Help: "503 answers by cause: queue (no VM free in time), store (the session store failed or is full), session (the session stayed busy).",
	}, []string{"cause"})
	failures := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dirigo_script_errors_total",
		Help: "Script runs that failed with a server error, by reason: exception, timeout, stack_overflow, panic (in Go code a script called).",
	}, []string{"reason"})
	poolWait := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "dirigo_pool_wait_seconds",
		Help:    "How long requests that found no idle VM waited for one (requests served at once are not counted).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	})
	reg.MustRegister(info, m.requestsVec, m.durationVec, unavailable, failures, poolWait)
	for k := range runtime.NumRouteKinds {
		kind := runtime.RouteKind(k).String()
		for c, class := range statusClasses {
			m.requests[k][c] = m.requestsVec.WithLabelValues(kind, class)
		}
		m.durations[k] = m.durationVec.WithLabelValues(kind)
	}
	for c := 1; c < runtime.NumCauses; c++ {
		m.unavailable[c] = unavailable.WithLabelValues(runtime.Cause(c).String())
	}
	for r, name := range reasonNames {
		m.failures[r] = failures.WithLabelValues(name)
	}
	m.poolWait = poolWait
	m.store = newStoreMetrics(reg)
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	// A collector that fails (a /proc file a sandbox hides) loses its own
	// metrics, not the scrape.
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Registry returns the registry, for more collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Request implements runtime.Observer.
func (m *Metrics) Request(kind runtime.RouteKind, status int, elapsed time.Duration) {
	class := status / 100
	if class < 1 || class > 5 {
		class = 0
	}
	if k := int(kind); k >= 0 && k < len(m.requests) {
		m.requests[k][class].Inc()
		m.durations[k].Observe(elapsed.Seconds())
		return
	}
	// A kind this package does not know yet: correct labels, slower.
	m.requestsVec.WithLabelValues(kind.String(), statusClasses[class]).Inc()
	m.durationVec.WithLabelValues(kind.String()).Observe(elapsed.Seconds())
}

// PoolWaited implements runtime.Observer.
func (m *Metrics) PoolWaited(waited time.Duration, err error) {
	m.poolWait.Observe(waited.Seconds())
	if err != nil {
		m.unavailable[runtime.CauseQueue].Inc()
	}
}

// Unavailable implements runtime.Observer.
func (m *Metrics) Unavailable(cause runtime.Cause) {
	if c := int(cause); c > 0 && c < len(m.unavailable) {
		m.unavailable[c].Inc()
	}
}

// ScriptFailed implements runtime.Observer.
func (m *Metrics) ScriptFailed(err error) {
	r := reasonException
	switch {
	case errors.Is(err, runtime.ErrTimeout):
		r = reasonTimeout
	case errors.Is(err, runtime.ErrStackOverflow):
		r = reasonStackOverflow
	case errors.Is(err, runtime.ErrPanic):
		r = reasonPanic
	}
	m.failures[r].Inc()
}

var _ runtime.Observer = (*Metrics)(nil)

// WatchPool exports the VM pool that stats reads (Server.PoolStats), read
// at each scrape.
func (m *Metrics) WatchPool(stats func() runtime.PoolStats) {
	m.reg.MustRegister(&poolCollector{stats: stats})
}

var (
	poolSizeDesc    = prometheus.NewDesc("dirigo_pool_vms", "VMs in the pool (the configured size, less broken VMs being replaced).", nil, nil)
	poolInUseDesc   = prometheus.NewDesc("dirigo_pool_vms_in_use", "VMs running a request.", nil, nil)
	poolWaitingDesc = prometheus.NewDesc("dirigo_pool_waiting_requests", "Requests waiting for a VM.", nil, nil)
	poolConfDesc    = prometheus.NewDesc("dirigo_pool_size", "The configured number of VMs (--pool).", nil, nil)
)

// poolCollector reads the pool's statistics once per scrape.
type poolCollector struct {
	stats func() runtime.PoolStats
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolSizeDesc
	ch <- poolInUseDesc
	ch <- poolWaitingDesc
	ch <- poolConfDesc
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.stats()
	ch <- prometheus.MustNewConstMetric(poolSizeDesc, prometheus.GaugeValue, float64(st.Live))
	ch <- prometheus.MustNewConstMetric(poolInUseDesc, prometheus.GaugeValue, float64(st.InUse))
	ch <- prometheus.MustNewConstMetric(poolWaitingDesc, prometheus.GaugeValue, float64(st.Waiting))
	ch <- prometheus.MustNewConstMetric(poolConfDesc, prometheus.GaugeValue, float64(st.Size))
}
