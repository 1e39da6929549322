package runtime_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// sessionScripts count requests in the session ("n"); slow.js holds its
// session for ?ms= milliseconds.
var sessionScripts = map[string]string{
	"counter.js": `var s = require("http/session");
var n = (s.getAttribute("n") || 0) + 1;
s.setAttribute("n", n);
require("http/response").print(String(n));`,
	"slow.js": `var s = require("http/session");
s.setAttribute("n", (s.getAttribute("n") || 0) + 1);
var ms = Number(require("http/request").getParameter("ms"));
setTimeout(function () { require("http/response").print("slow"); }, ms);`,
	"hello.js": `require("http/response").print("hello");`,
}

// get sends GET path with the cookie header (none when empty) and returns
// the status, the Retry-After header, the body and the first Set-Cookie.
func get(t *testing.T, s *moduletest.Server, path, cookie string) (status int, retry, body, setCookie string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Error(err)
		return
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	sc, _, _ := strings.Cut(resp.Header.Get("Set-Cookie"), ";")
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b), sc
}

// TestOneSessionCannotStarveThePool sends 8 parallel slow requests of one
// session to a pool of 4 VMs: they may hold at most two VMs (the rest wait
// without one, or get 503 with Retry-After once the queue timeout passes),
// so another user's requests all succeed, and the session loses no update.
func TestOneSessionCannotStarveThePool(t *testing.T) {
	tests := []struct {
		name    string
		queue   time.Duration // the queue timeout
		ms      int           // how long each slow request holds the session
		wantAll bool          // every slow request is served
	}{
		// The session's requests need far longer than the queue timeout:
		// without the bound they held all 4 VMs and the other user got 503.
		{"queue timeout passes", 300 * time.Millisecond, 400, false},
		// Time enough: they wait their turn without a VM, all are served.
		{"all served", 5 * time.Second, 50, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := moduletest.New(t, sessionScripts, moduletest.Options{Runtime: func(c *runtime.Config) {
				c.PoolSize = 4
				c.QueueTimeout = tc.queue
			}})
			_, _, _, cookie := get(t, s, "/counter", "")
			if cookie == "" {
				t.Fatal("no session cookie")
			}

			const slow = 8
			var (
				wg     sync.WaitGroup
				mu     sync.Mutex
				served int
			)
			for range slow {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, retry, body, _ := get(t, s, "/slow?ms="+strconv.Itoa(tc.ms), cookie)
					switch {
					case status == http.StatusOK:
						mu.Lock()
						served++
						mu.Unlock()
					case status != http.StatusServiceUnavailable || retry == "":
						t.Errorf("slow request: %d (Retry-After %q) %q, want 200 or 503 with Retry-After", status, retry, body)
					}
				}()
			}
			// Let the slow requests take what they can (this only orders
			// the requests; no outcome below depends on it).
			time.Sleep(100 * time.Millisecond)

			// Another user, with a session of their own, and a cookieless one.
			_, _, _, other := get(t, s, "/counter", "")
			for i := 2; i <= 6; i++ {
				if status, _, body, _ := get(t, s, "/counter", other); status != http.StatusOK || body != strconv.Itoa(i) {
					t.Errorf("other user's request %d: %d %q", i, status, body)
				}
				if status, _, body, _ := get(t, s, "/hello", ""); status != http.StatusOK {
					t.Errorf("cookieless request: %d %q", status, body)
				}
			}
			wg.Wait()

			t.Logf("%d of %d slow requests served, the others answered 503", served, slow)
			if served == 0 || tc.wantAll && served != slow {
				t.Fatalf("%d of %d slow requests served", served, slow)
			}
			// Every served request counted, none twice: 1 + served + this one.
			if _, _, body, _ := get(t, s, "/counter", cookie); body != strconv.Itoa(served+2) {
				t.Fatalf("counter = %s after %d served slow requests, want %d", body, served, served+2)
			}
		})
	}
}
