package boltstore_test

import (
	"context"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/boltstore"
	"github.com/dirigo/dirigo/runtime/sessions/memstore"
	"github.com/dirigo/dirigo/runtime/sessions/storetest"
)

// BenchmarkUpdateParallel runs 32 sessions in parallel, one goroutine each,
// doing what a request that increments a counter does: Load, then Update
// with the new value and access time. memstore is the baseline.
func BenchmarkUpdateParallel(b *testing.B) {
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			benchUpdate(b, open(b, boltstore.Config{Sync: m.sync}))
		})
	}
	b.Run("memstore", func(b *testing.B) {
		benchUpdate(b, memstore.New(memstore.Config{}))
	})
}

func benchUpdate(b *testing.B, s sessions.Store) {
	const n = 32
	ctx := context.Background()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = storetest.Key()
		now := time.Now()
		m := sessions.Meta{Created: now, Accessed: now, MaxIdle: 30 * time.Minute, Deadline: now.Add(time.Hour)}
		if err := s.Create(ctx, keys[i], &sessions.Record{Meta: m, Attrs: map[string]sessions.Attr{"n": attr(1, "0")}}); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int32
	b.SetParallelism((n + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		key := keys[int(next.Add(1)-1)%n]
		for pb.Next() {
			rec, err := s.Load(ctx, key)
			if err != nil {
				b.Error(err)
				return
			}
			v, _ := strconv.Atoi(string(rec.Attrs["n"].Value))
			m := rec.Meta
			m.Accessed = time.Now()
			c := &sessions.Change{Meta: m, Set: map[string]sessions.Attr{"n": {Seq: 1, Value: strconv.AppendInt(nil, int64(v+1), 10)}}}
			if err := s.Update(ctx, key, c); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
