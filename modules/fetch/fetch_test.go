package fetch_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/dirigo/dirigo/modules"
	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/client"
)

// upstream is a local server the scripts fetch from.
func upstream(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

// run serves script (with UPSTREAM replaced by url) and returns the status
// and body of GET /t.
func run(t *testing.T, script, url string, opts moduletest.Options) (int, string) {
	t.Helper()
	s := moduletest.New(t, map[string]string{"t.js": strings.ReplaceAll(script, "UPSTREAM", url)}, opts)
	resp, body := s.Get(t, "/t")
	if resp.StatusCode == 500 {
		t.Logf("log:\n%s", s.Logs())
	}
	return resp.StatusCode, body
}

// withClient is moduletest options whose scripts fetch through a client
// configured by cfg.
func withClient(t *testing.T, cfg client.Config) moduletest.Options {
	cfg.DataDir = t.TempDir()
	return moduletest.Options{Builtin: modules.Config{Client: client.New(cfg)}}
}

// multipartCT matches a multipart content type in a JSON answer.
var multipartCT = regexp.MustCompile(`"ct":"multipart/form-data; boundary=[^"]+"`)

const printJSON = `const response = require("http/response");
function done(v) { response.print(JSON.stringify(v)); }
function fail(e) { response.print(JSON.stringify({ error: e.name, message: e.message, code: e.cause && e.cause.code })); }
`

func TestGet(t *testing.T) {
	up := upstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.Header().Add("X-Multi", "x")
		w.Header().Add("X-Multi", "y")
		w.WriteHeader(201)
		json.NewEncoder(w).Encode(map[string]string{"ua": r.UserAgent(), "path": r.URL.RequestURI(), "h": r.Header.Get("X-Test")})
	})
	code, body := run(t, printJSON+`
(async () => {
  const res = await fetch("UPSTREAM/a?b=1", { headers: { "X-Test": "yes" } });
  const j = await res.json();
  const own = await fetch("UPSTREAM/", { headers: [["User-Agent", "mine/1"]] }).then(r => r.json());
  let immutable;
  try { res.headers.set("x", "y"); } catch (e) { immutable = e.name; }
  done({ status: res.status, ok: res.ok, statusText: res.statusText, url: res.url, redirected: res.redirected,
    type: res.type, j, ownUA: own.ua, ct: res.headers.get("content-type"), multi: res.headers.get("x-multi"),
    cookies: res.headers.getSetCookie(), immutable, used: res.bodyUsed, isResponse: res instanceof Response });
})().catch(fail);`, up.URL, withClient(t, client.Config{UserAgent: "dirigo/test"}))
	want := fmt.Sprintf(`{"status":201,"ok":true,"statusText":"Created","url":"%s/a?b=1","redirected":false,"type":"basic",`+
		`"j":{"h":"yes","path":"/a?b=1","ua":"dirigo/test"},"ownUA":"mine/1","ct":"application/json","multi":"x, y",`+
		`"cookies":["a=1","b=2"],"immutable":"TypeError","used":true,"isResponse":true}`, up.URL)
	if code != 200 || body != want {
		t.Fatalf("%d\n%s\nwant\n%s", code, body, want)
	}
}

