package boltstore_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/boltstore"
	"github.com/dirigo/dirigo/runtime/sessions/storetest"
)

func TestBadConfig(t *testing.T) {
	for _, cfg := range []boltstore.Config{
		{},
		{Path: "x", Sync: 7},
		{Path: "x", Interval: -1},
		{Path: "x", MaxSessions: -1},
		{Path: "x", MaxBytes: -1},
	} {
		if s, err := boltstore.Open(cfg); err == nil {
			s.Close()
			t.Errorf("Open(%+v) succeeded", cfg)
		}
	}
}

// logCounter collects log output and counts the lines that contain a
// substring.
type logCounter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logCounter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logCounter) count(sub string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), sub)
}

func TestMaxSessions(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			var logs logCounter
			s := open(t, boltstore.Config{Sync: m.sync, MaxSessions: 3, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			now := time.Now()
			keys := []string{storetest.Key(), storetest.Key(), storetest.Key()}
			for _, k := range keys {
				if err := s.Create(bg(), k, &sessions.Record{Meta: live(now)}); err != nil {
					t.Fatal(err)
				}
			}
			for range 5 {
				if err := s.Create(bg(), storetest.Key(), &sessions.Record{Meta: live(now)}); !errors.Is(err, sessions.ErrFull) {
					t.Fatalf("Create over the cap = %v, want ErrFull", err)
				}
			}
			if n := logs.count("session store is full"); n != 1 {
				t.Errorf("logged %d full lines, want 1:\n%s", n, logs.buf.String())
			}
			// Rotation does not count twice; deletion frees a place.
			if err := s.Rotate(bg(), keys[0], storetest.Key(), &sessions.Change{Meta: live(now)}); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(bg(), keys[1]); err != nil {
				t.Fatal(err)
			}
			if err := s.Create(bg(), storetest.Key(), &sessions.Record{Meta: live(now)}); err != nil {
				t.Fatalf("Create after a Delete: %v", err)
			}
			if err := s.Create(bg(), storetest.Key(), &sessions.Record{Meta: live(now)}); !errors.Is(err, sessions.ErrFull) {
				t.Fatalf("Create over the cap = %v, want ErrFull", err)
			}
		})
	}
}

func TestMaxBytes(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			s := open(t, boltstore.Config{Sync: m.sync, Interval: 5 * time.Millisecond, MaxBytes: 256 << 10})
			now := time.Now()
			value := `"` + strings.Repeat("x", 8<<10) + `"`
			var keys []string
			for i := 0; ; i++ {
				if i == 200 {
					t.Fatal("200 sessions of 8 KiB fit under MaxBytes of 256 KiB")
				}
				k := storetest.Key()
				err := s.Create(bg(), k, &sessions.Record{Meta: live(now), Attrs: map[string]sessions.Attr{"v": attr(1, value)}})
				if errors.Is(err, sessions.ErrFull) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				keys = append(keys, k)
				time.Sleep(10 * time.Millisecond) // let SyncInterval write
			}
			t.Logf("%d sessions of 8 KiB fit", len(keys))
			for _, k := range keys {
				if err := s.Delete(bg(), k); err != nil {
					t.Fatal(err)
				}
			}
			// Deleting frees pages (the file keeps its size): Create works again.
			deadline := time.Now().Add(5 * time.Second)
			for {
				err := s.Create(bg(), storetest.Key(), &sessions.Record{Meta: live(now)})
				if err == nil {
					break
				}
				if !errors.Is(err, sessions.ErrFull) || time.Now().After(deadline) {
					t.Fatalf("Create after deleting everything: %v", err)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}
