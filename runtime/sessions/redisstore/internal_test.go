package redisstore

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dirigo/dirigo/internal/redistest"
	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/storetest"
)

// TestRetriedWrites runs each write script twice with the same arguments, as
// go-redis does when a connection breaks after the command was sent: the
// second run must report what the first did.
func TestRetriedWrites(t *testing.T) {
	s, m := openTest(t, "retry:")
	ctx := context.Background()
	rdb := direct(t, s)
	twice := func(name string, sc *script, keys, args []string) {
		t.Helper()
		for i := range 2 {
			r, err := s.run(ctx, sc, keys, args, name)
			if err != nil || r != resultDone {
				t.Fatalf("%s, run %d = %d, %v; want %d", name, i+1, r, err, resultDone)
			}
		}
	}
	key, newKey := storetest.Key(), storetest.Key()
	args := []string{itoa(ttl(m, m.Created)), "create-token", "", "0", fieldToken, "create-token"}
	args = metaArgs(args, m)
	args[3] = itoa(int64(len(args) - 4))
	twice("create", s.scripts.create, []string{s.hashKey(key)}, args)
	twice("update", s.scripts.update, []string{s.hashKey(key), s.lockKey(key)}, changeArgs(&sessions.Change{Meta: m}, "", ""))
	// Under a lock: the update that releases it finds its token in the
	// hash when it runs again.
	if err := rdb.Set(ctx, s.lockKey(key), "held-token", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	twice("update under the lock", s.scripts.update, []string{s.hashKey(key), s.lockKey(key)}, changeArgs(&sessions.Change{Meta: m}, "", "held-token"))
	twice("update and unlock", s.scripts.updateUnlock, []string{s.hashKey(key), s.lockKey(key)}, changeArgs(&sessions.Change{Meta: m}, "held-token", "held-token"))
	if n := rdb.Exists(ctx, s.lockKey(key)).Val(); n != 0 {
		t.Fatal("the update and unlock left the lock")
	}
	twice("rotate", s.scripts.rotate, []string{s.hashKey(key), s.hashKey(newKey), s.lockKey(key)}, changeArgs(&sessions.Change{Meta: m}, "rotate-token", ""))
	if _, err := s.Load(ctx, newKey); err != nil {
		t.Fatalf("Load after the rotation: %v", err)
	}
	// The lock script recognizes its own token, and only its own.
	lk := s.lockKey(key)
	for _, tc := range []struct {
		token string
		want  bool
	}{{"lock-token", true}, {"lock-token", true}, {"other", false}} {
		got, err := s.lockAndLoad(ctx, key, lk, tc.token)
		if err != nil || got != tc.want {
			t.Fatalf("lock script with %s = %v, %v; want %v", tc.token, got, err, tc.want)
		}
	}
	// Another call's Create is still refused.
	if err := s.Create(ctx, newKey, &sessions.Record{Meta: m}); !errors.Is(err, sessions.ErrExists) {
		t.Fatalf("Create of the rotated key = %v, want ErrExists", err)
	}
}

func TestOptions(t *testing.T) {
	opt, err := options(Config{URL: "redis://:urlpw@example.com:7000/3?dial_timeout=3s", Password: "cfgpw", ReadTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if opt.Addr != "example.com:7000" || opt.DB != 3 || opt.Password != "urlpw" {
		t.Errorf("addr, db, password = %s, %d, %s", opt.Addr, opt.DB, opt.Password)
	}
	if opt.DialTimeout != 3*time.Second || opt.ReadTimeout != time.Second || opt.WriteTimeout != DefaultWriteTimeout {
		t.Errorf("timeouts = %v, %v, %v", opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout)
	}
	if opt.MaxRetries != DefaultMaxRetries || !opt.ContextTimeoutEnabled || opt.DialerRetries != 1 {
		t.Errorf("retries, context timeouts, dial retries = %d, %v, %d", opt.MaxRetries, opt.ContextTimeoutEnabled, opt.DialerRetries)
	}
	opt, err = options(Config{URL: "rediss://example.com", Password: "cfgpw", MaxRetries: -5})
	if err != nil {
		t.Fatal(err)
	}
	if opt.Password != "cfgpw" || opt.TLSConfig == nil || opt.MaxRetries != -1 {
		t.Errorf("password, TLS, retries = %s, %v, %d", opt.Password, opt.TLSConfig != nil, opt.MaxRetries)
	}
}

func TestTTLArg(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name string
		m    sessions.Meta
		want int64
	}{
		{"never", sessions.Meta{Accessed: now}, -1},
		{"idle", sessions.Meta{Accessed: now, MaxIdle: time.Minute}, 60000},
		{"deadline first", sessions.Meta{Accessed: now, MaxIdle: time.Hour, Deadline: now.Add(1500 * time.Microsecond)}, 2},
		{"expired", sessions.Meta{Accessed: now, Deadline: now}, 0},
		{"idle expired", sessions.Meta{Accessed: now.Add(-time.Hour), MaxIdle: time.Minute}, 0},
	}
	for _, tc := range tests {
		if got := ttl(tc.m, now); got != tc.want {
			t.Errorf("%s: ttl = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("created", "1", "a:x", "1 {}")
	f.Add("maxIdle", "-5", "a:", "18446744073709551615 null")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		h := map[string]string{"created": "1", "accessed": "2", "maxIdle": "3", "deadline": "", k1: v1, k2: v2}
		rec, err := decode(h)
		if err == nil && rec == nil {
			t.Fatal("nil record without an error")
		}
	})
}

// TestPrefetch checks that the hash read by Lock serves the next Load only
// while it is exact: a write or the unlock by this store drops it.
func TestPrefetch(t *testing.T) {
	s, m := openTest(t, "pf:")
	ctx := context.Background()
	key := storetest.Key()
	attr := func(v string) map[string]sessions.Attr {
		return map[string]sessions.Attr{"n": {Seq: 1, Value: []byte(v)}}
	}
	if err := s.Create(ctx, key, &sessions.Record{Meta: m, Attrs: attr("1")}); err != nil {
		t.Fatal(err)
	}
	held := func() bool { _, ok := s.prefetch.Load(key); return ok }
	load := func(want string) {
		t.Helper()
		rec, err := s.Load(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(rec.Attrs["n"].Value); got != want {
			t.Fatalf("n = %s, want %s", got, want)
		}
	}

	unlock, err := s.Lock(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if !held() {
		t.Fatal("Lock kept no prefetched hash")
	}
	load("1")
	if held() {
		t.Fatal("Load left the prefetched hash")
	}
	unlock()

	// A write drops it.
	unlock, err = s.Lock(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, key, &sessions.Change{Meta: m, Set: attr("2")}); err != nil {
		t.Fatal(err)
	}
	if held() {
		t.Fatal("Update left the prefetched hash")
	}
	load("2")
	unlock()

	// The unlock drops it, so a write by another process after it is seen.
	unlock, err = s.Lock(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if held() {
		t.Fatal("unlock left the prefetched hash")
	}
	if err := direct(t, s).HSet(ctx, s.hashKey(key), "a:n", "1 3").Err(); err != nil {
		t.Fatal(err)
	}
	load("3")

	// Delete drops it too.
	unlock, err = s.Lock(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if err := s.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, key); !errors.Is(err, sessions.ErrNotFound) {
		t.Fatalf("Load after Delete under the lock = %v, want ErrNotFound", err)
	}
}

// openTest opens a store with prefix on a fresh redis-server (closed when
// the test ends) and returns it with the meta of a session living an hour.
func openTest(t *testing.T, prefix string) (*Store, sessions.Meta) {
	t.Helper()
	srv := redistest.Start(t)
	s, err := Open(Config{URL: srv.URL(), Prefix: prefix, Client: os.Getenv("DIRIGO_TEST_REDIS_CLIENT")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	now := time.Now()
	return s, sessions.Meta{Created: now, Accessed: now, MaxIdle: time.Minute, Deadline: now.Add(time.Hour)}
}

// direct returns a plain go-redis client on the server of s, to look behind
// the store.
func direct(t *testing.T, s *Store) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}
