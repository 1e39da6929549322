// Package clienttest is the conformance suite of client.Store
// implementations: it checks the contract written on the interface, as
// testing/slogtest does for slog handlers.
//
//	func TestClientStore(t *testing.T) {
//		clienttest.RunStore(t, func(t *testing.T) client.Store { return newMyStore(t) })
//	}
package clienttest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dirigo/dirigo/runtime/client"
)

// RunStore runs the suite. newStore returns an empty store; it is called
// once per subtest. A store shared by several processes should also be
// run with a newStore that returns two handles on one backend in turn
// (see RunShared).
func RunStore(t *testing.T, newStore func(t *testing.T) client.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s client.Store)
	}{
		{"SessionMissing", testSessionMissing},
		{"SessionSaveLoad", testSessionSaveLoad},
		{"SessionReplace", testSessionReplace},
		{"SessionDelete", testSessionDelete},
		{"SessionExpired", testSessionExpired},
		{"SessionList", testSessionList},
		{"TaskMissing", testTaskMissing},
		{"TaskSaveLoad", testTaskSaveLoad},
		{"TaskExpired", testTaskExpired},
		{"TaskList", testTaskList},
		{"TaskDelete", testTaskDelete},
		{"TasksOutliveSession", testTasksOutliveSession},
		{"NextTaskID", testNextTaskID},
		{"NextTaskIDParallel", testNextTaskIDParallel},
		{"NextTaskIDAfterDelete", testNextTaskIDAfterDelete},
		{"CancelledContext", testCancelledContext},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

// RunShared checks that two handles on one backend (two processes) see
// each other's records and never hand out the same task identifier.
// newPair returns two handles on a fresh, empty backend.
func RunShared(t *testing.T, newPair func(t *testing.T) (client.Store, client.Store)) {
	t.Helper()
	t.Run("SharedRecords", func(t *testing.T) {
		a, b := newPair(t)
		id := ID()
		must(t, a.SaveSession(ctx(t), id, []byte("s"), time.Time{}))
		must(t, a.SaveTask(ctx(t), id, 1, []byte("t"), time.Time{}))
		wantData(t, "LoadSession", mustBytes(b.LoadSession(ctx(t), id)), "s")
		wantData(t, "LoadTask", mustBytes(b.LoadTask(ctx(t), id, 1)), "t")
	})
	t.Run("SharedCounter", func(t *testing.T) {
		a, b := newPair(t)
		id := ID()
		seen := make(map[int64]bool)
		for i := 0; i < 20; i++ {
			s := a
			if i%2 == 1 {
				s = b
			}
			n, err := s.NextTaskID(ctx(t), id)
			must(t, err)
			if seen[n] {
				t.Fatalf("NextTaskID returned %d twice across handles", n)
			}
			seen[n] = true
		}
	})
}

// ID returns a random session identifier.
func ID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustBytes(b []byte, err error) []byte {
	if err != nil {
		return []byte(fmt.Sprintf("<error: %v>", err))
	}
	return b
}

func wantData(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	if !bytes.Equal(got, []byte(want)) {
		t.Fatalf("%s = %q, want %q", what, got, want)
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("%s: err = %v, want ErrNotFound", what, err)
	}
}

func past() time.Time   { return time.Now().Add(-time.Minute) }
func future() time.Time { return time.Now().Add(time.Hour) }

func testSessionMissing(t *testing.T, s client.Store) {
	_, err := s.LoadSession(ctx(t), ID())
	wantNotFound(t, "LoadSession of a missing session", err)
	must(t, s.DeleteSession(ctx(t), ID()))
}

func testSessionSaveLoad(t *testing.T, s client.Store) {
	a, b := ID(), ID()
	must(t, s.SaveSession(ctx(t), a, []byte(`{"a":1}`), future()))
	must(t, s.SaveSession(ctx(t), b, []byte(`{"b":2}`), time.Time{}))
	wantData(t, "LoadSession(a)", mustBytes(s.LoadSession(ctx(t), a)), `{"a":1}`)
	wantData(t, "LoadSession(b) (no expiry)", mustBytes(s.LoadSession(ctx(t), b)), `{"b":2}`)
}

func testSessionReplace(t *testing.T, s client.Store) {
	id := ID()
	must(t, s.SaveSession(ctx(t), id, []byte("one"), future()))
	must(t, s.SaveSession(ctx(t), id, []byte("two"), future()))
	wantData(t, "LoadSession after a second save", mustBytes(s.LoadSession(ctx(t), id)), "two")
}

func testSessionDelete(t *testing.T, s client.Store) {
	id := ID()
	must(t, s.SaveSession(ctx(t), id, []byte("x"), future()))
	must(t, s.DeleteSession(ctx(t), id))
	_, err := s.LoadSession(ctx(t), id)
	wantNotFound(t, "LoadSession after DeleteSession", err)
	must(t, s.DeleteSession(ctx(t), id))
}

func testSessionExpired(t *testing.T, s client.Store) {
	id := ID()
	must(t, s.SaveSession(ctx(t), id, []byte("x"), past()))
	_, err := s.LoadSession(ctx(t), id)
	wantNotFound(t, "LoadSession of an expired session", err)
	ids, err := s.ListSessions(ctx(t))
	must(t, err)
	if slices.Contains(ids, id) {
		t.Fatalf("ListSessions lists an expired session")
	}
	// Saving again with a later expiry brings it back.
	must(t, s.SaveSession(ctx(t), id, []byte("y"), future()))
	wantData(t, "LoadSession after a fresh save", mustBytes(s.LoadSession(ctx(t), id)), "y")
}

func testSessionList(t *testing.T, s client.Store) {
	a, b, gone := ID(), ID(), ID()
	must(t, s.SaveSession(ctx(t), a, []byte("a"), future()))
	must(t, s.SaveSession(ctx(t), b, []byte("b"), time.Time{}))
	must(t, s.SaveSession(ctx(t), gone, []byte("g"), future()))
	must(t, s.DeleteSession(ctx(t), gone))
	ids, err := s.ListSessions(ctx(t))
	must(t, err)
	if !slices.Contains(ids, a) || !slices.Contains(ids, b) || slices.Contains(ids, gone) {
		t.Fatalf("ListSessions = %v, want %s and %s but not %s", ids, a, b, gone)
	}
}

func testTaskMissing(t *testing.T, s client.Store) {
	id := ID()
	_, err := s.LoadTask(ctx(t), id, 1)
	wantNotFound(t, "LoadTask of a missing task", err)
	ids, err := s.ListTasks(ctx(t), id)
	must(t, err)
	if len(ids) != 0 {
		t.Fatalf("ListTasks of an unknown session = %v", ids)
	}
	must(t, s.DeleteTask(ctx(t), id, 1))
}

func testTaskSaveLoad(t *testing.T, s client.Store) {
	id, other := ID(), ID()
	must(t, s.SaveTask(ctx(t), id, 1, []byte("one"), time.Time{}))
	must(t, s.SaveTask(ctx(t), id, 2, []byte("two"), future()))
	must(t, s.SaveTask(ctx(t), other, 1, []byte("other"), future()))
	wantData(t, "LoadTask 1", mustBytes(s.LoadTask(ctx(t), id, 1)), "one")
	wantData(t, "LoadTask 2", mustBytes(s.LoadTask(ctx(t), id, 2)), "two")
	wantData(t, "LoadTask of another session", mustBytes(s.LoadTask(ctx(t), other, 1)), "other")
	must(t, s.SaveTask(ctx(t), id, 1, []byte("uno"), future()))
	wantData(t, "LoadTask after a second save", mustBytes(s.LoadTask(ctx(t), id, 1)), "uno")
}

func testTaskExpired(t *testing.T, s client.Store) {
	id := ID()
	must(t, s.SaveTask(ctx(t), id, 1, []byte("x"), past()))
	_, err := s.LoadTask(ctx(t), id, 1)
	wantNotFound(t, "LoadTask of an expired record", err)
	ids, err := s.ListTasks(ctx(t), id)
	must(t, err)
	if len(ids) != 0 {
		t.Fatalf("ListTasks lists an expired record: %v", ids)
	}
}

func testTaskList(t *testing.T, s client.Store) {
	id := ID()
	for _, n := range []int64{12, 3, 7, 100} {
		must(t, s.SaveTask(ctx(t), id, n, []byte("x"), future()))
	}
	must(t, s.SaveTask(ctx(t), id, 50, []byte("x"), past()))
	ids, err := s.ListTasks(ctx(t), id)
	must(t, err)
	if want := []int64{3, 7, 12, 100}; !slices.Equal(ids, want) {
		t.Fatalf("ListTasks = %v, want %v (ascending, expired left out)", ids, want)
	}
}

func testTaskDelete(t *testing.T, s client.Store) {
	id := ID()
	must(t, s.SaveTask(ctx(t), id, 1, []byte("x"), future()))
	must(t, s.SaveTask(ctx(t), id, 2, []byte("y"), future()))
	must(t, s.DeleteTask(ctx(t), id, 1))
	_, err := s.LoadTask(ctx(t), id, 1)
	wantNotFound(t, "LoadTask after DeleteTask", err)
	wantData(t, "LoadTask of the other task", mustBytes(s.LoadTask(ctx(t), id, 2)), "y")
}

func testTasksOutliveSession(t *testing.T, s client.Store) {
	id := ID()
	must(t, s.SaveSession(ctx(t), id, []byte("s"), future()))
	must(t, s.SaveTask(ctx(t), id, 1, []byte("t"), future()))
	must(t, s.DeleteSession(ctx(t), id))
	wantData(t, "LoadTask after DeleteSession", mustBytes(s.LoadTask(ctx(t), id, 1)), "t")
}

func testNextTaskID(t *testing.T, s client.Store) {
	a, b := ID(), ID()
	for want := int64(1); want <= 3; want++ {
		n, err := s.NextTaskID(ctx(t), a)
		must(t, err)
		if n != want {
			t.Fatalf("NextTaskID = %d, want %d", n, want)
		}
	}
	n, err := s.NextTaskID(ctx(t), b)
	must(t, err)
	if n != 1 {
		t.Fatalf("NextTaskID of another session = %d, want 1", n)
	}
}

func testNextTaskIDParallel(t *testing.T, s client.Store) {
	id := ID()
	const workers, each = 8, 25
	var mu sync.Mutex
	seen := make(map[int64]bool)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				n, err := s.NextTaskID(context.Background(), id)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if seen[n] {
					mu.Unlock()
					errs <- fmt.Errorf("NextTaskID returned %d twice", n)
					return
				}
				seen[n] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for n := int64(1); n <= workers*each; n++ {
		if !seen[n] {
			t.Fatalf("NextTaskID skipped %d", n)
		}
	}
}

func testNextTaskIDAfterDelete(t *testing.T, s client.Store) {
	id := ID()
	must(t, s.SaveSession(ctx(t), id, []byte("s"), future()))
	n1, err := s.NextTaskID(ctx(t), id)
	must(t, err)
	must(t, s.SaveTask(ctx(t), id, n1, []byte("t"), future()))
	must(t, s.DeleteSession(ctx(t), id))
	must(t, s.SaveSession(ctx(t), id, []byte("s2"), future()))
	n2, err := s.NextTaskID(ctx(t), id)
	must(t, err)
	if n2 <= n1 {
		t.Fatalf("NextTaskID after DeleteSession = %d, want > %d (never reused)", n2, n1)
	}
}

func testCancelledContext(t *testing.T, s client.Store) {
	c, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() { _, err := s.LoadSession(c, ID()); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("LoadSession with a cancelled context succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("LoadSession ignores a cancelled context")
	}
}

// RunOutbox runs the conformance suite of client.Outbox. newStore returns
// an empty store that is an Outbox; it is called once per subtest.
func RunOutbox(t *testing.T, newStore func(t *testing.T) client.Outbox) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, o client.Outbox)
	}{
		{"Empty", testOutboxEmpty},
		{"Order", testOutboxOrder},
		{"Ack", testOutboxAck},
		{"Queues", testOutboxQueues},
		{"Expired", testOutboxExpired},
		{"PushParallel", testOutboxPushParallel},
		{"CancelledContext", testOutboxCancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

func peekData(t *testing.T, o client.Outbox, owner, session string, n int) []string {
	t.Helper()
	recs, err := o.PeekEvents(ctx(t), owner, session, n)
	must(t, err)
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r.Data)
		if i > 0 && r.Seq <= recs[i-1].Seq {
			t.Fatalf("PeekEvents sequence numbers not ascending: %d after %d", r.Seq, recs[i-1].Seq)
		}
	}
	return out
}

