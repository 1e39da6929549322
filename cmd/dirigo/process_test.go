package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dirigo/dirigo/internal/redistest"
	"github.com/dirigo/dirigo/runtime/sessions"
)

// End-to-end tests with real dirigo processes: restarts, kill -9, several
// processes on one Redis, Redis outages.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/dirigo once per test run.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("process tests build the binary; skipped with -short")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dirigo-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "dirigo")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// proc is a running dirigo process.
type proc struct {
	cmd  *exec.Cmd
	url  string
	logs *syncBuffer
	done chan struct{}
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// startProc starts dirigo serve with args and waits until it listens.
func startProc(t *testing.T, args ...string) *proc {
	t.Helper()
	return startProcLog(t, "", args...)
}

// startProcLog is startProc for a server that logs to logFile (--log-file)
// instead of stderr.
func startProcLog(t *testing.T, logFile string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: &syncBuffer{}, done: make(chan struct{})}
	addr := make(chan string, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.logs.Write([]byte(line + "\n"))
			if m := listening.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
		}
	}()
	go func() { _ = cmd.Wait(); close(p.done) }()
	if logFile != "" {
		go func() {
			for {
				data, _ := os.ReadFile(logFile)
				if m := listening.FindSubmatch(data); m != nil {
					addr <- string(m[1])
					return
				}
				select {
				case <-p.done:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("dirigo %v log:\n%s", args, p.logs.String())
		}
	})
	select {
	case a := <-addr:
		p.url = "http://" + a
	case <-p.done:
		t.Fatalf("dirigo exited at start:\n%s", p.logs.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("dirigo did not listen:\n%s", p.logs.String())
	}
	return p
}

func (p *proc) kill9(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

func (p *proc) term(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		t.Fatal("dirigo did not stop on SIGTERM")
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM:\n%s", code, p.logs.String())
	}
}

// client is one browser: a cookie, sent back as given.
type client struct {
	cookie string
	hc     *http.Client
}

func newClient() *client {
	return &client{hc: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
}

// get sends GET url with the client's cookie and keeps a new one.
func (c *client) get(url string) (int, string, error) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if c.cookie != "" {
		req.Header.Set("Cookie", c.cookie)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, sc := range resp.Header.Values("Set-Cookie") {
		if nv, _, _ := strings.Cut(sc, ";"); strings.HasPrefix(nv, "sid=") && nv != "sid=" {
			c.cookie = nv
		}
	}
	return resp.StatusCode, string(b), nil
}

const counterScript = `var s = require("http/session");
var n = (s.getAttribute("n") || 0) + 1;
s.setAttribute("n", n);
require("http/response").print(String(n));`

func scriptDir(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "counter.js"), []byte(counterScript), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "logout.js"), []byte(`require("http/session").invalidate();`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "peek.js"), []byte(`require("http/response").print(String(require("http/session").getAttribute("n")));`), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func mustCount(t *testing.T, c *client, url string) int {
	t.Helper()
	code, body, err := c.get(url + "/counter")
	if err != nil || code != 200 {
		t.Fatalf("GET /counter: %d %q %v", code, body, err)
	}
	n, err := strconv.Atoi(body)
	if err != nil {
		t.Fatalf("GET /counter: %q", body)
	}
	return n
}

func TestBoltGracefulRestart(t *testing.T) {
	dir, data := scriptDir(t), t.TempDir()
	args := []string{"--scripts", dir, "--data", data}
	p := startProc(t, args...)
	clients := make([]*client, 5)
	for i := range clients {
		clients[i] = newClient()
		for j := 0; j <= i; j++ {
			mustCount(t, clients[i], p.url)
		}
	}
	p.term(t)
	p = startProc(t, args...)
	for i, c := range clients {
		if n := mustCount(t, c, p.url); n != i+2 {
			t.Fatalf("client %d after a graceful restart: %d, want %d", i, n, i+2)
		}
	}
}

// acked records acknowledged counter values of one session with their time.
type acked struct {
	mu    sync.Mutex
	value int
	at    time.Time
	times map[int]time.Time
}

// hammer increments the counters of clients until stop is closed,
// recording every acknowledged value.
func hammer(url string, clients []*client, acks []*acked, stop chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, body, err := clients[i].get(url + "/counter")
				if err != nil || code != 200 {
					return // the server is gone
				}
				n, _ := strconv.Atoi(body)
				a := acks[i]
				a.mu.Lock()
				a.value, a.at = n, time.Now()
				a.times[n] = a.at
				a.mu.Unlock()
			}
		}(i)
	}
	return &wg
}