// Every kind of body reaches the server with its content type.
func TestBodies(t *testing.T) {
	up := upstream(t, func(w http.ResponseWriter, r *http.Request) {
		ct := r.Header.Get("Content-Type")
		out := map[string]any{"method": r.Method, "ct": ct}
		if mt, _, _ := mime.ParseMediaType(ct); mt == "multipart/form-data" {
			if err := r.ParseMultipartForm(1 << 20); err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			out["fields"] = r.MultipartForm.Value
			for name, fhs := range r.MultipartForm.File {
				f, _ := fhs[0].Open()
				data, _ := io.ReadAll(f)
				out["file:"+name] = fhs[0].Filename + "|" + fhs[0].Header.Get("Content-Type") + "|" + string(data)
			}
		} else {
			data, _ := io.ReadAll(r.Body)
			out["body"] = string(data)
		}
		json.NewEncoder(w).Encode(out)
	})
	code, body := run(t, printJSON+`
class URLSearchParams { // stands in for the global another module provides
  constructor(s) { this.s = s; }
  append() {}
  toString() { return this.s; }
}
const post = body => fetch("UPSTREAM/", { method: "POST", body }).then(r => r.json());
(async () => {
  const u8 = new Uint8Array([0x61, 0x62, 0x63, 0x64, 0x65]);
  const fd = new FormData();
  fd.append("name", "dirigo\nline");
  fd.append("up", new Blob(["file body"], { type: "text/plain" }), "a.txt");
  fd.append("raw", new Uint8Array([1]));
  done([
    await post("héllo"),
    await post(u8.buffer),
    await post(u8.subarray(1, 3)),
    await post(new URLSearchParams("a=1&b=%20")),
    await post(new Blob(["blob", new Uint8Array([0x21])], { type: "Application/X-Thing" })),
    await post(fd),
    await fetch("UPSTREAM/", { method: "put", body: "x", headers: { "content-type": "text/x-mine" } }).then(r => r.json()),
    await fetch(new Request("UPSTREAM/", { method: "PATCH", body: "req" })).then(r => r.json()),
  ]);
})().catch(fail);`, up.URL, moduletest.Options{})
	want := `[{"body":"héllo","ct":"text/plain;charset=UTF-8","method":"POST"},` +
		`{"body":"abcde","ct":"","method":"POST"},` +
		`{"body":"bc","ct":"","method":"POST"},` +
		`{"body":"a=1&b=%20","ct":"application/x-www-form-urlencoded;charset=UTF-8","method":"POST"},` +
		`{"body":"blob!","ct":"application/x-thing","method":"POST"},` +
		`{"ct":"MULTIPART","fields":{"name":["dirigo\r\nline"],"raw":["1"]},"file:up":"a.txt|text/plain|file body","method":"POST"},` +
		`{"body":"x","ct":"text/x-mine","method":"PUT"},` +
		`{"body":"req","ct":"text/plain;charset=UTF-8","method":"PATCH"}]`
	body = multipartCT.ReplaceAllString(body, `"ct":"MULTIPART"`)
	if code != 200 || body != want {
		t.Fatalf("%d\n%s\nwant\n%s", code, body, want)
	}
}

func TestRedirects(t *testing.T) {
	var hops atomic.Int64
	var up *httptest.Server
	up = upstream(t, func(w http.ResponseWriter, r *http.Request) {
		if n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/")); err == nil {
			hops.Add(1)
			if n > 0 {
				http.Redirect(w, r, "/hop/"+strconv.Itoa(n-1), http.StatusFound)
				return
			}
		}
		io.WriteString(w, "arrived "+r.URL.Path)
	})
	code, body := run(t, printJSON+`
(async () => {
  const out = [];
  const ok = await fetch("UPSTREAM/hop/20");
  out.push([ok.status, ok.redirected, ok.url.replace("UPSTREAM", ""), await ok.text()]);
  out.push(await fetch("UPSTREAM/hop/21").then(() => "no error", e => e.name + ": " + e.message.replace("UPSTREAM", "")));
  const manual = await fetch("UPSTREAM/hop/3", { redirect: "manual" });
  out.push([manual.status, manual.headers.get("location"), manual.redirected]);
  out.push(await fetch("UPSTREAM/hop/1", { redirect: "error" }).then(() => "no error", e => e.name));
  out.push(await fetch("UPSTREAM/hop/0", { redirect: "error" }).then(r => r.status));
  done(out);
})().catch(fail);`, up.URL, moduletest.Options{})
	want := `[[200,true,"/hop/0","arrived /hop/0"],"TypeError: fetch failed: too many redirects (/hop/21)",[302,"/hop/2",false],"TypeError",200]`
	if code != 200 || body != want {
		t.Fatalf("%d\n%s\nwant\n%s", code, body, want)
	}
}

