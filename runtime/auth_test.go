package runtime_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/sessions"
)

// fakeAuth is a runtime.Auth for testing the contract: X-User names the
// user, the path /deny is answered by the Auth itself, a session user is
// the session's private "who" attribute, and every call is recorded.
type fakeAuth struct {
	mu           sync.Mutex
	routes       []runtime.Route
	clients      []string
	sessionUsers int
	loadSession  bool // Serve loads the session (as a login check does)
}

func (f *fakeAuth) Serve(w http.ResponseWriter, r *http.Request, a *runtime.AuthRequest) (*runtime.User, bool) {
	f.mu.Lock()
	f.routes = append(f.routes, a.Route)
	f.clients = append(f.clients, a.Client())
	load := f.loadSession
	f.mu.Unlock()
	if r.URL.Path == "/deny" {
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("denied\n"))
		return nil, true
	}
	if load {
		if _, _, err := a.Session().Get("anything"); err != nil {
			panic(err)
		}
	}
	if name := r.Header.Get("X-User"); name != "" {
		return &runtime.User{Name: name, Roles: []string{"r1"}, AuthType: "Test"}, false
	}
	return nil, false
}

func (f *fakeAuth) SessionUser(s *sessions.Session) (*runtime.User, error) {
	f.mu.Lock()
	f.sessionUsers++
	f.mu.Unlock()
	b, ok, err := s.Private("who")
	if err != nil || !ok {
		return nil, err
	}
	return &runtime.User{Name: string(b), AuthType: "FORM"}, nil
}

func TestAuthContract(t *testing.T) {
	fa := &fakeAuth{}
	s := moduletest.New(t, map[string]string{
		"who.js": `var r = require("http/request");
require("http/response").print(r.getRemoteUser() + " " + r.isUserInRole("r1") + " " + r.isUserInRole("ROLE_r1") + " " + r.isUserInRole("r2") + " " + r.getAuthType() + " " + r.getRemoteUser());`,
		"quiet.js":   `require("http/response").print("quiet");`,
		"deny.js":    `require("http/session").setAttribute("ran", "yes");`,
		"set.js":     `require("http/session").setAttribute("n", 1); require("http/response").print("set");`,
		"get.js":     `require("http/response").print(require("http/session").getAttribute("n"));`,
		"static.txt": "static\n",
	}, moduletest.Options{
		Runtime: func(c *runtime.Config) {
			c.Auth = fa
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		},
		// A handle that is never ended keeps its session locked: fail fast.
		Sessions: func(c *sessions.Config) { c.LockTimeout = 2 * time.Second },
	})

	// The credentials' user reaches the script; SessionUser is not asked.
	req, _ := http.NewRequest(http.MethodGet, "/who", nil)
	req.Header.Set("X-User", "alice")
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	if _, body := s.Do(t, req); body != "alice true true false Test alice" {
		t.Errorf("with credentials: %q", body)
	}
	// Anonymous: the session is asked once, however often the script asks.
	if _, body := s.Get(t, "/who"); body != "null false false false null null" {
		t.Errorf("anonymous: %q", body)
	}
	// A script that does not ask never makes Auth look in the session.
	if _, body := s.Get(t, "/quiet"); body != "quiet" {
		t.Errorf("quiet: %q", body)
	}
	// Answered by Auth: the script does not run.
	resp, body := s.Get(t, "/deny")
	if resp.StatusCode != http.StatusTeapot || body != "denied\n" || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("deny: %d %q %q", resp.StatusCode, body, resp.Header.Get("Set-Cookie"))
	}
	s.Get(t, "/missing")
	fa.mu.Lock()
	if fa.sessionUsers != 1 {
		t.Errorf("SessionUser called %d times, want 1 (for the anonymous /who)", fa.sessionUsers)
	}
	want := []runtime.Route{{Kind: runtime.RouteScript, File: "who.js"}, {Kind: runtime.RouteScript, File: "who.js"},
		{Kind: runtime.RouteScript, File: "quiet.js"}, {Kind: runtime.RouteScript, File: "deny.js"}, {}}
	if len(fa.routes) != len(want) {
		t.Fatalf("routes %v", fa.routes)
	}
	for i, r := range fa.routes {
		if r.Kind != want[i].Kind || r.File != want[i].File {
			t.Errorf("Serve %d: route %v %q, want %v %q", i, r.Kind, r.File, want[i].Kind, want[i].File)
		}
	}
	if fa.clients[0] != "203.0.113.9" {
		t.Errorf("AuthRequest.Client() = %q, want the address behind the trusted proxy", fa.clients[0])
	}
	fa.loadSession = true
	fa.mu.Unlock()

	// A session Serve loaded is the script's: one handle, one lock. Were it
	// not handed over (or not ended after a static file), the next use of
	// the session would wait for a lock nobody releases.
	for _, step := range []struct{ path, want string }{
		{"/set", "set"}, {"/get", "1"}, {"/static.txt", "static\n"}, {"/get", "1"}, {"/missing", "404 Not Found\n"}, {"/get", "1"},
	} {
		resp, body := s.Get(t, step.path)
		if body != step.want {
			t.Errorf("GET %s: %d %q, want %q", step.path, resp.StatusCode, body, step.want)
		}
	}
}

// sessionAuth is a runtime.Auth whose every session is logged in as
// "form" and whose credentials (X-User) are a user.
type sessionAuth struct{}

func (sessionAuth) Serve(w http.ResponseWriter, r *http.Request, a *runtime.AuthRequest) (*runtime.User, bool) {
	if name := r.Header.Get("X-User"); name != "" {
		return &runtime.User{Name: name, AuthType: "Test"}, false
	}
	return nil, false
}

func (sessionAuth) SessionUser(*sessions.Session) (*runtime.User, error) {
	return &runtime.User{Name: "form", AuthType: "FORM"}, nil
}

// The access entry names the user the request was authenticated as: its
// credentials' on every kind of route, its session's when the script
// asked; never a user nobody looked up.
func TestAccessLogUser(t *testing.T) {
	var got []string
	var mu sync.Mutex
	s := moduletest.New(t, map[string]string{
		"who.js":     `require("http/response").print(require("http/request").getRemoteUser());`,
		"quiet.js":   `require("http/response").print("quiet");`,
		"static.txt": "static\n",
	}, moduletest.Options{Runtime: func(c *runtime.Config) {
		c.Auth = sessionAuth{}
		c.AccessLog = accessFunc(func(e runtime.AccessEntry) {
			mu.Lock()
			got = append(got, e.Request.URL.Path+" "+e.User)
			mu.Unlock()
		})
	}})
	for _, tc := range []struct{ path, user, want string }{
		{"/who", "alice", "/who alice"},
		{"/static.txt", "bob", "/static.txt bob"},
		{"/missing", "carol", "/missing carol"},
		{"/who", "", "/who form"},
		{"/quiet", "", "/quiet "},
		{"/static.txt", "", "/static.txt "},
	} {
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		if tc.user != "" {
			req.Header.Set("X-User", tc.user)
		}
		s.Runtime.ServeHTTP(httptest.NewRecorder(), req) // returns after the access entry
		mu.Lock()
		last := ""
		if len(got) > 0 {
			last = got[len(got)-1]
		}
		mu.Unlock()
		if last != tc.want {
			t.Errorf("GET %s as %q: access entry %q, want %q", tc.path, tc.user, last, tc.want)
		}
	}
}
