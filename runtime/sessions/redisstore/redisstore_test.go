package redisstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dirigo/dirigo/internal/redistest"
	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/redisstore"
	"github.com/dirigo/dirigo/runtime/sessions/storetest"
)

// open opens a store on srv with a fresh prefix (unless cfg has one) and
// closes it when the test ends.
func open(t testing.TB, srv *redistest.Server, cfg redisstore.Config) *redisstore.Store {
	t.Helper()
	cfg.URL = srv.URL()
	if cfg.Client == "" {
		cfg.Client = os.Getenv("DIRIGO_TEST_REDIS_CLIENT")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "test:" + rand.Text() + ":"
	}
	s, err := redisstore.Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// client returns a plain go-redis client on srv, to look behind the store.
func client(t testing.TB, srv *redistest.Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// meta returns the meta of a session created now with the given idle
// timeout and lifetime.
func meta(idle, life time.Duration) sessions.Meta {
	now := time.Now()
	return sessions.Meta{Created: now, Accessed: now, MaxIdle: idle, Deadline: now.Add(life)}
}

// TestConformance runs the shared store suite on each client. The other
// tests run on the default client, or on the one DIRIGO_TEST_REDIS_CLIENT
// names.
func TestConformance(t *testing.T) {
	srv := redistest.Start(t)
	for _, c := range clients {
		t.Run(c, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) sessions.Store { return open(t, srv, redisstore.Config{Client: c}) })
		})
	}
}

