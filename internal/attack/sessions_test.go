package attack

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// Hostile sessions: cookies an attacker forges, floods of sessions, races
// of one session's requests.

var sessionScripts = map[string]string{
	"count.js": `var s = require("http/session"), r = require("http/response");
var n = (s.getAttribute("n") || 0) + 1; s.setAttribute("n", n); r.print(n);`,
	"peek.js": `var s = require("http/session"), r = require("http/response");
r.print(JSON.stringify(s.getAttribute("n")) + " " + s.getAttributeNames().length);`,
	"kill.js":   `require("http/session").invalidate();`,
	"rotate.js": `var s = require("http/session"); s.changeSessionId(); s.setAttribute("rotated", true);`,
	"big.js": `var s = require("http/session"), r = require("http/response"), q = require("http/request");
var kind = q.getParameter("kind");
try {
	if (kind === "value") s.setAttribute("v", "x".repeat(8 << 20));
	if (kind === "name") s.setAttribute("n".repeat(2 << 20), 1);
	if (kind === "count") for (var i = 0; i < 200000; i++) s.setAttribute("a" + i, i);
	if (kind === "total") for (var i = 0; i < 10000; i++) s.setAttribute("b" + i, "y".repeat(4096));
	r.print("stored");
} catch (e) { r.setStatus(413); r.print(e.name + ": " + e.message); }`,
	"ok.js": `require("http/response").print("ok");`,
}

// TestSessionForgedCookies: a cookie that does not verify is a new, empty
// session (never a 500, never another session's data); a duplicated,
// oversized or foreign-key cookie likewise; the genuine cookie keeps
// working.
func TestSessionForgedCookies(t *testing.T) {
	s := serve(t, sessionScripts, moduletest.Options{})
	c := plainClient()
	first := fetch(c, s.URL+"/count", "")
	cookie := sessionCookie(first.header)
	if first.body != "1" || cookie == "" {
		t.Fatalf("first: %q %q", first.body, cookie)
	}
	name, value, _ := strings.Cut(cookie, "=")
	flip := []byte(value)
	flip[len(flip)/2] ^= 1
	other := serve(t, sessionScripts, moduletest.Options{}) // another key
	foreign := sessionCookie(fetch(c, other.URL+"/count", "").header)
	random := make([]byte, 64)
	_, _ = rand.Read(random)
	forged := []string{
		name + "=" + string(flip),
		name + "=" + value[:len(value)-4],
		name + "=" + value + "AAAA",
		name + "=" + base64.RawURLEncoding.EncodeToString(random),
		name + "=" + strings.Repeat("A", 4000),
		name + "=",
		foreign,
		name + "=" + string(flip) + "; " + name + "=" + string(flip),
		"SID=" + value,
		strings.Repeat(name+"=x; ", 500),
	}
	if v := strings.ReplaceAll(value, "-", "+"); v != value { // the standard alphabet
		forged = append(forged, name+"="+v)
	}
	for _, f := range forged {
		r := fetch(c, s.URL+"/peek", f)
		if r.err != nil || r.code != 200 || r.body != "null 0" {
			t.Errorf("cookie %.60q: %d %q %v, want a new empty session", f, r.code, r.body, r.err)
		}
		if w := fetch(c, s.URL+"/count", f); w.code != 200 || w.body != "1" {
			t.Errorf("cookie %.60q on write: %d %q", f, w.code, w.body)
		}
	}
	// A forged cookie beside the genuine one, in either order, does not
	// hide it.
	for _, both := range []string{forged[0] + "; " + cookie, cookie + "; " + forged[0]} {
		if r := fetch(c, s.URL+"/peek", both); r.body != "1 1" {
			t.Errorf("%.80q: %q, want the genuine session", both, r.body)
		}
	}
	if r := fetch(c, s.URL+"/count", cookie); r.body != "2" {
		t.Errorf("the genuine cookie after the forgeries: %q", r.body)
	}
}

// TestSessionFixation: an ID the server did not issue is never adopted,
// and changeSessionId leaves the old cookie worthless.
func TestSessionFixation(t *testing.T) {
	s := serve(t, sessionScripts, moduletest.Options{})
	c := plainClient()
	planted := "sid=attacker-chosen-id"
	r := fetch(c, s.URL+"/count", planted)
	got := sessionCookie(r.header)
	if got == "" || got == planted || strings.Contains(got, "attacker") {
		t.Fatalf("the planted id was adopted: %q", got)
	}
	rot := fetch(c, s.URL+"/rotate", got)
	next := sessionCookie(rot.header)
	if next == "" || next == got {
		t.Fatalf("changeSessionId set no new cookie: %q", next)
	}
	if r := fetch(c, s.URL+"/peek", got); r.body != "null 0" {
		t.Errorf("the old cookie after changeSessionId: %q", r.body)
	}
	if r := fetch(c, s.URL+"/peek", next); r.body != "1 2" {
		t.Errorf("the new cookie: %q", r.body)
	}
}

