// Package memstore is a sessions.Store that keeps sessions in memory. It is
// fast and loses everything when the process stops: for tests, development
// and single-process servers that can afford that.
package memstore

import (
	"context"
	"slices"
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

// Store keeps sessions in a map. Stored records are immutable: a write
// replaces a session's record, so Load reads one without holding the lock
// while it is copied.
//
// A record's attributes are kept as a slice of name/value pairs rather than
// a Go map, whose smallest size is about 440 bytes: a session with one
// attribute takes about 250 bytes instead of 650, which is most of what a
// large number of small sessions costs. Load builds the map it returns.
type Store struct {
	mu  sync.RWMutex
	m   map[string]*record
	cfg Config
}

// record is a stored session.
type record struct {
	meta  sessions.Meta
	attrs []namedAttr
}

type namedAttr struct {
	name string
	sessions.Attr
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
	return &Store{m: map[string]*record{}, cfg: cfg}
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
	r := s.m[key]
	s.mu.RUnlock()
	if r == nil || r.meta.Expired(s.cfg.Now()) {
		return nil, sessions.ErrNotFound
	}
	rec := &sessions.Record{Meta: r.meta, Attrs: make(map[string]sessions.Attr, len(r.attrs))}
	for _, a := range r.attrs {
		rec.Attrs[a.name] = a.Attr
	}
	return rec, nil
}

// Create implements sessions.Store.
func (s *Store) Create(_ context.Context, key string, rec *sessions.Record) error {
	nr := &record{meta: rec.Meta, attrs: make([]namedAttr, 0, len(rec.Attrs))}
	for n, a := range rec.Attrs {
		nr.attrs = append(nr.attrs, namedAttr{n, a})
	}
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
// The new record is built outside the store's lock, so that writers of
// other sessions do not wait on the copy; the lock is held only to swap it
// in.
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
		if r.meta.Expired(now) {
			delete(s.m, k)
			n++
		}
	}
	return n, nil
}

// apply returns a new record: old with c applied. Without attribute
// changes the new record shares old's attributes (they are never written).
func apply(old *record, c *sessions.Change) *record {
	if len(c.Set) == 0 && len(c.Delete) == 0 {
		return &record{meta: c.Meta, attrs: old.attrs}
	}
	attrs := make([]namedAttr, 0, len(old.attrs)+len(c.Set))
	for _, a := range old.attrs {
		if _, set := c.Set[a.name]; set || slices.Contains(c.Delete, a.name) {
			continue
		}
		attrs = append(attrs, a)
	}
	for n, a := range c.Set {
		if !slices.Contains(c.Delete, n) {
			attrs = append(attrs, namedAttr{n, a})
		}
	}
	return &record{meta: c.Meta, attrs: attrs}
}
