// Package memstore is a sessions.Store that keeps sessions in memory. It is
// fast and loses everything when the process stops: for tests, development
// and single-process servers that can afford that.
package memstore

import (
	"context"
	"sync"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
)

// Config configures a Store. The zero value is a store without a cap.
type Config struct {
	// MaxSessions caps the number of stored sessions; Create then fails with
	// sessions.ErrFull. Zero means no cap.
	MaxSessions int
	// Now is the clock for expiry (default time.Now).
	Now func() time.Time
}

// Store keeps sessions in a map. Records are immutable once stored: Load
// returns them without copying and writes replace them.
type Store struct {
	mu  sync.RWMutex
	m   map[string]*sessions.Record
	cfg Config
}

var (
	_ sessions.Store   = (*Store)(nil)
	_ sessions.Sweeper = (*Store)(nil)
)

// New returns an empty store.
func New(cfg Config) *Store {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Store{m: map[string]*sessions.Record{}, cfg: cfg}
}

// Len returns the number of stored sessions, expired ones included until swept.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.m)
}

// Load implements sessions.Store.
func (s *Store) Load(_ context.Context, key string) (*sessions.Record, error) {
	s.mu.RLock()
	rec := s.m[key]
	s.mu.RUnlock()
	if rec == nil || rec.Expired(s.cfg.Now()) {
		return nil, sessions.ErrNotFound
	}
	return rec, nil
}

// Create implements sessions.Store.
func (s *Store) Create(_ context.Context, key string, rec *sessions.Record) error {
	attrs := make(map[string]sessions.Attr, len(rec.Attrs))
	for n, a := range rec.Attrs {
		attrs[n] = a
	}
	nr := &sessions.Record{Meta: rec.Meta, Attrs: attrs}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[key]; ok {
		return sessions.ErrExists
	}
	if s.cfg.MaxSessions > 0 && len(s.m) >= s.cfg.MaxSessions {
		return sessions.ErrFull
	}
	s.m[key] = nr
	return nil
}

// Update implements sessions.Store.
//
// The new record is built outside the store's lock (a session's attributes
// are copied: records are immutable), so that writers of other sessions do
// not wait on the copy; the lock is held only to swap it in.
func (s *Store) Update(_ context.Context, key string, c *sessions.Change) error {
	s.mu.RLock()
	old := s.m[key]
	s.mu.RUnlock()
	if old == nil {
		return sessions.ErrNotFound
	}
	nr := apply(old, c)
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.m[key]
	if cur == nil {
		return sessions.ErrNotFound
	}
	if cur != old { // another writer (a second manager on this store) came first
		nr = apply(cur, c)
	}
	s.m[key] = nr
	return nil
}

// Rotate implements sessions.Store.
func (s *Store) Rotate(_ context.Context, oldKey, newKey string, c *sessions.Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.m[oldKey]
	if old == nil {
		return sessions.ErrNotFound
	}
	if _, taken := s.m[newKey]; taken {
		return sessions.ErrExists
	}
	delete(s.m, oldKey)
	s.m[newKey] = apply(old, c)
	return nil
}

// Delete implements sessions.Store.
func (s *Store) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	delete(s.m, key)
	s.mu.Unlock()
	return nil
}

// Sweep implements sessions.Sweeper.
func (s *Store) Sweep(_ context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, r := range s.m {
		if r.Expired(now) {
			delete(s.m, k)
			n++
		}
	}
	return n, nil
}

// apply returns a new record: old with c applied.
func apply(old *sessions.Record, c *sessions.Change) *sessions.Record {
	attrs := old.Attrs
	if len(c.Set) > 0 || len(c.Delete) > 0 {
		attrs = make(map[string]sessions.Attr, len(old.Attrs)+len(c.Set))
		for n, a := range old.Attrs {
			attrs[n] = a
		}
		for n, a := range c.Set {
			attrs[n] = a
		}
		for _, n := range c.Delete {
			delete(attrs, n)
		}
	}
	return &sessions.Record{Meta: c.Meta, Attrs: attrs}
}
