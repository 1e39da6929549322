package redisstore

import (
	"context"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dirigo/dirigo/runtime/sessions"
)

// Polling of a held lock: the wait starts at minLockPoll and doubles up to
// maxLockPoll, with jitter. The manager already serializes the requests of
// one process, so only requests of other processes ever wait here.
const (
	minLockPoll = time.Millisecond
	maxLockPoll = 32 * time.Millisecond
)

// Lock implements sessions.Locker. When the lock is free, it takes it with
// SET NX (a random token, expiring after Config.LockTTL) and, in the same
// round trip, reads the session hash for the Load that the manager makes
// next (see Store.prefetch). Otherwise it polls until the lock is free or ctx is done
// (ErrBusy). A Redis failure is ErrUnavailable. The returned unlock deletes
// the lock if it still holds the token; calling it again does nothing.
func (s *Store) Lock(ctx context.Context, key string) (func(), error) {
	if ctx.Err() != nil {
		return nil, busy(ctx)
	}
	lk, token := s.lockKey(key), rand.Text()
	got, err := s.lockAndLoad(ctx, key, lk, token)
	var timer *time.Timer
	for poll := minLockPoll; err == nil && !got; poll = min(2*poll, maxLockPoll) {
		d := poll/2 + mrand.N(poll/2+1)
		if timer == nil {
			timer = time.NewTimer(d)
			defer timer.Stop()
		} else {
			timer.Reset(d)
		}
		select {
		case <-ctx.Done():
			return nil, busy(ctx)
		case <-timer.C:
		}
		got, err = s.scripts.lock.Run(ctx, s.client, []string{lk}, token, s.lockTTL.Milliseconds()).Bool()
	}
	if err != nil {
		// The lock may have been taken before the reply was lost.
		go s.release(lk, token, false)
		if ctx.Err() != nil {
			// The caller's time ran out (waiting here or for the
			// requests of this process): the session is busy.
			return nil, busy(ctx)
		}
		return nil, unavailable("locking session in redis", err)
	}
	h := &heldLock{lk: lk, token: token}
	s.held.Store(key, h)
	return func() {
		if h.done.CompareAndSwap(false, true) {
			s.held.CompareAndDelete(key, h)
			s.prefetch.Delete(key)
			s.release(lk, token, true)
		}
	}, nil
}

// heldLock is a lock this process holds: done once it is released.
type heldLock struct {
	lk, token string
	done      atomic.Bool
}

// UpdateAndUnlock implements sessions.UnlockingUpdater: the update and the
// release of this process's lock on key go in one script.
func (s *Store) UpdateAndUnlock(ctx context.Context, key string, c *sessions.Change) error {
	v, ok := s.held.Load(key)
	if !ok {
		return s.Update(ctx, key, c)
	}
	h := v.(*heldLock)
	s.prefetch.Delete(key)
	args := changeArgs(c, "")
	args[1] = h.token
	r, err := s.run(ctx, s.scripts.updateUnlock, []string{s.hashKey(key), h.lk}, args, "updating session in redis")
	if err != nil {
		return err
	}
	// The script released the lock, whatever the update found.
	if h.done.CompareAndSwap(false, true) {
		s.held.CompareAndDelete(key, h)
	}
	if r == resultNotFound {
		return sessions.ErrNotFound
	}
	return nil
}

// lockAndLoad tries to take the free lock and keeps the session hash, read
// in the same pipeline, for the next Load of key.
//
// A retried pipeline (go-redis resends it when the connection broke) may
// find the lock taken by its own first run; then Lock polls with
// lockScript, which recognizes its token.
func (s *Store) lockAndLoad(ctx context.Context, key, lk, token string) (bool, error) {
	var (
		set  *redis.BoolCmd
		hash *redis.MapStringStringCmd
	)
	_, _ = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		set = p.SetNX(ctx, lk, token, s.lockTTL)
		hash = p.HGetAll(ctx, s.hashKey(key))
		return nil
	})
	got, err := set.Result()
	if got && hash.Err() == nil {
		s.prefetch.Store(key, hash.Val())
	}
	return got, err
}

// release deletes the lock lk if it still holds token. A failure leaves the
// lock to expire after LockTTL; logged unless quiet.
func (s *Store) release(lk, token string, logFailure bool) {
	ctx, cancel := context.WithTimeout(context.Background(), s.unlockTimeout)
	defer cancel()
	err := s.scripts.unlock.Run(ctx, s.client, []string{lk}, token).Err()
	if err != nil && logFailure {
		s.log.Warn("releasing a session lock in redis failed; it expires by itself",
			"key", lk, "ttl", s.lockTTL, "error", err)
	}
}

// busy is the error of a Lock whose context ended while the lock was held.
func busy(ctx context.Context) error {
	return fmt.Errorf("%w: waiting for the session lock in redis: %w", sessions.ErrBusy, context.Cause(ctx))
}
