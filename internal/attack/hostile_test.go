package attack

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Hostile HTTP: requests an attacker crafts by hand, sent to a dirigo
// process (its http.Server settings are part of the defence).

// hostileScripts echo what they read, so a request that gets through the
// parsers also goes through the script API.
var hostileScripts = map[string]string{
	"echo.js": `var q = require("http/request"), r = require("http/response");
var out = [q.getRequestURI(), q.getResourcePath(), q.getParameter("q"), q.getHeader("X-Test"), JSON.stringify(q.getCookies()), JSON.stringify(q.getParameters())];
r.print(out.join("|").length);`,
	"json.js": `var q = require("http/request"), r = require("http/response");
var v = q.json(); r.print(v === null ? "null" : typeof v);`,
	"parse.js": `var q = require("http/request"), r = require("http/response");
try { r.print(typeof JSON.parse(q.getText())); } catch (e) { r.setStatus(400); r.print(e.name); }`,
	"upload.js": `var q = require("http/request"), r = require("http/response"), u = require("http/upload");
try { var items = u.parseRequest(); r.print(items.length); } catch (e) { r.setStatus(400); r.print(e.name); }`,
	"text.js":              `require("http/response").print(require("http/request").getText().length);`,
	"ok.js":                `require("http/response").print("ok");`,
	"pub.txt":              "public",
	"_private/secret.txt":  "SECRET-PRIVATE",
	".env":                 "SECRET-ENV",
	"node_modules/p/x.js":  "SECRET-NODE-MODULES",
	"package.json":         `{"name": "SECRET-PACKAGE"}`,
	"package-lock.json":    `{"name": "SECRET-LOCK"}`,
	"tsconfig.json":        `{"SECRET": "TSCONFIG"}`,
	"types.d.ts":           "SECRET-DTS",
	"app.js.map":           "SECRET-MAP",
	"sub/.hidden/x.txt":    "SECRET-HIDDEN",
	"lib/_internal/x.js":   `require("http/response").print("SECRET-PRIVATE-SCRIPT");`,
	"sub/_private/page.js": `require("http/response").print("SECRET-PRIVATE-SCRIPT");`,
}

