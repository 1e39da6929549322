package runtime_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dirigo/dirigo/internal/redistest"
	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/boltstore"
	"github.com/dirigo/dirigo/runtime/sessions/memstore"
	"github.com/dirigo/dirigo/runtime/sessions/redisstore"
)

// TestStuckHolderReleasesTheSession runs, for every store, requests that
// take their session's lock (a pending write) and then never finish by
// themselves: a busy loop, a timer past the deadline, and the latter with a
// client that hangs up. The script timeout ends them (504), nothing they wrote is committed,
// and nothing stays locked: a request of the session waiting meanwhile gets
// 503 once its lock timeout passes, and the next one is served at once (a
// lock left behind would make it wait for the short lock timeout and fail).
func TestStuckHolderReleasesTheSession(t *testing.T) {
	stores := []struct {
		name string
		open func(t *testing.T) (sessions.Store, func(t *testing.T))
	}{
		{"memory", func(t *testing.T) (sessions.Store, func(*testing.T)) {
			return memstore.New(memstore.Config{}), func(*testing.T) {}
		}},
		{"bolt", func(t *testing.T) (sessions.Store, func(*testing.T)) {
			st, err := boltstore.Open(boltstore.Config{Path: filepath.Join(t.TempDir(), "sessions.db")})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			return st, func(*testing.T) {}
		}},
		{"redis", func(t *testing.T) (sessions.Store, func(*testing.T)) {
			srv := redistest.Start(t)
			st, err := redisstore.Open(redisstore.Config{URL: srv.URL(), Prefix: "stuck:"})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = st.Close() })
			rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
			t.Cleanup(func() { _ = rdb.Close() })
			// No Redis lock is left behind either.
			return st, func(t *testing.T) {
				t.Helper()
				keys, err := rdb.Keys(context.Background(), "stuck:lock:*").Result()
				if err != nil || len(keys) != 0 {
					t.Fatalf("Redis locks left: %v %v", keys, err)
				}
			}
		}},
	}
	scripts := map[string]string{
		"counter.js": sessionScripts["counter.js"],
		"loop.js":    `require("http/session").setAttribute("stuck", 1); console.log("holding"); for (;;) {}`,
		"timer.js":   `require("http/session").setAttribute("stuck", 1); console.log("holding"); setTimeout(function () {}, 60000);`,
		"names.js":   `require("http/response").print(JSON.stringify(require("http/session").getAttributeNames()));`,
	}
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			st, noLocks := store.open(t)
			s := moduletest.New(t, scripts, moduletest.Options{
				Store:    st,
				Sessions: func(c *sessions.Config) { c.LockTimeout = 150 * time.Millisecond },
				// The stuck runs hold the session for the whole script timeout:
				// long enough that the waiting request's 150 ms lock timeout
				// passes before it even on a loaded machine.
				Runtime: func(c *runtime.Config) { c.Timeout = 2 * time.Second },
			})
			_, _, _, cookie := get(t, s, "/counter", "")
			if cookie == "" {
				t.Fatal("no session cookie")
			}
			want, held := 1, 0
			for _, stuck := range []string{"/loop", "/timer"} {
				done := make(chan int)
				go func() {
					status, _, _, _ := get(t, s, stuck, cookie)
					done <- status
				}()
				// Meanwhile the session is busy: a request of it gives up
				// after its lock timeout.
				held++
				waitHolding(t, s, held)
				if status, retry, body, _ := get(t, s, "/counter", cookie); status != http.StatusServiceUnavailable || retry == "" {
					t.Errorf("%s: a request while the session is held: %d (Retry-After %q) %q, want 503", stuck, status, retry, body)
				}
				if status := <-done; status != http.StatusGatewayTimeout {
					t.Errorf("%s: %d, want 504", stuck, status)
				}
				want++
				if status, _, body, _ := get(t, s, "/counter", cookie); status != http.StatusOK || body != strconv.Itoa(want) {
					t.Fatalf("%s: the next request: %d %q, want 200 %d", stuck, status, body, want)
				}
			}

			// A client that hangs up does not end the run: the timeout does.
			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/timer", nil)
			req.Header.Set("Cookie", cookie)
			held++
			go func() {
				waitHolding(t, s, held)
				cancel()
			}()
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
				t.Fatalf("the hung-up request answered %d", resp.StatusCode)
			}
			want++
			c2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel2()
			for {
				// Until the abandoned run ends, the session is busy (503).
				status, _, body, _ := get(t, s, "/counter", cookie)
				if status == http.StatusOK {
					if body != strconv.Itoa(want) {
						t.Fatalf("counter after the hung-up request = %s, want %d", body, want)
					}
					break
				}
				if status != http.StatusServiceUnavailable || c2.Err() != nil {
					t.Fatalf("the session stayed busy after the hung-up request: %d %q", status, body)
				}
			}
			// None of the stuck requests' writes was committed.
			if _, _, body, _ := get(t, s, "/names", cookie); strings.Contains(body, "stuck") {
				t.Fatalf("a timed-out request committed: %s", body)
			}
			noLocks(t)
		})
	}
}

// waitHolding waits until the scripts of s have logged "holding" n times.
func waitHolding(t *testing.T, s *moduletest.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(s.Logs(), "holding") < n {
		if time.Now().After(deadline) {
			t.Errorf("no request holding the session after 10s")
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}
