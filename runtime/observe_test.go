package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/memstore"
)

// recorder is an Observer that remembers every call.
type recorder struct {
	runtime.NopObserver
	mu          sync.Mutex
	requests    []string // "kind status"
	failed      []error
	unavailable []runtime.Cause
	waits       []error
}

func (r *recorder) Request(kind runtime.RouteKind, status int, elapsed time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if elapsed <= 0 {
		r.requests = append(r.requests, "no elapsed time")
	}
	r.requests = append(r.requests, fmt.Sprintf("%v %d", kind, status))
}

func (r *recorder) ScriptFailed(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, err)
}

func (r *recorder) Unavailable(c runtime.Cause) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unavailable = append(r.unavailable, c)
}

func (r *recorder) PoolWaited(_ time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits = append(r.waits, err)
}

// take returns what was recorded since the last take.
func (r *recorder) take() (requests []string, failed []error, unavailable []runtime.Cause, waits []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	requests, failed, unavailable, waits = r.requests, r.failed, r.unavailable, r.waits
	r.requests, r.failed, r.unavailable, r.waits = nil, nil, nil, nil
	return
}

// flakyStore is a memory store whose writes fail while failing is set.
type flakyStore struct {
	sessions.Store
	failing atomic.Bool
}

var errDiskOnFire = errors.New("disk on fire")

func (s *flakyStore) Create(ctx context.Context, key string, rec *sessions.Record) error {
	if s.failing.Load() {
		return errDiskOnFire
	}
	return s.Store.Create(ctx, key, rec)
}

func (s *flakyStore) Update(ctx context.Context, key string, c *sessions.Change) error {
	if s.failing.Load() {
		return errDiskOnFire
	}
	return s.Store.Update(ctx, key, c)
}

var scriptsForIDs = map[string]string{
	"ok.js":           `console.log("hello from the script"); require("http/response").print("ok")`,
	"throws.js":       "var x = 1;\nthrow new Error(\"boom\");",
	"reset.js":        `var r = require("http/response"); r.setHeader("X-Mine", "1"); r.reset(); r.print("after reset")`,
	"senderr.js":      `require("http/response").sendError(418, "teapot")`,
	"spin.js":         `while (true) {}`,
	"write.js":        `require("http/session").setAttribute("n", 1); require("http/response").print("written")`,
	"flush.js":        `var r = require("http/response"); r.print("x"); r.flush(); r.print("y")`,
	"read.js":         `require("http/response").print(require("http/session").getAttribute("n"))`,
	"style.css":       "body {}",
	"docs/index.html": "<h1>docs</h1>",
}

// Every response carries X-Request-Id, whatever the script did to its
// headers: the client's ID when it is valid, a new one otherwise.
func TestRequestIDOnEveryResponse(t *testing.T) {
	store := &flakyStore{Store: memstore.New(memstore.Config{})}
	s := moduletest.New(t, scriptsForIDs, moduletest.Options{Store: store, Runtime: func(c *runtime.Config) {
		c.Timeout = 2 * time.Second // /spin runs into it; the others must finish within it on a loaded machine
	}})
	tests := []struct {
		path   string
		status int
		fail   bool // the store fails
	}{
		{"/ok", 200, false},
		{"/throws", 500, false},
		{"/reset", 200, false},
		{"/senderr", 418, false},
		{"/spin", 504, false},
		{"/write", 503, true},
		{"/flush", 200, false},
		{"/style.css", 200, false},
		{"/docs", 301, false},
		{"/missing", 404, false},
		{"/a/%2e%2e/b", 400, false},
		{"/_private.js", 404, false},
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		store.failing.Store(tc.fail)
		// Without an ID, the server makes a unique one.
		req := httptest.NewRequest("GET", tc.path, nil)
		w := httptest.NewRecorder()
		s.Runtime.ServeHTTP(w, req)
		id := w.Header().Get("X-Request-Id")
		if w.Code != tc.status || id == "" || seen[id] || !runtime.ValidRequestID(id) {
			t.Errorf("%s: %d, X-Request-Id %q (want %d and a new valid ID)", tc.path, w.Code, id, tc.status)
		}
		seen[id] = true
		// With a valid ID, the server keeps it.
		req = httptest.NewRequest("GET", tc.path, nil)
		req.Header.Set("X-Request-Id", "trace-"+tc.path[1:2])
		w = httptest.NewRecorder()
		s.Runtime.ServeHTTP(w, req)
		if got := w.Header().Values("X-Request-Id"); len(got) != 1 || got[0] != "trace-"+tc.path[1:2] {
			t.Errorf("%s: X-Request-Id %q, want the client's", tc.path, got)
		}
	}
	store.failing.Store(false)
	if resp, _ := s.Get(t, "/style.css"); resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("static file without X-Content-Type-Options: nosniff: %v", resp.Header)
	}
}

