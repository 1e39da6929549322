package redisstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
)

// Polling of a held lock: the wait starts at minLockPoll and doubles up to
// maxLockPoll, with jitter. The manager already serializes the requests of
// one process, so only requests of other processes ever wait here.
const (
	minLockPoll = time.Millisecond
	maxLockPoll = 32 * time.Millisecond
)

// Retried releases (see releaseSoon): at most maxReleasing at once, each
// for at most releaseFor, waiting from minReleaseWait to maxReleaseWait
// between attempts.
const (
	maxReleasing   = 64
	releaseFor     = 30 * time.Second
	minReleaseWait = 50 * time.Millisecond
	maxReleaseWait = time.Second
)

// errLeaseLost is the error of a write under a lock whose lease ended.
var errLeaseLost = fmt.Errorf("%w: the session lock's lease in redis ended before the request wrote (redis did not answer in time); nothing was written", sessions.ErrUnavailable)

// Lock implements sessions.Locker. It takes the lock with one script (SET
// NX with a random token and a lease of Config.LockTTL) that also reads the
// session hash, for the Load that the manager makes next (see
// Store.prefetch). When the lock is held, it polls until the lock is free or
// ctx is done (ErrBusy). A Redis failure is ErrUnavailable.
//
// While the lock is held, a timer renews its lease every third of it, only
// if the lock still holds the token. When a renewal fails for longer than
// the lease, or finds the lock gone, the lease is lost: the store's writes
// for the key fail with ErrUnavailable, and so does every write of it that
// reaches Redis late (the scripts check the token), so a request that lost
// its lock never overwrites its successor's work. The returned unlock stops
// the renewal and deletes the lock if it still holds the token; calling it
// again does nothing.
func (s *Store) Lock(ctx context.Context, key string) (func(), error) {
	if ctx.Err() != nil {
		return nil, busy(ctx)
	}
	lk, token := s.lockKey(key), rand.Text()
	sent := s.clock()
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
		sent = s.clock()
		got, err = s.lockAndLoad(ctx, key, lk, token)
	}
	if err != nil {
		// The lock may have been taken before the reply was lost, or
		// be taken late by a command a stalled Redis runs when it resumes.
		s.releaseSoon(lk, token)
		if ended(ctx) {
			// The caller's time ran out (waiting here or for the
			// requests of this process): the session is busy.
			return nil, busy(ctx)
		}
		return nil, unavailable("locking session in redis", err)
	}
	h := &heldLock{lk: lk, token: token}
	h.until.Store(sent + int64(s.lockTTL))
	if !h.valid(s.clock()) {
		// Redis answered after the lease it gave had ended.
		s.prefetch.Delete(key)
		s.release(lk, token, false)
		return nil, unavailable("locking session in redis", errors.New("the answer came after the lock's lease"))
	}
	s.held.Store(key, h)
	h.mu.Lock()
	h.timer = time.AfterFunc(s.renewEvery, func() { s.renew(h) })
	h.mu.Unlock()
	return func() {
		if h.finish() {
			s.held.CompareAndDelete(key, h)
			s.prefetch.Delete(key)
			s.release(lk, token, true)
		}
	}, nil
}

// heldLock is a lock this process holds.
type heldLock struct {
	lk, token string
	// until is the Store.clock reading up to which the lease is surely
	// this holder's: the send time of the last confirmed SET or renewal
	// plus the lease. 0 once the lease is lost, for good.
	until atomic.Int64
	done  atomic.Bool // released (or being released)
	mu    sync.Mutex
	timer *time.Timer // renews the lease; stopped once done
}

// valid reports whether the lease surely lasts at the clock reading now.
func (h *heldLock) valid(now int64) bool {
	u := h.until.Load()
	return u != 0 && now < u
}

// extend records a confirmed renewal, unless the lease is already lost.
func (h *heldLock) extend(until int64) {
	for {
		old := h.until.Load()
		if old == 0 || until <= old || h.until.CompareAndSwap(old, until) {
			return
		}
	}
}

// lost marks the lease lost and returns errLeaseLost.
func (h *heldLock) lost() error {
	h.until.Store(0)
	return errLeaseLost
}

// tokenOrNone returns the token of h, or "" when h is nil (no lock held).
func (h *heldLock) tokenOrNone() string {
	if h == nil {
		return ""
	}
	return h.token
}

// finish marks the lock released and stops its renewal. It reports whether
// this call did, so only one caller releases the lock.
func (h *heldLock) finish() bool {
	if !h.done.CompareAndSwap(false, true) {
		return false
	}
	h.mu.Lock()
	if h.timer != nil {
		h.timer.Stop()
	}
	h.mu.Unlock()
	return true
}

// holder returns the lock this process holds on key, or nil when it holds
// none. When that lock's lease is lost it returns errLeaseLost: the caller
// must not write.
func (s *Store) holder(key string) (*heldLock, error) {
	v, ok := s.held.Load(key)
	if !ok {
		return nil, nil
	}
	h := v.(*heldLock)
	if !h.valid(s.clock()) {
		return nil, h.lost()
	}
	return h, nil
}

