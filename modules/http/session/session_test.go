package session_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/securecookie"

	"github.com/dirigo/dirigo/modules"
	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/memstore"
)

// countingStore counts the calls that reach a store and can be told to fail.
type countingStore struct {
	sessions.Store
	loads, writes atomic.Int64
	failLoad      atomic.Bool
	failWrite     atomic.Bool
}

var errDown = errors.New("store down")

func (s *countingStore) Load(ctx context.Context, key string) (*sessions.Record, error) {
	s.loads.Add(1)
	if s.failLoad.Load() {
		return nil, errDown
	}
	return s.Store.Load(ctx, key)
}

func (s *countingStore) Create(ctx context.Context, key string, rec *sessions.Record) error {
	s.writes.Add(1)
	if s.failWrite.Load() {
		return errDown
	}
	return s.Store.Create(ctx, key, rec)
}

func (s *countingStore) Update(ctx context.Context, key string, c *sessions.Change) error {
	s.writes.Add(1)
	if s.failWrite.Load() {
		return errDown
	}
	return s.Store.Update(ctx, key, c)
}

const counter = `
var s = require("http/session");
var n = (s.getAttribute("n") || 0) + 1;
s.setAttribute("n", n);
require("http/response").print(n + ":" + s.isNew() + ":" + s.getId());
`

func newServer(t *testing.T, files map[string]string, opts moduletest.Options) (*moduletest.Server, *countingStore) {
	t.Helper()
	mem := memstore.New(memstore.Config{})
	cs := &countingStore{Store: mem}
	opts.Store = cs
	if files == nil {
		files = map[string]string{}
	}
	if _, ok := files["counter.js"]; !ok {
		files["counter.js"] = counter
	}
	return moduletest.New(t, files, opts), cs
}

func split3(t *testing.T, body string) (int, bool, string) {
	t.Helper()
	parts := strings.Split(body, ":")
	if len(parts) != 3 {
		t.Fatalf("body %q", body)
	}
	n, _ := strconv.Atoi(parts[0])
	return n, parts[1] == "true", parts[2]
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == sessions.DefaultCookieName {
			return c
		}
	}
	return nil
}

func TestCounterSequenceAndCookie(t *testing.T) {
	s, _ := newServer(t, nil, moduletest.Options{})
	resp, body := s.Get(t, "/counter")
	n, isNew, id := split3(t, body)
	if n != 1 || !isNew || len(id) != 43 {
		t.Fatalf("first: %q", body)
	}
	c := sessionCookie(resp)
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure || c.MaxAge != 0 {
		t.Fatalf("cookie %+v (raw %q)", c, resp.Header.Values("Set-Cookie"))
	}
	if strings.Contains(c.Value, id) {
		t.Fatal("the cookie carries the ID in clear")
	}
	if resp.Header.Get("Vary") != "Cookie" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers %v", resp.Header)
	}
	for want := 2; want <= 4; want++ {
		resp, body := s.Get(t, "/counter")
		n, isNew, id2 := split3(t, body)
		if n != want || isNew || id2 != id {
			t.Fatalf("request %d: %q", want, body)
		}
		if len(resp.Header.Values("Set-Cookie")) != 0 {
			t.Fatalf("request %d set a cookie again: %v", want, resp.Header.Values("Set-Cookie"))
		}
	}
}

func TestLazyNoSessionForReaders(t *testing.T) {
	s, cs := newServer(t, map[string]string{"read.js": `
var s = require("http/session");
require("http/response").print([s.getAttribute("x"), s.isNew(), typeof s.getId(), s.getAttributeNames().length, s.isValid()].join(","));
`}, moduletest.Options{})
	for i := 0; i < 200; i++ {
		req, _ := http.NewRequest(http.MethodGet, "/read", nil)
		resp, err := http.DefaultClient.Do(mustURL(s, req))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if len(resp.Header.Values("Set-Cookie")) != 0 {
			t.Fatalf("a reader got a cookie: %v", resp.Header.Values("Set-Cookie"))
		}
	}
	_, body := s.Get(t, "/read")
	if body != ",true,string,0,true" {
		t.Fatalf("body %q", body)
	}
	if n := cs.Store.(*memstore.Store).Len(); n != 0 || cs.loads.Load() != 0 || cs.writes.Load() != 0 {
		t.Fatalf("a cookieless flood reached the store: %d sessions, %d loads, %d writes", n, cs.loads.Load(), cs.writes.Load())
	}
}

