package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// listener records what a DeliverFunc receives; fail decides whether a
// call fails.
type listener struct {
	mu    sync.Mutex
	got   []Event
	cfgs  []SessionConfig
	calls int
	fail  func(call int, ev Event) error
}

func (l *listener) deliver(_ context.Context, cfg SessionConfig, ev Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.fail != nil {
		if err := l.fail(l.calls, ev); err != nil {
			return err
		}
	}
	l.got = append(l.got, ev)
	l.cfgs = append(l.cfgs, cfg)
	return nil
}

func (l *listener) events() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.got...)
}

func (l *listener) has(typ EventType) bool {
	for _, ev := range l.events() {
		if ev.Type == typ {
			return true
		}
	}
	return false
}

func okServer(t *testing.T, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDeliverListener(t *testing.T) {
	srv := okServer(t, "hello")
	l := &listener{}
	c := newClient(t, Config{Instance: "p1", DeliverBackoff: time.Millisecond})
	if err := c.StartDelivery(testCtx(t), l.deliver); err != nil {
		t.Fatal(err)
	}
	s := newSession(t, c, SessionConfig{Identifier: "bg", Kind: Background, Listener: "on.js"})
	quiet := newSession(t, c, SessionConfig{Identifier: "quiet", Kind: Background})
	def := newSession(t, c, SessionConfig{Identifier: "def", Kind: Default, Listener: "on.js"})
	var tasks []*Task
	for _, ss := range []*Session{s, quiet, def, s} {
		tk, err := ss.NewTask(testCtx(t), DownloadTask, &Request{URL: srv.URL}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tk.Wait(testCtx(t))
		tasks = append(tasks, tk)
	}
	waitFor(t, "both completions, then the events-delivered event", func() bool {
		evs := l.events()
		return count(evs, EventCompleted) == 2 && evs[len(evs)-1].Type == EventEventsDelivered
	})
	evs := l.events()
	for i, ev := range evs {
		if ev.Session != "bg" {
			t.Fatalf("event %d of session %q reached the listener (only bg has one in the background)", i, ev.Session)
		}
		if l.cfgs[i].Listener != "on.js" || l.cfgs[i].Identifier != "bg" || l.cfgs[i].Kind != Background {
			t.Fatalf("event %d delivered with config %+v", i, l.cfgs[i])
		}
	}
	// Per task: the events a handler sees, in order, each once.
	for _, tk := range []*Task{tasks[0], tasks[3]} {
		var per []Event
		for _, ev := range evs {
			if ev.Task == tk.ID() {
				per = append(per, ev)
			}
		}
		checkEvents(t, per, DownloadTask, 0, 5)
		if count(per, EventDownloadFinished) != 1 || count(per, EventCompleted) != 1 {
			t.Fatalf("task %d: %v", tk.ID(), types(per))
		}
		if r := last2(per, EventCompleted).Result; r == nil || !r.Success || r.StatusCode != 200 || r.File == "" {
			t.Fatalf("completed event result %+v", r)
		}
	}
	if last := evs[len(evs)-1]; last.Type != EventEventsDelivered || last.Task != 0 {
		t.Fatalf("last event %+v, want EventEventsDelivered", last)
	}
	if n, err := c.PendingEvents(testCtx(t), "bg"); err != nil || n != 0 {
		t.Fatalf("PendingEvents = %d, %v after delivery", n, err)
	}
}

func TestDeliverRetriesInOrder(t *testing.T) {
	srv := okServer(t, "x")
	var failed int
	l := &listener{fail: func(call int, ev Event) error {
		if ev.Type == EventCompleted && failed < 3 {
			failed++
			return errors.New("listener threw")
		}
		return nil
	}}
	c := newClient(t, Config{Instance: "p1", DeliverBackoff: time.Millisecond, DeliverMaxBackoff: 2 * time.Millisecond})
	if err := c.StartDelivery(testCtx(t), l.deliver); err != nil {
		t.Fatal(err)
	}
	s := newSession(t, c, SessionConfig{Identifier: "bg", Kind: Background, Listener: "on.js"})
	for i := 0; i < 2; i++ {
		tk, err := s.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tk.Wait(testCtx(t))
	}
	waitFor(t, "both completions", func() bool {
		n := 0
		for _, ev := range l.events() {
			if ev.Type == EventCompleted {
				n++
			}
		}
		return n == 2
	})
	evs := l.events()
	// The completion of task 1 failed three times: nothing of task 2 may
	// have been delivered before it.
	var order []int64
	for _, ev := range evs {
		if ev.Task != 0 && (len(order) == 0 || order[len(order)-1] != ev.Task) {
			order = append(order, ev.Task)
		}
	}
	if !slices.Equal(order, []int64{1, 2}) {
		t.Fatalf("tasks delivered in the order %v (%v)", order, types(evs))
	}
	if failed != 3 || count(evs, EventCompleted) != 2 {
		t.Fatalf("failed %d times, %d completions delivered", failed, count(evs, EventCompleted))
	}
}

func TestDeliverQueuedBeforeStartAndAfterRestart(t *testing.T) {
	srv := okServer(t, "x")
	store := NewMemStore()
	dir := t.TempDir()
	c1 := New(Config{Store: store, Instance: "p1", DataDir: dir, Resolver: fakeResolver{}})
	s := newSession(t, c1, SessionConfig{Identifier: "bg", Kind: Background, Listener: "on.js"})
	tk, err := s.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tk.Wait(testCtx(t))
	n, err := c1.PendingEvents(testCtx(t), "bg")
	if err != nil || n == 0 {
		t.Fatalf("PendingEvents = %d, %v before delivery started, want the task's events", n, err)
	}
	c1.Shutdown(testCtx(t))

	// Another instance sharing the store does not deliver p1's events.
	other := &listener{}
	c3 := newClient(t, Config{Store: store, Instance: "p3", DeliverBackoff: time.Millisecond})
	if err := c3.StartDelivery(testCtx(t), other.deliver); err != nil {
		t.Fatal(err)
	}

	// The restarted p1 delivers them.
	l := &listener{}
	c2 := newClient(t, Config{Store: store, Instance: "p1", DeliverBackoff: time.Millisecond})
	if err := c2.StartDelivery(testCtx(t), l.deliver); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the queued events", func() bool { return l.has(EventEventsDelivered) })
	evs := l.events()
	if evs[0].Task != tk.ID() || !l.has(EventCompleted) {
		t.Fatalf("delivered after the restart: %v", types(evs))
	}
	if len(other.events()) != 0 {
		t.Fatalf("another instance delivered %v", types(other.events()))
	}
}

func TestDeliverAttachedRequestListens(t *testing.T) {
	srv := okServer(t, "x")
	l := &listener{}
	c := newClient(t, Config{Instance: "p1", DeliverBackoff: time.Millisecond})
	if err := c.StartDelivery(testCtx(t), l.deliver); err != nil {
		t.Fatal(err)
	}
	s := newSession(t, c, SessionConfig{Identifier: "bg", Kind: Background, Listener: "on.js"})
	var rec recorder
	detach := s.Attach(rec.handle)
	tk, err := s.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tk.Wait(testCtx(t))
	if n, _ := c.PendingEvents(testCtx(t), "bg"); n != 0 || len(l.events()) != 0 {
		t.Fatalf("events went to the listener while a request listened: %d queued, %v", n, types(l.events()))
	}
	if count(rec.forTask(tk.ID()), EventCompleted) != 1 {
		t.Fatalf("the attached handler got %v", types(rec.all()))
	}
	detach()
	tk2, err := s.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tk2.Wait(testCtx(t))
	waitFor(t, "the second task's completion", func() bool { return l.has(EventCompleted) })
	for _, ev := range l.events() {
		if ev.Task == tk.ID() {
			t.Fatalf("an event of the listened task reached the listener: %+v", ev)
		}
	}
}

func TestDeliverDropsAfterRetention(t *testing.T) {
	srv := okServer(t, "x")
	l := &listener{fail: func(int, Event) error { return errors.New("always throws") }}
	c := newClient(t, Config{Instance: "p1", DeliverBackoff: time.Millisecond, DeliverMaxBackoff: time.Millisecond,
		Retention: 50 * time.Millisecond})
	if err := c.StartDelivery(testCtx(t), l.deliver); err != nil {
		t.Fatal(err)
	}
	s := newSession(t, c, SessionConfig{Identifier: "bg", Kind: Background, Listener: "on.js"})
	tk, err := s.NewTask(testCtx(t), DataTask, &Request{URL: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tk.Wait(testCtx(t))
	waitFor(t, "the queue to be given up", func() bool {
		n, err := c.PendingEvents(testCtx(t), "bg")
		return err == nil && n == 0
	})
}
