package boltstore

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
)

// maxKeyLen bounds keys (bbolt's limit is 32 KiB; the manager's are 43 bytes).
const maxKeyLen = 1024

// sweepChunk is how many expired sessions Sweep deletes per transaction.
const sweepChunk = 10000

// Load implements sessions.Store.
func (s *Store) Load(_ context.Context, key string) (*sessions.Record, error) {
	if s.closed.Load() {
		return nil, errClosed
	}
	sh := s.shard(key)
	sh.mu.Lock()
	e, removed := sh.m[key], sh.removed
	sh.mu.Unlock()
	var rec *sessions.Record
	if e != nil {
		rec = e.rec
	} else {
		r, _, err := s.read(key)
		if err != nil {
			return nil, err
		}
		sh.mu.Lock()
		rec = sh.cache(key, r, removed)
		sh.mu.Unlock()
	}
	if rec == nil || rec.Expired(s.cfg.Now()) {
		return nil, sessions.ErrNotFound
	}
	return rec, nil
}

// Create implements sessions.Store.
func (s *Store) Create(ctx context.Context, key string, rec *sessions.Record) error {
	if err := checkKey(key); err != nil {
		return err
	}
	nr := &sessions.Record{Meta: rec.Meta, Attrs: maps.Clone(rec.Attrs)}
	return s.write(ctx, func() (bool, error) {
		sh := s.shard(key)
		sh.mu.Lock()
		defer sh.mu.Unlock()
		old, present, err := s.lookup(sh, key)
		switch {
		case err != nil:
			return false, err
		case old != nil && !old.Expired(s.cfg.Now()):
			return false, sessions.ErrExists
		case !present && !s.reserve():
			return false, sessions.ErrFull
		}
		sh.set(key, nr)
		return true, nil
	})
}

// Update implements sessions.Store.
func (s *Store) Update(ctx context.Context, key string, c *sessions.Change) error {
	return s.write(ctx, func() (bool, error) {
		sh := s.shard(key)
		sh.mu.Lock()
		defer sh.mu.Unlock()
		old, _, err := s.lookup(sh, key)
		if err != nil {
			return false, err
		}
		if old == nil || old.Expired(s.cfg.Now()) {
			return false, sessions.ErrNotFound
		}
		sh.set(key, apply(old, c))
		return true, nil
	})
}

// Rotate implements sessions.Store.
func (s *Store) Rotate(ctx context.Context, oldKey, newKey string, c *sessions.Change) error {
	if err := checkKey(newKey); err != nil {
		return err
	}
	return s.write(ctx, func() (bool, error) {
		i, j := s.shardIndex(oldKey), s.shardIndex(newKey)
		so, sn := &s.shards[i], &s.shards[j]
		first, second := so, sn
		if j < i {
			first, second = sn, so
		}
		first.mu.Lock()
		defer first.mu.Unlock()
		if i != j {
			second.mu.Lock()
			defer second.mu.Unlock()
		}
		now := s.cfg.Now()
		old, _, err := s.lookup(so, oldKey)
		if err != nil {
			return false, err
		}
		if old == nil || old.Expired(now) {
			return false, sessions.ErrNotFound
		}
		taken, present, err := s.lookup(sn, newKey)
		switch {
		case err != nil:
			return false, err
		case taken != nil && !taken.Expired(now):
			return false, sessions.ErrExists
		case present:
			s.count.Add(-1) // the new record replaces an expired one
		}
		sn.set(newKey, apply(old, c))
		so.set(oldKey, nil)
		return true, nil
	})
}

// Delete implements sessions.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	return s.write(ctx, func() (bool, error) {
		sh := s.shard(key)
		sh.mu.Lock()
		defer sh.mu.Unlock()
		if e := sh.m[key]; e != nil && e.rec == nil {
			// Deleted already; in SyncAlways mode still wait until the
			// deletion is durable.
			return e.dirty, nil
		}
		_, present, err := s.lookup(sh, key)
		if err != nil || !present {
			return false, err
		}
		sh.set(key, nil)
		s.count.Add(-1)
		return true, nil
	})
}

