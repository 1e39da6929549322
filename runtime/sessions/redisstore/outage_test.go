package redisstore_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dirigo/dirigo/internal/redistest"
	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/redisstore"
	"github.com/dirigo/dirigo/runtime/sessions/storetest"
)

// TestRedisDown checks that every call fails fast with ErrUnavailable while
// Redis is down, and that the same store works again once Redis is back.
func TestRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, srv, redisstore.Config{})
	key, other := storetest.Key(), storetest.Key()
	m := meta(time.Minute, time.Hour)
	if err := s.Create(ctx(t), key, &sessions.Record{Meta: m}); err != nil {
		t.Fatal(err)
	}
	srv.Kill()

	calls := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"Load", func(c context.Context) error { _, err := s.Load(c, key); return err }},
		{"Create", func(c context.Context) error { return s.Create(c, other, &sessions.Record{Meta: m}) }},
		{"Update", func(c context.Context) error { return s.Update(c, key, &sessions.Change{Meta: m}) }},
		{"Rotate", func(c context.Context) error { return s.Rotate(c, key, other, &sessions.Change{Meta: m}) }},
		{"Delete", func(c context.Context) error { return s.Delete(c, key) }},
		{"Lock", func(c context.Context) error {
			u, err := s.Lock(c, key)
			if err == nil {
				u()
			}
			return err
		}},
	}
	for _, call := range calls {
		start := time.Now()
		err := call.fn(ctx(t)) // a 10s context: the store's own timeouts must end the call
		if d := time.Since(start); d >= 3*time.Second {
			t.Errorf("%s took %v with Redis down, want < 3s", call.name, d)
		}
		if !errors.Is(err, sessions.ErrUnavailable) {
			t.Errorf("%s with Redis down = %v, want ErrUnavailable", call.name, err)
		}
	}

	srv.Restart() // empty: the server keeps nothing
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.Create(ctx(t), key, &sessions.Record{Meta: m})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Create still fails 10s after Redis came back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := s.Load(ctx(t), key); err != nil {
		t.Fatalf("Load after Redis came back: %v", err)
	}
	if err := s.Update(ctx(t), key, &sessions.Change{Meta: m}); err != nil {
		t.Fatalf("Update after Redis came back: %v", err)
	}
	unlock, err := s.Lock(ctx(t), key)
	if err != nil {
		t.Fatalf("Lock after Redis came back: %v", err)
	}
	unlock()
}

// TestHungRedis checks that a server that accepts connections but never
// answers is bounded by the timeouts too.
func TestHungRedis(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // never answer
		}
	}()
	s, err := redisstore.Open(redisstore.Config{URL: "redis://" + l.Addr().String(), Logger: discard(), Client: os.Getenv("DIRIGO_TEST_REDIS_CLIENT")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	_, err = s.Load(ctx(t), storetest.Key())
	if d := time.Since(start); d >= 3*time.Second {
		t.Errorf("Load took %v on a hung server, want < 3s", d)
	}
	if !errors.Is(err, sessions.ErrUnavailable) {
		t.Errorf("Load on a hung server = %v, want ErrUnavailable", err)
	}
	// A shorter caller deadline ends the call earlier.
	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start = time.Now()
	if err := s.Delete(short, storetest.Key()); !errors.Is(err, sessions.ErrUnavailable) {
		t.Errorf("Delete on a hung server = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d >= time.Second {
		t.Errorf("Delete with a 100ms context took %v", d)
	}
}

func TestOpen(t *testing.T) {
	tests := []struct {
		name string
		cfg  redisstore.Config
	}{
		{"no URL", redisstore.Config{}},
		{"bad scheme", redisstore.Config{URL: "http://localhost:6379"}},
		{"bad port", redisstore.Config{URL: "redis://user:s3cret@localhost:port/0"}},
		{"bad db", redisstore.Config{URL: "redis://:s3cret@localhost:6379/x"}},
		{"negative timeout", redisstore.Config{URL: "redis://localhost:6379", ReadTimeout: -1}},
		{"tiny LockTTL", redisstore.Config{URL: "redis://localhost:6379", LockTTL: time.Microsecond}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := redisstore.Open(tc.cfg)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
}

// TestOpenDown checks that Open succeeds, with a warning, when nothing
// listens at the URL.
func TestOpenDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var log syncBuffer
	s, err := redisstore.Open(redisstore.Config{URL: "redis://" + addr, Logger: slog.New(slog.NewTextHandler(&log, nil)), Client: os.Getenv("DIRIGO_TEST_REDIS_CLIENT")})
	if err != nil {
		t.Fatalf("Open with Redis down: %v", err)
	}
	defer s.Close()
	if !strings.Contains(string(log.Bytes()), "not answering") {
		t.Fatalf("no warning logged:\n%s", log.Bytes())
	}
}

// TestPassword checks Config.Password for a URL without one.
func TestPassword(t *testing.T) {
	srv := redistest.Start(t)
	rdb := client(t, srv)
	if err := rdb.ConfigSet(ctx(t), "requirepass", "pw").Err(); err != nil {
		t.Fatal(err)
	}
	without := open(t, srv, redisstore.Config{Logger: discard()})
	if _, err := without.Load(ctx(t), storetest.Key()); !errors.Is(err, sessions.ErrUnavailable) {
		t.Fatalf("Load without the password = %v, want ErrUnavailable", err)
	}
	with := open(t, srv, redisstore.Config{Password: "pw"})
	if _, err := with.Load(ctx(t), storetest.Key()); !errors.Is(err, sessions.ErrNotFound) {
		t.Fatalf("Load with the password = %v, want ErrNotFound", err)
	}
}

// TestFull checks that Redis at its maxmemory (noeviction) is ErrFull.
func TestFull(t *testing.T) {
	srv := redistest.Start(t)
	rdb := client(t, srv)
	s := open(t, srv, redisstore.Config{})
	if err := rdb.ConfigSet(ctx(t), "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	err := s.Create(ctx(t), storetest.Key(), &sessions.Record{Meta: meta(time.Minute, time.Hour)})
	if !errors.Is(err, sessions.ErrFull) {
		t.Fatalf("Create at maxmemory = %v, want ErrFull", err)
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