// TestSessionOversized: a value, a name, a count or a total over the
// session limits is an exception the script can catch, with a message of
// bounded size (the 2 MB name is not repeated), and nothing of it stored.
func TestSessionOversized(t *testing.T) {
	s := serve(t, sessionScripts, moduletest.Options{Runtime: func(c *runtime.Config) { c.Timeout = 20 * time.Second }})
	c := plainClient()
	c.Timeout = 60 * time.Second
	for _, kind := range []string{"value", "name", "count", "total"} {
		r := fetch(c, s.URL+"/big?kind="+kind, "")
		if r.err != nil || r.code != 413 {
			t.Errorf("%s: %d %.200q %v, want the script's 413", kind, r.code, r.body, r.err)
			continue
		}
		if len(r.body) > 1024 {
			t.Errorf("%s: a %d-byte error message: %.200q", kind, len(r.body), r.body)
		}
		if ck := sessionCookie(r.header); ck != "" {
			if p := fetch(c, s.URL+"/peek", ck); p.code != 200 {
				t.Errorf("%s: the session after: %d", kind, p.code)
			}
		}
	}
	if logs := s.Logs(); len(logs) > 1<<20 {
		t.Errorf("the log holds %d bytes after four requests", len(logs))
	}
}

// TestSessionRaces: parallel read-modify-writes of one session lose no
// update, and an invalidate racing writes is never undone: the old cookie
// stays dead.
func TestSessionRaces(t *testing.T) {
	s := serve(t, sessionScripts, moduletest.Options{Runtime: func(c *runtime.Config) { c.PoolSize = 4; c.QueueTimeout = 30 * time.Second }})
	c := plainClient()
	cookie := sessionCookie(fetch(c, s.URL+"/count", "").header)
	const n = 64
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := fetch(c, s.URL+"/count", cookie); r.code != 200 {
				errs <- fmt.Sprintf("%d %v", r.code, r.err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if r := fetch(c, s.URL+"/peek", cookie); r.body != strconv.Itoa(n+1)+" 1" {
		t.Fatalf("after %d parallel increments: %q, want %d (lost updates)", n, r.body, n+1)
	}
	// Writes racing an invalidate: whatever order they run in, once the
	// invalidate has answered, the old cookie is a new empty session.
	for round := range 5 {
		cookie := sessionCookie(fetch(c, s.URL+"/count", "").header)
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i == 8 {
					fetch(c, s.URL+"/kill", cookie)
					return
				}
				fetch(c, s.URL+"/count", cookie)
			}()
		}
		wg.Wait()
		if r := fetch(c, s.URL+"/peek", cookie); r.body != "null 0" {
			t.Fatalf("round %d: the invalidated session came back: %q", round, r.body)
		}
	}
}

// TestSessionFloods: a flood of cookieless requests that read the session
// stores nothing and sets no cookie; a flood of new sessions meets
// --session-max with 503s while existing sessions keep working.
func TestSessionFloods(t *testing.T) {
	t.Parallel() // a process of its own; mostly waiting
	dir := t.TempDir()
	writeFiles(t, dir, sessionScripts)
	p := startProc(t, "--scripts", dir, "--sessions", "memory", "--session-max", "100", "--pool", "2")
	c := plainClient()
	mine := sessionCookie(fetch(c, p.url+"/count", "").header)
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	setCookies := 0
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				path := "/peek"
				if w%2 == 1 && i < 40 {
					path = "/count"
				}
				r := fetch(c, p.url+path, "")
				mu.Lock()
				codes[r.code]++
				if path == "/peek" && sessionCookie(r.header) != "" {
					setCookies++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("codes %v", codes)
	if setCookies != 0 {
		t.Errorf("%d reads without a cookie set one", setCookies)
	}
	if codes[503] == 0 {
		t.Error("160 new sessions against --session-max 100: no 503")
	}
	if codes[500] != 0 || codes[0] != 0 {
		t.Errorf("errors: %v", codes)
	}
	if r := fetch(c, p.url+"/count", mine); r.code != 200 || r.body != "2" {
		t.Errorf("an existing session during the flood: %d %q", r.code, r.body)
	}
}