// blocker is an upstream whose requests wait until the client goes away;
// it reports each cancelled request.
func blocker(t *testing.T, streamHeaders bool) (*httptest.Server, chan string) {
	gone := make(chan string, 100)
	up := upstream(t, func(w http.ResponseWriter, r *http.Request) {
		if streamHeaders {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(200)
			io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
			gone <- r.URL.Path
		case <-time.After(20 * time.Second):
		}
	})
	return up, gone
}

func receive(t *testing.T, ch <-chan string, what string) string {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		return ""
	}
}

func TestAbort(t *testing.T) {
	up, gone := blocker(t, false)
	code, body := run(t, printJSON+`
(async () => {
  const out = [];
  const pre = new AbortController();
  pre.abort();
  out.push(await fetch("UPSTREAM/pre", { signal: pre.signal }).then(() => "no error", e => e.name));

  const ac = new AbortController();
  const p = fetch("UPSTREAM/pending", { signal: ac.signal });
  setTimeout(() => ac.abort(), 20);
  out.push(await p.then(() => "no error", e => [e.name, e instanceof DOMException, e.code].join(" ")));

  const mine = new Error("mine");
  const ac2 = new AbortController();
  const p2 = fetch("UPSTREAM/reason", { signal: ac2.signal });
  setTimeout(() => ac2.abort(mine), 20);
  out.push(await p2.then(() => "no error", e => e === mine));

  out.push(await fetch("UPSTREAM/timeout", { signal: AbortSignal.timeout(30) }).then(() => "no error", e => e.name));

  const never = new AbortController();
  out.push(await fetch("UPSTREAM/any", { signal: AbortSignal.any([never.signal, AbortSignal.timeout(30)]) })
    .then(() => "no error", e => e.name));
  done(out);
})().catch(fail);`, up.URL, moduletest.Options{})
	want := `["AbortError","AbortError true 20",true,"TimeoutError","TimeoutError"]`
	if code != 200 || body != want {
		t.Fatalf("%d\n%s\nwant\n%s", code, body, want)
	}
	seen := map[string]bool{}
	for range 4 {
		seen[receive(t, gone, "a cancelled upstream request")] = true
	}
	for _, p := range []string{"/pending", "/reason", "/timeout", "/any"} {
		if !seen[p] {
			t.Errorf("the upstream request %s was not cancelled (%v)", p, seen)
		}
	}
}

// An abort while the body streams rejects the read.
func TestAbortBody(t *testing.T) {
	up, gone := blocker(t, true)
	code, body := run(t, printJSON+`
(async () => {
  const ac = new AbortController();
  const res = await fetch("UPSTREAM/body", { signal: ac.signal });
  const p = res.text();
  ac.abort();
  done([res.status, await p.then(() => "no error", e => e.name)]);
})().catch(fail);`, up.URL, moduletest.Options{})
	if code != 200 || body != `[200,"AbortError"]` {
		t.Fatalf("%d %s", code, body)
	}
	receive(t, gone, "the cancelled body")
}

func TestNetworkErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	code, body := run(t, printJSON+`
(async () => {
  const out = [];
  for (const u of ["UPSTREAM/", "ftp://x/", "notaurl"]) {
    out.push(await fetch(u).then(() => "no error", e => [e.name, e instanceof TypeError, e.cause ? e.cause.code : null, e.message.replace("UPSTREAM", "U")]));
  }
  let sync = "none", p;
  try { p = fetch(); } catch (e) { sync = "threw"; }
  out.push(sync, await p.then(() => "no error", e => e.name));
  done(out);
})().catch(fail);`, closed, moduletest.Options{})
	want := `[["TypeError",true,-1004,"fetch failed: dial: connect: connection refused (U/)"],` +
		`["TypeError",true,-1002,"fetch failed: unsupported scheme \"ftp\" (ftp://x/)"],` +
		`["TypeError",true,null,"Failed to parse URL from notaurl: Invalid URL: not an absolute URL (there is no base URL on a server)"],"none","TypeError"]`
	if code != 200 || body != want {
		t.Fatalf("%d\n%s\nwant\n%s", code, body, want)
	}
}

