package memstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/memstore"
	"github.com/dirigo/dirigo/runtime/sessions/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) sessions.Store { return memstore.New(memstore.Config{}) })
}

func TestMaxSessions(t *testing.T) {
	s := memstore.New(memstore.Config{MaxSessions: 2})
	ctx := context.Background()
	now := time.Now()
	rec := &sessions.Record{Meta: sessions.Meta{Created: now, Accessed: now, Deadline: now.Add(time.Hour)}}
	for i := 0; i < 2; i++ {
		if err := s.Create(ctx, storetest.Key(), rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Create(ctx, storetest.Key(), rec); !errors.Is(err, sessions.ErrFull) {
		t.Fatalf("third Create = %v, want ErrFull", err)
	}
}
