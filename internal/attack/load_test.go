package attack

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var loadScripts = map[string]string{
	"hello.js": `require("http/response").print("hello");`,
	"count.js": `var s = require("http/session"), r = require("http/response");
var n = (s.getAttribute("n") || 0) + 1; s.setAttribute("n", n); s.setAttribute("pad", "p".repeat(512)); r.print(n);`,
	"peek.js": `require("http/response").print(JSON.stringify(require("http/session").getAttribute("n")));`,
	"echo.js": `var q = require("http/request"), r = require("http/response");
var v = q.json(); r.print(JSON.stringify({n: v && v.items ? v.items.length : -1, u: new URL("http://x/?a=" + q.getParameter("a")).searchParams.get("a")}));`,
	"alloc.js": `var a = []; for (var i = 0; i < 20000; i++) a.push({i: i, s: "v" + i}); require("http/response").print(a.length);`,
	"spin.js":  `for (;;) {}`,
	"slow.js": `var s = require("http/session"), r = require("http/response");
setTimeout(function () { s.setAttribute("n", (s.getAttribute("n") || 0) + 1); r.print("done"); }, 700);`,
	"static.txt": strings.Repeat("static ", 2000),
}

// soakStats is what one soak run produced.
type soakStats struct {
	requests, spins, lost atomic.Int64
	codes                 sync.Map // status → *atomic.Int64
}

func (s *soakStats) count(code int) {
	v, _ := s.codes.LoadOrStore(code, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

func (s *soakStats) String() string {
	var b strings.Builder
	s.codes.Range(func(k, v any) bool { fmt.Fprintf(&b, "%v:%d ", k, v.(*atomic.Int64).Load()); return true })
	return b.String()
}

// TestLoadSoak runs a mixed workload (scripts, sessions, JSON bodies,
// allocation, static files, and now and then a runaway script) with twice
// as many connections as VMs against a dirigo process on the bolt store:
// no session update is lost, the only errors are the runaway scripts'
// deliberate 504s, and RSS and threads end flat. Short by default; the
// figures of docs/SECURITY.md come from
//
//	go test ./internal/attack -run Soak -soak=10m -v
func TestLoadSoak(t *testing.T) {
	length := *soak
	if length == 0 {
		length = 3 * time.Second
	}
	dir := t.TempDir()
	writeFiles(t, dir+"/scripts", loadScripts)
	const pool = 2
	p := startProc(t, "--scripts", dir+"/scripts", "--data", dir+"/data", "--pool", strconv.Itoa(pool),
		"--timeout", "5s", "--max-memory", "512MiB")
	c := plainClient()
	run := func(d time.Duration, st *soakStats) {
		var wg sync.WaitGroup
		stop := time.Now().Add(d)
		for w := range 2 * pool {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cookie, sent := "", int64(0)
				for i := 0; time.Now().Before(stop); i++ {
					var r result
					switch {
					case i%97 == 13 && w == 0:
						r = fetch(c, p.url+"/spin", "")
						st.spins.Add(1)
						if r.code != 504 {
							t.Errorf("spin: %d %v", r.code, r.err)
						}
					case i%3 == 0:
						r = fetch(c, p.url+"/count", cookie)
						if r.code == 200 {
							sent++
							if ck := sessionCookie(r.header); ck != "" {
								cookie = ck
							}
							if r.body != strconv.FormatInt(sent, 10) {
								st.lost.Add(1)
							}
						}
					case i%3 == 1:
						req, _ := http.NewRequest(http.MethodPost, p.url+"/echo?a="+strconv.Itoa(i), strings.NewReader(`{"items":[1,2,3]}`))
						r = do(c, req)
					case i%6 == 2:
						r = fetch(c, p.url+"/alloc", "")
					default:
						r = fetch(c, p.url+"/static.txt", "")
					}
					st.requests.Add(1)
					st.count(r.code)
					if r.err != nil || r.code != 200 && !(r.code == 504 && i%97 == 13 && w == 0) {
						t.Errorf("%d %.80q %v", r.code, r.body, r.err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	var warm soakStats
	run(time.Second, &warm)
	rss0, threads0 := p.rss(), threadsOf(p.cmd.Process.Pid)
	var st soakStats
	start := time.Now()
	run(length, &st)
	took := time.Since(start)
	rss1, threads1 := p.rss(), threadsOf(p.cmd.Process.Pid)
	t.Logf("soak %v: %d requests (%.0f/s) with %d connections on %d VMs; codes %s; runaway scripts %d; lost updates %d; RSS %d → %d MiB; threads %d → %d",
		took.Round(time.Second), st.requests.Load(), float64(st.requests.Load())/took.Seconds(), 2*pool, pool,
		st.String(), st.spins.Load(), st.lost.Load(), rss0>>20, rss1>>20, threads0, threads1)
	if st.lost.Load() != 0 {
		t.Errorf("%d lost updates", st.lost.Load())
	}
	if rss0 > 0 && rss1 > rss0+rss0/2+64<<20 {
		t.Errorf("RSS grew from %d to %d MiB", rss0>>20, rss1>>20)
	}
	if threads0 > 0 && threads1 > threads0+8 {
		t.Errorf("threads grew from %d to %d", threads0, threads1)
	}
}

func threadsOf(pid int) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(rest))
			return n
		}
	}
	return 0
}

// TestFaultSIGTERMUnderLoad: SIGTERM while requests run: those in flight
// finish and commit their sessions (the bolt file, read by a new process,
// has them), the process exits 0, and no new connection is accepted.
func TestFaultSIGTERMUnderLoad(t *testing.T) {
	t.Parallel() // a process of its own; mostly waiting
	dir := t.TempDir()
	writeFiles(t, dir+"/scripts", loadScripts)
	args := []string{"--scripts", dir + "/scripts", "--data", dir + "/data", "--pool", "4", "--timeout", "10s"}
	p := startProc(t, args...)
	c := plainClient()
	const n = 8
	cookies := make([]string, n)
	for i := range cookies {
		cookies[i] = sessionCookie(fetch(c, p.url+"/count", "").header)
	}
	var wg sync.WaitGroup
	results := make([]result, n)
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = fetch(c, p.url+"/slow", cookies[i]) }()
	}
	time.Sleep(200 * time.Millisecond) // let them start: not an assertion
	p.term(t)
	wg.Wait()
	done := 0
	for i, r := range results {
		if r.err == nil && r.code == 200 && r.body == "done" {
			done++
		} else if r.err == nil && r.code != 503 {
			t.Errorf("request %d during SIGTERM: %d %q", i, r.code, r.body)
		}
	}
	if done == 0 {
		t.Fatal("no request in flight finished")
	}
	if _, err := c.Get(p.url + "/hello"); err == nil {
		t.Error("a request after the exit was answered")
	}
	// What finished was committed.
	q := startProc(t, args...)
	for i, r := range results {
		want := "1"
		if r.code == 200 && r.body == "done" {
			want = "2"
		}
		if got := fetch(c, q.url+"/peek", cookies[i]).body; got != want {
			t.Errorf("session %d after the restart: %q, want %s", i, got, want)
		}
	}
}