// Sweep implements sessions.Sweeper. It deletes the expired sessions in
// memory, then those the expiry index of the file lists, sweepChunk per
// transaction.
func (s *Store) Sweep(ctx context.Context, now time.Time) (int, error) {
	var keys []string
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for k, e := range sh.m {
			if e.rec != nil && e.rec.Expired(now) {
				keys = append(keys, k)
			}
		}
		sh.mu.Unlock()
	}
	n, err := s.expire(ctx, keys, now)
	var after []byte
	for err == nil {
		var m int
		var stale [][]byte
		keys, stale, after, err = s.expiredOnDisk(after, now.UnixMicro(), sweepChunk)
		if err != nil {
			break
		}
		if m, err = s.expire(ctx, keys, now); err == nil && len(stale) > 0 {
			err = s.dropStale(stale)
		}
		n += m
		if after == nil {
			break
		}
	}
	if err != nil {
		return n, fmt.Errorf("sweeping sessions: %w", err)
	}
	return n, nil
}

// expire deletes those of keys that are expired at now (or corrupt) and
// waits until the file has the deletions.
func (s *Store) expire(ctx context.Context, keys []string, now time.Time) (int, error) {
	n := 0
	for _, key := range keys {
		err := s.write(ctx, func() (bool, error) {
			sh := s.shard(key)
			sh.mu.Lock()
			defer sh.mu.Unlock()
			rec, present, err := s.lookup(sh, key)
			if err != nil || !present || rec != nil && !rec.Expired(now) {
				return false, err
			}
			sh.set(key, nil)
			s.count.Add(-1)
			n++
			return false, nil // waited for below, once for all keys
		})
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return n, err
		}
	}
	if n == 0 {
		return 0, nil
	}
	s.gate.RLock()
	c := s.pending
	s.gate.RUnlock()
	s.flushSoon()
	return n, s.wait(ctx, c)
}

// write runs fn, which changes memory, against flushes and Close. When fn
// reports a change in SyncAlways mode, write waits until it is durable. In
// SyncInterval mode it fails while the file does.
func (s *Store) write(ctx context.Context, fn func() (changed bool, err error)) error {
	if p := s.failed.Load(); p != nil && s.cfg.Sync == SyncInterval {
		return *p
	}
	s.gate.RLock()
	if s.closed.Load() {
		s.gate.RUnlock()
		return errClosed
	}
	changed, err := fn()
	c := s.pending
	s.gate.RUnlock()
	if err != nil || !changed || s.cfg.Sync != SyncAlways {
		return err
	}
	s.flushSoon()
	return s.wait(ctx, c)
}

// lookup returns the current state of key: rec is the session (nil when
// there is none or its record is corrupt), present whether the key is
// stored at all. The caller holds sh.mu.
func (s *Store) lookup(sh *shard, key string) (rec *sessions.Record, present bool, err error) {
	if e := sh.m[key]; e != nil {
		return e.rec, e.rec != nil, nil
	}
	return s.read(key)
}

// reserve counts a new session in, or reports that the store is full.
func (s *Store) reserve() bool {
	if lim := s.cfg.MaxBytes; lim > 0 && s.used.Load() >= lim {
		s.refuse()
		return false
	}
	if lim := int64(s.cfg.MaxSessions); lim > 0 {
		for {
			n := s.count.Load()
			if n >= lim {
				s.refuse()
				return false
			}
			if s.count.CompareAndSwap(n, n+1) {
				break
			}
		}
	} else {
		s.count.Add(1)
	}
	return true
}

// refuse logs that the store is full: on the first refusal, then at most
// once a minute while refusals go on.
func (s *Store) refuse() {
	now, last := time.Now().UnixNano(), s.warned.Load()
	if last != 0 && now-last < int64(time.Minute) || !s.warned.CompareAndSwap(last, now) {
		return
	}
	s.log.Warn("session store is full: refusing new sessions", "path", s.cfg.Path,
		"sessions", s.count.Load(), "max_sessions", s.cfg.MaxSessions,
		"bytes_in_use", s.used.Load(), "max_bytes", s.cfg.MaxBytes)
}

// checkKey rejects keys the file cannot hold.
func checkKey(key string) error {
	if key == "" || len(key) > maxKeyLen {
		return fmt.Errorf("boltstore: invalid key of %d bytes", len(key))
	}
	return nil
}

// apply returns a new record: old with c applied. It shares old's
// attributes when c changes none.
func apply(old *sessions.Record, c *sessions.Change) *sessions.Record {
	attrs := old.Attrs
	if len(c.Set) > 0 || len(c.Delete) > 0 {
		attrs = make(map[string]sessions.Attr, len(old.Attrs)+len(c.Set))
		maps.Copy(attrs, old.Attrs)
		maps.Copy(attrs, c.Set)
		for _, n := range c.Delete {
			delete(attrs, n)
		}
	}
	return &sessions.Record{Meta: c.Meta, Attrs: attrs}
}
