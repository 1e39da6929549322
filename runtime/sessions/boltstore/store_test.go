package boltstore_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/boltstore"
	"github.com/dirigo/dirigo/runtime/sessions/storetest"
)

var modes = []struct {
	name string
	sync boltstore.SyncMode
}{
	{"interval", boltstore.SyncInterval},
	{"always", boltstore.SyncAlways},
}

// open opens a store in cfg.Path (a new file when empty) and closes it at
// the end of the test.
func open(t testing.TB, cfg boltstore.Config) *boltstore.Store {
	t.Helper()
	if cfg.Path == "" {
		cfg.Path = filepath.Join(t.TempDir(), "sessions.db")
	}
	if cfg.Logger == nil {
		cfg.Logger = quiet()
	}
	s, err := boltstore.Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func bg() context.Context { return context.Background() }

func attr(seq uint64, v string) sessions.Attr { return sessions.Attr{Seq: seq, Value: []byte(v)} }

// live returns the meta of a session created at now living an hour.
func live(now time.Time) sessions.Meta {
	return sessions.Meta{Created: now, Accessed: now, MaxIdle: 30 * time.Minute, Deadline: now.Add(time.Hour)}
}

func wantValue(t *testing.T, s sessions.Store, key, want string) {
	t.Helper()
	rec, err := s.Load(bg(), key)
	if err != nil {
		t.Fatalf("Load(%s): %v; want %s", key, err, want)
	}
	if got := string(rec.Attrs["v"].Value); got != want {
		t.Fatalf("Load(%s) = %s, want %s", key, got, want)
	}
}

func wantGone(t *testing.T, s sessions.Store, key string) {
	t.Helper()
	if _, err := s.Load(bg(), key); !errors.Is(err, sessions.ErrNotFound) {
		t.Fatalf("Load(%s) = %v, want ErrNotFound", key, err)
	}
}

func TestConformance(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t *testing.T) sessions.Store {
				return open(t, boltstore.Config{Sync: m.sync, Interval: 50 * time.Millisecond})
			})
		})
	}
	// The default interval: everything stays in memory during a subtest.
	t.Run("interval-1s", func(t *testing.T) {
		t.Parallel()
		storetest.Run(t, func(t *testing.T) sessions.Store { return open(t, boltstore.Config{}) })
	})
	// A cache too small to hold anything: every read goes to the file.
	t.Run("no-cache", func(t *testing.T) {
		t.Parallel()
		storetest.Run(t, func(t *testing.T) sessions.Store {
			s := open(t, boltstore.Config{Interval: 10 * time.Millisecond})
			boltstore.SetCacheBudget(s, 0)
			return s
		})
	})
}

// TestRestart writes, rotates and deletes sessions, closes the store and
// reopens it: everything is there, and the sessions that expired while it
// was closed are gone from the file.
func TestRestart(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sub", "dir", "sessions.db")
			now := time.Now()
			clock := func() time.Time { return now }
			s, err := boltstore.Open(boltstore.Config{Path: path, Sync: m.sync, Interval: time.Hour, Now: clock, Logger: quiet()})
			if err != nil {
				t.Fatal(err)
			}
			keys := make([]string, 20)
			for i := range keys {
				keys[i] = storetest.Key()
				rec := &sessions.Record{Meta: live(now), Attrs: map[string]sessions.Attr{"v": attr(1, `"created"`), "x": attr(2, `1`)}}
				if err := s.Create(bg(), keys[i], rec); err != nil {
					t.Fatal(err)
				}
			}
			for _, k := range keys[:10] {
				if err := s.Update(bg(), k, &sessions.Change{Meta: live(now), Set: map[string]sessions.Attr{"v": attr(1, `"updated"`)}, Delete: []string{"x"}}); err != nil {
					t.Fatal(err)
				}
			}
			rotated := storetest.Key()
			if err := s.Rotate(bg(), keys[10], rotated, &sessions.Change{Meta: live(now)}); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(bg(), keys[11]); err != nil {
				t.Fatal(err)
			}
			soon := storetest.Key() // expires while the store is closed
			short := sessions.Meta{Created: now, Accessed: now, MaxIdle: time.Minute, Deadline: now.Add(time.Hour)}
			if err := s.Create(bg(), soon, &sessions.Record{Meta: short}); err != nil {
				t.Fatal(err)
			}
			forever := storetest.Key()
			if err := s.Create(bg(), forever, &sessions.Record{Meta: sessions.Meta{Created: now, Accessed: now}}); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
			if err := s.Update(bg(), keys[0], &sessions.Change{Meta: live(now)}); err == nil {
				t.Fatal("Update after Close succeeded")
			}
			if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
				t.Fatalf("file mode = %v, %v; want 0600", info.Mode(), err)
			}
			if info, err := os.Stat(filepath.Dir(path)); err != nil || info.Mode().Perm() != 0o700 {
				t.Fatalf("folder mode = %v, %v; want 0700", info.Mode(), err)
			}

			now = now.Add(2 * time.Minute)
			s2 := open(t, boltstore.Config{Path: path, Sync: m.sync, Now: clock})
			for _, k := range keys[:10] {
				wantValue(t, s2, k, `"updated"`)
			}
			rec, err := s2.Load(bg(), keys[12])
			if err != nil || len(rec.Attrs) != 2 {
				t.Fatalf("Load = %v, %v; want the two attributes", rec, err)
			}
			wantValue(t, s2, rotated, `"created"`)
			wantGone(t, s2, keys[10])
			wantGone(t, s2, keys[11])
			wantGone(t, s2, soon)
			if _, err := s2.Load(bg(), forever); err != nil {
				t.Fatalf("Load of a session without expiry: %v", err)
			}
			if n, err := s2.Sweep(bg(), now); err != nil || n != 0 {
				t.Fatalf("Sweep after Open = %d, %v; want 0 (Open swept)", n, err)
			}
			// Open deleted it from the file, not only from view: with the
			// clock back, it is still gone.
			if err := s2.Close(); err != nil {
				t.Fatal(err)
			}
			now = now.Add(-2 * time.Minute)
			s3 := open(t, boltstore.Config{Path: path, Sync: m.sync, Now: clock})
			wantGone(t, s3, soon)
			wantValue(t, s3, keys[0], `"updated"`)
		})
	}
}