// fetch sends GET url outside any cookie jar, with cookie (a *http.Cookie,
// a raw Cookie header string, or nil), and returns the response and body.
func fetch(t *testing.T, url string, cookie any) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	switch c := cookie.(type) {
	case *http.Cookie:
		req.AddCookie(c)
	case string:
		req.Header.Set("Cookie", c)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func mustURL(s *moduletest.Server, req *http.Request) *http.Request {
	u, _ := req.URL.Parse(s.URL + req.URL.Path)
	req.URL = u
	return req
}

func TestInvalidate(t *testing.T) {
	s, cs := newServer(t, map[string]string{
		"logout.js": `
var s = require("http/session");
var before = s.getId();
s.invalidate();
var after = [s.getAttribute("n"), s.isNew(), s.getId() !== before].join(",");
if (require("http/request").getParameter("again")) s.setAttribute("fresh", true);
require("http/response").print(after);
`}, moduletest.Options{})
	resp, _ := s.Get(t, "/counter")
	old := sessionCookie(resp)
	s.Get(t, "/counter")
	resp, body := s.Get(t, "/logout")
	if body != ",true,true" {
		t.Fatalf("after invalidate in the same request: %q", body)
	}
	c := sessionCookie(resp)
	if c == nil || c.MaxAge >= 0 || c.Value != "" {
		t.Fatalf("logout cookie %+v, want an expired one", c)
	}
	if n := cs.Store.(*memstore.Store).Len(); n != 0 {
		t.Fatalf("%d sessions stored after logout", n)
	}
	// Replaying the old cookie gets a fresh session.
	_, body = fetch(t, s.URL+"/counter", old)
	if n, isNew, _ := split3(t, body); n != 1 || !isNew {
		t.Fatalf("old cookie after logout: %q", body)
	}
	// invalidate() then a write: a new session with a new cookie.
	s.Get(t, "/counter")
	resp, _ = s.Get(t, "/logout?again=1")
	if c := sessionCookie(resp); c == nil || c.Value == "" || c.MaxAge < 0 {
		t.Fatalf("invalidate+write cookie %+v", c)
	}
	if n := cs.Store.(*memstore.Store).Len(); n != 2 { // the replay's session and the fresh one
		t.Fatalf("%d sessions stored, want 2", n)
	}
}

func TestChangeSessionID(t *testing.T) {
	s, _ := newServer(t, map[string]string{
		"rotate.js": `
var s = require("http/session");
var created = s.getCreationTime().getTime();
var before = s.getId();
var after = s.changeSessionId();
require("http/response").print([before !== after, after === s.getId(), s.getAttribute("n"), created === s.getCreationTime().getTime()].join(","));
`,
		"created.js": `require("http/response").print(String(require("http/session").getCreationTime().getTime()));`,
	}, moduletest.Options{})
	resp, _ := s.Get(t, "/counter")
	old := sessionCookie(resp)
	s.Get(t, "/counter")
	_, created := s.Get(t, "/created")
	time.Sleep(20 * time.Millisecond)
	resp, body := s.Get(t, "/rotate")
	if body != "true,true,2,true" {
		t.Fatalf("rotate: %q", body)
	}
	if c := sessionCookie(resp); c == nil || c.Value == old.Value {
		t.Fatalf("no new cookie after changeSessionId: %+v", c)
	}
	if _, body := s.Get(t, "/counter"); !strings.HasPrefix(body, "3:false:") {
		t.Fatalf("data after rotation: %q", body)
	}
	if _, c2 := s.Get(t, "/created"); c2 != created {
		t.Fatalf("creation time changed by rotation: %s → %s", created, c2)
	}
	if _, body := fetch(t, s.URL+"/counter", old); !strings.HasPrefix(body, "1:true:") {
		t.Fatalf("the old ID still works after rotation: %q", body)
	}
}

func TestIdleExpiry(t *testing.T) {
	var offset atomic.Int64 // a fake clock the test moves
	s, _ := newServer(t, map[string]string{
		"short.js": `var s = require("http/session"); s.setAttribute("n", 41); s.setMaxInactiveInterval(60); require("http/response").print(String(s.getMaxInactiveInterval()));`,
	}, moduletest.Options{Sessions: func(c *sessions.Config) {
		c.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	}})
	if _, body := s.Get(t, "/short"); body != "60" {
		t.Fatalf("short: %q", body)
	}
	offset.Add(int64(50 * time.Second))
	if _, body := s.Get(t, "/counter"); !strings.HasPrefix(body, "42:false:") {
		t.Fatalf("within the interval: %q", body)
	}
	offset.Add(int64(61 * time.Second))
	if _, body := s.Get(t, "/counter"); !strings.HasPrefix(body, "1:true:") {
		t.Fatalf("after the idle timeout: %q", body)
	}
}

func TestAbsoluteLifetime(t *testing.T) {
	// A fake clock: the test moves time, so a loaded machine cannot make
	// the requests straddle the lifetime by accident.
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	s, _ := newServer(t, nil, moduletest.Options{Sessions: func(c *sessions.Config) {
		c.Lifetime = time.Hour
		c.IdleTimeout = 30 * time.Minute
		c.Now = now
	}})
	s.Get(t, "/counter")
	for i := 0; i < 3; i++ { // activity does not extend the lifetime
		offset.Add(int64(18 * time.Minute))
		if _, body := s.Get(t, "/counter"); !strings.HasPrefix(body, fmt.Sprintf("%d:false:", i+2)) {
			t.Fatalf("within the lifetime, request %d: %q", i+2, body)
		}
	}
	offset.Add(int64(7 * time.Minute)) // 61 minutes after creation, 7 after the last request
	if _, body := s.Get(t, "/counter"); !strings.HasPrefix(body, "1:true:") {
		t.Fatalf("after the lifetime: %q", body)
	}
}

func TestBadCookies(t *testing.T) {
	keys := []sessions.Key{sessions.GenerateKey()}
	s, cs := newServer(t, nil, moduletest.Options{Sessions: func(c *sessions.Config) { c.Keys = keys }})
	resp, _ := s.Get(t, "/counter")
	good := sessionCookie(resp).Value
	other := securecookie.New(sessions.GenerateKey().Hash, nil)
	other.SetSerializer(securecookie.NopEncoder{})
	forgedOtherKey, _ := other.Encode(sessions.DefaultCookieName, []byte(strings.Repeat("A", 43)))
	ours := securecookie.New(keys[0].Hash, nil)
	ours.SetSerializer(securecookie.NopEncoder{})
	neverIssued, _ := ours.Encode(sessions.DefaultCookieName, []byte(strings.Repeat("B", 43)))
	wrongName, _ := ours.Encode("other", []byte(strings.Repeat("C", 43)))
	notAnID, _ := ours.Encode(sessions.DefaultCookieName, []byte("../../etc/passwd"))
	flipped := []byte(good)
	flipped[len(flipped)/2] ^= 1
	tests := []struct {
		name   string
		header string
		loads  int64 // store loads the cookie may cause
	}{
		{"tampered", "sid=" + string(flipped), 0},
		{"truncated", "sid=" + good[:len(good)-5], 0},
		{"garbage", "sid=|||", 0},
		{"empty", "sid=", 0},
		{"oversized", "sid=" + strings.Repeat("x", 5000), 0},
		{"other key", "sid=" + forgedOtherKey, 0},
		{"other cookie name", "sid=" + wrongName, 0},
		{"signed but not an ID", "sid=" + notAnID, 0},
		{"signed, well formed, never issued", "sid=" + neverIssued, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := cs.loads.Load()
			resp, body := fetch(t, s.URL+"/counter", tc.header)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			n, isNew, id := split3(t, body)
			if n != 1 || !isNew || id == strings.Repeat("B", 43) {
				t.Fatalf("body %q: the cookie was adopted", body)
			}
			if got := cs.loads.Load() - before; got > tc.loads {
				t.Fatalf("%d store loads, want at most %d", got, tc.loads)
			}
		})
	}
	// With several cookies of the session's name, the first that verifies counts.
	for _, header := range []string{"sid=garbage; sid=" + good, "sid=" + good + "; sid=garbage", "sid=" + forgedOtherKey + "; sid=" + good} {
		_, body := fetch(t, s.URL+"/counter", header)
		if _, isNew, _ := split3(t, body); isNew {
			t.Fatalf("%s: the valid cookie was not used: %q", header, body)
		}
	}
}

