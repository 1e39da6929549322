package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dirigo/dirigo/runtime/sessions"
)

// Store operations, the op label of the store metrics.
const (
	opLoad = iota
	opCreate
	opUpdate
	opRotate
	opDelete
	opLock
	opUpdateUnlock
	opSweep
	numOps
)

var opNames = [numOps]string{"load", "create", "update", "rotate", "delete", "lock", "update_unlock", "sweep"}

type storeMetrics struct {
	duration  *prometheus.HistogramVec
	errors    *prometheus.CounterVec
	created   *prometheus.CounterVec
	committed *prometheus.CounterVec
	expired   *prometheus.CounterVec
}

func newStoreMetrics(reg *prometheus.Registry) *storeMetrics {
	m := &storeMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "dirigo_session_store_duration_seconds",
			Help:    "Time of session store calls, by store and operation (a lock includes its wait).",
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"store", "op"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dirigo_session_store_errors_total",
			Help: "Session store calls that failed (not found and already exists are answers, not failures), by store and operation.",
		}, []string{"store", "op"}),
		created: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dirigo_sessions_created_total",
			Help: "Sessions created (stored for the first time).",
		}, []string{"store"}),
		committed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dirigo_sessions_committed_total",
			Help: "Session writes committed: creations, updates and ID rotations.",
		}, []string{"store"}),
		expired: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dirigo_sessions_expired_total",
			Help: "Expired sessions removed by the sweeper (Redis expires its keys itself: not counted).",
		}, []string{"store"}),
	}
	reg.MustRegister(m.duration, m.errors, m.created, m.committed, m.expired)
	return m
}

// timedStore is a sessions.Store whose calls are timed and counted.
type timedStore struct {
	s         sessions.Store
	duration  [numOps]prometheus.Observer
	errors    [numOps]prometheus.Counter
	created   prometheus.Counter
	committed prometheus.Counter
	expired   prometheus.Counter
}

// Store returns s instrumented under the label store=name ("bolt",
// "memory", "redis"). The result implements the optional interfaces of
// sessions (Sweeper, Locker, UnlockingUpdater) exactly when s does.
func (m *Metrics) Store(name string, s sessions.Store) sessions.Store {
	sm := m.store
	t := &timedStore{s: s,
		created:   sm.created.WithLabelValues(name),
		committed: sm.committed.WithLabelValues(name),
		expired:   sm.expired.WithLabelValues(name),
	}
	for op, opName := range opNames {
		t.duration[op] = sm.duration.WithLabelValues(name, opName)
		t.errors[op] = sm.errors.WithLabelValues(name, opName)
	}
	sw, isSweeper := s.(sessions.Sweeper)
	l, isLocker := s.(sessions.Locker)
	u, isUU := s.(sessions.UnlockingUpdater)
	isUU = isUU && isLocker
	switch {
	case isSweeper && isUU:
		return struct {
			*timedStore
			sweeper
			locker
			unlockingUpdater
		}{t, sweeper{t, sw}, locker{t, l}, unlockingUpdater{t, u}}
	case isSweeper && isLocker:
		return struct {
			*timedStore
			sweeper
			locker
		}{t, sweeper{t, sw}, locker{t, l}}
	case isSweeper:
		return struct {
			*timedStore
			sweeper
		}{t, sweeper{t, sw}}
	case isUU:
		return struct {
			*timedStore
			locker
			unlockingUpdater
		}{t, locker{t, l}, unlockingUpdater{t, u}}
	case isLocker:
		return struct {
			*timedStore
			locker
		}{t, locker{t, l}}
	default:
		return t
	}
}

// done records a call of op that started at start and ended with err.
func (t *timedStore) done(op int, start time.Time, err error) {
	t.duration[op].Observe(time.Since(start).Seconds())
	if err != nil && !errors.Is(err, sessions.ErrNotFound) && !errors.Is(err, sessions.ErrExists) {
		t.errors[op].Inc()
	}
}

func (t *timedStore) Load(ctx context.Context, key string) (*sessions.Record, error) {
	start := time.Now()
	rec, err := t.s.Load(ctx, key)
	t.done(opLoad, start, err)
	return rec, err
}

func (t *timedStore) Create(ctx context.Context, key string, rec *sessions.Record) error {
	start := time.Now()
	err := t.s.Create(ctx, key, rec)
	t.done(opCreate, start, err)
	if err == nil {
		t.created.Inc()
		t.committed.Inc()
	}
	return err
}

func (t *timedStore) Update(ctx context.Context, key string, c *sessions.Change) error {
	start := time.Now()
	err := t.s.Update(ctx, key, c)
	t.done(opUpdate, start, err)
	if err == nil {
		t.committed.Inc()
	}
	return err
}

func (t *timedStore) Rotate(ctx context.Context, oldKey, newKey string, c *sessions.Change) error {
	start := time.Now()
	err := t.s.Rotate(ctx, oldKey, newKey, c)
	t.done(opRotate, start, err)
	if err == nil {
		t.committed.Inc()
	}
	return err
}

func (t *timedStore) Delete(ctx context.Context, key string) error {
	start := time.Now()
	err := t.s.Delete(ctx, key)
	t.done(opDelete, start, err)
	return err
}

type sweeper struct {
	t  *timedStore
	sw sessions.Sweeper
}

func (s sweeper) Sweep(ctx context.Context, now time.Time) (int, error) {
	start := time.Now()
	n, err := s.sw.Sweep(ctx, now)
	s.t.done(opSweep, start, err)
	s.t.expired.Add(float64(n))
	return n, err
}

type locker struct {
	t *timedStore
	l sessions.Locker
}

func (l locker) Lock(ctx context.Context, key string) (func(), error) {
	start := time.Now()
	unlock, err := l.l.Lock(ctx, key)
	l.t.done(opLock, start, err)
	return unlock, err
}

type unlockingUpdater struct {
	t *timedStore
	u sessions.UnlockingUpdater
}

func (u unlockingUpdater) UpdateAndUnlock(ctx context.Context, key string, c *sessions.Change) error {
	start := time.Now()
	err := u.u.UpdateAndUnlock(ctx, key, c)
	u.t.done(opUpdateUnlock, start, err)
	if err == nil {
		u.t.committed.Inc()
	}
	return err
}
