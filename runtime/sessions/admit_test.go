package sessions

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	goruntime "runtime"
	"sync"
	"testing"
	"time"
)

// entries counts the keys the table holds an entry for.
func (t *lockTable) entries() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

func TestAdmit(t *testing.T) {
	m := newTestManager(t)
	other := newTestManager(t)
	cookie := func(m *Manager) string {
		v, err := m.encode("sid", newID())
		if err != nil {
			t.Fatal(err)
		}
		return "sid=" + v
	}
	valid := cookie(m)
	request := func(c string) *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		if c != "" {
			r.Header.Set("Cookie", c)
		}
		return r
	}

	// Requests whose cookie does not verify take no place, however many.
	for _, c := range []string{"", "sid=garbage", cookie(other), "other=" + valid[len("sid="):], "sid=" + valid[len("sid="):len(valid)-2]} {
		var adms []Admission
		for range 3 * DefaultMaxParallel {
			a, err := m.Admit(request(c), 0)
			if err != nil {
				t.Fatalf("cookie %q: %v", c, err)
			}
			adms = append(adms, a)
		}
		if n := m.admits.entries(); n != 0 {
			t.Fatalf("cookie %q: %d admission entries, want none", c, n)
		}
		for i := range adms {
			adms[i].Release()
		}
	}

	// A verified cookie: MaxParallel places, then a wait bounded by wait.
	var held []Admission
	for range DefaultMaxParallel {
		a, err := m.Admit(request(valid), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, a)
	}
	if _, err := m.Admit(request(valid), 0); !errors.Is(err, ErrBusy) {
		t.Fatalf("Admit beyond MaxParallel without waiting = %v, want ErrBusy", err)
	}
	if _, err := m.Admit(request(valid), 20*time.Millisecond); !errors.Is(err, ErrBusy) {
		t.Fatalf("Admit beyond MaxParallel = %v, want ErrBusy", err)
	}
	// A client that goes away stops waiting.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Admit(request(valid).WithContext(ctx), time.Minute); !errors.Is(err, ErrBusy) {
		t.Fatalf("Admit of a cancelled request = %v, want ErrBusy", err)
	}
	// Another session is not affected.
	a, err := m.Admit(request(cookie(m)), 0)
	if err != nil {
		t.Fatalf("another session: %v", err)
	}
	a.Release()
	a.Release() // twice is harmless

	// A waiter gets the place a holder releases.
	got := make(chan error)
	go func() {
		a, err := m.Admit(request(valid), time.Minute)
		a.Release()
		got <- err
	}()
	held[0].Release()
	if err := <-got; err != nil {
		t.Fatalf("waiter: %v", err)
	}
	for i := range held {
		held[i].Release()
	}
	if n := m.admits.entries(); n != 0 {
		t.Fatalf("%d admission entries left after every release", n)
	}

	// A nil manager admits everything.
	var none *Manager
	if _, err := none.Admit(request(valid), 0); err != nil {
		t.Fatal(err)
	}
}

// TestAdmitParallel races Admit and Release over a few sessions: never more
// than MaxParallel holders of one session, and no entry left behind.
func TestAdmitParallel(t *testing.T) {
	m, err := NewManager(nopStore{}, Config{Keys: []Key{GenerateKey()}, MaxParallel: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var cookies [4]string
	var inside [4]int
	var mu sync.Mutex
	for i := range cookies {
		v, _ := m.encode("sid", newID())
		cookies[i] = "sid=" + v
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				i := (g + j) % len(cookies)
				r := httptest.NewRequest("GET", "/", nil)
				r.Header.Set("Cookie", cookies[i])
				a, err := m.Admit(r, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if inside[i]++; inside[i] > 3 {
					t.Errorf("%d requests of one session admitted at once", inside[i])
				}
				mu.Unlock()
				goruntime.Gosched()
				mu.Lock()
				inside[i]--
				mu.Unlock()
				a.Release()
			}
		}()
	}
	wg.Wait()
	if n := m.admits.entries(); n != 0 {
		t.Fatalf("%d admission entries left", n)
	}
}