// hostileServer starts dirigo over the hostile scripts, with symlinks out of
// the root and onto private files, and a secret file beside the root.
func hostileServer(t *testing.T, args ...string) (*proc, string) {
	t.Helper()
	parent := t.TempDir()
	root := filepath.Join(parent, "scripts")
	writeFiles(t, root, hostileScripts)
	writeFiles(t, parent, map[string]string{"outside.txt": "SECRET-OUTSIDE"})
	for link, target := range map[string]string{
		"up.txt":      "../outside.txt",
		"abs.txt":     filepath.Join(parent, "outside.txt"),
		"updir":       "..",
		"pub2.txt":    "_private/secret.txt",
		"envlink.txt": ".env",
		"pkg.txt":     "package.json",
		"etc":         "/etc",
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	return startProc(t, append([]string{"--scripts", root, "--sessions", "memory", "--pool", "2", "--timeout", "3s"}, args...)...), root
}

// TestHostilePaths: no encoding of a path reaches a file outside the root,
// a hidden or private file, package manager files, type declarations or
// source maps, directly or through a symlink; none is a 500.
func TestHostilePaths(t *testing.T) {
	t.Parallel() // a process of its own; mostly waiting
	p, _ := hostileServer(t)
	paths := []string{
		"/.env", "/%2eenv", "/%2Eenv", "/_private/secret.txt", "/_private%2fsecret.txt", "/_private%2Fsecret.txt",
		"/%5fprivate/secret.txt", "/sub/../_private/secret.txt", "/sub/%2e%2e/_private/secret.txt",
		"/../outside.txt", "/%2e%2e/outside.txt", "/%2e%2e%2foutside.txt", "/..%2foutside.txt", "/..%5coutside.txt",
		"/%252e%252e/outside.txt", "/..;/outside.txt", "/.%2e/outside.txt", "/%c0%ae%c0%ae/outside.txt",
		"/%u002e%u002e/outside.txt", "/..\\outside.txt", "/.../outside.txt", "/./../outside.txt",
		"/node_modules/p/x.js", "/node_modules/p/x", "/Node_Modules/p/x.js", "/package.json", "/package-lock.json",
		"/tsconfig.json", "/types.d.ts", "/app.js.map", "/sub/.hidden/x.txt", "/sub/%2ehidden/x.txt",
		"/lib/_internal/x", "/lib/_internal/x.js", "/sub/_private/page", "/services/js/sub/_private/page.js",
		"/public/js/_private/secret.txt", "/services/js/../outside.txt",
		"/up.txt", "/abs.txt", "/updir/outside.txt", "/pub2.txt", "/envlink.txt", "/pkg.txt", "/etc/passwd", "/etc/hostname",
		"/pub.txt%00.js", "/_private/secret.txt%00", "/.env%20", "/.env.", "/_PRIVATE/secret.txt",
	}
	c := plainClient()
	for _, path := range paths {
		answer, err := raw(p.addr, []byte("GET "+path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if strings.Contains(answer, "SECRET") || strings.Contains(answer, "root:") {
			t.Errorf("%s served a secret:\n%.300s", path, answer)
		}
		if st := statusOf(answer); st == 0 || st >= 500 {
			t.Errorf("%s: status %d", path, st)
		}
	}
	if r := fetch(c, p.url+"/pub.txt", ""); r.code != 200 || r.body != "public" || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("/pub.txt: %d %q nosniff=%q", r.code, r.body, r.header.Get("X-Content-Type-Options"))
	}
}

// TestHostileBytes: invalid UTF-8, NUL and control bytes in the path, the
// query, headers and cookies are a 4xx or reach the script as strings;
// never a 500, never a crash.
func TestHostileBytes(t *testing.T) {
	t.Parallel() // a process of its own; mostly waiting
	p, _ := hostileServer(t)
	bad := []string{"%00", "%ff%fe", "%c0%80", "%ed%a0%80", "\xff\xfe", "\x00", "\x01\x7f", "%", "%zz", "\u202e", strings.Repeat("%ff", 1000)}
	if r := fetch(plainClient(), p.url+"/echo/a?q=1", ""); r.code != 200 {
		t.Fatalf("/echo: %d %q %v", r.code, r.body, r.err)
	}
	var reqs []string
	for _, b := range bad {
		reqs = append(reqs,
			"GET /echo/"+b+" HTTP/1.1\r\nHost: x\r\n",
			"GET /echo?q="+b+"&"+b+"="+b+" HTTP/1.1\r\nHost: x\r\n",
			"GET /echo HTTP/1.1\r\nHost: x\r\nX-Test: a"+b+"b\r\n",
			"GET /echo HTTP/1.1\r\nHost: x\r\nCookie: sid="+b+"; a"+b+"=1; "+b+"\r\n",
			"POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "+fmt.Sprint(len(b)*2+2)+"\r\n\r\n"+b+"="+b+"&",
		)
	}
	for _, req := range reqs {
		if !strings.HasSuffix(req, "&") {
			req += "Connection: close\r\n\r\n"
		}
		answer, err := raw(p.addr, []byte(req))
		if err != nil {
			t.Errorf("%q: %v", req, err)
			continue
		}
		if st := statusOf(answer); st == 0 || st >= 500 {
			t.Errorf("%q: status %d:\n%.300s", req, st, answer)
		}
	}
	if r := fetch(plainClient(), p.url+"/ok", ""); r.code != 200 {
		t.Fatalf("after the hostile bytes: %d %v\n%s", r.code, r.err, p.logs.String())
	}
}

// TestHostileHeadersAndBodies: a 1 MB header (or 10 000 small ones) is
// refused (431) before any script runs, a body over --max-body is a 413, malformed and deeply nested
// JSON is null from request.json() (Dirigible's answer) and a catchable
// RangeError from JSON.parse, malformed multipart a clear 4xx.
func TestHostileHeadersAndBodies(t *testing.T) {
	t.Parallel() // a process of its own; mostly waiting
	p, _ := hostileServer(t, "--max-body", "1048576")
	c := plainClient()
	big := strings.Repeat("a", 1<<20)
	for name, req := range map[string]string{
		"1 MB header":       "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: " + big + "\r\n\r\n",
		"1 MB cookie":       "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: sid=" + big + "\r\n\r\n",
		"10 000 headers":    "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + strings.Repeat("X-A: b\r\n", 10000) + "\r\n",
		"1 MB request line": "GET /ok?" + big + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
	} {
		answer, err := raw(p.addr, []byte(req))
		if st := statusOf(answer); st != 431 && st != 400 && st != 414 {
			t.Errorf("%s: status %d %v", name, st, err)
		}
	}
	post := func(path, ctype, body string) result {
		req, _ := http.NewRequest(http.MethodPost, p.url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		return do(c, req)
	}
	if r := post("/text", "text/plain", strings.Repeat("x", 2<<20)); r.code != 413 {
		t.Errorf("a body over --max-body: %d %.100q %v", r.code, r.body, r.err)
	}
	deep := strings.Repeat("[", 3<<20) + strings.Repeat("]", 3<<20)
	for _, tc := range []struct{ path, body, want string }{
		{"/json", "{", "null"}, {"/json", `{"a":}`, "null"}, {"/json", "\xff\xfe", "null"},
		{"/json", deep[:1<<19] + deep[len(deep)-1<<19:], "null"}, {"/parse", deep[:1<<19] + deep[len(deep)-1<<19:], "RangeError"},
		{"/json", `{"__proto__": {"polluted": 1}}`, "object"},
	} {
		r := post(tc.path, "application/json", tc.body)
		if r.err != nil || r.body != tc.want {
			t.Errorf("%s %.20q: %d %q %v, want %s", tc.path, tc.body, r.code, r.body, r.err, tc.want)
		}
	}
	for name, body := range map[string]string{
		"no boundary end":  "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nxyz",
		"no headers":       "--b\r\n\r\n\r\n--b--\r\n",
		"garbage":          "\x00\xff--b--",
		"a million parts":  strings.Repeat("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n", 20000) + "--b--\r\n",
		"a huge part name": "--b\r\nContent-Disposition: form-data; name=\"" + strings.Repeat("n", 900<<10) + "\"\r\n\r\nx\r\n--b--\r\n",
	} {
		r := post("/upload", "multipart/form-data; boundary=b", body)
		if r.err != nil || r.code >= 500 {
			t.Errorf("multipart %s: %d %.100q %v", name, r.code, r.body, r.err)
		}
	}
	if r := fetch(c, p.url+"/ok", ""); r.code != 200 {
		t.Fatalf("after the hostile bodies: %d %v", r.code, r.err)
	}
}

// TestHostileSlowClients: hundreds of connections that send their headers
// a byte at a time do not keep others from being served, and the server
// closes them (ReadHeaderTimeout, 10 s); a slow body ends with its run at
// --timeout.
func TestHostileSlowClients(t *testing.T) {
	t.Parallel() // a process of its own; mostly waiting
	p, _ := hostileServer(t)
	const n = 200
	conns := make([]net.Conn, 0, n)
	for range n {
		conn, err := net.DialTimeout("tcp", p.addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, _ = conn.Write([]byte("GET /ok HTTP/1.1\r\nHost: x\r\nX-Slow: "))
		conns = append(conns, conn)
	}
	c := plainClient()
	for range 20 {
		if r := fetch(c, p.url+"/ok", ""); r.code != 200 {
			t.Fatalf("with %d slow clients: %d %v", n, r.code, r.err)
		}
	}
	// A slow body: the script reading it is stopped at --timeout (3 s).
	slow, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	_, _ = slow.Write([]byte("POST /text HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc"))
	_ = slow.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 512)
	k, err := slow.Read(buf)
	if st := statusOf(string(buf[:k])); st != 504 && st != 408 && st != 400 {
		t.Errorf("slow body: %d %q %v", st, buf[:k], err)
	}
	// The slow headers are cut by the server.
	var wg sync.WaitGroup
	closed := make(chan bool, n)
	for _, conn := range conns[:10] {
		wg.Add(1)
		go func(conn net.Conn) {
			defer wg.Done()
			_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			_, err := conn.Read(make([]byte, 1024))
			ne, timeout := err.(net.Error)
			closed <- err != nil && !(timeout && ne.Timeout())
		}(conn)
	}
	wg.Wait()
	close(closed)
	for ok := range closed {
		if !ok {
			t.Fatal("a connection sending its headers slowly was kept open for 30 s")
		}
	}
}
