package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dirigo/dirigo/internal/redistest"
	outbound "github.com/dirigo/dirigo/runtime/client"
	"github.com/dirigo/dirigo/runtime/sessions/boltstore"
	"github.com/dirigo/dirigo/runtime/sessions/redisstore"
)

// upstream is a server whose /slow answers wait until released; it counts
// the requests of each method.
type upstream struct {
	*httptest.Server
	release chan struct{}
	arrived chan string
	posts   atomic.Int32
	gets    atomic.Int32
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{release: make(chan struct{}), arrived: make(chan string, 100)}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			u.posts.Add(1)
		} else {
			u.gets.Add(1)
		}
		if v := r.URL.Query().Get("cookie"); v != "" {
			http.SetCookie(w, &http.Cookie{Name: "c", Value: v, Path: "/"})
		}
		if strings.HasPrefix(r.URL.Path, "/slow") {
			u.arrived <- r.Method
			select {
			case <-u.release:
			case <-r.Context().Done():
				return
			}
		}
		io.WriteString(w, "payload of "+r.URL.Path+" cookie="+r.Header.Get("Cookie"))
	}))
	t.Cleanup(u.Close)
	return u
}

// events collects what a DeliverFunc receives.
type events struct {
	mu  sync.Mutex
	got []outbound.Event
}

func (e *events) deliver(_ context.Context, _ outbound.SessionConfig, ev outbound.Event) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, ev)
	return nil
}

