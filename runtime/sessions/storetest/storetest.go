// Package storetest is the conformance suite every sessions.Store runs: it
// checks the contract written on the interface (like testing/slogtest does
// for slog handlers).
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) sessions.Store { return memstore.New(memstore.Config{}) })
//	}
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
)

// Run runs the suite. newStore returns an empty store; it is called once per
// subtest, and the store is closed by the caller's cleanup if needed.
func Run(t *testing.T, newStore func(t *testing.T) sessions.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s sessions.Store)
	}{
		{"LoadMissing", testLoadMissing},
		{"CreateLoad", testCreateLoad},
		{"CreateExisting", testCreateExisting},
		{"CreateEmpty", testCreateEmpty},
		{"Update", testUpdate},
		{"UpdateMissing", testUpdateMissing},
		{"UpdateMetaOnly", testUpdateMetaOnly},
		{"Rotate", testRotate},
		{"RotateMissing", testRotateMissing},
		{"RotateOntoExisting", testRotateOntoExisting},
		{"Delete", testDelete},
		{"ExpiredDeadline", testExpiredDeadline},
		{"ExpiredIdle", testExpiredIdle},
		{"NoExpiry", testNoExpiry},
		{"ExpiresLater", testExpiresLater},
		{"UpdateExtendsIdle", testUpdateExtendsIdle},
		{"RecordsImmutable", testRecordsImmutable},
		{"Values", testValues},
		{"ManyAttributes", testManyAttributes},
		{"Parallel", testParallel},
		{"Sweep", testSweep},
		{"Lock", testLock},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

// Key returns a random store key, like the manager's.
func Key() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// meta returns the meta of a session created now and living an hour.
func meta() sessions.Meta {
	now := time.Now()
	return sessions.Meta{Created: now, Accessed: now, MaxIdle: 30 * time.Minute, Deadline: now.Add(time.Hour)}
}

func attr(seq uint64, v string) sessions.Attr { return sessions.Attr{Seq: seq, Value: []byte(v)} }

func mustCreate(t *testing.T, s sessions.Store, key string, rec *sessions.Record) {
	t.Helper()
	if err := s.Create(ctx(t), key, rec); err != nil {
		t.Fatalf("Create: %v", err)
	}
}

func mustLoad(t *testing.T, s sessions.Store, key string) *sessions.Record {
	t.Helper()
	rec, err := s.Load(ctx(t), key)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return rec
}

func wantNotFound(t *testing.T, s sessions.Store, key string) {
	t.Helper()
	if rec, err := s.Load(ctx(t), key); !errors.Is(err, sessions.ErrNotFound) {
		t.Fatalf("Load = %v, %v; want ErrNotFound", rec, err)
	}
}

// sameTime compares times at the millisecond precision stores must keep.
func sameTime(a, b time.Time) bool {
	return a.UnixMilli() == b.UnixMilli()
}

func checkMeta(t *testing.T, got, want sessions.Meta) {
	t.Helper()
	if !sameTime(got.Created, want.Created) || !sameTime(got.Accessed, want.Accessed) ||
		got.MaxIdle.Milliseconds() != want.MaxIdle.Milliseconds() || got.Deadline.IsZero() != want.Deadline.IsZero() ||
		!want.Deadline.IsZero() && !sameTime(got.Deadline, want.Deadline) {
		t.Fatalf("meta = %+v, want %+v", got, want)
	}
}

func checkAttrs(t *testing.T, got, want map[string]sessions.Attr) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("attrs = %s, want %s", fmtAttrs(got), fmtAttrs(want))
	}
	for n, w := range want {
		g, ok := got[n]
		if !ok || g.Seq != w.Seq || !bytes.Equal(g.Value, w.Value) {
			t.Fatalf("attrs = %s, want %s", fmtAttrs(got), fmtAttrs(want))
		}
	}
}

func fmtAttrs(m map[string]sessions.Attr) string {
	var b strings.Builder
	b.WriteString("{")
	for n, a := range m {
		fmt.Fprintf(&b, "%q:(%d %s) ", n, a.Seq, a.Value)
	}
	b.WriteString("}")
	return b.String()
}

func testLoadMissing(t *testing.T, s sessions.Store) {
	wantNotFound(t, s, Key())
}