func TestParallelIncrementsAreExact(t *testing.T) {
	s, _ := newServer(t, nil, moduletest.Options{})
	s.Get(t, "/counter")
	const n = 32
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				if resp, body := s.Get(t, "/counter"); resp.StatusCode != 200 {
					t.Errorf("%d %s", resp.StatusCode, body)
				}
			}
		}()
	}
	wg.Wait()
	if _, body := s.Get(t, "/counter"); !strings.HasPrefix(body, strconv.Itoa(1+n*5+1)+":") {
		t.Fatalf("after %d parallel increments: %q", n*5, body)
	}
}

func TestDisjointParallelWritesSurvive(t *testing.T) {
	s, _ := newServer(t, map[string]string{
		"set.js":   `var q = require("http/request"); require("http/session").setAttribute("a" + q.getParameter("i"), Number(q.getParameter("i")));`,
		"names.js": `require("http/response").print(JSON.stringify(require("http/session").getAttributeNames().sort()));`,
	}, moduletest.Options{})
	s.Get(t, "/counter")
	var wg sync.WaitGroup
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s.Get(t, fmt.Sprintf("/set?i=%d", i))
		}(i)
	}
	wg.Wait()
	_, body := s.Get(t, "/names")
	var names []string
	if err := json.Unmarshal([]byte(body), &names); err != nil {
		t.Fatal(err, body)
	}
	if len(names) != 33 {
		t.Fatalf("%d attributes survived, want 33: %v", len(names), names)
	}
}

