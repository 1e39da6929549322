package auth_test

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dirigo/dirigo/internal/auth"
	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// Passwords distinctive enough to grep the logs for.
const (
	userPass  = "Pa55-user-7a1f"
	adminPass = "Pa55-admin-93c2"
	wrongPass = "Wr0ng-pass-55d0"
)

var hashes sync.Map // password → bcrypt hash (MinCost: tests stay fast)

func hashOf(t testing.TB, pass string) string {
	if h, ok := hashes.Load(pass); ok {
		return h.(string)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	hashes.Store(pass, string(h))
	return string(h)
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a dirigo server with a users file.
type env struct {
	*moduletest.Server
	t     *testing.T
	file  string
	clock *clock
	auth  *auth.Auth
	// writes counts the versions of the users file (each gets its own
	// modification time).
	writes int
}

// scripts every test server has.
var scripts = map[string]string{
	"who.js": `var r = require("http/request");
require("http/response").print(r.getRemoteUser() + " " + r.getAuthType() + " " + r.isUserInRole("ROLE"));`,
	"cart.js": `var s = require("http/session");
if (require("http/request").getParameter("add")) s.setAttribute("cart", "book");
require("http/response").print(s.getId() + " " + s.getAttribute("cart"));`,
	"admin/panel.js":   `require("http/response").print("panel");`,
	"reports/index.js": `require("http/response").print("reports");`,
	"assets/a.txt":     "asset\n",
}

func usersFile(t testing.TB, extra string) string {
	return "# test users\nuser:" + hashOf(t, userPass) + ":ROLE\nadmin:" + hashOf(t, adminPass) + ":ADMINISTRATOR\n" + extra
}

func newEnv(t *testing.T, users string, opts moduletest.Options) *env {
	t.Helper()
	e := &env{t: t, file: filepath.Join(t.TempDir(), "users"), clock: &clock{t: time.Unix(1_700_000_000, 0)}}
	e.write(users)
	inner := opts.Runtime
	opts.Runtime = func(c *runtime.Config) {
		a, err := auth.New(auth.Config{UsersFile: e.file, Root: c.Root, Logger: c.Logger, Now: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		e.auth = a
		c.Auth = a
		if inner != nil {
			inner(c)
		}
	}
	e.Server = moduletest.New(t, scripts, opts)
	return e
}

// write rewrites the users file with a modification time of its own, so a
// reload sees the change even within the file system's time resolution.
func (e *env) write(content string) {
	e.t.Helper()
	if err := os.WriteFile(e.file, []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
	e.writes++
	stamp := time.Unix(1_600_000_000+int64(e.writes), 0)
	if err := os.Chtimes(e.file, stamp, stamp); err != nil {
		e.t.Fatal(err)
	}
}

// get sends GET path with headers (name, value pairs).
func (e *env) get(path string, headers ...string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.Do(e.t, req)
}

// basic returns the Authorization header value for name and pass.
func basic(name, pass string) string {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(name, pass)
	return r.Header.Get("Authorization")
}

// login posts the login form, from this origin.
func (e *env) login(name, pass, ret string, headers ...string) (*http.Response, string) {
	e.t.Helper()
	form := url.Values{"username": {name}, "password": {pass}, "return": {ret}}
	req, err := http.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.URL)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.Do(e.t, req)
}

func (e *env) cookie() string {
	u, _ := url.Parse(e.URL)
	for _, c := range e.Client.Jar.Cookies(u) {
		if c.Name == "sid" {
			return c.Value
		}
	}
	return ""
}

func expect(t *testing.T, what string, resp *http.Response, body string, status int, wantBody string) {
	t.Helper()
	if resp.StatusCode != status || wantBody != "*" && body != wantBody {
		t.Errorf("%s: %d %q, want %d %q", what, resp.StatusCode, body, status, wantBody)
	}
}

func TestBasic(t *testing.T) {
	e := newEnv(t, usersFile(t, ""), moduletest.Options{})
	resp, body := e.get("/services/js/who.js", "Authorization", basic("user", userPass))
	expect(t, "good credentials", resp, body, 200, "user Basic true")
	resp, body = e.get("/who", "Authorization", basic("admin", adminPass))
	expect(t, "good credentials, public URL", resp, body, 200, "admin Basic false")
	resp, body = e.get("/who")
	expect(t, "no credentials, public URL", resp, body, 200, "null null false")
	resp, body = e.get("/public/js/who.js")
	expect(t, "no credentials, /public", resp, body, 200, "null null false")

	for _, tc := range []struct{ name, auth string }{
		{"wrong password", basic("user", wrongPass)},
		{"unknown user", basic("nobody", userPass)},
		{"malformed", "Basic !!!"},
		{"no colon", "Basic dXNlcg=="},
	} {
		resp, body := e.get("/who", "Authorization", tc.auth)
		expect(t, tc.name, resp, body, 401, "401 Unauthorized\n")
		if got := resp.Header.Get("WWW-Authenticate"); got != `Basic realm="dirigo", charset="UTF-8"` {
			t.Errorf("%s: WWW-Authenticate %q", tc.name, got)
		}
	}
	// A /services URL needs a user: each kind of client is asked its way.
	resp, _ = e.get("/services/js/who.js")
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("API client: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	resp, _ = e.get("/services/js/who.js", "Authorization", "Bearer abc")
	if resp.StatusCode != 401 {
		t.Errorf("unknown scheme: %d", resp.StatusCode)
	}
	resp, _ = e.get("/services/js/who.js?a=1", "Accept", "text/html,application/xhtml+xml", "Sec-Fetch-Mode", "navigate")
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/login?return=%2Fservices%2Fjs%2Fwho.js%3Fa%3D1" {
		t.Errorf("browser: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, h := range [][]string{{"Sec-Fetch-Mode", "cors", "Accept", "text/html"}, {"X-Requested-With", "XMLHttpRequest"}} {
		resp, _ = e.get("/services/js/who.js", h...)
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != "" {
			t.Errorf("script's fetch %v: %d %q (a Basic challenge pops up the browser's dialog)", h, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
	// An unknown path under /services is a 401 too: existence is not told.
	resp, _ = e.get("/services/js/nothing-here.js")
	if resp.StatusCode != 401 {
		t.Errorf("missing script: %d", resp.StatusCode)
	}
}

func TestRoleRules(t *testing.T) {
	e := newEnv(t, usersFile(t, "/admin ADMINISTRATOR\n/reports *\n/ -\n/assets -\n"), moduletest.Options{})
	for _, url := range []string{"/admin/panel", "/admin/panel.js", "/services/js/admin/panel.js", "/public/js/admin/panel.js", "/ADMIN/panel.js"} {
		resp, body := e.get(url)
		if url == "/ADMIN/panel.js" {
			// Not found on a case-sensitive file system, but never served anonymously.
			if resp.StatusCode != 401 {
				t.Errorf("%s anonymous: %d", url, resp.StatusCode)
			}
			continue
		}
		expect(t, url+" anonymous", resp, body, 401, "401 Unauthorized\n")
		resp, body = e.get(url, "Authorization", basic("user", userPass))
		expect(t, url+" without the role", resp, body, 403, "403 Forbidden\n")
		resp, body = e.get(url, "Authorization", basic("admin", adminPass))
		expect(t, url+" with the role", resp, body, 200, "panel")
	}
	resp, body := e.get("/reports/")
	expect(t, "login rule, anonymous", resp, body, 401, "401 Unauthorized\n")
	resp, body = e.get("/reports/", "Authorization", basic("user", userPass))
	expect(t, "login rule, a user", resp, body, 200, "reports")
	resp, body = e.get("/assets/a.txt")
	expect(t, "open rule", resp, body, 200, "asset\n")
	resp, _ = e.get("/services/js/who.js")
	expect(t, "an open rule does not open /services", resp, "", 401, "*")
}

func TestLoginLogout(t *testing.T) {
	e := newEnv(t, usersFile(t, ""), moduletest.Options{})
	resp, body := e.get("/login?return=/services/js/who.js")
	if resp.StatusCode != 200 || !strings.Contains(body, `name="password"`) || !strings.Contains(body, `value="/services/js/who.js"`) ||
		resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("login page: %d %v\n%s", resp.StatusCode, resp.Header, body)
	}
	// Before the login: an anonymous session with something in it.
	_, before := e.get("/cart?add=1")
	preID, _, _ := strings.Cut(before, " ")
	preCookie := e.cookie()
	if preCookie == "" || !strings.HasSuffix(before, " book") {
		t.Fatalf("no anonymous session: %q", before)
	}

	resp, _ = e.login("user", wrongPass, "/services/js/who.js")
	if resp.StatusCode != 401 || e.cookie() != preCookie {
		t.Fatalf("wrong password: %d, cookie changed %v", resp.StatusCode, e.cookie() != preCookie)
	}
	resp, _ = e.login("user", userPass, "/services/js/who.js")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/services/js/who.js" {
		t.Fatalf("login: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if e.cookie() == preCookie {
		t.Fatal("the session cookie did not change at login (fixation)")
	}
	resp, body = e.get("/services/js/who.js")
	expect(t, "logged in", resp, body, 200, "user FORM true")
	_, after := e.get("/cart")
	postID, cart, _ := strings.Cut(after, " ")
	if postID == preID || cart != "book" {
		t.Errorf("after login: id %q (was %q), cart %q: want a new ID and the data kept", postID, preID, cart)
	}

	// The pre-login cookie, which another party may have planted, is dead.
	jar, _ := cookiejar.New(nil)
	old := &http.Client{Jar: jar, CheckRedirect: e.Client.CheckRedirect}
	u, _ := url.Parse(e.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "sid", Value: preCookie}})
	r, err := old.Get(e.URL + "/services/js/who.js")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 401 {
		t.Errorf("the pre-login cookie: %d, want 401", r.StatusCode)
	}

	resp, _ = e.get("/logout")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/login?logout" {
		t.Errorf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !strings.Contains(resp.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("logout sent no expired cookie: %q", resp.Header.Get("Set-Cookie"))
	}
	resp, _ = e.get("/services/js/who.js")
	if resp.StatusCode != 401 {
		t.Errorf("after logout: %d", resp.StatusCode)
	}
	_, body = e.get("/cart")
	if strings.HasSuffix(body, "book") {
		t.Errorf("logout kept the session's data: %q", body)
	}

	// Hostile return targets lead home.
	for _, ret := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example"} {
		resp, _ = e.login("user", userPass, ret)
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/" {
			t.Errorf("return %q: %d %q", ret, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// A login posted from another site is refused, password right or not.
	for _, h := range [][]string{{"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}} {
		resp, _ = e.login("user", userPass, "/", h...)
		if resp.StatusCode != 403 {
			t.Errorf("cross-site login %v: %d", h, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, "/logout", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := e.Do(t, req); resp.StatusCode != 403 {
		t.Errorf("cross-site logout link: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodPut, "/login", nil)
	if resp, _ := e.Do(t, req); resp.StatusCode != 405 {
		t.Errorf("PUT /login: %d", resp.StatusCode)
	}
}

// A script cannot log itself in: the session attribute that holds the
// login is the server's.
func TestReservedAttributeUnforgeable(t *testing.T) {
	e := newEnv(t, usersFile(t, ""), moduletest.Options{})
	e.Write(t, "forge.js", `var s = require("http/session"), out = [];
var forged = JSON.stringify({name: "admin", key: require("http/request").getParameter("key"), at: 1});
try { s.setAttribute("dirigo.user", forged); out.push("set"); } catch (e) { out.push("refused"); }
try { s.removeAttribute("dirigo.user"); out.push("removed"); } catch (e) { out.push("refused"); }
s.setAttribute("mine", 1);
out.push(String(s.getAttribute("dirigo.user")), JSON.stringify(s.getAttributeNames()));
require("http/response").print(out.join(" "));`)
	resp, body := e.get("/forge?key=x")
	expect(t, "forging", resp, body, 200, `refused refused null ["mine"]`)
	resp, _ = e.get("/services/js/who.js")
	if resp.StatusCode != 401 {
		t.Errorf("after the forgery: %d, want 401", resp.StatusCode)
	}
	// Logged in, the attribute is there but not for scripts.
	e.login("user", userPass, "/")
	resp, body = e.get("/forge")
	expect(t, "logged in", resp, body, 200, `refused refused null ["mine"]`)
	resp, body = e.get("/services/js/who.js")
	expect(t, "still logged in as user", resp, body, 200, "user FORM true")
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t, usersFile(t, ""), moduletest.Options{Runtime: func(c *runtime.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}})
	from := func(addr string) []string { return []string{"X-Forwarded-For", addr} }
	for i := 0; i < auth.DefaultFailureBurst; i++ {
		resp, _ := e.login("user", wrongPass, "/", from("198.51.100.7")...)
		if resp.StatusCode != 401 {
			t.Fatalf("failure %d: %d", i, resp.StatusCode)
		}
	}
	resp, body := e.login("user", userPass, "/", from("198.51.100.7")...)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "6" || !strings.Contains(body, "Too many") {
		t.Fatalf("over the limit: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	r, _ := e.get("/services/js/who.js", append(from("198.51.100.7"), "Authorization", basic("user", userPass))...)
	if r.StatusCode != 429 {
		t.Errorf("Basic over the limit: %d", r.StatusCode)
	}
	// Another client is not held back.
	resp, _ = e.login("user", userPass, "/", from("198.51.100.8")...)
	if resp.StatusCode != 303 {
		t.Errorf("another client: %d", resp.StatusCode)
	}
	// One refill later, one more try.
	e.clock.Add(auth.DefaultFailureRefill)
	resp, _ = e.login("user", userPass, "/", from("198.51.100.7")...)
	if resp.StatusCode != 303 {
		t.Errorf("after the refill: %d", resp.StatusCode)
	}
}

// A verified Basic password is remembered: the client pays bcrypt once,
// and the rate limit (checked before bcrypt) does not hold it back.
func TestBasicCache(t *testing.T) {
	e := newEnv(t, usersFile(t, ""), moduletest.Options{})
	good := basic("user", userPass)
	if r, _ := e.get("/services/js/who.js", "Authorization", good); r.StatusCode != 200 {
		t.Fatalf("first: %d", r.StatusCode)
	}
	for i := 0; i < auth.DefaultFailureBurst; i++ {
		e.get("/services/js/who.js", "Authorization", basic("user", wrongPass))
	}
	if r, _ := e.get("/services/js/who.js", "Authorization", basic("admin", adminPass)); r.StatusCode != 429 {
		t.Fatalf("uncached credentials over the limit: %d, want 429", r.StatusCode)
	}
	if r, body := e.get("/services/js/who.js", "Authorization", good); r.StatusCode != 200 {
		t.Fatalf("remembered credentials: %d %q", r.StatusCode, body)
	}
	// Past the cache's life the password is checked again (and limited).
	e.clock.Add(auth.DefaultBasicCacheTTL)
	for i := 0; i < auth.DefaultFailureBurst; i++ {
		e.get("/services/js/who.js", "Authorization", basic("user", wrongPass))
	}
	if r, _ := e.get("/services/js/who.js", "Authorization", good); r.StatusCode != 429 {
		t.Errorf("after the cache expired: %d, want 429", r.StatusCode)
	}
}

func TestUsersFileReload(t *testing.T) {
	e := newEnv(t, usersFile(t, ""), moduletest.Options{})
	carol := basic("carol", "Carol-pass-1")
	if r, _ := e.get("/services/js/who.js", "Authorization", carol); r.StatusCode != 401 {
		t.Fatalf("unknown carol: %d", r.StatusCode)
	}
	e.login("user", userPass, "/")
	if r, _ := e.get("/services/js/who.js"); r.StatusCode != 200 {
		t.Fatalf("logged in: %d", r.StatusCode)
	}
	e.get("/services/js/who.js", "Authorization", basic("admin", adminPass)) // remembered

	// Carol added; user's password changed; admin removed.
	e.write("user:" + hashOf(t, "New-user-pass-2") + ":ROLE\ncarol:" + hashOf(t, "Carol-pass-1") + ":ROLE\n")
	if r, _ := e.get("/services/js/who.js", "Authorization", carol); r.StatusCode != 401 {
		t.Errorf("read again before the interval: %d", r.StatusCode)
	}
	e.clock.Add(time.Second)
	if r, body := e.get("/services/js/who.js", "Authorization", carol); r.StatusCode != 200 || body != "carol Basic true" {
		t.Errorf("carol after the reload: %d %q", r.StatusCode, body)
	}
	if r, _ := e.get("/services/js/who.js"); r.StatusCode != 401 {
		t.Errorf("a session of a changed password: %d, want 401", r.StatusCode)
	}
	if r, _ := e.get("/services/js/who.js", "Authorization", basic("admin", adminPass)); r.StatusCode != 401 {
		t.Errorf("a removed user's remembered password: %d, want 401", r.StatusCode)
	}

	// A broken file keeps the users in force, and says so once.
	e.write("user:not-a-hash\n")
	e.clock.Add(time.Second)
	if r, _ := e.get("/services/js/who.js", "Authorization", carol); r.StatusCode != 200 {
		t.Errorf("after a broken file: %d", r.StatusCode)
	}
	e.clock.Add(time.Second)
	e.get("/services/js/who.js", "Authorization", carol)
	if n := strings.Count(e.Logs(), "keeping the users read before"); n != 1 {
		t.Errorf("the broken file was reported %d times, want 1", n)
	}
	if strings.Contains(e.Logs(), "not-a-hash") {
		t.Error("the log shows the file's password field")
	}
	// The SIGHUP path reads at once.
	e.write(usersFile(t, ""))
	e.auth.Reload()
	if r, _ := e.get("/services/js/who.js", "Authorization", basic("admin", adminPass)); r.StatusCode != 200 {
		t.Errorf("after Reload: %d", r.StatusCode)
	}
}

// Without sessions there is no login form: browsers get the Basic challenge.
func TestNoSessions(t *testing.T) {
	e := newEnv(t, usersFile(t, ""), moduletest.Options{NoSessions: true})
	resp, _ := e.get("/services/js/who.js", "Accept", "text/html")
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("browser: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	resp, _ = e.login("user", userPass, "/")
	if resp.StatusCode != 404 {
		t.Errorf("POST /login: %d", resp.StatusCode)
	}
	resp, body := e.get("/services/js/who.js", "Authorization", basic("user", userPass))
	expect(t, "Basic", resp, body, 200, "user Basic true")
}

// Passwords appear in no log line, whatever happened to them.
func TestPasswordsNotLogged(t *testing.T) {
	e := newEnv(t, usersFile(t, ""), moduletest.Options{})
	e.get("/services/js/who.js", "Authorization", basic("user", userPass))
	e.get("/services/js/who.js", "Authorization", basic("user", wrongPass))
	e.get("/services/js/who.js", "Authorization", basic(wrongPass, userPass)) // a password typed as the name
	e.login("user", wrongPass, "/")
	e.login("user", userPass, "/")
	e.get("/logout")
	logs := e.Logs()
	for _, secret := range []string{userPass, wrongPass, hashOf(t, userPass), basic("user", userPass)[6:]} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
	for _, want := range []string{"login failed", "msg=login ", "msg=logout"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %q", want)
		}
	}
}

func TestUsersFileUnderRoot(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "conf", "users")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(usersFile(t, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.New(auth.Config{UsersFile: file, Root: root}); err == nil || !strings.Contains(err.Error(), "under the script root") {
		t.Errorf("users file under the root: %v", err)
	}
	link := filepath.Join(t.TempDir(), "users")
	if err := os.Symlink(file, link); err != nil {
		t.Skip(err)
	}
	if _, err := auth.New(auth.Config{UsersFile: link, Root: root}); err == nil {
		t.Error("a symlink to a users file under the root was accepted")
	}
	if _, err := auth.New(auth.Config{UsersFile: filepath.Join(t.TempDir(), "missing"), Root: root}); err == nil {
		t.Error("a missing users file was accepted")
	}
}

func ExampleAuth() {
	dir, _ := os.MkdirTemp("", "auth")
	defer os.RemoveAll(dir)
	h, _ := bcrypt.GenerateFromPassword([]byte("password"), bcrypt.MinCost)
	file := filepath.Join(dir, "users")
	_ = os.WriteFile(file, []byte("user:"+string(h)+":ROLE\n/admin ADMINISTRATOR\n"), 0o600)
	a, err := auth.New(auth.Config{UsersFile: file})
	if err != nil {
		panic(err)
	}
	fmt.Println(a.Users())
	// Output: 1
}