func testCreateLoad(t *testing.T, s sessions.Store) {
	key := Key()
	rec := &sessions.Record{Meta: meta(), Attrs: map[string]sessions.Attr{"a": attr(1, `"x"`), "b": attr(2, `{"n":[1,2]}`)}}
	mustCreate(t, s, key, rec)
	got := mustLoad(t, s, key)
	checkMeta(t, got.Meta, rec.Meta)
	checkAttrs(t, got.Attrs, rec.Attrs)
	wantNotFound(t, s, Key())
}

func testCreateExisting(t *testing.T, s sessions.Store) {
	key := Key()
	mustCreate(t, s, key, &sessions.Record{Meta: meta(), Attrs: map[string]sessions.Attr{"a": attr(1, `1`)}})
	err := s.Create(ctx(t), key, &sessions.Record{Meta: meta(), Attrs: map[string]sessions.Attr{"b": attr(1, `2`)}})
	if !errors.Is(err, sessions.ErrExists) {
		t.Fatalf("second Create = %v, want ErrExists", err)
	}
	checkAttrs(t, mustLoad(t, s, key).Attrs, map[string]sessions.Attr{"a": attr(1, `1`)})
}

func testCreateEmpty(t *testing.T, s sessions.Store) {
	key := Key()
	m := meta()
	mustCreate(t, s, key, &sessions.Record{Meta: m})
	got := mustLoad(t, s, key)
	checkMeta(t, got.Meta, m)
	if len(got.Attrs) != 0 {
		t.Fatalf("attrs = %s, want none", fmtAttrs(got.Attrs))
	}
}

func testUpdate(t *testing.T, s sessions.Store) {
	key := Key()
	m := meta()
	mustCreate(t, s, key, &sessions.Record{Meta: m, Attrs: map[string]sessions.Attr{
		"keep": attr(1, `"k"`), "change": attr(2, `1`), "drop": attr(3, `true`)}})
	m2 := m
	m2.Accessed = m.Accessed.Add(5 * time.Second)
	m2.MaxIdle = time.Hour
	err := s.Update(ctx(t), key, &sessions.Change{Meta: m2,
		Set:    map[string]sessions.Attr{"change": attr(2, `2`), "new": attr(4, `[1]`)},
		Delete: []string{"drop", "never-there"}})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	got := mustLoad(t, s, key)
	checkMeta(t, got.Meta, m2)
	checkAttrs(t, got.Attrs, map[string]sessions.Attr{"keep": attr(1, `"k"`), "change": attr(2, `2`), "new": attr(4, `[1]`)})
}