// The deny list applies to the first hop and to every redirect, before
// connecting.
func TestDenied(t *testing.T) {
	var deniedHits atomic.Int64
	denied, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skip("no 127.0.0.2 on this machine:", err)
	}
	ds := &httptest.Server{Listener: denied, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deniedHits.Add(1)
		io.WriteString(w, "metadata")
	})}}
	ds.Start()
	t.Cleanup(ds.Close)
	up := upstream(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, ds.URL+"/latest/meta-data", http.StatusFound)
	})
	opts := withClient(t, client.Config{Deny: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})
	s := moduletest.New(t, map[string]string{"t.js": strings.NewReplacer("UPSTREAM", up.URL, "DENIED", ds.URL).Replace(printJSON + `
(async () => {
  const out = [];
  for (const u of ["DENIED/first", "UPSTREAM/redirect"]) {
    out.push(await fetch(u).then(r => r.text(), e => [e.name, e.cause.code, e.message.split(" (")[0]]));
  }
  done(out);
})().catch(fail);`)}, opts)
	_, body := s.Get(t, "/t")
	want := `[["TypeError",-1004,"fetch failed: destination address denied by policy"],["TypeError",-1004,"fetch failed: destination address denied by policy"]]`
	if body != want {
		t.Fatalf("%s\nwant\n%s", body, want)
	}
	if n := deniedHits.Load(); n != 0 {
		t.Fatalf("the denied server got %d requests", n)
	}
}

func TestBodyCap(t *testing.T) {
	up := upstream(t, func(w http.ResponseWriter, r *http.Request) {
		big := strings.Repeat("x", 5000)
		if r.URL.Path == "/chunked" {
			w.(http.Flusher).Flush() // no Content-Length
		} else {
			w.Header().Set("Content-Length", "5000")
		}
		io.WriteString(w, big)
	})
	code, body := run(t, printJSON+`
(async () => {
  const out = [];
  out.push(await fetch("UPSTREAM/length").then(() => "no error", e => e.name + ": " + e.message.split(" (")[0]));
  const res = await fetch("UPSTREAM/chunked");
  out.push(res.status, await res.text().then(() => "no error", e => e.name + ": " + e.message.split(" (")[0]));
  done(out);
})().catch(fail);`, up.URL, withClient(t, client.Config{MaxBody: 1000}))
	want := `["TypeError: fetch failed: response body too large: Content-Length 5000 is over the limit of 1000 bytes",200,"TypeError: fetch failed: response body too large: over the limit of 1000 bytes"]`
	if code != 200 || body != want {
		t.Fatalf("%d\n%s\nwant\n%s", code, body, want)
	}
}

func TestCompressed(t *testing.T) {
	text := strings.Repeat("compressible text ", 5000)
	up := upstream(t, func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		switch r.URL.Path {
		case "/gzip":
			zw := gzip.NewWriter(&buf)
			zw.Write([]byte(text))
			zw.Close()
		case "/br":
			bw := brotli.NewWriter(&buf)
			bw.Write([]byte(text))
			bw.Close()
		}
		w.Header().Set("Content-Encoding", strings.TrimPrefix(r.URL.Path, "/"))
		w.Header().Set("X-Accept-Encoding", r.Header.Get("Accept-Encoding"))
		w.Write(buf.Bytes())
	})
	code, body := run(t, printJSON+`
(async () => {
  const out = [];
  for (const p of ["/gzip", "/br"]) {
    const res = await fetch("UPSTREAM" + p);
    const t = await res.text();
    out.push([res.headers.get("content-encoding"), res.headers.get("x-accept-encoding"), t.length, t.slice(0, 17)]);
  }
  done(out);
})().catch(fail);`, up.URL, moduletest.Options{})
	want := fmt.Sprintf(`[["gzip","gzip, deflate, br",%d,"compressible text"],["br","gzip, deflate, br",%[1]d,"compressible text"]]`, len(text))
	if code != 200 || body != want {
		t.Fatalf("%d\n%s\nwant\n%s", code, body, want)
	}
}

