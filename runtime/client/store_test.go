package client_test

import (
	"context"
	"testing"
	"time"

	"github.com/dirigo/dirigo/runtime/client"
	"github.com/dirigo/dirigo/runtime/client/clienttest"
)

func TestMemStoreConformance(t *testing.T) {
	clienttest.RunStore(t, func(t *testing.T) client.Store { return client.NewMemStore() })
	clienttest.RunShared(t, func(t *testing.T) (client.Store, client.Store) {
		s := client.NewMemStore()
		return s, s
	})
}

func TestMemStoreSweep(t *testing.T) {
	s := client.NewMemStore()
	ctx := context.Background()
	now := time.Now()
	s.SaveSession(ctx, "gone", []byte("x"), now.Add(-time.Second))
	s.SaveSession(ctx, "kept", []byte("x"), time.Time{})
	s.SaveTask(ctx, "gone", 1, []byte("x"), now.Add(-time.Second))
	s.SaveTask(ctx, "kept", 1, []byte("x"), now.Add(time.Hour))
	if n := s.Sweep(now); n != 2 {
		t.Fatalf("Sweep removed %d records, want 2", n)
	}
	if n := s.Sweep(now); n != 0 {
		t.Fatalf("a second Sweep removed %d", n)
	}
	if _, err := s.LoadTask(ctx, "kept", 1); err != nil {
		t.Fatal(err)
	}
}

func TestMemStoreOutbox(t *testing.T) {
	clienttest.RunOutbox(t, func(t *testing.T) client.Outbox { return client.NewMemStore() })
}