func testUpdateMissing(t *testing.T, s sessions.Store) {
	key := Key()
	err := s.Update(ctx(t), key, &sessions.Change{Meta: meta(), Set: map[string]sessions.Attr{"a": attr(1, `1`)}})
	if !errors.Is(err, sessions.ErrNotFound) {
		t.Fatalf("Update of a missing session = %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, key)
	// A deleted session is not recreated by an update either.
	mustCreate(t, s, key, &sessions.Record{Meta: meta()})
	if err := s.Delete(ctx(t), key); err != nil {
		t.Fatal(err)
	}
	err = s.Update(ctx(t), key, &sessions.Change{Meta: meta(), Set: map[string]sessions.Attr{"a": attr(1, `1`)}})
	if !errors.Is(err, sessions.ErrNotFound) {
		t.Fatalf("Update of a deleted session = %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, key)
}

func testUpdateMetaOnly(t *testing.T, s sessions.Store) {
	key := Key()
	m := meta()
	mustCreate(t, s, key, &sessions.Record{Meta: m, Attrs: map[string]sessions.Attr{"a": attr(1, `1`)}})
	m.Accessed = m.Accessed.Add(time.Minute)
	if err := s.Update(ctx(t), key, &sessions.Change{Meta: m}); err != nil {
		t.Fatal(err)
	}
	got := mustLoad(t, s, key)
	checkMeta(t, got.Meta, m)
	checkAttrs(t, got.Attrs, map[string]sessions.Attr{"a": attr(1, `1`)})
}

func testRotate(t *testing.T, s sessions.Store) {
	old, nw := Key(), Key()
	m := meta()
	mustCreate(t, s, old, &sessions.Record{Meta: m, Attrs: map[string]sessions.Attr{"a": attr(1, `1`), "b": attr(2, `2`)}})
	m.Accessed = m.Accessed.Add(time.Second)
	err := s.Rotate(ctx(t), old, nw, &sessions.Change{Meta: m, Set: map[string]sessions.Attr{"c": attr(3, `3`)}, Delete: []string{"b"}})
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	wantNotFound(t, s, old)
	got := mustLoad(t, s, nw)
	checkMeta(t, got.Meta, m)
	checkAttrs(t, got.Attrs, map[string]sessions.Attr{"a": attr(1, `1`), "c": attr(3, `3`)})
	// The old key is dead for writes too.
	if err := s.Update(ctx(t), old, &sessions.Change{Meta: m}); !errors.Is(err, sessions.ErrNotFound) {
		t.Fatalf("Update of the rotated-away key = %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, old)
}

func testRotateMissing(t *testing.T, s sessions.Store) {
	old, nw := Key(), Key()
	if err := s.Rotate(ctx(t), old, nw, &sessions.Change{Meta: meta()}); !errors.Is(err, sessions.ErrNotFound) {
		t.Fatalf("Rotate of a missing session = %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, nw)
}

func testRotateOntoExisting(t *testing.T, s sessions.Store) {
	old, nw := Key(), Key()
	mustCreate(t, s, old, &sessions.Record{Meta: meta(), Attrs: map[string]sessions.Attr{"a": attr(1, `"old"`)}})
	mustCreate(t, s, nw, &sessions.Record{Meta: meta(), Attrs: map[string]sessions.Attr{"a": attr(1, `"new"`)}})
	if err := s.Rotate(ctx(t), old, nw, &sessions.Change{Meta: meta()}); !errors.Is(err, sessions.ErrExists) {
		t.Fatalf("Rotate onto a taken key = %v, want ErrExists", err)
	}
	checkAttrs(t, mustLoad(t, s, old).Attrs, map[string]sessions.Attr{"a": attr(1, `"old"`)})
	checkAttrs(t, mustLoad(t, s, nw).Attrs, map[string]sessions.Attr{"a": attr(1, `"new"`)})
}

func testDelete(t *testing.T, s sessions.Store) {
	key, other := Key(), Key()
	mustCreate(t, s, key, &sessions.Record{Meta: meta()})
	mustCreate(t, s, other, &sessions.Record{Meta: meta()})
	if err := s.Delete(ctx(t), key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantNotFound(t, s, key)
	mustLoad(t, s, other)
	if err := s.Delete(ctx(t), key); err != nil {
		t.Fatalf("Delete of a missing session = %v, want nil", err)
	}
	if err := s.Delete(ctx(t), Key()); err != nil {
		t.Fatalf("Delete of a never-stored key = %v, want nil", err)
	}
}

func testExpiredDeadline(t *testing.T, s sessions.Store) {
	key := Key()
	m := meta()
	m.Deadline = time.Now().Add(-time.Second)
	err := s.Create(ctx(t), key, &sessions.Record{Meta: m})
	if err != nil && !errors.Is(err, sessions.ErrNotFound) {
		t.Fatalf("Create of an already expired session = %v", err)
	}
	wantNotFound(t, s, key)
}

func testExpiredIdle(t *testing.T, s sessions.Store) {
	key := Key()
	m := meta()
	m.Accessed = time.Now().Add(-time.Hour)
	m.MaxIdle = time.Minute
	if err := s.Create(ctx(t), key, &sessions.Record{Meta: m}); err != nil && !errors.Is(err, sessions.ErrNotFound) {
		t.Fatalf("Create of an idle-expired session = %v", err)
	}
	wantNotFound(t, s, key)
}

func testNoExpiry(t *testing.T, s sessions.Store) {
	key := Key()
	m := sessions.Meta{Created: time.Now().Add(-48 * time.Hour), Accessed: time.Now().Add(-24 * time.Hour)}
	mustCreate(t, s, key, &sessions.Record{Meta: m, Attrs: map[string]sessions.Attr{"a": attr(1, `1`)}})
	got := mustLoad(t, s, key)
	checkMeta(t, got.Meta, m)
}

// testExpiresLater checks that a session expires by the store's own clock,
// not only when written: it lives 1s, and a load must fail soon after (the
// wait is polled, with a generous limit, so a loaded machine does not fail
// it).
func testExpiresLater(t *testing.T, s sessions.Store) {
	key := Key()
	now := time.Now()
	m := sessions.Meta{Created: now, Accessed: now, MaxIdle: time.Second, Deadline: now.Add(time.Hour)}
	mustCreate(t, s, key, &sessions.Record{Meta: m})
	if time.Since(now) < m.MaxIdle/2 { // else a slow machine took too long to tell
		mustLoad(t, s, key)
	}
	time.Sleep(time.Until(now.Add(m.MaxIdle)))
	limit := time.Now().Add(10 * time.Second)
	for {
		_, err := s.Load(ctx(t), key)
		if errors.Is(err, sessions.ErrNotFound) {
			return
		}
		if err != nil {
			t.Fatalf("Load = %v", err)
		}
		if time.Now().After(limit) {
			t.Fatalf("the session outlived its idle limit by 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// testUpdateExtendsIdle checks that an Update with a later Accessed moves
// the idle expiry on. The session is created idle but for a short window;
// the update touches it with a long MaxIdle, and a load after the window
// has closed must still find it. Only the update has to land within the
// window, and the window doubles when a loaded machine misses it.
func testUpdateExtendsIdle(t *testing.T, s sessions.Store) {
	for window := time.Second; ; window *= 2 {
		key := Key()
		now := time.Now()
		m := sessions.Meta{Created: now.Add(-time.Minute), Accessed: now.Add(window - time.Hour), MaxIdle: time.Hour, Deadline: now.Add(2 * time.Hour)}
		mustCreate(t, s, key, &sessions.Record{Meta: m})
		m.Accessed = time.Now()
		err := s.Update(ctx(t), key, &sessions.Change{Meta: m})
		if time.Since(now) > window/2 {
			if window >= 16*time.Second {
				t.Fatalf("the machine is too slow: an update took over %v", window/2)
			}
			continue // too close to the first expiry to tell anything
		}
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Until(now.Add(window + 200*time.Millisecond)))
		mustLoad(t, s, key) // past the first idle expiry, well within the new one
		return
	}
}

func testRecordsImmutable(t *testing.T, s sessions.Store) {
	key := Key()
	mustCreate(t, s, key, &sessions.Record{Meta: meta(), Attrs: map[string]sessions.Attr{"a": attr(1, `1`)}})
	first := mustLoad(t, s, key)
	if err := s.Update(ctx(t), key, &sessions.Change{Meta: meta(), Set: map[string]sessions.Attr{"a": attr(1, `2`), "b": attr(2, `3`)}}); err != nil {
		t.Fatal(err)
	}
	checkAttrs(t, first.Attrs, map[string]sessions.Attr{"a": attr(1, `1`)})
	// Nor does a caller's map change what is stored (the value bytes are
	// the caller's promise: it never modifies them).
	rec := &sessions.Record{Meta: meta(), Attrs: map[string]sessions.Attr{"x": attr(1, `"x"`)}}
	key2 := Key()
	mustCreate(t, s, key2, rec)
	rec.Attrs["y"] = attr(2, `"y"`)
	delete(rec.Attrs, "x")
	checkAttrs(t, mustLoad(t, s, key2).Attrs, map[string]sessions.Attr{"x": attr(1, `"x"`)})
}

func testValues(t *testing.T, s sessions.Store) {
	big := `"` + strings.Repeat("0123456789abcdef", 4096) + `"`
	attrs := map[string]sessions.Attr{
		"unicode ключ 🔑":         attr(1, `"значение ✓ \u2028 \" \\"`),
		"colon:and space":        attr(2, `{"nested":{"deep":[null,true,false,1.5e-7,"s"]}}`),
		"":                       attr(3, `0`),
		"big":                    attr(4, big),
		"seq":                    attr(1<<40, `-1`),
		"a:b":                    attr(5, `"a:b"`),
		strings.Repeat("n", 300): attr(6, `[]`),
	}
	key := Key()
	mustCreate(t, s, key, &sessions.Record{Meta: meta(), Attrs: attrs})
	checkAttrs(t, mustLoad(t, s, key).Attrs, attrs)
}

func testManyAttributes(t *testing.T, s sessions.Store) {
	attrs := map[string]sessions.Attr{}
	for i := 0; i < 1000; i++ {
		attrs[fmt.Sprintf("item%04d", i)] = attr(uint64(i+1), fmt.Sprintf(`"%0100d"`, i))
	}
	key := Key()
	mustCreate(t, s, key, &sessions.Record{Meta: meta(), Attrs: attrs})
	checkAttrs(t, mustLoad(t, s, key).Attrs, attrs)
	del := []string{}
	for i := 0; i < 1000; i += 2 {
		n := fmt.Sprintf("item%04d", i)
		del = append(del, n)
		delete(attrs, n)
	}
	if err := s.Update(ctx(t), key, &sessions.Change{Meta: meta(), Delete: del}); err != nil {
		t.Fatal(err)
	}
	checkAttrs(t, mustLoad(t, s, key).Attrs, attrs)
}

func testParallel(t *testing.T, s sessions.Store) {
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	keys := make([]string, n)
	for i := range keys {
		keys[i] = Key()
	}
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := context.Background()
			if err := s.Create(c, keys[i], &sessions.Record{Meta: meta(), Attrs: map[string]sessions.Attr{"n": attr(1, "0")}}); err != nil {
				errs <- err
				return
			}
			for j := 1; j <= 20; j++ {
				if err := s.Update(c, keys[i], &sessions.Change{Meta: meta(), Set: map[string]sessions.Attr{"n": attr(1, fmt.Sprint(j))}}); err != nil {
					errs <- err
					return
				}
				if _, err := s.Load(c, keys[(i+1)%n]); err != nil && !errors.Is(err, sessions.ErrNotFound) {
					errs <- err
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, k := range keys {
		checkAttrs(t, mustLoad(t, s, k).Attrs, map[string]sessions.Attr{"n": attr(1, "20")})
	}
}

func testSweep(t *testing.T, s sessions.Store) {
	sw, ok := s.(sessions.Sweeper)
	if !ok {
		t.Skip("the store does not implement sessions.Sweeper")
	}
	live, dead := Key(), Key()
	mustCreate(t, s, live, &sessions.Record{Meta: meta()})
	now := time.Now()
	m := sessions.Meta{Created: now, Accessed: now, MaxIdle: 100 * time.Millisecond, Deadline: now.Add(time.Hour)}
	if err := s.Create(ctx(t), dead, &sessions.Record{Meta: m}); err != nil {
		t.Fatal(err)
	}
	n, err := sw.Sweep(ctx(t), now.Add(time.Second))
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if n != 1 {
		t.Fatalf("Sweep removed %d sessions, want 1", n)
	}
	mustLoad(t, s, live)
	if n, err := sw.Sweep(ctx(t), now.Add(time.Second)); err != nil || n != 0 {
		t.Fatalf("second Sweep = %d, %v; want 0, nil", n, err)
	}
}

func testLock(t *testing.T, s sessions.Store) {
	l, ok := s.(sessions.Locker)
	if !ok {
		t.Skip("the store does not implement sessions.Locker")
	}
	key := Key()
	unlock, err := l.Lock(ctx(t), key)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	short, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if u2, err := l.Lock(short, key); !errors.Is(err, sessions.ErrBusy) {
		if err == nil {
			u2()
		}
		t.Fatalf("second Lock while held = %v, want ErrBusy", err)
	}
	// Another key is independent.
	u3, err := l.Lock(ctx(t), Key())
	if err != nil {
		t.Fatalf("Lock of another key: %v", err)
	}
	u3()
	got := make(chan error, 1)
	go func() {
		u, err := l.Lock(ctx(t), key)
		if err == nil {
			u()
		}
		got <- err
	}()
	time.Sleep(50 * time.Millisecond)
	unlock()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("Lock after unlock: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Lock did not get the lock after it was released")
	}
	// Mutual exclusion under contention.
	var mu sync.Mutex
	inside := 0
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				u, err := l.Lock(context.Background(), key)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				inside++
				if inside != 1 {
					t.Error("two holders of one lock")
				}
				mu.Unlock()
				time.Sleep(time.Millisecond)
				mu.Lock()
				inside--
				mu.Unlock()
				u()
			}
		}()
	}
	wg.Wait()
}