// A hostile or malformed X-Request-Id is replaced, never echoed or logged.
func TestHostileRequestIDs(t *testing.T) {
	s := moduletest.New(t, map[string]string{"ok.js": `console.log("in script"); require("http/response").print("ok")`}, oneVM)
	for _, ids := range [][]string{
		{"has space"}, {`quo"te`}, {"new\nline"}, {"tab\t"}, {"nul\x00"}, {"é"}, {"a;b"}, {"<script>"},
		{strings.Repeat("a", 129)}, {""}, {"one", "two"}, {"x msg=forged"},
	} {
		req := httptest.NewRequest("GET", "/ok", nil)
		req.Header["X-Request-Id"] = ids
		w := httptest.NewRecorder()
		s.Runtime.ServeHTTP(w, req)
		got := w.Header().Get("X-Request-Id")
		if w.Code != 200 || got == "" || !runtime.ValidRequestID(got) || (len(ids) == 1 && got == ids[0]) {
			t.Errorf("sent %q: %d, X-Request-Id %q", ids, w.Code, got)
		}
		if !strings.Contains(s.Logs(), "request_id="+got) {
			t.Errorf("sent %q: the log lacks the ID %s", ids, got)
		}
	}
	if strings.Contains(s.Logs(), "forged") || strings.Contains(s.Logs(), "<script>") {
		t.Errorf("a hostile ID reached the log:\n%s", s.Logs())
	}
	for _, ok := range []string{"a", strings.Repeat("Z", 128), "0f3a-42", "Root=1-5759e988-bd862e3f:x/y+z@h_v.w"} {
		if !runtime.ValidRequestID(ok) {
			t.Errorf("ValidRequestID(%q) = false", ok)
		}
	}
}

