package redisstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
)

// Results of the write scripts.
const (
	resultDone      = 1
	resultNotFound  = 0
	resultExists    = -1
	resultLeaseLost = -2
)

// Load implements sessions.Store with one HGETALL, or none right after Lock
// (see Store.prefetch). A hash this store could not have written is logged
// and reported as ErrNotFound.
func (s *Store) Load(ctx context.Context, key string) (*sessions.Record, error) {
	hk := s.hashKey(key)
	var h map[string]string
	var err error
	if v, ok := s.prefetch.LoadAndDelete(key); ok {
		h = v.(map[string]string)
	} else {
		h, err = s.conn.hgetall(ctx, hk)
	}
	switch {
	case errors.Is(err, errWrongType):
		s.log.Warn("ignoring a session key that is not a hash", "key", hk)
		return nil, sessions.ErrNotFound
	case err != nil:
		return nil, unavailable("loading session from redis", err)
	case len(h) == 0:
		return nil, sessions.ErrNotFound
	}
	rec, err := decode(h)
	if err != nil {
		s.log.Warn("ignoring a malformed session", "key", hk, "error", err)
		return nil, sessions.ErrNotFound
	}
	if rec.Expired(time.Now()) {
		return nil, sessions.ErrNotFound
	}
	return rec, nil
}

// Create implements sessions.Store. A session that has already expired is
// not stored.
func (s *Store) Create(ctx context.Context, key string, rec *sessions.Record) error {
	s.prefetch.Delete(key)
	token := rand.Text()
	args := make([]string, 4, 4+10+2*len(rec.Attrs))
	args = append(args, fieldToken, token)
	args = metaArgs(args, rec.Meta)
	args = attrArgs(args, rec.Attrs)
	setArgs(args, ttl(rec.Meta, time.Now()), token, "", len(args)-4)
	switch r, err := s.run(ctx, s.scripts.create, []string{s.hashKey(key)}, args, "creating session in redis"); {
	case err != nil:
		return err
	case r == resultExists:
		return sessions.ErrExists
	}
	return nil
}

// Update implements sessions.Store: it writes the meta, sets and deletes the
// changed attributes and renews the TTL, or returns ErrNotFound and writes
// nothing. A change that makes the session expire deletes it. Under a lock
// of this store, it writes only while the lock's lease lasts.
func (s *Store) Update(ctx context.Context, key string, c *sessions.Change) error {
	s.prefetch.Delete(key)
	h, err := s.holder(key)
	if err != nil {
		return err
	}
	args := changeArgs(c, "", h.tokenOrNone())
	switch r, err := s.run(ctx, s.scripts.update, []string{s.hashKey(key), s.lockKey(key)}, args, "updating session in redis"); {
	case err != nil:
		return err
	case r == resultLeaseLost:
		return h.lost()
	case r == resultNotFound:
		return sessions.ErrNotFound
	}
	return nil
}

// Rotate implements sessions.Store: it renames the hash and applies c.
// Under a lock of this store on oldKey, it writes only while the lock's
// lease lasts.
func (s *Store) Rotate(ctx context.Context, oldKey, newKey string, c *sessions.Change) error {
	s.prefetch.Delete(oldKey)
	s.prefetch.Delete(newKey)
	h, err := s.holder(oldKey)
	if err != nil {
		return err
	}
	args := changeArgs(c, rand.Text(), h.tokenOrNone())
	keys := []string{s.hashKey(oldKey), s.hashKey(newKey), s.lockKey(oldKey)}
	switch r, err := s.run(ctx, s.scripts.rotate, keys, args, "rotating session in redis"); {
	case err != nil:
		return err
	case r == resultLeaseLost:
		return h.lost()
	case r == resultNotFound:
		return sessions.ErrNotFound
	case r == resultExists:
		return sessions.ErrExists
	}
	return nil
}

// Delete implements sessions.Store. Under a lock of this store, it deletes
// only while the lock's lease lasts.
func (s *Store) Delete(ctx context.Context, key string) error {
	s.prefetch.Delete(key)
	h, err := s.holder(key)
	switch {
	case err != nil:
		return err
	case h != nil:
		r, err := s.conn.evalInt(ctx, s.scripts.del, []string{s.hashKey(key), h.lk}, []string{h.token})
		if err != nil {
			return unavailable("deleting session from redis", err)
		}
		if r == resultLeaseLost {
			return h.lost()
		}
		return nil
	}
	if err := s.conn.del(ctx, s.hashKey(key)); err != nil {
		return unavailable("deleting session from redis", err)
	}
	return nil
}

// changeArgs returns the script arguments of c. A non-empty write token is
// written to the hash too; lockToken is the token of the session lock the
// caller holds ("" for none).
func changeArgs(c *sessions.Change, writeToken, lockToken string) []string {
	args := make([]string, 4, 4+10+2*len(c.Set)+len(c.Delete))
	if writeToken != "" {
		args = append(args, fieldToken, writeToken)
	}
	args = metaArgs(args, c.Meta)
	args = attrArgs(args, c.Set)
	setArgs(args, ttl(c.Meta, time.Now()), writeToken, lockToken, len(args)-4)
	for _, name := range c.Delete {
		args = append(args, attrPrefix+name)
	}
	return args
}

// setArgs fills the first four script arguments (see scripts.go).
func setArgs(args []string, ttl int64, writeToken, lockToken string, n int) {
	args[0], args[1], args[2], args[3] = itoa(ttl), writeToken, lockToken, itoa(int64(n))
}

// ttl returns the TTL argument of a session with meta m at now: its
// remaining milliseconds (rounded up), -1 for no expiry, 0 for expired.
func ttl(m sessions.Meta, now time.Time) int64 {
	e := m.Expires()
	if e.IsZero() {
		return -1
	}
	d := e.Sub(now)
	if d <= 0 {
		return 0
	}
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

// run runs a write script and returns its result. Redis out of memory
// (maxmemory reached under the noeviction policy) is ErrFull.
func (s *Store) run(ctx context.Context, sc *script, keys, args []string, doing string) (int64, error) {
	r, err := s.conn.evalInt(ctx, sc, keys, args)
	switch {
	case err == nil:
		return r, nil
	case errors.Is(err, errOOM):
		return 0, fmt.Errorf("%w: %s: %w", sessions.ErrFull, doing, err)
	default:
		return 0, unavailable(doing, err)
	}
}