func TestBoltKill9(t *testing.T) {
	for _, mode := range []string{"always", "interval"} {
		t.Run(mode, func(t *testing.T) {
			dir, data := scriptDir(t), t.TempDir()
			args := []string{"--scripts", dir, "--data", data, "--session-sync", mode}
			p := startProc(t, args...)
			const n = 8
			clients, acks := make([]*client, n), make([]*acked, n)
			for i := range clients {
				clients[i], acks[i] = newClient(), &acked{times: map[int]time.Time{}}
				mustCount(t, clients[i], p.url)
			}
			stop := make(chan struct{})
			wg := hammer(p.url, clients, acks, stop)
			time.Sleep(2500 * time.Millisecond)
			killedAt := time.Now()
			p.kill9(t)
			close(stop)
			wg.Wait()

			p = startProc(t, args...)
			var worst time.Duration
			total := 0
			for i, c := range clients {
				code, body, err := c.get(p.url + "/peek")
				if err != nil || code != 200 {
					t.Fatalf("peek %d: %d %q %v", i, code, body, err)
				}
				got, _ := strconv.Atoi(body)
				a := acks[i]
				total += a.value
				switch mode {
				case "always":
					// Every acknowledged increment is on disk; one more may
					// have been committed without its answer arriving.
					if got < a.value || got > a.value+1 {
						t.Errorf("session %d: %d after kill -9, acknowledged %d", i, got, a.value)
					}
				case "interval":
					if got > a.value+1 {
						t.Errorf("session %d: %d after kill -9, more than the %d acknowledged", i, got, a.value)
					}
					if got < a.value {
						// Lost the acknowledgements after got: how long before the kill?
						lostFrom := a.times[got+1]
						if lost := killedAt.Sub(lostFrom); lost > worst {
							worst = lost
						}
					}
				}
			}
			t.Logf("%s: %d acknowledged increments over %d sessions; worst loss window %v", mode, total, n, worst)
			if mode == "interval" && worst > 1500*time.Millisecond {
				t.Errorf("lost increments acknowledged %v before the kill; the window is 1s", worst)
			}
		})
	}
}

