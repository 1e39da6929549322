package redisstore_test

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/dirigo/dirigo/internal/redistest"
	outbound "github.com/dirigo/dirigo/runtime/client"
	"github.com/dirigo/dirigo/runtime/client/clienttest"
	"github.com/dirigo/dirigo/runtime/sessions/redisstore"
)

func TestClientStoreConformance(t *testing.T) {
	srv := redistest.Start(t)
	clienttest.RunStore(t, func(t *testing.T) outbound.Store {
		return open(t, srv, redisstore.Config{}).ClientStore()
	})
	clienttest.RunOutbox(t, func(t *testing.T) outbound.Outbox {
		return open(t, srv, redisstore.Config{}).ClientStore()
	})
	// Two processes: two stores, each with its own connections, on one
	// prefix.
	clienttest.RunShared(t, func(t *testing.T) (outbound.Store, outbound.Store) {
		prefix := "test:" + rand.Text() + ":"
		a := open(t, srv, redisstore.Config{Prefix: prefix})
		b := open(t, srv, redisstore.Config{Prefix: prefix})
		return a.ClientStore(), b.ClientStore()
	})
}

// Records carry Redis TTLs: nothing of a finished session outlives its
// retention in Redis, and a record without expiry has none.
func TestClientStoreTTLs(t *testing.T) {
	srv := redistest.Start(t)
	prefix := "test:" + rand.Text() + ":"
	s := open(t, srv, redisstore.Config{Prefix: prefix}).ClientStore()
	rc := client(t, srv)
	if err := s.SaveTask(ctx(t), "bg", 1, []byte("x"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ttl, err := rc.PTTL(ctx(t), prefix+"client:t:bg:1").Result(); err != nil || ttl <= 0 || ttl > time.Hour {
		t.Fatalf("PTTL of a task record = %v, %v; want its expiry", ttl, err)
	}
	if err := s.SaveTask(ctx(t), "bg", 1, []byte("y"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if ttl, err := rc.PTTL(ctx(t), prefix+"client:t:bg:1").Result(); err != nil || ttl != -1 {
		t.Fatalf("PTTL of a record saved again without expiry = %v, %v; want none (-1)", ttl, err)
	}
	if err := s.SaveSession(ctx(t), "bg", []byte("s"), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, err := rc.Exists(ctx(t), prefix+"client:s:bg").Result(); err != nil || n != 0 {
		t.Fatalf("a session saved already expired exists: %d, %v", n, err)
	}
}