// TestSweepFile checks that Sweep deletes expired sessions from the file,
// more than one chunk of them, and keeps the live ones.
func TestSweepFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	now := time.Now()
	s := open(t, boltstore.Config{Path: path, Interval: 10 * time.Millisecond})
	const n = 12000 // more than one sweep chunk
	for i := range n {
		m := live(now)
		if i%2 == 0 {
			m.Deadline = now.Add(time.Duration(i+1) * time.Millisecond)
		}
		if err := s.Create(bg(), storetest.Key(), &sessions.Record{Meta: m}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := open(t, boltstore.Config{Path: path, Interval: 10 * time.Millisecond, Now: func() time.Time { return now }})
	got, err := s2.Sweep(bg(), now.Add(time.Minute))
	if err != nil || got != n/2 {
		t.Fatalf("Sweep = %d, %v; want %d", got, err, n/2)
	}
	if got, err := s2.Sweep(bg(), now.Add(time.Minute)); err != nil || got != 0 {
		t.Fatalf("second Sweep = %d, %v; want 0", got, err)
	}
	if got, err := s2.Sweep(bg(), now.Add(2*time.Hour)); err != nil || got != n/2 {
		t.Fatalf("Sweep of the rest = %d, %v; want %d", got, err, n/2)
	}
}

// TestConcurrent mixes every operation on chains of rotated sessions with
// frequent flushes, a tiny cache and a sweeper, then checks the result in
// memory and after a restart: no update lost, no rotated or deleted key
// back.
func TestConcurrent(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sessions.db")
			s := open(t, boltstore.Config{Path: path, Sync: m.sync, Interval: time.Millisecond})
			boltstore.SetCacheBudget(s, 64<<10)
			now := time.Now()
			const workers, steps = 8, 60
			final := make([]string, workers)
			dead := make([][]string, workers)
			var wg sync.WaitGroup
			stop, stopped := make(chan struct{}), make(chan struct{})
			go func() { // a sweeper and a reader of other sessions
				defer close(stopped)
				for {
					select {
					case <-stop:
						return
					default:
					}
					if _, err := s.Sweep(bg(), time.Now()); err != nil {
						t.Error(err)
						return
					}
					_, _ = s.Load(bg(), storetest.Key())
				}
			}()
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					key := storetest.Key()
					if err := s.Create(bg(), key, &sessions.Record{Meta: live(now), Attrs: map[string]sessions.Attr{"v": attr(1, "0")}}); err != nil {
						t.Error(err)
						return
					}
					for i := 1; i <= steps; i++ {
						rec, err := s.Load(bg(), key)
						if err != nil {
							t.Errorf("Load: %v", err)
							return
						}
						if got, want := string(rec.Attrs["v"].Value), strconv.Itoa(i-1); got != want {
							t.Errorf("step %d: v = %s, want %s", i, got, want)
							return
						}
						c := &sessions.Change{Meta: live(now), Set: map[string]sessions.Attr{"v": attr(1, strconv.Itoa(i))}}
						switch i % 10 {
						case 3: // rotate
							nk := storetest.Key()
							err = s.Rotate(bg(), key, nk, c)
							dead[w] = append(dead[w], key)
							key = nk
						case 5: // an expired session, for the sweeper
							tmp := storetest.Key()
							m := sessions.Meta{Created: now, Accessed: now.Add(-time.Minute), MaxIdle: time.Millisecond}
							if err = s.Create(bg(), tmp, &sessions.Record{Meta: m}); err == nil {
								dead[w] = append(dead[w], tmp)
								err = s.Update(bg(), key, c)
							}
						case 7: // a throwaway session, deleted
							tmp := storetest.Key()
							if err = s.Create(bg(), tmp, &sessions.Record{Meta: live(now)}); err == nil {
								err = s.Delete(bg(), tmp)
								dead[w] = append(dead[w], tmp)
							}
							if err == nil {
								err = s.Update(bg(), key, c)
							}
						default:
							err = s.Update(bg(), key, c)
						}
						if err != nil {
							t.Errorf("step %d: %v", i, err)
							return
						}
					}
					final[w] = key
				}()
			}
			wg.Wait()
			close(stop)
			<-stopped
			check := func(s *boltstore.Store) {
				t.Helper()
				for w := range workers {
					wantValue(t, s, final[w], strconv.Itoa(steps))
					for _, k := range dead[w] {
						wantGone(t, s, k)
						if err := s.Update(bg(), k, &sessions.Change{Meta: live(now)}); !errors.Is(err, sessions.ErrNotFound) {
							t.Fatalf("Update of a dead key = %v, want ErrNotFound", err)
						}
					}
				}
			}
			check(s)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			check(open(t, boltstore.Config{Path: path, Sync: m.sync}))
		})
	}
}
