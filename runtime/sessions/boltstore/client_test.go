package boltstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/dirigo/dirigo/runtime/client"
	"github.com/dirigo/dirigo/runtime/client/clienttest"
	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/boltstore"
)

func clientStore(t testing.TB, s *boltstore.Store) *boltstore.ClientStore {
	t.Helper()
	cs, err := s.ClientStore()
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestClientStoreConformance(t *testing.T) {
	clienttest.RunStore(t, func(t *testing.T) client.Store { return clientStore(t, open(t, boltstore.Config{})) })
	clienttest.RunShared(t, func(t *testing.T) (client.Store, client.Store) {
		s := open(t, boltstore.Config{})
		return clientStore(t, s), clientStore(t, s)
	})
	clienttest.RunOutbox(t, func(t *testing.T) client.Outbox { return clientStore(t, open(t, boltstore.Config{})) })
}

// The client records survive closing and reopening the file, beside the
// sessions, and a file without client buckets gets them.
func TestClientStoreReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sessions.db")
	s, err := boltstore.Open(boltstore.Config{Path: path, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	rec := &sessions.Record{Meta: sessions.Meta{Created: time.Now(), Accessed: time.Now(), MaxIdle: time.Hour}}
	if err := s.Create(ctx, "k1", rec); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, boltstore.Config{Path: path})
	cs := clientStore(t, s)
	if err := cs.SaveSession(ctx, "bg", []byte("session"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.NextTaskID(ctx, "bg"); err != nil {
		t.Fatal(err)
	}
	if err := cs.SaveTask(ctx, "bg", 1, []byte("task"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.PushEvent(ctx, "p1", "bg", []byte("event"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.LoadSession(ctx, "bg"); err == nil {
		t.Fatal("LoadSession on a closed store succeeded")
	}

	s = open(t, boltstore.Config{Path: path})
	cs = clientStore(t, s)
	if got, err := s.Load(ctx, "k1"); err != nil || got == nil {
		t.Fatalf("the session record after reopening: %v %v", got, err)
	}
	if d, err := cs.LoadSession(ctx, "bg"); err != nil || string(d) != "session" {
		t.Fatalf("LoadSession after reopening = %q, %v", d, err)
	}
	if d, err := cs.LoadTask(ctx, "bg", 1); err != nil || string(d) != "task" {
		t.Fatalf("LoadTask after reopening = %q, %v", d, err)
	}
	if n, err := cs.NextTaskID(ctx, "bg"); err != nil || n != 2 {
		t.Fatalf("NextTaskID after reopening = %d, %v, want 2", n, err)
	}
	evs, err := cs.PeekEvents(ctx, "p1", "bg", 10)
	if err != nil || len(evs) != 1 || string(evs[0].Data) != "event" {
		t.Fatalf("PeekEvents after reopening = %v, %v", evs, err)
	}
}

func TestClientStoreSweep(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	cs := clientStore(t, open(t, boltstore.Config{}))
	past, future := now.Add(-time.Second), now.Add(time.Hour)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(cs.SaveSession(ctx, "gone", []byte("x"), past))
	must(cs.SaveTask(ctx, "gone", 1, []byte("x"), past))
	_, err := cs.PushEvent(ctx, "p", "gone", []byte("x"), past)
	must(err)
	must(cs.SaveSession(ctx, "kept", []byte("x"), future))
	must(cs.SaveTask(ctx, "kept", 1, []byte("x"), time.Time{}))
	// A record saved again with a later expiry is not swept.
	must(cs.SaveTask(ctx, "kept", 2, []byte("x"), past))
	must(cs.SaveTask(ctx, "kept", 2, []byte("y"), future))
	n1, err := cs.NextTaskID(ctx, "gone")
	must(err)
	if n := cs.Sweep(now); n != 3 {
		t.Fatalf("Sweep removed %d records, want 3", n)
	}
	if n := cs.Sweep(now); n != 0 {
		t.Fatalf("a second Sweep removed %d", n)
	}
	if d, err := cs.LoadTask(ctx, "kept", 2); err != nil || string(d) != "y" {
		t.Fatalf("LoadTask(kept, 2) = %q, %v", d, err)
	}
	if _, err := cs.LoadTask(ctx, "gone", 1); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("LoadTask(gone, 1): %v", err)
	}
	// Nothing is left of "gone": its counter may start again.
	if n2, err := cs.NextTaskID(ctx, "gone"); err != nil || n2 > n1 {
		t.Fatalf("NextTaskID after the sweep = %d, %v (counter kept?)", n2, err)
	}
}
