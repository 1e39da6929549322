package boltstore_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/boltstore"
	"github.com/dirigo/dirigo/runtime/sessions/storetest"
	bolt "go.etcd.io/bbolt"
)

func TestCorruptFile(t *testing.T) {
	garbage := make([]byte, 64<<10)
	_, _ = rand.Read(garbage)
	tests := []struct {
		name  string
		write func(t *testing.T, path string)
	}{
		{"garbage", func(t *testing.T, path string) {
			if err := os.WriteFile(path, garbage, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"short", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("not a database"), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"other bbolt database", func(t *testing.T, path string) {
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("users")); return err }); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}},
		{"garbage pages", func(t *testing.T, path string) {
			s, err := boltstore.Open(boltstore.Config{Path: path, Logger: quiet()})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			for range 2000 {
				if err := s.Create(bg(), storetest.Key(), &sessions.Record{Meta: live(now), Attrs: map[string]sessions.Attr{"v": attr(1, `"some value"`)}}); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			// Keep the two meta pages, overwrite the rest.
			info, _ := f.Stat()
			for off := int64(2 * os.Getpagesize()); off < info.Size(); off += int64(len(garbage)) {
				if _, err := f.WriteAt(garbage, off); err != nil {
					t.Fatal(err)
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sessions.db")
			tc.write(t, path)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := boltstore.Open(boltstore.Config{Path: path, Logger: quiet()})
			if err == nil {
				s.Close()
				t.Fatal("Open of a corrupt file succeeded")
			}
			t.Logf("Open: %v", err)
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
			after, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(before, after) {
				t.Fatalf("the file changed (%v)", err)
			}
			// The file is not left locked.
			if db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 100 * time.Millisecond, ReadOnly: true}); errors.Is(err, bolt.ErrTimeout) {
				t.Fatal("the file is still locked")
			} else if err == nil {
				db.Close()
			}
		})
	}
}

func TestLockedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	open(t, boltstore.Config{Path: path})
	start := time.Now()
	s, err := boltstore.Open(boltstore.Config{Path: path, Logger: quiet()})
	if err == nil {
		s.Close()
		t.Fatal("second Open of a locked file succeeded")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("second Open took %v", d)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "locked") {
		t.Errorf("error %q does not say the file is locked", err)
	}
}

// TestCorruptRecord plants undecodable records in a store file: they are
// never served, logged, overwritten by Create, and swept when the expiry
// index lists them as expired.
func TestCorruptRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	good := storetest.Key()
	s := open(t, boltstore.Config{Path: path})
	if err := s.Create(bg(), good, &sessions.Record{Meta: live(time.Now()), Attrs: map[string]sessions.Attr{"v": attr(1, `"good"`)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	bad, expired := storetest.Key(), storetest.Key()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		recs := tx.Bucket([]byte("sessions"))
		if err := recs.Put([]byte(bad), []byte{1, 0, 0xff}); err != nil {
			return err
		}
		if err := recs.Put([]byte(expired), []byte{9, 9, 9}); err != nil {
			return err
		}
		// An index entry at the epoch: expired long ago.
		return tx.Bucket([]byte("expiry")).Put(append([]byte{0x80, 0, 0, 0, 0, 0, 0, 0}, expired...), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	var logs logCounter
	s2 := open(t, boltstore.Config{Path: path, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	wantValue(t, s2, good, `"good"`)
	wantGone(t, s2, bad)
	wantGone(t, s2, expired)
	if n := logs.count("corrupt session record"); n == 0 {
		t.Errorf("nothing logged:\n%s", logs.buf.String())
	}
	if err := s2.Update(bg(), bad, &sessions.Change{Meta: live(time.Now())}); !errors.Is(err, sessions.ErrNotFound) {
		t.Fatalf("Update of a corrupt record = %v, want ErrNotFound", err)
	}
	if err := s2.Create(bg(), bad, &sessions.Record{Meta: live(time.Now()), Attrs: map[string]sessions.Attr{"v": attr(1, `"new"`)}}); err != nil {
		t.Fatalf("Create over a corrupt record: %v", err)
	}
	wantValue(t, s2, bad, `"new"`)
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	// The swept record and its index entry are gone from the file.
	db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("sessions")).Get([]byte(expired)) != nil {
			return errors.New("the expired corrupt record is still in the file")
		}
		return tx.Bucket([]byte("expiry")).ForEach(func(k, _ []byte) error {
			if bytes.HasSuffix(k, []byte(expired)) {
				return errors.New("its index entry is still in the file")
			}
			return nil
		})
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, open(t, boltstore.Config{Path: path}), bad, `"new"`)
}

// TestFailingFile checks that a store whose file fails stops accepting
// writes in SyncInterval mode (instead of losing them unboundedly), fails
// them in SyncAlways mode, and says so on Close.
func TestFailingFile(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sessions.db")
			s, err := boltstore.Open(boltstore.Config{Path: path, Sync: m.sync, Interval: 10 * time.Millisecond, Logger: quiet()})
			if err != nil {
				t.Fatal(err)
			}
			key := storetest.Key()
			if err := s.Create(bg(), key, &sessions.Record{Meta: live(time.Now())}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond) // written
			if err := boltstore.BreakFile(s); err != nil {
				t.Fatal(err)
			}
			err = s.Update(bg(), key, &sessions.Change{Meta: live(time.Now())})
			if m.sync == boltstore.SyncInterval {
				// Writes are accepted until a background flush has failed;
				// from then on they fail. Wait for that (bounded: a loaded
				// machine may delay the flush, but not for ten seconds).
				for deadline := time.Now().Add(10 * time.Second); err == nil && time.Now().Before(deadline); {
					time.Sleep(10 * time.Millisecond)
					err = s.Update(bg(), key, &sessions.Change{Meta: live(time.Now())})
				}
			}
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Fatalf("Update on a failing file = %v, want an error naming the file", err)
			}
			if err := s.Close(); err == nil || !strings.Contains(err.Error(), path) {
				t.Fatalf("Close = %v, want an error naming the file", err)
			}
		})
	}
}