func TestInvalidateRacingSlowRequest(t *testing.T) {
	s, cs := newServer(t, map[string]string{
		"slow.js": `
var s = require("http/session");
var n = s.getAttribute("n");
setTimeout(function () { s.setAttribute("late", String(n)); require("http/response").print("slow done"); }, 300);`,
		"logout.js": `require("http/session").invalidate(); require("http/response").print("bye");`,
		"late.js":   `require("http/response").print(String(require("http/session").getAttribute("late")));`,
	}, moduletest.Options{})
	resp, _ := s.Get(t, "/counter")
	cookie := sessionCookie(resp)
	get := func(path string) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
		req.AddCookie(cookie)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return nil, ""
		}
		defer r.Body.Close()
		b := make([]byte, 100)
		k, _ := r.Body.Read(b)
		return r, string(b[:k])
	}
	var wg sync.WaitGroup
	wg.Add(2)
	var slowResp *http.Response
	go func() { defer wg.Done(); slowResp, _ = get("/slow") }()
	time.Sleep(50 * time.Millisecond)
	go func() { defer wg.Done(); get("/logout") }()
	wg.Wait()
	if c := sessionCookie(slowResp); c != nil {
		t.Fatalf("the slow request set a cookie: %+v", c)
	}
	// The session is gone: neither the slow write nor anything else brought it back.
	if n := cs.Store.(*memstore.Store).Len(); n != 0 {
		t.Fatalf("%d sessions left after the logout", n)
	}
	if _, body := get("/late"); body != "null" { // the late write went nowhere
		t.Fatalf("late attribute: %q", body)
	}

	// The other order: the logout first, the slow request after it finds no
	// session and makes a new one, never the old ID.
	resp, _ = s.Get(t, "/counter")
	cookie = sessionCookie(resp)
	_, oldBody := s.Get(t, "/counter")
	_, _, oldID := split3(t, oldBody)
	get("/logout")
	r, _ := get("/slow")
	c := sessionCookie(r)
	if c == nil {
		t.Fatal("the slow request after logout made no session")
	}
	cookie = c
	if _, body := get("/counter"); strings.HasSuffix(body, oldID) {
		t.Fatalf("the invalidated ID came back: %q", body)
	}
}

