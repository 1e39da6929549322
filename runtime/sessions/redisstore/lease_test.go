package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dirigo/dirigo/internal/redistest"
	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/redisstore"
	"github.com/dirigo/dirigo/runtime/sessions/storetest"
)

// attrN is a change that sets the attribute "n" to v.
func attrN(m sessions.Meta, v string) *sessions.Change {
	return &sessions.Change{Meta: m, Set: map[string]sessions.Attr{"n": {Seq: 1, Value: []byte(v)}}}
}

// loadN returns the attribute "n" of the session under key.
func loadN(t *testing.T, s *redisstore.Store, key string) string {
	t.Helper()
	rec, err := s.Load(ctx(t), key)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return string(rec.Attrs["n"].Value)
}

// busyFor checks that Lock on s finds the lock of key held.
func busyFor(t *testing.T, s *redisstore.Store, key string) {
	t.Helper()
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if u, err := s.Lock(short, key); !errors.Is(err, sessions.ErrBusy) {
		if err == nil {
			u()
		}
		t.Fatalf("Lock of a held lock = %v, want ErrBusy", err)
	}
}

// TestLeaseRenewed checks that a lock is held as long as its holder runs,
// however many leases that takes, and that the holder can write throughout.
func TestLeaseRenewed(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	const lease = 750 * time.Millisecond
	a := open(t, srv, redisstore.Config{Prefix: "renew:", LockTTL: lease})
	b := open(t, srv, redisstore.Config{Prefix: "renew:", LockTTL: lease})
	key := storetest.Key()
	m := meta(time.Hour, time.Hour)
	if err := a.Create(ctx(t), key, &sessions.Record{Meta: m}); err != nil {
		t.Fatal(err)
	}
	unlock, err := a.Lock(ctx(t), key)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 { // three leases
		time.Sleep(lease)
		busyFor(t, b, key)
		if err := a.Update(ctx(t), key, attrN(m, string(rune('1'+i)))); err != nil {
			t.Fatalf("Update after %d leases: %v", i+1, err)
		}
	}
	if err := a.UpdateAndUnlock(ctx(t), key, attrN(m, "4")); err != nil {
		t.Fatalf("UpdateAndUnlock: %v", err)
	}
	unlock()
	ub, err := b.Lock(ctx(t), key)
	if err != nil {
		t.Fatalf("Lock after the holder released: %v", err)
	}
	defer ub()
	if n := loadN(t, b, key); n != "4" {
		t.Fatalf("n = %s, want 4", n)
	}
}

// TestStall stops Redis for 3s (SIGSTOP, as a stalled server or VM would)
// while a request of one process holds a session's lock and another process
// wants it. Both fail with ErrUnavailable during the stall; afterwards the
// holder, whose lease has ended, writes nothing and cannot release anyone
// else's lock, and the session's lock is free again once the lease has
// passed: the other process gets it within lease + 2s of the resume (it was
// 35s with the old fixed TTL).
func TestStall(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	const (
		lease = time.Second
		stall = 3 * time.Second
		bound = lease + 2*time.Second
	)
	a := open(t, srv, redisstore.Config{Prefix: "stall:", LockTTL: lease, Logger: discard()})
	b := open(t, srv, redisstore.Config{Prefix: "stall:", LockTTL: lease, Logger: discard()})
	key := storetest.Key()
	m := meta(time.Hour, time.Hour)
	if err := a.Create(ctx(t), key, &sessions.Record{Meta: m, Attrs: attrN(m, "1").Set}); err != nil {
		t.Fatal(err)
	}
	unlockA, err := a.Lock(ctx(t), key)
	if err != nil {
		t.Fatal(err)
	}

	srv.Pause()
	paused := time.Now()
	if err := a.Update(ctx(t), key, attrN(m, "2")); !errors.Is(err, sessions.ErrUnavailable) {
		t.Fatalf("Update by the holder during the stall = %v, want ErrUnavailable", err)
	}
	if u, err := b.Lock(ctx(t), key); !errors.Is(err, sessions.ErrUnavailable) {
		if err == nil {
			u()
		}
		t.Fatalf("Lock by another process during the stall = %v, want ErrUnavailable", err)
	}
	time.Sleep(stall - time.Since(paused))
	srv.Resume()

	// The holder's lease ended during the stall: it writes nothing more.
	if err := a.Update(ctx(t), key, attrN(m, "3")); !errors.Is(err, sessions.ErrUnavailable) {
		t.Fatalf("Update by the holder after its lease = %v, want ErrUnavailable", err)
	}
	c, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	resumed := time.Now()
	unlockB, err := b.Lock(c, key)
	if err != nil {
		t.Fatalf("Lock of the session within %v of the resume: %v", bound, err)
	}
	t.Logf("the other process got the session's lock %v after Redis resumed", time.Since(resumed).Round(time.Millisecond))
	unlockA() // late: must not release b's lock
	busyFor(t, a, key)
	// Neither write of the lost holder landed, not even the one sent during
	// the stall that Redis ran when it resumed.
	if n := loadN(t, b, key); n != "1" {
		t.Fatalf("n = %s after the stall, want 1", n)
	}
	if err := b.UpdateAndUnlock(ctx(t), key, attrN(m, "2")); err != nil {
		t.Fatalf("UpdateAndUnlock by the new holder: %v", err)
	}
	unlockB()
	if n := loadN(t, a, key); n != "2" {
		t.Fatalf("n = %s, want 2", n)
	}
}

// TestStallOrphanLock stops Redis while a process tries to take a lock with
// a long lease. The attempt fails, but its command runs when Redis resumes
// and may take the lock for nobody; the store releases such a lock as soon
// as Redis answers again, so the session does not wait for the lease.
func TestStallOrphanLock(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	const lease = time.Minute
	a := open(t, srv, redisstore.Config{Prefix: "orphan:", LockTTL: lease, Logger: discard()})
	b := open(t, srv, redisstore.Config{Prefix: "orphan:", LockTTL: lease, Logger: discard()})
	key := storetest.Key()
	// Redis runs a script sent during the stall only if it knows it.
	for _, s := range []*redisstore.Store{a, b} {
		u, err := s.Lock(ctx(t), storetest.Key())
		if err != nil {
			t.Fatal(err)
		}
		u()
	}
	srv.Pause()
	paused := time.Now()
	for _, s := range []*redisstore.Store{a, a, b} {
		if u, err := s.Lock(ctx(t), key); !errors.Is(err, sessions.ErrUnavailable) {
			if err == nil {
				u()
			}
			t.Fatalf("Lock during the stall = %v, want ErrUnavailable", err)
		}
	}
	time.Sleep(3*time.Second - time.Since(paused))
	srv.Resume()
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resumed := time.Now()
	unlock, err := b.Lock(c, key)
	if err != nil {
		t.Fatalf("Lock after the stall, with a lease of %v: %v", lease, err)
	}
	t.Logf("got the lock %v after Redis resumed (stall %v)", time.Since(resumed).Round(time.Millisecond), resumed.Sub(paused).Round(time.Millisecond))
	unlock()
}