// Fetches run in parallel: the upstream answers none until all have
// arrived.
func TestParallel(t *testing.T) {
	const n = 8
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	up := upstream(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrived++
		if arrived == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
			io.WriteString(w, r.URL.Path)
		case <-time.After(20 * time.Second):
			http.Error(w, "not parallel", 500)
		}
	})
	code, body := run(t, printJSON+`
const ps = [];
for (let i = 0; i < 8; i++) ps.push(fetch("UPSTREAM/" + i).then(r => r.text()));
Promise.all(ps).then(done, fail);`, up.URL, moduletest.Options{})
	if code != 200 || body != `["/0","/1","/2","/3","/4","/5","/6","/7"]` {
		t.Fatalf("%d %s", code, body)
	}
}

// A fetch still pending at the script's deadline is cancelled: 504, and
// the server goes on serving.
func TestDeadline(t *testing.T) {
	up, gone := blocker(t, false)
	s := moduletest.New(t, map[string]string{
		"t.js":  strings.ReplaceAll(`fetch("UPSTREAM/slow").then(r => require("http/response").print("LEAK"));`, "UPSTREAM", up.URL),
		"ok.js": `require("http/response").print("ok");`,
	}, moduletest.Options{Runtime: func(c *runtime.Config) { c.Timeout = 300 * time.Millisecond; c.PoolSize = 1 }})
	if resp, _ := s.Get(t, "/t"); resp.StatusCode != 504 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	receive(t, gone, "the cancelled upstream request")
	if resp, body := s.Get(t, "/ok"); resp.StatusCode != 200 || body != "ok" {
		t.Fatalf("after: %d %q", resp.StatusCode, body)
	}
}

// A body larger than what is read with the headers is read on demand;
// clone() gives two readable copies.
func TestLargeBodyAndClone(t *testing.T) {
	big := strings.Repeat("0123456789", 20000)
	up := upstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead || r.URL.Path == "/empty" {
			w.WriteHeader(204)
			return
		}
		io.WriteString(w, big)
	})
	code, body := run(t, printJSON+`
(async () => {
  const out = [];
  const res = await fetch("UPSTREAM/big");
  const copy = res.clone();
  const [a, b] = await Promise.all([res.arrayBuffer(), copy.text()]);
  out.push(a.byteLength, b.length, res.bodyUsed, copy.bodyUsed);
  try { res.clone(); } catch (e) { out.push(e.name); }
  const head = await fetch("UPSTREAM/big", { method: "HEAD" });
  out.push(head.status, await head.text());
  const empty = await fetch("UPSTREAM/empty");
  out.push(empty.status, await empty.text(), empty.bodyUsed);
  const small = await fetch("UPSTREAM/big", { headers: { range: "bytes=0-3" } }).then(r => r.bytes());
  out.push(small instanceof Uint8Array, small.length > 4);
  done(out);
})().catch(fail);`, up.URL, moduletest.Options{})
	want := `[200000,200000,true,true,"TypeError",204,"",204,"",false,true,true]`
	if code != 200 || body != want {
		t.Fatalf("%d\n%s\nwant\n%s", code, body, want)
	}
}