func testOutboxEmpty(t *testing.T, o client.Outbox) {
	if got := peekData(t, o, "p", ID(), 10); len(got) != 0 {
		t.Fatalf("PeekEvents of an empty queue = %q", got)
	}
	must(t, o.AckEvent(ctx(t), "p", ID(), 1))
	qs, err := o.EventQueues(ctx(t), "nobody-"+ID())
	must(t, err)
	if len(qs) != 0 {
		t.Fatalf("EventQueues of an unknown owner = %v", qs)
	}
}

func testOutboxOrder(t *testing.T, o client.Outbox) {
	s := ID()
	var last int64
	for i := 0; i < 5; i++ {
		seq, err := o.PushEvent(ctx(t), "p", s, []byte(fmt.Sprint(i)), future())
		must(t, err)
		if seq <= last {
			t.Fatalf("PushEvent = %d after %d, want ascending", seq, last)
		}
		last = seq
	}
	if got := peekData(t, o, "p", s, 3); !slices.Equal(got, []string{"0", "1", "2"}) {
		t.Fatalf("PeekEvents(3) = %q, want the 3 oldest in push order", got)
	}
	if got := peekData(t, o, "p", s, 10); !slices.Equal(got, []string{"0", "1", "2", "3", "4"}) {
		t.Fatalf("PeekEvents(10) = %q (peeking must not remove)", got)
	}
	if got := peekData(t, o, "other", s, 10); len(got) != 0 {
		t.Fatalf("the queue of another owner holds %q", got)
	}
}