func TestKeyRotation(t *testing.T) {
	k1, k2 := sessions.GenerateKey(), sessions.GenerateKey()
	store := memstore.New(memstore.Config{})
	s1 := moduletest.New(t, map[string]string{"counter.js": counter}, moduletest.Options{Store: store, Sessions: func(c *sessions.Config) { c.Keys = []sessions.Key{k1} }})
	s2 := moduletest.New(t, map[string]string{"counter.js": counter}, moduletest.Options{Store: store, Sessions: func(c *sessions.Config) { c.Keys = []sessions.Key{k2, k1} }})
	s3 := moduletest.New(t, map[string]string{"counter.js": counter}, moduletest.Options{Store: store, Sessions: func(c *sessions.Config) { c.Keys = []sessions.Key{k2} }})
	resp, _ := s1.Get(t, "/counter")
	oldCookie := sessionCookie(resp)
	do := func(s *moduletest.Server, c *http.Cookie) (*http.Response, string) {
		return fetch(t, s.URL+"/counter", c)
	}
	r, body := do(s2, oldCookie)
	if !strings.HasPrefix(body, "2:false:") {
		t.Fatalf("old-key cookie on the rotated server: %q", body)
	}
	newCookie := sessionCookie(r)
	if newCookie == nil || newCookie.Value == oldCookie.Value {
		t.Fatalf("not re-signed with the new key: %+v", newCookie)
	}
	if _, body := do(s3, newCookie); !strings.HasPrefix(body, "3:false:") {
		t.Fatalf("re-signed cookie on a server with only the new key: %q", body)
	}
	if _, body := do(s3, oldCookie); !strings.HasPrefix(body, "1:true:") {
		t.Fatalf("a removed key still works: %q", body)
	}
}

func TestLimits(t *testing.T) {
	s, _ := newServer(t, map[string]string{
		"big.js": `
var s = require("http/session");
var r = [];
try { s.setAttribute("big", "x".repeat(70000)); r.push("big:ok"); } catch (e) { r.push("big:" + /limit/.test(e.message)); }
try { for (var i = 0; i < 2000; i++) s.setAttribute("k" + i, i); r.push("count:ok"); } catch (e) { r.push("count:" + /limit/.test(e.message)); }
try { s.setAttribute("f", function () {}); r.push("fn:ok"); } catch (e) { r.push("fn:" + e.name); }
try { s.setAttribute("nan", NaN); r.push("nan:ok"); } catch (e) { r.push("nan:" + e.name); }
try { var c = {}; c.self = c; s.setAttribute("cycle", c); r.push("cycle:ok"); } catch (e) { r.push("cycle:" + e.name); }
require("http/response").print(r.join(" "));`,
		"uncaught.js": `require("http/session").setAttribute("big", "x".repeat(70000));`,
	}, moduletest.Options{})
	_, body := s.Get(t, "/big")
	if body != "big:true count:true fn:TypeError nan:TypeError cycle:TypeError" {
		t.Fatalf("limits: %q", body)
	}
	if resp, _ := s.Get(t, "/uncaught"); resp.StatusCode != 500 {
		t.Fatalf("uncaught limit error: %d", resp.StatusCode)
	}
}

func TestStoreCap(t *testing.T) {
	s := moduletest.New(t, map[string]string{"counter.js": counter}, moduletest.Options{Store: memstore.New(memstore.Config{MaxSessions: 1})})
	if resp, _ := s.Get(t, "/counter"); resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	if resp, _ := fetch(t, s.URL+"/counter", nil); resp.StatusCode != 503 || sessionCookie(resp) != nil {
		t.Fatalf("over the cap: %d, cookie %v", resp.StatusCode, sessionCookie(resp))
	}
}