// The classes on their own: validation and the static constructors.
func TestClasses(t *testing.T) {
	code, body := run(t, printJSON+`
(async () => {
  const out = [];
  const tryIt = (f) => { try { return f(); } catch (e) { return e.name + ": " + e.message; } };
  out.push(tryIt(() => new Request("http://x/", { method: "GET", body: "x" })));
  out.push(tryIt(() => new Request("http://x/", { method: "CONNECT" })));
  out.push(tryIt(() => new Request("http://x/", { method: "bad method" })));
  out.push(tryIt(() => new Request("http://u:p@x/")));
  out.push(tryIt(() => new Request("/relative")));
  out.push(tryIt(() => new Request("http://x/", { redirect: "sometimes" })));
  out.push(new Request("http://x", { method: "delete" }).method, new Request("http://x", { method: "patch" }).method);
  out.push(tryIt(() => new Response("x", { status: 99 })), tryIt(() => new Response("x", { status: 204 })));
  out.push(tryIt(() => new Headers({ "bad name": "x" })), tryIt(() => new Headers([["a"]])));
  out.push(tryIt(() => new AbortSignal()), tryIt(() => AbortSignal.timeout(-1)));
  const j = Response.json({ a: 1 }, { status: 202 });
  out.push(j.status, j.headers.get("content-type"), await j.text());
  const r = Response.redirect("http://x/y", 301);
  out.push(r.status, r.headers.get("location"), tryIt(() => Response.redirect("http://x/", 200)));
  const e = Response.error();
  out.push(e.type, e.status, e.ok);
  const h = new Headers([["B", " 2 "], ["a", "1"], ["set-cookie", "x"], ["Set-Cookie", "y"], ["a", "3"]]);
  out.push([...h.keys()].join(","), h.get("a"), h.get("b"), h.has("A"), h.get("nope"));
  h.delete("A");
  out.push([...h.entries()].length, String(h), Object.prototype.toString.call(new Request("http://x/")));
  const req = new Request("http://x/", { method: "POST", body: "abc", headers: { "X-A": "1" } });
  const req2 = new Request(req, { headers: { "X-B": "2" } });
  out.push(req.bodyUsed, await req2.text(), req2.headers.get("x-a"), req2.headers.get("x-b"));
  const blob = new Blob(["ab", "cdef"]);
  out.push(blob.size, await blob.slice(1, -1).text(), await new File(["z"], "z.txt").name);
  const fd = new FormData();
  fd.append("a", "1"); fd.append("a", "2"); fd.set("b", "3"); fd.set("a", "4");
  out.push(JSON.stringify([...fd]), fd.getAll("a").length);
  const res = new Response(new URLSearchParamsLike());
  out.push(await res.text());
  const form = await new Response("a=1&b=x+y%21", { headers: { "content-type": "application/x-www-form-urlencoded" } }).formData();
  out.push(form.get("b"));
  out.push(await new Response(new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0xff, 0x69])).text());
  done(out);
})().catch(fail);
function URLSearchParamsLike() {}
URLSearchParamsLike.prototype.toString = () => "plain";`, "", moduletest.Options{})
	want := `["TypeError: Request with GET/HEAD method cannot have body.","TypeError: 'CONNECT' HTTP method is unsupported",` +
		`"TypeError: 'bad method' is not a valid HTTP method","TypeError: Failed to parse URL from http://u:p@x/: Request cannot be constructed from a URL that includes credentials",` +
		`"TypeError: Failed to parse URL from /relative: Invalid URL: not an absolute URL (there is no base URL on a server)",` +
		`"TypeError: Request: redirect must be \"follow\", \"error\" or \"manual\", not \"sometimes\"","DELETE","patch",` +
		`"RangeError: Response: the status provided (99) must be in the range 200 to 599","TypeError: Response with null body status 204 cannot have body",` +
		`"TypeError: Invalid header name: \"bad name\"","TypeError: Headers: each pair must have exactly two items",` +
		`"TypeError: Illegal constructor","TypeError: AbortSignal.timeout: the delay must be a number of milliseconds >= 0",` +
		`202,"application/json","{\"a\":1}",301,"http://x/y","RangeError: Response.redirect: invalid status 200","error",0,false,` +
		`"a,b,set-cookie,set-cookie","1, 3","2",true,null,3,"[object Headers]","[object Request]",true,"abc",null,"2",` +
		`6,"bcde","z.txt","[[\"a\",\"4\"],[\"b\",\"3\"]]",1,"plain","x y!",` + "\"h\ufffdi\"]"
	if code != 200 || body != want {
		t.Fatalf("%d\n%s\nwant\n%s", code, body, want)
	}
}