// The request line, console output and the script error of a request carry
// its ID; scripts read it with request.getRequestId().
func TestRequestIDInLogs(t *testing.T) {
	s := moduletest.New(t, scriptsForIDs, moduletest.Options{})
	for _, p := range []string{"/ok", "/throws"} {
		req := httptest.NewRequest("GET", p, nil)
		req.Header.Set("X-Request-Id", "rid-"+p[1:])
		s.Runtime.ServeHTTP(httptest.NewRecorder(), req)
	}
	logs := s.Logs()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`msg="hello from the script".* request_id=rid-ok`),
		regexp.MustCompile(`msg=request method=GET path=/ok status=200 .*request_id=rid-ok`),
		regexp.MustCompile(`msg="script failed".*script=throws.js line=2 .*request_id=rid-throws`),
		regexp.MustCompile(`msg=request method=GET path=/throws status=500 .*request_id=rid-throws`),
	} {
		if !want.MatchString(logs) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

// The access log has the client (through trusted proxies), the query's
// length, the user agent, the script and a hash of the session ID; never
// the query or the cookie.
func TestAccessLogLine(t *testing.T) {
	s := moduletest.New(t, scriptsForIDs, moduletest.Options{})
	resp, _ := s.Get(t, "/write?secret=hunter2")
	cookie := resp.Header.Get("Set-Cookie")
	if resp.StatusCode != 200 || cookie == "" {
		t.Fatalf("write: %d %q", resp.StatusCode, cookie)
	}
	s.Get(t, "/read")
	s.Get(t, "/ok")
	logs := s.Logs()
	m := regexp.MustCompile(`path=/write status=200 bytes=7 duration=\S+ request_id=\S+ client=127.0.0.1 query_len=14 user_agent=Go-http-client/1.1 script=write.js session=(\S+)\n`).FindStringSubmatch(logs)
	if m == nil {
		t.Fatalf("no access line for /write:\n%s", logs)
	}
	hash := m[1]
	value := strings.TrimPrefix(strings.SplitN(cookie, ";", 2)[0], "sid=")
	if len(hash) != 12 || strings.Contains(value, hash) || strings.Contains(logs, value) || strings.Contains(logs, "hunter2") {
		t.Errorf("session hash %q; cookie %q; the log shows the cookie or the query:\n%s", hash, value, logs)
	}
	if !regexp.MustCompile(`path=/read status=200 .* script=read.js session=` + hash + `\n`).MatchString(logs) {
		t.Errorf("the session's next request does not show the same hash %s:\n%s", hash, logs)
	}
	if !regexp.MustCompile(`path=/ok status=200 .* script=ok.js\n`).MatchString(logs) {
		t.Errorf("a request that did not use its session shows one:\n%s", logs)
	}
}

func TestAccessEntryClient(t *testing.T) {
	trusted := []string{"10.0.0.0/8", "192.168.1.1/32", "fd00::/8"}
	tests := []struct {
		remote, xff, want string
		trust             bool
	}{
		{"203.0.113.7:5555", "", "203.0.113.7", true},
		{"203.0.113.7:5555", "1.2.3.4", "203.0.113.7", true}, // not from a proxy: XFF is the client's word
		{"10.1.2.3:80", "1.2.3.4", "1.2.3.4", true},
		{"10.1.2.3:80", "9.9.9.9, 1.2.3.4", "1.2.3.4", true},       // the rightmost untrusted entry
		{"10.1.2.3:80", "1.2.3.4, 10.9.9.9", "1.2.3.4", true},      // proxies in a chain
		{"10.1.2.3:80", "1.2.3.4, 192.168.1.1", "1.2.3.4", true},   // another trusted hop
		{"10.1.2.3:80", "1.2.3.4,,10.0.0.9", "1.2.3.4", true},      // empty entries skipped
		{"10.1.2.3:80", "evil\"quote, 10.0.0.9", "10.0.0.9", true}, // garbage stops at the last trusted hop
		{"10.1.2.3:80", "10.0.0.7", "10.0.0.7", true},              // only proxies: the leftmost
		{"[fd00::1]:80", "2001:db8::5", "2001:db8::5", true},
		{"[::ffff:10.0.0.1]:80", "1.2.3.4", "1.2.3.4", true}, // IPv4-mapped
		{"10.1.2.3:80", "1.2.3.4", "10.1.2.3", false},        // no trusted proxies
		{"@", "1.2.3.4", "@", true},                          // a unix socket
	}
	var got string
	server := func(trust bool) *moduletest.Server {
		return moduletest.New(t, map[string]string{"ok.js": `require("http/response").print("ok")`}, moduletest.Options{NoSessions: true,
			Runtime: func(c *runtime.Config) {
				c.PoolSize = 1
				if trust {
					c.TrustedProxies = mustPrefixes(t, trusted)
				}
				c.AccessLog = accessFunc(func(e runtime.AccessEntry) { got = e.Client() })
			}})
	}
	withProxies, without := server(true), server(false)
	for _, tc := range tests {
		s := without
		if tc.trust {
			s = withProxies
		}
		req := httptest.NewRequest("GET", "/ok", nil)
		req.RemoteAddr = tc.remote
		if tc.xff != "" {
			req.Header.Set("X-Forwarded-For", tc.xff)
		}
		got = ""
		s.Runtime.ServeHTTP(httptest.NewRecorder(), req)
		if got != tc.want {
			t.Errorf("remote %s, X-Forwarded-For %q: client %q, want %q", tc.remote, tc.xff, got, tc.want)
		}
	}
}

type accessFunc func(runtime.AccessEntry)

func (f accessFunc) LogAccess(e runtime.AccessEntry) { f(e) }

func mustPrefixes(t *testing.T, ss []string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, s := range ss {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// The observer hears of every request, script failure, 503 and wait for a VM.
func TestObserver(t *testing.T) {
	rec := &recorder{}
	release := make(chan struct{})
	entered := make(chan struct{}, 4)
	block := runtime.Module{Name: "test/block", Load: func(vm *runtime.VM) (goja.Value, error) {
		return vm.Runtime().ToValue(func(goja.FunctionCall) goja.Value {
			entered <- struct{}{}
			<-release
			return goja.Undefined()
		}), nil
	}}
	store := &flakyStore{Store: memstore.New(memstore.Config{})}
	files := map[string]string{"block.js": `require("test/block")(); require("http/response").print("released")`}
	for k, v := range scriptsForIDs {
		files[k] = v
	}
	s := moduletest.New(t, files, moduletest.Options{Store: store, Modules: []runtime.Module{block},
		Runtime: func(c *runtime.Config) {
			c.Observer = rec
			c.PoolSize = 1
			c.Timeout = 2 * time.Second // /spin runs into it; the others must finish within it on a loaded machine
			c.QueueTimeout = time.Minute
		}})
	serve := func(path string) int {
		w := httptest.NewRecorder()
		s.Runtime.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		return w.Code
	}
	for _, p := range []string{"/ok", "/style.css", "/docs", "/missing", "/throws", "/spin"} {
		serve(p)
	}
	store.failing.Store(true)
	serve("/write")
	store.failing.Store(false)
	requests, failed, unavailable, _ := rec.take()
	want := []string{"script 200", "static 200", "redirect 301", "none 404", "script 500", "script 504", "script 503"}
	if fmt.Sprint(requests) != fmt.Sprint(want) {
		t.Errorf("requests %q, want %q", requests, want)
	}
	if len(failed) != 2 || errors.Is(failed[0], runtime.ErrTimeout) || !errors.Is(failed[1], runtime.ErrTimeout) {
		t.Errorf("script failures %v, want an exception then a timeout", failed)
	}
	if fmt.Sprint(unavailable) != "[store]" {
		t.Errorf("unavailable %v, want [store]", unavailable)
	}

	// One request holds the only VM; a second waits for it and gets it, a
	// third gives up (its client went away) and is answered 503. (First the
	// VMs broken by the timeout are replaced.)
	waitFor(t, func() bool { st := s.Runtime.PoolStats(); return st.Live == 1 && st.InUse == 0 })
	rec.take()
	done := make(chan int, 2)
	go func() { done <- serve("/block") }()
	<-entered
	go func() { done <- serve("/ok") }()
	waitFor(t, func() bool { st := s.Runtime.PoolStats(); return st.Waiting == 1 })
	if st := s.Runtime.PoolStats(); st != (runtime.PoolStats{Size: 1, Live: 1, InUse: 1, Waiting: 1}) {
		t.Errorf("pool stats while blocked: %+v", st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan int, 1)
	go func() {
		w := httptest.NewRecorder()
		s.Runtime.ServeHTTP(w, httptest.NewRequest("GET", "/ok", nil).WithContext(ctx))
		gone <- w.Code
	}()
	waitFor(t, func() bool { return s.Runtime.PoolStats().Waiting == 2 })
	cancel()
	if code := <-gone; code != 503 {
		t.Errorf("a request whose client left while waiting: %d", code)
	}
	close(release)
	if a, b := <-done, <-done; a != 200 || b != 200 {
		t.Errorf("blocked and waiting requests: %d %d", a, b)
	}
	_, _, unavailable, waits := rec.take()
	if len(waits) != 2 || !errors.Is(waits[0], runtime.ErrBusy) || waits[1] != nil {
		t.Errorf("pool waits %v, want a failure (the client left) then a success", waits)
	}
	if len(unavailable) != 0 {
		t.Errorf("a 503 for want of a VM reported as %v (PoolWaited reports it)", unavailable)
	}
	if st := s.Runtime.PoolStats(); st != (runtime.PoolStats{Size: 1, Live: 1}) {
		t.Errorf("pool stats after: %+v", st)
	}
}

// waitFor polls cond until it holds, failing the test after 10 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