func TestStoreOutage(t *testing.T) {
	s, cs := newServer(t, map[string]string{"hello.js": `require("http/response").print("hi")`}, moduletest.Options{})
	s.Get(t, "/counter")
	cs.failLoad.Store(true)
	if resp, _ := s.Get(t, "/counter"); resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || sessionCookie(resp) != nil {
		t.Fatalf("load outage: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, body := s.Get(t, "/hello"); resp.StatusCode != 200 || body != "hi" {
		t.Fatalf("sessionless script during outage: %d", resp.StatusCode)
	}
	cs.failLoad.Store(false)
	cs.failWrite.Store(true)
	if resp, _ := s.Get(t, "/counter"); resp.StatusCode != 503 || sessionCookie(resp) != nil {
		t.Fatalf("commit outage: %d", resp.StatusCode)
	}
	// A new session whose commit fails gets no cookie either.
	if resp, _ := fetch(t, s.URL+"/counter", nil); resp.StatusCode != 503 || sessionCookie(resp) != nil {
		t.Fatalf("new session during outage: %d %v", resp.StatusCode, sessionCookie(resp))
	}
	cs.failWrite.Store(false)
	if _, body := s.Get(t, "/counter"); !strings.HasPrefix(body, "2:false:") {
		t.Fatalf("after the outage: %q (nothing may be lost or double counted)", body)
	}
}

func TestCommitBeforeFirstByte(t *testing.T) {
	s, _ := newServer(t, map[string]string{
		"stream.js": `
var s = require("http/session"), r = require("http/response");
s.setAttribute("n", 10);
r.print("part1;"); r.flush();
s.setAttribute("n", 20);
r.print("part2");`,
		"lateNew.js": `
var r = require("http/response");
r.print("x"); r.flush();
require("http/session").setAttribute("n", 1);`,
		"redirect.js": `require("http/session").setAttribute("n", 99); require("http/response").sendRedirect("/counter");`,
		"big.js":      `require("http/session").setAttribute("n", 5); require("http/response").print("y".repeat(100000));`,
	}, moduletest.Options{})
	resp, body := s.Get(t, "/stream")
	if body != "part1;part2" || sessionCookie(resp) == nil {
		t.Fatalf("stream: %q %v", body, resp.Header)
	}
	if _, body := s.Get(t, "/counter"); !strings.HasPrefix(body, "21:") {
		t.Fatalf("after stream: %q (changes after the flush must be committed too)", body)
	}
	resp, _ = s.Get(t, "/redirect")
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/counter" {
		t.Fatalf("redirect: %d %v", resp.StatusCode, resp.Header)
	}
	if _, body := s.Get(t, "/counter"); !strings.HasPrefix(body, "100:") {
		t.Fatalf("right after the redirect: %q", body)
	}
	s.Client.Jar = nil
	if r, _ := fetch(t, s.URL+"/big", nil); sessionCookie(r) == nil {
		t.Fatal("a response larger than the buffer lost its session cookie")
	}
	if r, _ := fetch(t, s.URL+"/lateNew", nil); sessionCookie(r) != nil {
		t.Fatal("a session created after the response started got a cookie")
	}
	// The server logs the script's failure after the response has gone out.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(s.Logs(), "cannot create a session after the response has started"); {
		if time.Now().After(deadline) {
			t.Fatalf("no clear error for a session created too late:\n%s", s.Logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestValuesRoundTrip(t *testing.T) {
	s, _ := newServer(t, map[string]string{
		"put.js": `
var s = require("http/session");
s.setAttribute("str", "héllo \"q\" \n ✓");
s.setAttribute("num", 42.5);
s.setAttribute("int", 7);
s.setAttribute("bool", false);
s.setAttribute("obj", {a: [1, {b: null}], c: "d"});
s.setAttribute("date", new Date(0));
s.setAttribute("gone", 1);
s.setAttribute("gone", null);
s.setAttribute("gone2", 1);
s.setAttribute("gone2", undefined);
s.setAttribute("empty", "");`,
		"get.js": `
var s = require("http/session");
var o = s.getAttribute("obj"); o.a.push("mutated");
require("http/response").json({
  str: s.getAttribute("str"), num: s.getAttribute("num"), int: s.getAttribute("int"), bool: s.getAttribute("bool"),
  obj: s.getAttribute("obj"), date: s.getAttribute("date"), gone: s.getAttribute("gone"), gone2: s.getAttribute("gone2"),
  missing: s.getAttribute("missing"), empty: s.getAttribute("empty"), names: s.getAttributeNames(),
  types: [typeof s.getAttribute("num"), typeof s.getAttribute("bool"), typeof s.getAttribute("str")]
});`,
	}, moduletest.Options{})
	s.Get(t, "/put")
	_, body := s.Get(t, "/get")
	want := `{"str":"héllo \"q\" \n ✓","num":42.5,"int":7,"bool":false,"obj":{"a":[1,{"b":null}],"c":"d"},"date":"1970-01-01T00:00:00.000Z","gone":null,"gone2":null,"missing":null,"empty":"","names":["str","num","int","bool","obj","date","empty"],"types":["number","boolean","string"]}`
	if body != want {
		t.Fatalf("got  %s\nwant %s", body, want)
	}
}

// The conformance scripts of Dirigible's own suites pass unchanged.
func TestDirigibleConformance(t *testing.T) {
	assertJS := `exports.assertEquals = function (a, e) { if (a !== e) throw new Error("assertEquals: " + a + " !== " + e); };
exports.assertTrue = function (c) { if (!c) throw new Error("assertTrue failed"); };`
	s, _ := newServer(t, map[string]string{
		"test/assert.js": assertJS,
		// api-tests v4 (eclipse/dirigible ≤ 7.7), module names as written there.
		"http/v4/session/getAttributeNames.js": `
var session = require('http/v4/session');
var assertTrue = require('test/assert').assertTrue;
session.setAttribute('attr1', 'value1');
var attrNames = session.getAttributeNames();
assertTrue(JSON.stringify(attrNames) === '["attr1"]');
require('http/v4/response').print("ok");`,
		"http/v3/session/getAttributeNames.js": `
var session = require('http/v3/session');
session.setAttribute('attr1', 'value1');
if (JSON.stringify(session.getAttributeNames()) !== '["attr1"]') throw new Error(JSON.stringify(session.getAttributeNames()));
require('http/v3/response').print("ok");`,
		// http-tests (10.x), with the sdk/http import.
		"http-tests/session-get-attribute-names.mjs": `
import { Session } from "sdk/http/session";
import { Response } from "sdk/http/response";
Session.setAttribute('attr1', 'value1');
const names = Session.getAttributeNames();
if (JSON.stringify(names) !== '["attr1"]') throw new Error(JSON.stringify(names));
Response.print("ok");`,
		"http-tests/aerokit.ts": `
import { session, response } from "@aerokit/sdk/http";
session.setAttribute('attr1', 'value1');
const names: string[] = session.getAttributeNames();
if (JSON.stringify(names) !== '["attr1"]') throw new Error(JSON.stringify(names));
response.print("ok");`,
	}, moduletest.Options{})
	s.Client.Jar = nil
	for _, p := range []string{"/services/js/http/v4/session/getAttributeNames.js", "/services/js/http/v3/session/getAttributeNames.js",
		"/services/js/http-tests/session-get-attribute-names.mjs", "/services/ts/http-tests/aerokit.ts"} {
		if resp, body := s.Get(t, p); resp.StatusCode != 200 || body != "ok" {
			t.Errorf("%s: %d %q\n%s", p, resp.StatusCode, body, s.Logs())
		}
	}
}

func TestPROIV(t *testing.T) {
	s, cs := newServer(t, map[string]string{
		"create.js": `
var request = require("http/request");
var before = request.jsession.isNew;
createSession();
createSession();
var j = request.jsession;
require("http/response").json({id: j.id === require("http/session").getId(), t: typeof j.creationTime, isNew: j.isNew, dt: j.DisplayType, ro: (function () { try { j.id = "x"; return "writable"; } catch (e) { return e.name; } })()});`,
	}, moduletest.Options{})
	resp, body := s.Get(t, "/create")
	if body != `{"id":true,"t":"number","isNew":true,"dt":"web","ro":"TypeError"}` || sessionCookie(resp) == nil {
		t.Fatalf("%q %v", body, resp.Header)
	}
	if n := cs.Store.(*memstore.Store).Len(); n != 1 {
		t.Fatalf("%d sessions after createSession()", n)
	}
	_, body = s.Get(t, "/create")
	if !strings.Contains(body, `"isNew":false`) {
		t.Fatalf("second request: %q", body)
	}
}

func TestBatchMode(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"b.js": `
var v4 = require("http/session"), cur = require("sdk/http/session"), q = require("http/request");
var r = [v4.isValid(), v4.getAttribute("a"), v4.getAttributeNames(), cur.getAttributeNames().length, v4.getId(),
  v4.getCreationTime().getTime(), v4.getLastAccessedTime().getTime(), v4.getMaxInactiveInterval(), v4.isNew(),
  q.jsession.DisplayType, q.jsession.id];
v4.setAttribute("a", 1); v4.removeAttribute("a"); v4.invalidate(); v4.setMaxInactiveInterval(5);
console.log(JSON.stringify(r));`,
	}, moduletest.Options{})
	var out strings.Builder
	srv, err := runtime.NewServer(runtime.Config{Root: s.Dir, Stdout: &out, Stderr: &out}, modules.Builtin(modules.Config{})...)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	code, err := srv.RunFile(context.Background(), "b.js", nil)
	if err != nil || code != 0 {
		t.Fatalf("RunFile: %d %v", code, err)
	}
	if got := strings.TrimSpace(out.String()); got != `[false,null,null,0,null,0,0,0,false,"batch",null]` {
		t.Fatalf("batch: %s", got)
	}
}

func TestCookieOverTLS(t *testing.T) {
	s := moduletest.New(t, map[string]string{"counter.js": counter}, moduletest.Options{TLS: true})
	resp, body := s.Get(t, "/counter")
	if !strings.HasPrefix(body, "1:true:") {
		t.Fatalf("first: %q", body)
	}
	var c *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "__Host-"+sessions.DefaultCookieName {
			c = ck
		}
	}
	if c == nil || !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" {
		t.Fatalf("cookie over TLS: %v", resp.Header.Values("Set-Cookie"))
	}
	if _, body := s.Get(t, "/counter"); !strings.HasPrefix(body, "2:false:") {
		t.Fatalf("second: %q", body)
	}
	// The plain name is not read over TLS.
	req, _ := http.NewRequest(http.MethodGet, "/counter", nil)
	s.Client.Jar = nil
	req.Header.Set("Cookie", sessions.DefaultCookieName+"="+c.Value)
	if _, body := s.Do(t, req); !strings.HasPrefix(body, "1:true:") {
		t.Fatalf("plain-named cookie over TLS: %q", body)
	}
}

// Reading a session keeps it alive even when its idle timeout is shorter
// than the manager's touch interval.
func TestShortIdleKeptAliveByReads(t *testing.T) {
	s, _ := newServer(t, map[string]string{
		"short.js": `var s = require("http/session"); s.setAttribute("n", 7); s.setMaxInactiveInterval(1);`,
		"read.js":  `require("http/response").print(String(require("http/session").getAttribute("n")));`,
	}, moduletest.Options{})
	s.Get(t, "/short")
	for i := 0; i < 6; i++ {
		time.Sleep(400 * time.Millisecond)
		if _, body := s.Get(t, "/read"); body != "7" {
			t.Fatalf("read %d (%v after the last write): %q", i, time.Duration(i+1)*400*time.Millisecond, body)
		}
	}
}