// renew extends the lease of h and schedules the next renewal, until h is
// released or its lease is lost; see Lock.
func (s *Store) renew(h *heldLock) {
	select {
	case <-s.closing:
		return
	default:
	}
	if h.done.Load() || h.until.Load() == 0 {
		return // released, or lost: a holder that cannot write keeps nobody out
	}
	sent := s.clock()
	ctx, cancel := context.WithTimeout(context.Background(), s.renewEvery)
	n, err := s.conn.evalInt(ctx, s.scripts.renew, []string{h.lk}, []string{h.token, itoa(s.lockTTL.Milliseconds())})
	cancel()
	ok := n != 0
	switch {
	case h.done.Load():
		return
	case err == nil && ok:
		h.extend(sent + int64(s.lockTTL))
	case err == nil:
		h.lost()
		s.log.Warn("a session lock in redis was gone before its request ended; the request's session writes fail", "key", h.lk)
		return
	case !h.valid(s.clock()):
		h.lost()
		s.log.Warn("could not renew a session lock in redis within its lease; the request's session writes fail",
			"key", h.lk, "lease", s.lockTTL, "error", err)
		return
	}
	h.mu.Lock()
	if !h.done.Load() {
		h.timer.Reset(max(s.renewEvery-time.Duration(s.clock()-sent), 0))
	}
	h.mu.Unlock()
}

// UpdateAndUnlock implements sessions.UnlockingUpdater: the update and the
// release of this process's lock on key go in one script, which writes
// only while the lock's lease lasts.
func (s *Store) UpdateAndUnlock(ctx context.Context, key string, c *sessions.Change) error {
	h, err := s.holder(key)
	if err != nil {
		return err
	}
	if h == nil {
		return s.Update(ctx, key, c)
	}
	s.prefetch.Delete(key)
	args := changeArgs(c, h.token, h.token)
	r, err := s.run(ctx, s.scripts.updateUnlock, []string{s.hashKey(key), h.lk}, args, "updating session in redis")
	switch {
	case err != nil:
		return err
	case r == resultLeaseLost:
		return h.lost()
	}
	// The script released the lock, whatever the update found.
	if h.finish() {
		s.held.CompareAndDelete(key, h)
	}
	if r == resultNotFound {
		return sessions.ErrNotFound
	}
	return nil
}

// lockAndLoad tries to take the lock lk with token (lockScript) and keeps
// the session hash it reads for the next Load of key. It reports false when
// another holder has the lock.
func (s *Store) lockAndLoad(ctx context.Context, key, lk, token string) (bool, error) {
	h, got, err := s.conn.evalHash(ctx, s.scripts.lock, []string{lk, s.hashKey(key)}, []string{token, itoa(s.lockTTL.Milliseconds())})
	switch {
	case err != nil || !got:
		return false, err
	case h != nil:
		s.prefetch.Store(key, h)
	}
	return true, nil
}

// release deletes the lock lk if it still holds token. When Redis does not
// answer, the lock is released later (releaseSoon) or its lease ends; the
// failure is logged unless quiet.
func (s *Store) release(lk, token string, logFailure bool) {
	err := s.unlockOnce(lk, token)
	if err == nil {
		return
	}
	if logFailure {
		s.log.Warn("releasing a session lock in redis failed; retrying, and its lease ends by itself",
			"key", lk, "lease", s.lockTTL, "error", err)
	}
	s.releaseSoon(lk, token)
}

// unlockOnce runs the unlock script once.
func (s *Store) unlockOnce(lk, token string) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.unlockTimeout)
	defer cancel()
	_, err := s.conn.evalInt(ctx, s.scripts.unlock, []string{lk}, []string{token})
	return err
}

// releaseSoon deletes the lock lk if it holds token, in the background, for
// a lock or unlock call whose outcome is unknown. A stalled Redis (stopped,
// swapping) runs the commands sent to it when it resumes, in no set order
// across connections, so a lock command that gave up may take the lock
// after this call's first unlock ran. releaseSoon therefore retries until
// two unlocks in a row are answered: the second is sent after Redis has
// answered, so after it has run what was queued during the stall. It gives
// up after releaseFor, and runs at most maxReleasing at once; a lock it does
// not release ends with its lease, since nobody renews it.
func (s *Store) releaseSoon(lk, token string) {
	select {
	case s.releasing <- struct{}{}:
	default:
		return
	}
	go func() {
		defer func() { <-s.releasing }()
		deadline := time.Now().Add(releaseFor)
		wait := minReleaseWait
		for answered := 0; answered < 2; {
			err := s.unlockOnce(lk, token)
			if err == nil {
				answered++
				continue
			}
			answered = 0
			if errors.Is(err, errClosed) || time.Now().After(deadline) {
				return
			}
			t := time.NewTimer(wait)
			select {
			case <-s.closing:
				t.Stop()
				return
			case <-t.C:
			}
			wait = min(2*wait, maxReleaseWait)
		}
	}()
}

// busy is the error of a Lock whose context ended while the lock was held.
func busy(ctx context.Context) error {
	return fmt.Errorf("%w: waiting for the session lock in redis: %w", sessions.ErrBusy, context.Cause(ctx))
}

// ended reports whether ctx is done or its deadline has passed (a socket
// deadline taken from ctx can fire just before ctx itself is done).
func ended(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}