func testOutboxAck(t *testing.T, o client.Outbox) {
	s := ID()
	var seqs []int64
	for _, d := range []string{"a", "b", "c"} {
		seq, err := o.PushEvent(ctx(t), "p", s, []byte(d), time.Time{})
		must(t, err)
		seqs = append(seqs, seq)
	}
	must(t, o.AckEvent(ctx(t), "p", s, seqs[0]))
	must(t, o.AckEvent(ctx(t), "p", s, seqs[0]))
	if got := peekData(t, o, "p", s, 10); !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("after acking the head: %q", got)
	}
	must(t, o.AckEvent(ctx(t), "p", s, seqs[2]))
	if got := peekData(t, o, "p", s, 10); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("after acking the tail: %q", got)
	}
	must(t, o.AckEvent(ctx(t), "p", s, seqs[1]))
	if got := peekData(t, o, "p", s, 10); len(got) != 0 {
		t.Fatalf("after acking all: %q", got)
	}
	// A queue emptied and filled again keeps push order.
	a, err := o.PushEvent(ctx(t), "p", s, []byte("d"), time.Time{})
	must(t, err)
	b, err := o.PushEvent(ctx(t), "p", s, []byte("e"), time.Time{})
	must(t, err)
	if b <= a {
		t.Fatalf("PushEvent after emptying: %d then %d", a, b)
	}
	if got := peekData(t, o, "p", s, 10); !slices.Equal(got, []string{"d", "e"}) {
		t.Fatalf("refilled queue: %q", got)
	}
}