func TestRedisTwoServers(t *testing.T) {
	rs := redistest.Start(t)
	dir := scriptDir(t)
	keys := "--session-keys=" + strings.Repeat("A", 86) // one key ring for both processes
	a := startProc(t, "--scripts", dir, "--sessions", rs.URL(), keys)
	b := startProc(t, "--scripts", dir, "--sessions", rs.URL(), keys)

	c := newClient()
	if n := mustCount(t, c, a.url); n != 1 {
		t.Fatalf("first on a: %d", n)
	}
	if n := mustCount(t, c, b.url); n != 2 {
		t.Fatalf("then on b: %d (the session is not shared)", n)
	}
	// Exact parallel increments through both servers.
	const workers, each = 16, 10
	var wg sync.WaitGroup
	var failed atomic.Int64
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			url := a.url
			if w%2 == 1 {
				url = b.url
			}
			cw := &client{cookie: c.cookie, hc: c.hc}
			for i := 0; i < each; i++ {
				if code, _, err := cw.get(url + "/counter"); err != nil || code != 200 {
					failed.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d requests failed", failed.Load())
	}
	if n := mustCount(t, c, a.url); n != 2+workers*each+1 {
		t.Fatalf("after %d parallel increments on two servers: %d, want %d", workers*each, n, 2+workers*each+1)
	}
	// Invalidated on one, gone on all.
	if code, _, _ := c.get(b.url + "/logout"); code != 200 {
		t.Fatalf("logout: %d", code)
	}
	if _, body, _ := c.get(a.url + "/peek"); body != "null" {
		t.Fatalf("after logout on b, a still sees %q", body)
	}
}

func TestRedisOutage(t *testing.T) {
	rs := redistest.Start(t)
	dir := scriptDir(t)
	p := startProc(t, "--scripts", dir, "--sessions", rs.URL())
	c := newClient()
	mustCount(t, c, p.url)
	mustCount(t, c, p.url)

	stop := make(chan struct{})
	var codes sync.Map
	var slowest atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cw := &client{cookie: c.cookie, hc: c.hc}
			for {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Now()
				code, _, err := cw.get(p.url + "/counter")
				if err != nil {
					codes.Store("error: "+err.Error(), true)
					continue
				}
				if d := time.Since(start); int64(d) > slowest.Load() {
					slowest.Store(int64(d))
				}
				codes.Store(code, true)
				if cw.cookie != c.cookie {
					codes.Store("new session during the outage", true)
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	rs.Kill()
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()
	// Not ready while the store is down.
	if code, body, err := newClient().get(p.url + "/_dirigo/readyz"); err != nil || code != 503 || !strings.Contains(body, "session store") {
		t.Errorf("readyz with Redis down: %d %q %v", code, body, err)
	}
	codes.Range(func(k, _ any) bool {
		switch k {
		case 200, 503:
		default:
			t.Errorf("during the outage: %v", k)
		}
		return true
	})
	if _, ok := codes.Load(503); !ok {
		t.Error("no 503 while Redis was down")
	}
	if d := time.Duration(slowest.Load()); d > 3*time.Second {
		t.Errorf("a request took %v while Redis was down", d)
	}
	// A cookieless request still gets its answer without a session.
	if code, body, _ := newClient().get(p.url + "/peek"); code != 200 || body != "null" {
		t.Errorf("cookieless during the outage: %d %q", code, body)
	}
	rs.Restart()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, _, err := c.get(p.url + "/counter")
		if err == nil && code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after Redis came back: %d %v", code, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		code, body, err := newClient().get(p.url + "/_dirigo/readyz")
		if err == nil && code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready after Redis came back: %d %q %v", code, body, err)
		}
	}
	if strings.Contains(p.logs.String(), "panic") {
		t.Fatalf("panic in the log:\n%s", p.logs.String())
	}
}

// SIGTERM lets a request in flight finish and commit its session.
func TestGracefulDrain(t *testing.T) {
	dir, data := scriptDir(t), t.TempDir()
	slow := `var s = require("http/session");
setTimeout(function () { s.setAttribute("n", 41); require("http/response").print("done"); }, 800);`
	if err := os.WriteFile(filepath.Join(dir, "slow.js"), []byte(slow), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--scripts", dir, "--data", data}
	p := startProc(t, args...)
	c := newClient()
	mustCount(t, c, p.url)
	type result struct {
		code int
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		code, body, err := c.get(p.url + "/slow")
		res <- result{code, body, err}
	}()
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	p.term(t)
	r := <-res
	if r.err != nil || r.code != 200 || r.body != "done" {
		t.Fatalf("request in flight at SIGTERM: %d %q %v", r.code, r.body, r.err)
	}
	if took := time.Since(start); took < 400*time.Millisecond {
		t.Fatalf("stopped after %v, before the request in flight ended", took)
	}
	p = startProc(t, args...)
	if n := mustCount(t, c, p.url); n != 42 {
		t.Fatalf("after restart: %d, want 42", n)
	}
}

// waitLog polls file until it matches re, for at most 10 seconds.
func waitLog(t *testing.T, file string, re *regexp.Regexp) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(file)
		if re.Match(data) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never matched %s:\n%s", file, re, data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// SIGHUP reopens the log file (after logrotate moved it) and reloads the
// cookie keys from their file, instead of killing the process: a rotation
// that keeps the old key keeps its sessions, one that drops it ends them,
// and a broken key file keeps the keys in use.
func TestSIGHUP(t *testing.T) {
	dir, tmp := scriptDir(t), t.TempDir()
	logFile, keyFile := filepath.Join(tmp, "dirigo.log"), filepath.Join(tmp, "keys")
	keyA, keyB := sessions.FormatKeys([]sessions.Key{sessions.GenerateKey()}), sessions.FormatKeys([]sessions.Key{sessions.GenerateKey()})
	writeKeys := func(content string) {
		t.Helper()
		if err := os.WriteFile(keyFile, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeKeys("# the cookie keys, newest first\n" + keyA + "\n")
	p := startProcLog(t, logFile, "--scripts", dir, "--sessions", "memory", "--log-file", logFile, "--session-keys-file", keyFile)
	hup := func(n int, what string) {
		t.Helper()
		if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		waitLog(t, logFile, regexp.MustCompile(`(?s)(msg="SIGHUP: .*){`+strconv.Itoa(n)+`}`))
		if !strings.Contains(readFile(t, logFile), what) {
			t.Fatalf("after SIGHUP %d the log lacks %q:\n%s", n, what, readFile(t, logFile))
		}
	}
	c := newClient()
	mustCount(t, c, p.url)
	signedWithA := &client{cookie: c.cookie, hc: c.hc}

	// logrotate moves the file away, then signals.
	if err := os.Rename(logFile, logFile+".1"); err != nil {
		t.Fatal(err)
	}
	writeKeys(keyB + "\n" + keyA + "\n")
	hup(2, `msg="SIGHUP: reloaded the cookie keys"`) // the reopen and the reload
	if n := mustCount(t, c, p.url); n != 2 {
		t.Fatalf("after adding a key: %d, want 2 (the old key still verifies)", n)
	}
	waitLog(t, logFile, regexp.MustCompile(`msg=request method=GET path=/counter status=200`))
	if old := readFile(t, logFile+".1"); !strings.Contains(old, "msg=listening") || strings.Contains(old, `msg="SIGHUP`) {
		t.Errorf("the rotated file:\n%s", old)
	}

	writeKeys(keyB)
	hup(4, "reloaded the cookie keys")
	if n := mustCount(t, c, p.url); n != 3 {
		t.Fatalf("re-signed cookie after dropping the old key: %d, want 3", n)
	}
	if n := mustCount(t, signedWithA, p.url); n != 1 {
		t.Fatalf("a cookie of the dropped key: %d, want 1 (a new session)", n)
	}

	writeKeys("not a key")
	hup(6, "keeping the old ones")
	if n := mustCount(t, c, p.url); n != 4 {
		t.Fatalf("after a broken key file: %d, want 4", n)
	}
	select {
	case <-p.done:
		t.Fatal("SIGHUP ended the process")
	default:
	}
	p.term(t)
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// On SIGTERM with --shutdown-delay the server says it is not ready and
// keeps serving, so a load balancer can stop sending it requests; a second
// signal ends the wait.
func TestDrainReadiness(t *testing.T) {
	p := startProc(t, "--scripts", scriptDir(t), "--sessions", "memory", "--shutdown-delay", "10m")
	c := newClient()
	if code, body, err := c.get(p.url + "/_dirigo/readyz"); err != nil || code != 200 || body != "ready\n" {
		t.Fatalf("readyz: %d %q %v", code, body, err)
	}
	mustCount(t, c, p.url)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body, err := c.get(p.url + "/_dirigo/readyz")
		if err == nil && code == 503 && strings.Contains(body, "draining") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz while draining: %d %q %v", code, body, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, _, err := c.get(p.url + "/_dirigo/healthz"); err != nil || code != 200 {
		t.Errorf("healthz while draining: %d %v", code, err)
	}
	if n := mustCount(t, c, p.url); n != 2 {
		t.Errorf("a request while draining: %d", n)
	}
	p.term(t) // the second signal
	for _, want := range []string{"shutting down: not ready, still serving", "draining requests in flight", "msg=stopped"} {
		if !strings.Contains(p.logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, p.logs.String())
		}
	}
}