// completed returns the results of the completion events.
func (e *events) completed() map[int64]outbound.TaskSnapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[int64]outbound.TaskSnapshot{}
	for _, ev := range e.got {
		if ev.Type == outbound.EventCompleted && ev.Result != nil {
			out[ev.Task] = *ev.Result
		}
	}
	return out
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func tctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// A restart with the bolt store: the unfinished GET download restarts
// under its identifier and completes, the unfinished POST is marked
// failed (-1005) and never sent again, and the listener hears of both.
func TestClientRestartRecoveryBolt(t *testing.T) {
	up := newUpstream(t)
	data := t.TempDir()
	path := filepath.Join(data, "sessions.db")
	open := func() (*boltstore.Store, *outbound.Client) {
		bs, err := boltstore.Open(boltstore.Config{Path: path, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		cs, err := clientStore(bs)
		if err != nil {
			t.Fatal(err)
		}
		return bs, outbound.New(outbound.Config{Store: cs, Instance: "host:8080", DataDir: data,
			DeliverBackoff: time.Millisecond, Logger: quietLogger()})
	}

	bs, c1 := open()
	s, err := c1.NewSession(tctx(t), outbound.SessionConfig{Identifier: "bg", Kind: outbound.Background, Listener: "listeners/log.js"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Do(tctx(t), &outbound.Request{URL: up.URL + "/?cookie=kept"}); err != nil {
		t.Fatal(err)
	}
	dl, err := s.NewTask(tctx(t), outbound.DownloadTask, &outbound.Request{URL: up.URL + "/slow/file"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	post, err := s.NewTask(tctx(t), outbound.UploadTask, &outbound.Request{Method: "POST", URL: up.URL + "/slow/order", Body: []byte("buy")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-up.arrived
	<-up.arrived
	// The grace period is over at once: both are cancelled and recorded.
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	c1.Shutdown(gone)
	if err := bs.Close(); err != nil {
		t.Fatal(err)
	}
	if up.posts.Load() != 1 {
		t.Fatalf("%d POSTs before the restart", up.posts.Load())
	}

	bs, c2 := open()
	defer bs.Close()
	defer c2.Shutdown(context.Background())
	var heard events
	if err := c2.StartDelivery(tctx(t), heard.deliver); err != nil {
		t.Fatal(err)
	}
	rep, err := c2.Recover(tctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sessions != 1 || rep.Restarted != 1 || rep.Failed != 1 {
		t.Fatalf("Recover = %+v, want 1 session, 1 restarted, 1 failed", rep)
	}
	<-up.arrived // the download again
	close(up.release)
	waitUntil(t, "both completions at the listener", func() bool { return len(heard.completed()) == 2 })
	got := heard.completed()
	if r := got[dl.ID()]; !r.Success || r.StatusCode != 200 || r.File == "" {
		t.Fatalf("restarted download: %+v", r)
	} else if b, err := os.ReadFile(r.File); err != nil || string(b) != "payload of /slow/file cookie=c=kept" {
		t.Fatalf("restarted download file: %q %v (the jar must survive too)", b, err)
	}
	if r := got[post.ID()]; r.Success || r.ErrorCode != outbound.CodeNetworkConnectionLost {
		t.Fatalf("recovered POST: %+v, want errorCode -1005", r)
	}
	if n := up.posts.Load(); n != 1 {
		t.Fatalf("the POST was sent %d times: it must never be replayed", n)
	}
	// A later request reads both records by identifier.
	for _, id := range []int64{dl.ID(), post.ID()} {
		snap, err := c2.TaskSnapshot(tctx(t), "bg", id)
		if err != nil || snap.State != outbound.StateCompleted {
			t.Fatalf("task %d after recovery: %+v %v", id, snap, err)
		}
	}
	// New tasks of the session get new identifiers.
	s2, err := c2.Session(tctx(t), "bg")
	if err != nil {
		t.Fatal(err)
	}
	tk, err := s2.NewTask(tctx(t), outbound.DataTask, &outbound.Request{URL: up.URL + "/"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tk.ID() <= post.ID() {
		t.Fatalf("a task after the restart got id %d, not above %d", tk.ID(), post.ID())
	}
}

// Two processes behind one Redis: a background download started by one is
// read by the other (record, jar, identifiers never given twice); each
// delivers the listener events of its own tasks only.
func TestClientTwoProcessesRedis(t *testing.T) {
	srv := redistest.Start(t)
	up := newUpstream(t)
	close(up.release)
	prefix := "test:" + outbound.DefaultUserAgent + ":" + t.Name() + ":"
	proc := func(name string) (*outbound.Client, *events) {
		rs, err := redisstore.Open(redisstore.Config{URL: srv.URL(), Prefix: prefix, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rs.Close() })
		cs, err := clientStore(rs)
		if err != nil {
			t.Fatal(err)
		}
		c := outbound.New(outbound.Config{Store: cs, Instance: name, DataDir: t.TempDir(), DeliverBackoff: time.Millisecond, Logger: quietLogger()})
		t.Cleanup(func() { c.Shutdown(context.Background()) })
		var heard events
		if err := c.StartDelivery(tctx(t), heard.deliver); err != nil {
			t.Fatal(err)
		}
		return c, &heard
	}
	p1, heard1 := proc("p1")
	p2, heard2 := proc("p2")

	s1, err := p1.NewSession(tctx(t), outbound.SessionConfig{Identifier: "shared", Kind: outbound.Background, Listener: "on.js"})
	if err != nil {
		t.Fatal(err)
	}
	t1, err := s1.NewTask(tctx(t), outbound.DownloadTask, &outbound.Request{URL: up.URL + "/?cookie=from-p1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t1.Wait(tctx(t))

	snap, err := p2.TaskSnapshot(tctx(t), "shared", t1.ID())
	if err != nil || !snap.Success || snap.Owner != "p1" || snap.File == "" {
		t.Fatalf("p2 reads p1's task: %+v %v", snap, err)
	}
	s2, err := p2.Session(tctx(t), "shared")
	if err != nil {
		t.Fatal(err)
	}
	if s2.Config().Listener != "on.js" {
		t.Fatalf("p2's view of the session: %+v", s2.Config())
	}
	t2, err := s2.NewTask(tctx(t), outbound.DataTask, &outbound.Request{URL: up.URL + "/echo"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := t2.Wait(tctx(t))
	if t2.ID() == t1.ID() || string(r2.Body) != "payload of /echo cookie=c=from-p1" {
		t.Fatalf("p2's task %d (p1's was %d): %q", t2.ID(), t1.ID(), r2.Body)
	}
	waitUntil(t, "each listener's completion", func() bool {
		return len(heard1.completed()) == 1 && len(heard2.completed()) == 1
	})
	if _, ok := heard1.completed()[t1.ID()]; !ok {
		t.Fatal("p1 did not deliver its task's events")
	}
	if _, ok := heard2.completed()[t2.ID()]; !ok {
		t.Fatal("p2 did not deliver its task's events")
	}
}

// Without --client-instance the instance is the host name and the port,
// stable across restarts.
func TestClientInstance(t *testing.T) {
	host, _ := os.Hostname()
	f := newFlags(io.Discard)
	if err := f.parse([]string{"--addr", "127.0.0.1:9090"}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if got := clientInstance(f, nil); got != host+":9090" {
		t.Fatalf("clientInstance = %q", got)
	}
	if err := f.parse([]string{"--client-instance", "blue"}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if got := clientInstance(f, nil); got != "blue" {
		t.Fatalf("clientInstance = %q", got)
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
