package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
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

// Update builds the new record outside the store's lock. Writers that the
// manager does not serialize (two managers sharing one store) must still
// not lose each other's attributes: the one that swaps second re-applies
// its change to the record the first stored.
func TestUpdateRacingWritersLoseNothing(t *testing.T) {
	s := memstore.New(memstore.Config{})
	ctx := context.Background()
	now := time.Now()
	key := storetest.Key()
	meta := sessions.Meta{Created: now, Accessed: now, Deadline: now.Add(time.Hour)}
	if err := s.Create(ctx, key, &sessions.Record{Meta: meta}); err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				name := fmt.Sprintf("w%d-%d", w, i)
				c := &sessions.Change{Meta: meta, Set: map[string]sessions.Attr{name: {Value: []byte(`1`)}}}
				if err := s.Update(ctx, key, c); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	rec, err := s.Load(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(rec.Attrs); got != writers*each {
		t.Fatalf("%d attributes after %d racing updates, want all of them", got, writers*each)
	}
}