// What one request does to the fetch globals is invisible to the next on
// the same VM: its own globals (even one named fetch) go with it, and the
// classes, reached through any of the globals, are frozen.
func TestIsolation(t *testing.T) {
	up := upstream(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "up") })
	const probe = `
const out = [typeof added, typeof fetch, fetch.name, typeof new Headers().evil, Object.isFrozen(Headers.prototype)];
`
	s := moduletest.New(t, map[string]string{
		"plant.js": strings.ReplaceAll(printJSON+probe+`
(async () => {
  // Only fetch is used here: the Response class comes through it.
  const res = await fetch("UPSTREAM/");
  const proto = Object.getPrototypeOf(res);
  const tryIt = f => { try { f(); return "set"; } catch (e) { return e.name; } };
  out.push(tryIt(() => { proto.text = () => "planted"; }), tryIt(() => { Object.getPrototypeOf(res.headers).evil = 1; }));
  globalThis.added = 1;
  globalThis.fetch = () => "mine";
  out.push(fetch(), typeof added, await res.text());
  done(out);
})().catch(fail);`, "UPSTREAM", up.URL),
		"probe.js": strings.ReplaceAll(printJSON+probe+`
fetch("UPSTREAM/").then(r => r.text()).then(t => { out.push(t); done(out); }, fail);`, "UPSTREAM", up.URL),
	}, moduletest.Options{Runtime: func(c *runtime.Config) { c.PoolSize = 1 }})
	fresh := `"undefined","function","fetch","undefined",true`
	for i := range 2 {
		if _, body := s.Get(t, "/plant"); body != "["+fresh+`,"TypeError","TypeError","mine","number","up"]` {
			t.Fatalf("plant %d: %s\n%s", i, body, s.Logs())
		}
		if _, body := s.Get(t, "/probe"); body != "["+fresh+`,"up"]` {
			t.Fatalf("probe %d: %s\n%s", i, body, s.Logs())
		}
	}
}

// init.session (an identifier or a session object) sends with the
// session's jar and default headers; a missing session rejects with a
// TypeError, and so does a bad value.
func TestFetchSession(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.URL.Query().Get("set"); v != "" {
			http.SetCookie(w, &http.Cookie{Name: "c", Value: v, Path: "/"})
		}
		fmt.Fprintf(w, "cookie=%s tenant=%s", r.Header.Get("Cookie"), r.Header.Get("X-Tenant"))
	}))
	defer up.Close()
	c := client.New(client.Config{DataDir: t.TempDir()})
	defer c.Shutdown(context.Background())
	s, err := c.NewSession(context.Background(), client.SessionConfig{Identifier: "shared", Kind: client.Default,
		Header: http.Header{"X-Tenant": {"t1"}}})
	if err != nil {
		t.Fatal(err)
	}
	code, body := run(t, printJSON+`
const text = p => p.then(r => r.text());
(async () => {
  const out = [];
  out.push(await text(fetch("UPSTREAM/?set=one", { session: "shared" })));
  out.push(await text(fetch("UPSTREAM/", { session: { identifier: "shared" } })));
  out.push(await text(fetch(new Request("UPSTREAM/", { headers: { "X-Tenant": "mine" } }), { session: { configuration: { identifier: "shared" } } })));
  out.push(await text(fetch("UPSTREAM/")));
  out.push(await fetch("UPSTREAM/", { session: "nope" }).then(r => "resolved", e => e.name + " " + e.message));
  out.push(await fetch("UPSTREAM/", { session: 42 }).then(r => "resolved", e => e.name + " " + e.message));
  done(out);
})().catch(fail);`, up.URL, moduletest.Options{Builtin: modules.Config{Client: c}})
	want := `["cookie= tenant=t1","cookie=c=one tenant=t1","cookie=c=one tenant=mine","cookie= tenant=",` +
		`"TypeError fetch failed: session nope: not found","TypeError fetch: init.session must be a client session or its identifier"]`
	if code != 200 || body != want {
		t.Fatalf("%d %s\nwant %s", code, body, want)
	}
	if got := s.Jar().Len(); got != 1 {
		t.Fatalf("the session's jar holds %d cookies, want the one set through fetch", got)
	}
}