func testOutboxQueues(t *testing.T, o client.Outbox) {
	owner := "owner-" + ID()
	a, b, acked := ID(), ID(), ID()
	_, err := o.PushEvent(ctx(t), owner, a, []byte("x"), future())
	must(t, err)
	_, err = o.PushEvent(ctx(t), owner, b, []byte("y"), time.Time{})
	must(t, err)
	seq, err := o.PushEvent(ctx(t), owner, acked, []byte("z"), future())
	must(t, err)
	must(t, o.AckEvent(ctx(t), owner, acked, seq))
	_, err = o.PushEvent(ctx(t), "another-"+ID(), ID(), []byte("w"), future())
	must(t, err)
	qs, err := o.EventQueues(ctx(t), owner)
	must(t, err)
	slices.Sort(qs)
	want := []string{a, b}
	slices.Sort(want)
	if !slices.Equal(qs, want) {
		t.Fatalf("EventQueues = %v, want %v (non-empty queues of the owner only)", qs, want)
	}
}

func testOutboxExpired(t *testing.T, o client.Outbox) {
	owner, s := "owner-"+ID(), ID()
	_, err := o.PushEvent(ctx(t), owner, s, []byte("old"), past())
	must(t, err)
	if got := peekData(t, o, owner, s, 10); len(got) != 0 {
		t.Fatalf("PeekEvents returns an expired record: %q", got)
	}
	qs, err := o.EventQueues(ctx(t), owner)
	must(t, err)
	if len(qs) != 0 {
		t.Fatalf("EventQueues lists a queue of expired records: %v", qs)
	}
	_, err = o.PushEvent(ctx(t), owner, s, []byte("new"), future())
	must(t, err)
	if got := peekData(t, o, owner, s, 10); !slices.Equal(got, []string{"new"}) {
		t.Fatalf("PeekEvents = %q, want the unexpired record", got)
	}
}

func testOutboxPushParallel(t *testing.T, o client.Outbox) {
	s := ID()
	const workers, each = 6, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last int64
			for i := 0; i < each; i++ {
				seq, err := o.PushEvent(context.Background(), "p", s, []byte(fmt.Sprintf("%d-%d", w, i)), time.Time{})
				if err != nil {
					errs <- err
					return
				}
				if seq <= last {
					errs <- fmt.Errorf("PushEvent = %d after %d on one goroutine", seq, last)
					return
				}
				last = seq
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := peekData(t, o, "p", s, workers*each+10)
	if len(got) != workers*each {
		t.Fatalf("%d records queued, want %d", len(got), workers*each)
	}
	// Each goroutine's records are in its push order.
	next := make(map[string]int)
	for _, d := range got {
		var w, i int
		fmt.Sscanf(d, "%d-%d", &w, &i)
		k := fmt.Sprint(w)
		if i != next[k] {
			t.Fatalf("record %s out of order (want %s-%d)", d, k, next[k])
		}
		next[k]++
	}
}

func testOutboxCancelled(t *testing.T, o client.Outbox) {
	c, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() { _, err := o.PushEvent(c, "p", ID(), []byte("x"), time.Time{}); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("PushEvent with a cancelled context succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("PushEvent ignores a cancelled context")
	}
}
