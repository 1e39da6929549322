package redisstore_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/dirigo/dirigo/internal/redistest"
	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/redisstore"
)

// TestTwoManagers runs the counter of the benchmarks through two managers on
// one Redis, like two dirigo processes behind a load balancer, with parallel
// requests of one session: the store's lock must keep every increment.
func TestTwoManagers(t *testing.T) {
	srv := redistest.Start(t)
	keys := []sessions.Key{{Hash: []byte(strings.Repeat("k", 32))}}
	var servers [2]*httptest.Server
	for i := range servers {
		m, err := sessions.NewManager(open(t, srv, redisstore.Config{Prefix: "two:"}), sessions.Config{Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = m.Close() })
		servers[i] = httptest.NewServer(counter(m))
		t.Cleanup(servers[i].Close)
	}
	resp, err := http.Get(servers[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookie, _, _ := strings.Cut(resp.Header.Get("Set-Cookie"), ";")
	if cookie == "" {
		t.Fatal("no session cookie")
	}
	const workers, each = 8, 15
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := get(servers[w%2].URL, cookie); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	n, err := get(servers[1].URL, cookie)
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + workers*each + 1; n != want {
		t.Fatalf("counter = %d, want %d: increments were lost", n, want)
	}
}

// counter answers the incremented "count" attribute of the session.
func counter(m *sessions.Manager) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := m.Begin(r)
		defer s.End()
		v, _, err := s.Get("count")
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		n, _ := strconv.Atoi(string(v))
		if err := s.Set("count", []byte(strconv.Itoa(n+1))); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		// The last commit: the update and the unlock in one script.
		if err := s.CommitLast(w.Header()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, strconv.Itoa(n+1))
	}
}

// get sends a request with the cookie and returns the counter it answers.
func get(url, cookie string) (int, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Cookie", cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, &statusError{resp.Status, string(body)}
	}
	return strconv.Atoi(string(body))
}

type statusError struct{ status, body string }

func (e *statusError) Error() string { return e.status + ": " + e.body }
