package redisstore_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dirigo/dirigo/internal/redistest"
	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/memstore"
	"github.com/dirigo/dirigo/runtime/sessions/redisstore"
	"github.com/dirigo/dirigo/runtime/sessions/storetest"
)

// clients are the Redis client libraries the store runs on, compared side
// by side in every benchmark (see docs/PERFORMANCE.md).
var clients = []string{"go-redis", "rueidis"}

// BenchmarkCounterParallel is the store's share of the counter-multi
// workload: 32 sessions taken round-robin by parallel goroutines, each
// operation the manager's path for one request that increments a counter:
// the in-process lock, Lock (with the read), Load, UpdateAndUnlock. It runs
// with 4 goroutines (dirigo's default pool on 2 cores is 3 VMs, and a
// request holds its VM while it waits on Redis) and 32 (a pool as large as
// wrk's 32 connections). The memstore case (no Locker) is the baseline of
// a plain map.
func BenchmarkCounterParallel(b *testing.B) {
	for _, g := range goroutines {
		for _, c := range clients {
			b.Run(fmt.Sprintf("redis=%s/goroutines=%d", c, g), func(b *testing.B) {
				srv := redistest.Start(b)
				s := open(b, srv, redisstore.Config{Client: c})
				benchCounter(b, s, s, client(b, srv), 0, g)
			})
		}
	}
	b.Run("memstore", func(b *testing.B) {
		benchCounter(b, memstore.New(memstore.Config{}), nil, nil, 0, 32)
	})
}

// BenchmarkCartParallel is BenchmarkCounterParallel with the cart
// workload's sessions: 20 more attributes of 100 bytes, read every time.
func BenchmarkCartParallel(b *testing.B) {
	for _, g := range goroutines {
		for _, c := range clients {
			b.Run(fmt.Sprintf("redis=%s/goroutines=%d", c, g), func(b *testing.B) {
				srv := redistest.Start(b)
				s := open(b, srv, redisstore.Config{Client: c})
				benchCounter(b, s, s, client(b, srv), 20, g)
			})
		}
	}
}

// goroutines are the concurrencies of the parallel benchmarks.
var goroutines = []int{4, 32}

// benchCounter runs the counter workload. Besides ns/op it reports the CPU
// time per operation of this process and, given rdb, of redis-server: on a
// shared machine they vary less than the wall time.
func benchCounter(b *testing.B, st sessions.Store, lk sessions.Locker, rdb *redis.Client, extra, goroutines int) {
	const n = 32
	ctx := context.Background()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = storetest.Key()
		rec := &sessions.Record{Meta: meta(30*time.Minute, time.Hour), Attrs: map[string]sessions.Attr{"count": {Seq: 1, Value: []byte("0")}}}
		for j := range extra {
			v := fmt.Sprintf("%q", fmt.Sprintf("item%02d:0:", j)+strings.Repeat(".", 90))
			rec.Attrs[fmt.Sprintf("item%02d", j)] = sessions.Attr{Seq: uint64(j + 2), Value: []byte(v)}
		}
		if err := st.Create(ctx, keys[i], rec); err != nil {
			b.Fatal(err)
		}
	}
	var local [n]sync.Mutex // the manager's in-process lock
	var next, ops atomic.Uint64
	b.SetParallelism(max(1, goroutines/runtime.GOMAXPROCS(0)))
	redisCPU0 := serverCPU(b, rdb)
	cpu0 := processCPU()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) % n
			local[i].Lock()
			if err := increment(ctx, st, lk, keys[i]); err != nil {
				local[i].Unlock()
				b.Error(err)
				return
			}
			local[i].Unlock()
			ops.Add(1)
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Microsecond)/float64(b.N), "go-cpu-µs/op")
	if rdb != nil {
		b.ReportMetric((serverCPU(b, rdb)-redisCPU0)/float64(b.N), "redis-cpu-µs/op")
	}
	total := 0
	for _, k := range keys {
		rec, err := st.Load(ctx, k)
		if err != nil {
			b.Fatal(err)
		}
		c, _ := strconv.Atoi(string(rec.Attrs["count"].Value))
		total += c
	}
	if uint64(total) != ops.Load() {
		b.Fatalf("counters sum to %d after %d increments", total, ops.Load())
	}
}

// serverCPU returns the CPU time redis-server has used, in microseconds.
func serverCPU(b *testing.B, rdb *redis.Client) float64 {
	if rdb == nil {
		return 0
	}
	info, err := rdb.Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	var sum float64
	for _, line := range strings.Split(info, "\r\n") {
		k, v, _ := strings.Cut(line, ":")
		if k == "used_cpu_sys" || k == "used_cpu_user" {
			f, _ := strconv.ParseFloat(v, 64)
			sum += f * 1e6
		}
	}
	return sum
}

// increment is one counter request as the manager makes it: Lock (which
// reads the session too), Load, then the update that releases the lock.
func increment(ctx context.Context, st sessions.Store, lk sessions.Locker, key string) (err error) {
	if lk != nil {
		unlock, err := lk.Lock(ctx, key)
		if err != nil {
			return err
		}
		defer unlock()
	}
	rec, err := st.Load(ctx, key)
	if err != nil {
		return err
	}
	c, err := strconv.Atoi(string(rec.Attrs["count"].Value))
	if err != nil {
		return err
	}
	m := rec.Meta
	m.Accessed = time.Now()
	ch := &sessions.Change{Meta: m, Set: map[string]sessions.Attr{"count": {Seq: 1, Value: []byte(strconv.Itoa(c + 1))}}}
	if uu, ok := st.(sessions.UnlockingUpdater); ok && lk != nil {
		return uu.UpdateAndUnlock(ctx, key, ch)
	}
	return st.Update(ctx, key, ch)
}

// BenchmarkOps measures single calls, one at a time (round-trip latency),
// on each client.
func BenchmarkOps(b *testing.B) {
	for _, c := range clients {
		b.Run("client="+c, func(b *testing.B) { benchOps(b, c) })
	}
}

func benchOps(b *testing.B, clientName string) {
	s := open(b, redistest.Start(b), redisstore.Config{Client: clientName})
	ctx := context.Background()
	key := storetest.Key()
	m := meta(30*time.Minute, time.Hour)
	attrs := map[string]sessions.Attr{"count": {Seq: 1, Value: []byte("0")}, "user": {Seq: 2, Value: []byte(`{"name":"ann","roles":["a","b"]}`)}}
	if err := s.Create(ctx, key, &sessions.Record{Meta: m, Attrs: attrs}); err != nil {
		b.Fatal(err)
	}
	b.Run("Load", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Load(ctx, key); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Update", func(b *testing.B) {
		c := &sessions.Change{Meta: m, Set: map[string]sessions.Attr{"count": {Seq: 1, Value: []byte("1")}}}
		for b.Loop() {
			if err := s.Update(ctx, key, c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("LockUnlock", func(b *testing.B) {
		for b.Loop() {
			unlock, err := s.Lock(ctx, key)
			if err != nil {
				b.Fatal(err)
			}
			unlock()
		}
	})
	b.Run("LockLoadCommit", func(b *testing.B) {
		for b.Loop() {
			if err := increment(ctx, s, s, key); err != nil {
				b.Fatal(err)
			}
		}
	})
}