// TestTTL checks that every write leaves the hash with the TTL of its meta:
// a relative PTTL, or none (PERSIST) for a session that never expires.
func TestTTL(t *testing.T) {
	srv := redistest.Start(t)
	rdb := client(t, srv)
	const prefix = "ttl:"
	s := open(t, srv, redisstore.Config{Prefix: prefix})
	pttl := func(key string, max time.Duration) {
		t.Helper()
		d, err := rdb.PTTL(ctx(t), prefix+key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if max < 0 {
			if d != -1 {
				t.Fatalf("PTTL = %v, want none (-1)", d)
			}
			return
		}
		if d <= 0 || d > max {
			t.Fatalf("PTTL = %v, want in (0, %v]", d, max)
		}
	}
	key := storetest.Key()
	if err := s.Create(ctx(t), key, &sessions.Record{Meta: meta(10*time.Minute, time.Hour)}); err != nil {
		t.Fatal(err)
	}
	pttl(key, 10*time.Minute)

	// The deadline, when earlier than the idle limit, bounds the TTL.
	m := meta(time.Hour, 5*time.Minute)
	if err := s.Update(ctx(t), key, &sessions.Change{Meta: m}); err != nil {
		t.Fatal(err)
	}
	pttl(key, 5*time.Minute)

	nk := storetest.Key()
	m.MaxIdle = time.Minute
	if err := s.Rotate(ctx(t), key, nk, &sessions.Change{Meta: m}); err != nil {
		t.Fatal(err)
	}
	pttl(nk, time.Minute)

	// No expiry: no TTL, also after an expiring meta (PERSIST).
	m = sessions.Meta{Created: time.Now(), Accessed: time.Now()}
	if err := s.Update(ctx(t), nk, &sessions.Change{Meta: m}); err != nil {
		t.Fatal(err)
	}
	pttl(nk, -1)
	forever := storetest.Key()
	if err := s.Create(ctx(t), forever, &sessions.Record{Meta: m}); err != nil {
		t.Fatal(err)
	}
	pttl(forever, -1)

	// An update whose meta has expired deletes the session.
	m = meta(time.Minute, time.Hour)
	m.Deadline = time.Now().Add(-time.Second)
	if err := s.Update(ctx(t), nk, &sessions.Change{Meta: m}); err != nil {
		t.Fatal(err)
	}
	if n := rdb.Exists(ctx(t), prefix+nk).Val(); n != 0 {
		t.Fatalf("EXISTS after an expiring update = %d, want 0", n)
	}
}

// TestAtomicRefusal checks that writes refuse, in Redis, what the check in
// the same script finds gone.
func TestAtomicRefusal(t *testing.T) {
	srv := redistest.Start(t)
	rdb := client(t, srv)
	const prefix = "refuse:"
	s := open(t, srv, redisstore.Config{Prefix: prefix})
	key := storetest.Key()
	if err := s.Create(ctx(t), key, &sessions.Record{Meta: meta(time.Minute, time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx(t), key); err != nil {
		t.Fatal(err)
	}
	c := &sessions.Change{Meta: meta(time.Minute, time.Hour), Set: map[string]sessions.Attr{"a": {Seq: 1, Value: []byte("1")}}}
	if err := s.Update(ctx(t), key, c); !errors.Is(err, sessions.ErrNotFound) {
		t.Fatalf("Update after Delete = %v, want ErrNotFound", err)
	}
	if n := rdb.Exists(ctx(t), prefix+key).Val(); n != 0 {
		t.Fatalf("EXISTS after a refused Update = %d, want 0", n)
	}

	old, first, second := storetest.Key(), storetest.Key(), storetest.Key()
	if err := s.Create(ctx(t), old, &sessions.Record{Meta: meta(time.Minute, time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Rotate(ctx(t), old, first, c); err != nil {
		t.Fatalf("first Rotate: %v", err)
	}
	if err := s.Rotate(ctx(t), old, second, c); !errors.Is(err, sessions.ErrNotFound) {
		t.Fatalf("second Rotate from the same key = %v, want ErrNotFound", err)
	}
	if n := rdb.Exists(ctx(t), prefix+old, prefix+second).Val(); n != 0 {
		t.Fatalf("EXISTS of the old and second keys = %d, want 0", n)
	}
}

// TestTwoStores checks two stores on one Redis, like two dirigo processes.
func TestTwoStores(t *testing.T) {
	srv := redistest.Start(t)
	a := open(t, srv, redisstore.Config{Prefix: "shared:"})
	b := open(t, srv, redisstore.Config{Prefix: "shared:"})
	key := storetest.Key()
	attrs := map[string]sessions.Attr{"user": {Seq: 1, Value: []byte(`"ann"`)}}
	if err := a.Create(ctx(t), key, &sessions.Record{Meta: meta(time.Minute, time.Hour), Attrs: attrs}); err != nil {
		t.Fatal(err)
	}
	rec, err := b.Load(ctx(t), key)
	if err != nil {
		t.Fatalf("Load on the other store: %v", err)
	}
	if got := string(rec.Attrs["user"].Value); got != `"ann"` {
		t.Fatalf("user = %s, want \"ann\"", got)
	}
	if err := b.Create(ctx(t), key, &sessions.Record{Meta: meta(time.Minute, time.Hour)}); !errors.Is(err, sessions.ErrExists) {
		t.Fatalf("Create on the other store = %v, want ErrExists", err)
	}
	if err := a.Delete(ctx(t), key); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Load(ctx(t), key); !errors.Is(err, sessions.ErrNotFound) {
		t.Fatalf("Load on the other store after Delete = %v, want ErrNotFound", err)
	}

	unlock, err := a.Lock(ctx(t), key)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if u, err := b.Lock(short, key); !errors.Is(err, sessions.ErrBusy) {
		if err == nil {
			u()
		}
		t.Fatalf("Lock on the other store while held = %v, want ErrBusy", err)
	}
	got := make(chan error, 1)
	go func() {
		u, err := b.Lock(ctx(t), key)
		if err == nil {
			u()
		}
		got <- err
	}()
	time.Sleep(20 * time.Millisecond)
	unlock()
	if err := <-got; err != nil {
		t.Fatalf("Lock on the other store after unlock: %v", err)
	}
}

// TestLockExpiry checks that the lock of a holder that died (its store is
// closed, so nobody renews the lease) ends with its lease.
func TestLockExpiry(t *testing.T) {
	srv := redistest.Start(t)
	const lease = 500 * time.Millisecond
	dead := open(t, srv, redisstore.Config{Prefix: "lx:", LockTTL: lease})
	s := open(t, srv, redisstore.Config{Prefix: "lx:", LockTTL: lease})
	key := storetest.Key()
	if _, err := dead.Lock(ctx(t), key); err != nil {
		t.Fatal(err)
	}
	dead.Close()
	start := time.Now()
	unlock, err := s.Lock(ctx(t), key)
	if err != nil {
		t.Fatalf("Lock after the dead holder's lease: %v", err)
	}
	defer unlock()
	if d := time.Since(start); d < lease*6/10 {
		t.Fatalf("second Lock got the lock after %v, before the lease ended", d)
	}
}

// TestMalformed checks that hashes this store did not write are reported
// as not found, with a log line, never a panic.
func TestMalformed(t *testing.T) {
	srv := redistest.Start(t)
	rdb := client(t, srv)
	var log syncBuffer
	s := open(t, srv, redisstore.Config{Prefix: "bad:", Logger: slog.New(slog.NewTextHandler(&log, nil))})
	now := time.Now().UnixMilli()
	good := map[string]any{"created": now, "accessed": now, "maxIdle": 60000, "deadline": now + 3600000}
	tests := []struct {
		name   string
		fields map[string]any
	}{
		{"no meta", map[string]any{"a:x": "1 1"}},
		{"bad time", merge(good, map[string]any{"created": "yesterday"})},
		{"bad idle", merge(good, map[string]any{"maxIdle": "1.5"})},
		{"no seq", merge(good, map[string]any{"a:x": "1"})},
		{"bad seq", merge(good, map[string]any{"a:x": "-1 1"})},
		{"not JSON", merge(good, map[string]any{"a:x": "1 {"})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := storetest.Key()
			if err := rdb.HSet(ctx(t), "bad:"+key, tc.fields).Err(); err != nil {
				t.Fatal(err)
			}
			if rec, err := s.Load(ctx(t), key); !errors.Is(err, sessions.ErrNotFound) {
				t.Fatalf("Load = %+v, %v; want ErrNotFound", rec, err)
			}
		})
	}
	key := storetest.Key()
	rdb.Set(ctx(t), "bad:"+key, "a string", time.Minute)
	if _, err := s.Load(ctx(t), key); !errors.Is(err, sessions.ErrNotFound) {
		t.Fatalf("Load of a string key = %v, want ErrNotFound", err)
	}
	if !bytes.Contains(log.Bytes(), []byte("malformed")) || !bytes.Contains(log.Bytes(), []byte("not a hash")) {
		t.Fatalf("log does not report the bad sessions:\n%s", log.Bytes())
	}
	// A well-formed hash with an unknown extra field (a later version) loads.
	key = storetest.Key()
	rdb.HSet(ctx(t), "bad:"+key, merge(good, map[string]any{"future": "x", "a:x": "3 [1]"}))
	rec, err := s.Load(ctx(t), key)
	if err != nil {
		t.Fatalf("Load with an extra field: %v", err)
	}
	if a := rec.Attrs["x"]; a.Seq != 3 || string(a.Value) != "[1]" {
		t.Fatalf("x = %+v", a)
	}
}

func merge(a, b map[string]any) map[string]any {
	m := map[string]any{}
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.b.Bytes())
}

// UpdateAndUnlock writes and releases the lock in one step; the unlock
// function then does nothing, not even to a later holder's lock.
func TestUpdateAndUnlock(t *testing.T) {
	srv := redistest.Start(t)
	prefix := "test:" + rand.Text() + ":"
	a := open(t, srv, redisstore.Config{Prefix: prefix})
	b := open(t, srv, redisstore.Config{Prefix: prefix})
	rc := client(t, srv)
	key := storetest.Key()
	if err := a.Create(ctx(t), key, &sessions.Record{Meta: meta(time.Hour, time.Hour)}); err != nil {
		t.Fatal(err)
	}
	unlock, err := a.Lock(ctx(t), key)
	if err != nil {
		t.Fatal(err)
	}
	m := meta(time.Hour, time.Hour)
	if err := a.UpdateAndUnlock(ctx(t), key, &sessions.Change{Meta: m, Set: map[string]sessions.Attr{"n": {Seq: 1, Value: []byte("1")}}}); err != nil {
		t.Fatalf("UpdateAndUnlock: %v", err)
	}
	if n, _ := rc.Exists(ctx(t), prefix+"lock:"+key).Result(); n != 0 {
		t.Fatal("the lock is still there")
	}
	ub, err := b.Lock(ctx(t), key) // another process takes it now
	if err != nil {
		t.Fatal(err)
	}
	unlock() // must not release b's lock
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := a.Lock(short, key); !errors.Is(err, sessions.ErrBusy) {
		t.Fatalf("a stale unlock released another holder's lock: %v", err)
	}
	ub()
	rec, err := a.Load(ctx(t), key)
	if err != nil || string(rec.Attrs["n"].Value) != "1" {
		t.Fatalf("after UpdateAndUnlock: %v %v", rec, err)
	}
	// A deleted session: not found, and the lock released all the same.
	u2, err := a.Lock(ctx(t), key)
	if err != nil {
		t.Fatal(err)
	}
	_ = a.Delete(ctx(t), key)
	if err := a.UpdateAndUnlock(ctx(t), key, &sessions.Change{Meta: m}); !errors.Is(err, sessions.ErrNotFound) {
		t.Fatalf("UpdateAndUnlock of a deleted session: %v", err)
	}
	if n, _ := rc.Exists(ctx(t), prefix+"lock:"+key).Result(); n != 0 {
		t.Fatal("the lock is still there after a refused update")
	}
	u2()
}
