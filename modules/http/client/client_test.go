package client_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
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
	core "github.com/dirigo/dirigo/runtime/client"
)

// echo answers every request with what it got, as JSON, unless the path
// asks for something else.
func echo(t *testing.T) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "/target", http.StatusFound)
			return
		case "/png":
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte{0x89, 'P', 'N', 'G', 0xff, 0x00})
			return
		case "/latin":
			w.Header()["Content-Type"] = nil // no type at all: Apache's default text/plain, ISO-8859-1
			w.Write([]byte("caf\xe9"))
			return
		case "/problem":
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(422)
			io.WriteString(w, `{"title":"bad"}`)
			return
		case "/gzip":
			if r.Header.Get("Accept-Encoding") == "" {
				io.WriteString(w, "plain")
				return
			}
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			io.WriteString(zw, "unzipped")
			zw.Close()
			return
		}
		out := map[string]any{"method": r.Method, "uri": r.RequestURI, "ct": r.Header.Get("Content-Type"),
			"x": r.Header.Values("X-H"), "ae": r.Header.Get("Accept-Encoding")}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
			mr, _ := r.MultipartReader()
			var parts []string
			for {
				p, err := mr.NextPart()
				if err != nil {
					break
				}
				data, _ := io.ReadAll(p)
				parts = append(parts, p.FormName()+"|"+p.FileName()+"|"+p.Header.Get("Content-Type")+"|"+string(data))
			}
			out["parts"] = parts
		} else {
			data, _ := io.ReadAll(r.Body)
			out["body"] = string(data)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Server", "echo")
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(s.Close)
	return s
}

func serve(t *testing.T, files map[string]string, up string, opts moduletest.Options) *moduletest.Server {
	t.Helper()
	for k, v := range files {
		files[k] = strings.ReplaceAll(v, "UPSTREAM", up)
	}
	return moduletest.New(t, files, opts)
}

func get(t *testing.T, s *moduletest.Server, path string) (int, string) {
	t.Helper()
	resp, body := s.Get(t, path)
	if resp.StatusCode >= 500 {
		t.Logf("log:\n%s", s.Logs())
	}
	return resp.StatusCode, body
}

// show prints a response without the headers that change between runs.
// multipartCT matches a multipart content type in a JSON answer.
var multipartCT = regexp.MustCompile(`"multipart/form-data; boundary=[^"]+"`)

const show = `const response = require("http/response");
function show(r) {
  const out = {};
  for (const k in r) out[k] = k === "headers" ? r.headers.filter(h => h.name !== "Date" && h.name !== "Content-Length") : r[k];
  return out;
}
`

func TestSyncResponses(t *testing.T) {
	up := echo(t)
	s := serve(t, map[string]string{"t.js": show + `
const client = require("http/client");
const out = [];
out.push(show(client.get("UPSTREAM/a?b=1", { headers: [{ name: "X-H", value: "1" }, { name: "x-h", value: "2" }] })));
out.push(show(client.get("UPSTREAM/png")));
out.push(client.get("UPSTREAM/a", { binary: true }).data.length);
out.push(show(client.get("UPSTREAM/redirect")));
out.push(client.get("UPSTREAM/redirect", { redirectsEnabled: true }).text.includes('"uri":"/target"'));
out.push(client.get("UPSTREAM/latin").text);
out.push(show(client.get("UPSTREAM/problem")));
out.push(Object.keys(client.head("UPSTREAM/a")).join(","));
out.push(client.get("UPSTREAM/gzip").text, client.get("UPSTREAM/gzip", { contentCompressionEnabled: true }).text);
out.push(client.del === client.delete || typeof client.del);
response.print(JSON.stringify(out));`}, up.URL, moduletest.Options{})
	code, body := get(t, s, "/t")
	want := `[{"statusCode":200,"statusMessage":"OK","text":"{\"ae\":\"\",\"body\":\"\",\"ct\":\"\",\"method\":\"GET\",\"uri\":\"/a?b=1\",\"x\":[\"2\"]}\n",` +
		`"protocol":"HTTP","binary":false,"headers":[{"name":"Content-Type","value":"application/json"},{"name":"X-Server","value":"echo"}]},` +
		`{"statusCode":200,"statusMessage":"OK","data":[-119,80,78,71,-1,0],"protocol":"HTTP","binary":false,"headers":[{"name":"Content-Type","value":"image/png"}]},` +
		`63,` +
		`{"statusCode":302,"statusMessage":"Found","text":"<a href=\"/target\">Found</a>.\n\n","protocol":"HTTP","binary":false,"headers":[{"name":"Content-Type","value":"text/html; charset=utf-8"},{"name":"Location","value":"/target"}]},` +
		`true,"café",` +
		`{"statusCode":422,"statusMessage":"Unprocessable Entity","text":"{\"title\":\"bad\"}","protocol":"HTTP","binary":false,"headers":[{"name":"Content-Type","value":"application/problem+json"}]},` +
		`"statusCode,statusMessage,protocol,binary,headers","plain","unzipped","function"]`
	if code != 200 || body != want {
		t.Fatalf("%d\n%s\nwant\n%s", code, body, want)
	}
}

func TestSyncBodies(t *testing.T) {
	up := echo(t)
	s := serve(t, map[string]string{
		"files/report.csv": "a,b\n1,2\n",
		"t.js": `
const client = require("http/client"), sdk = require("sdk/http/client"), response = require("http/response");
const out = [];
const body = r => JSON.parse(r.text);
const pick = j => [j.method, j.uri, j.ct, j.body !== undefined ? j.body : j.parts];
const tryIt = f => { try { return f(); } catch (e) { return e.message; } };
out.push(pick(body(client.post("UPSTREAM/p", { data: [104, 105, -1], text: "ignored" }))));
out.push(pick(body(client.post("UPSTREAM/p", { text: "héllo", contentType: "application/json" }))));
out.push(pick(body(client.put("UPSTREAM/p", { text: "x", headers: [{ name: "Content-Type", value: "text/x-mine" }] }))));
out.push(pick(body(client.patch("UPSTREAM/p", { text: "y", characterEncodingEnabled: false }))));
out.push(pick(body(client.post("UPSTREAM/p", { params: [{ name: "a", value: "1" }, { name: "b", value: 2 }] }))));
out.push(pick(body(client.post("UPSTREAM/p", { files: [{ name: "report", value: "files/report.csv" }] }))));
out.push(pick(body(client.post("UPSTREAM/p", { data: new Uint8Array([1, 2]) }))));
const opts = { params: [{ name: "q", value: "x" }] };
out.push(pick(body(sdk.get("UPSTREAM/p?z=0", opts))), "params" in opts);
out.push(tryIt(() => sdk.post("UPSTREAM/p", { params: [{ name: "q", value: "x" }] })));
out.push(tryIt(() => client.post("UPSTREAM/p")), tryIt(() => client.put("UPSTREAM/p", {})), tryIt(() => client.patch("UPSTREAM/p")));
out.push(tryIt(() => client.post("UPSTREAM/p", { files: [{ name: "f", value: "../../etc/passwd" }] })).split(":")[0]);
out.push(tryIt(() => client.post("UPSTREAM/p", { data: [300] })));
out.push(pick(body(client.request("OPTIONS", "UPSTREAM/o"))));
response.print(JSON.stringify(out));`}, up.URL, moduletest.Options{})
	code, body := get(t, s, "/t")
	want := `[["POST","/p","application/octet-stream",` + "\"hi\ufffd\"]," +
		`["POST","/p","application/json; charset=UTF-8","héllo"],` +
		`["PUT","/p","text/x-mine","x"],` +
		`["PATCH","/p","text/plain","y"],` +
		`["POST","/p?a=1&b=2","application/x-www-form-urlencoded; charset=UTF-8","a=1&b=2"],` +
		`["POST","/p","MULTIPART",["report|report.csv|application/octet-stream|a,b\n1,2\n"]],` +
		`["POST","/p","application/octet-stream","\u0001\u0002"],` +
		`["GET","/p?z=0&q=x","",""],false,` +
		`"The element [data] or [text] or [params] or [files] in [options] have to be set for POST requests",` +
		`"The element [data] or [text] or [params] or [files] in [options] have to be set for POST requests",` +
		`"The element [data] or [text] or [params] or [files] in [options] have to be set for PUT requests",` +
		`"The element [data] or [text] or [params] or [files] in [options] have to be set for PATCH requests",` +
		`"reading the file of \"f\"","Invalid options: data[0] = 300 is not a byte",` +
		`["OPTIONS","/o","",""]]`
	body = multipartCT.ReplaceAllString(body, `"MULTIPART"`)
	if code != 200 || body != want {
		t.Fatalf("%d\n%s\nwant\n%s", code, body, want)
	}
}

func TestSyncFailures(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + ln.Addr().String()
	ln.Close()
	gone := make(chan string, 10)
	block := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			io.WriteString(w, strings.Repeat("x", 5000))
			return
		}
		select {
		case <-r.Context().Done():
			gone <- r.URL.Path
		case <-time.After(20 * time.Second):
		}
	}))
	t.Cleanup(block.Close)
	opts := moduletest.Options{
		Builtin: modules.Config{Client: core.New(core.Config{DataDir: t.TempDir(), MaxBody: 1000,
			Deny: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})},
		Runtime: func(c *runtime.Config) { c.Timeout = 2 * time.Second },
	}
	s := serve(t, map[string]string{
		"t.js": strings.NewReplacer("CLOSED", closed, "BLOCK", block.URL).Replace(`
const client = require("http/client"), response = require("http/response");
const tryIt = f => { try { f(); return "no error"; } catch (e) { return [e.message.replace("CLOSED", "U").replace("BLOCK", "B"), e.code]; } };
response.print(JSON.stringify([
  tryIt(() => client.get("CLOSED/x")),
  tryIt(() => client.get("http://127.0.0.2:9/meta")),
  tryIt(() => client.get("BLOCK/big")),
  tryIt(() => client.get("BLOCK/slow", { socketTimeout: 100 })),
  tryIt(() => client.get("BLOCK/slow2", { timeout: 100 })),
  tryIt(() => client.get("not a url")),
]));`),
		"deadline.js": `require("http/client").get("UPSTREAM/deadline"); require("http/response").print("LEAK");`,
	}, block.URL, opts)
	code, body := get(t, s, "/t")
	want := `[["dial: connect: connection refused (U/x)",-1004],["destination address denied by policy (http://127.0.0.2:9/meta)",-1004],` +
		`["response body too large: over the limit of 1000 bytes (B/big)",-1103],["timed out waiting for data (B/slow)",-1001],` +
		`["timed out (B/slow2)",-1001],["not an absolute URL (not a url)",-1000]]`
	if code != 200 || body != want {
		t.Fatalf("%d\n%s\nwant\n%s", code, body, want)
	}
	// The script's deadline bounds a synchronous call: 504, and the
	// upstream request is cancelled.
	if code, _ := get(t, s, "/deadline"); code != 504 {
		t.Fatalf("deadline: %d", code)
	}
	seen := map[string]bool{}
	for range 3 {
		select {
		case p := <-gone:
			seen[p] = true
		case <-time.After(20 * time.Second):
			t.Fatalf("upstream requests not cancelled: %v", seen)
		}
	}
	if !seen["/deadline"] {
		t.Fatalf("the deadline's request was not cancelled: %v", seen)
	}
}

// The async client runs its requests at once and calls back on the
// script's VM (closures work); execute() returns when all callbacks ran.
func TestAsync(t *testing.T) {
	const n = 3
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrived++
		if arrived == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-time.After(20 * time.Second):
			http.Error(w, "not parallel", 500)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		body, _ := io.ReadAll(r.Body)
		io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" "+string(body))
	}))
	t.Cleanup(up.Close)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + ln.Addr().String()
	ln.Close()
	s := serve(t, map[string]string{"t.js": strings.ReplaceAll(`
const { getInstance } = require("http/client-async"), response = require("http/response");
const seen = [];
const http = getInstance();
http.getAsync("UPSTREAM/a", { success: (r, ctx) => seen.push([r.statusCode, r.text, r.protocol, r.binary, ctx]) }, { context: { id: 1 } });
http.postAsync("UPSTREAM/b", { success: "function (r, ctx) { globalThis.fromString = r.text + ' ' + ctx; }" }, { params: [{ name: "x", value: "1" }] });
http.putAsync("UPSTREAM/c", { success: r => seen.push(r.data.length) }, { text: "body", binary: true });
http.getAsync("CLOSED/d", { success: () => seen.push("LEAK"), error: e => seen.push(["error", e.code, e.getMessage().split(":")[0]]) });
http.execute();
seen.push("after execute", globalThis.fromString);
const legacy = require("http/v4/clientAsync").getInstnace();
let thrown;
legacy.getAsync("CLOSED/e", { success: () => {}, error: () => { throw new Error("from callback"); } });
try { legacy.execute(); } catch (e) { thrown = e.message; }
response.print(JSON.stringify([seen.sort((a, b) => JSON.stringify(a) < JSON.stringify(b) ? -1 : 1), thrown]));`, "CLOSED", closed)}, up.URL, moduletest.Options{})
	code, body := get(t, s, "/t")
	want := `[["POST /b?x=1 x=1 null","after execute",11,["error",-1004,"dial"],[200,"GET /a ","HTTP/1.1",false,{"id":1}]],"from callback"]`
	if code != 200 || body != want {
		t.Fatalf("%d\n%s\nwant\n%s", code, body, want)
	}
}

// Redirects are followed only when asked, up to maxRedirects; the deny
// list applies to the first hop and to a redirect, before connecting; a
// compressed body (gzip, br) is decoded when contentCompressionEnabled.
func TestSyncRedirectsPolicyAndDecoding(t *testing.T) {
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
	text := strings.Repeat("compressible text ", 1000)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/")); err == nil {
			if n > 0 {
				http.Redirect(w, r, "/hop/"+strconv.Itoa(n-1), http.StatusFound)
				return
			}
			io.WriteString(w, "arrived")
			return
		}
		switch r.URL.Path {
		case "/to-denied":
			http.Redirect(w, r, ds.URL+"/latest/meta-data", http.StatusFound)
		case "/br":
			w.Header().Set("Content-Type", "text/plain")
			if !strings.Contains(r.Header.Get("Accept-Encoding"), "br") {
				io.WriteString(w, "not compressed")
				return
			}
			w.Header().Set("Content-Encoding", "br")
			bw := brotli.NewWriter(w)
			io.WriteString(bw, text)
			bw.Close()
		}
	}))
	t.Cleanup(up.Close)
	opts := moduletest.Options{Builtin: modules.Config{Client: core.New(core.Config{DataDir: t.TempDir(),
		Deny: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})}}
	s := serve(t, map[string]string{"t.js": strings.ReplaceAll(`
const client = require("http/client"), response = require("http/response");
const tryIt = f => { try { return f(); } catch (e) { return [e.message.replace("UPSTREAM", "U").replace("DENIED", "D"), e.code]; } };
const status = r => [r.statusCode, r.text];
response.print(JSON.stringify([
  tryIt(() => status(client.get("UPSTREAM/hop/1"))[0]),
  tryIt(() => status(client.get("UPSTREAM/hop/3", { redirectsEnabled: true, maxRedirects: 3 }))),
  tryIt(() => status(client.get("UPSTREAM/hop/4", { redirectsEnabled: true, maxRedirects: 3 }))),
  tryIt(() => status(client.get("UPSTREAM/hop/20", { redirectsEnabled: true }))),
  tryIt(() => status(client.get("UPSTREAM/hop/21", { redirectsEnabled: true }))),
  tryIt(() => client.get("DENIED/first").statusCode),
  tryIt(() => client.get("UPSTREAM/to-denied").statusCode),
  tryIt(() => client.get("UPSTREAM/to-denied", { redirectsEnabled: true }).statusCode),
  tryIt(() => client.get("UPSTREAM/br").text),
  tryIt(() => client.get("UPSTREAM/br", { contentCompressionEnabled: true }).text.length),
]));`, "DENIED", ds.URL)}, up.URL, opts)
	code, body := get(t, s, "/t")
	want := `[302,[200,"arrived"],["too many redirects (U/hop/4)",-1007],[200,"arrived"],["too many redirects (U/hop/21)",-1007],` +
		`["destination address denied by policy (D/first)",-1004],302,["destination address denied by policy (U/to-denied)",-1004],` +
		`"not compressed",` + strconv.Itoa(len(text)) + `]`
	if code != 200 || body != want {
		t.Fatalf("%d\n%s\nwant\n%s", code, body, want)
	}
	if n := deniedHits.Load(); n != 0 {
		t.Fatalf("the denied server got %d requests", n)
	}
}

// options.session (an identifier or a session object) makes http/client
// calls share that session's jar and default headers; a missing session is
// an exception with the core's message.
func TestSyncSession(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.URL.Query().Get("set"); v != "" {
			http.SetCookie(w, &http.Cookie{Name: "c", Value: v, Path: "/"})
		}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "cookie="+r.Header.Get("Cookie")+" tenant="+r.Header.Get("X-Tenant"))
	}))
	t.Cleanup(up.Close)
	c := core.New(core.Config{DataDir: t.TempDir()})
	t.Cleanup(func() { c.Shutdown(context.Background()) })
	if _, err := c.NewSession(context.Background(), core.SessionConfig{Identifier: "shared", Kind: core.Background,
		Header: http.Header{"X-Tenant": {"t1"}}}); err != nil {
		t.Fatal(err)
	}
	s := serve(t, map[string]string{"t.js": `
const client = require("http/client"), response = require("http/response");
const out = [];
out.push(client.get("UPSTREAM/?set=one", { session: "shared" }).text);
out.push(client.get("UPSTREAM/", { session: { identifier: "shared" }, headers: [{ name: "X-Tenant", value: "mine" }] }).text);
out.push(client.get("UPSTREAM/").text);
try { client.get("UPSTREAM/", { session: "nope" }); out.push("no error"); } catch (e) { out.push(e.message); }
try { client.get("UPSTREAM/", { session: 42 }); out.push("no error"); } catch (e) { out.push(e.message); }
response.print(JSON.stringify(out));`}, up.URL, moduletest.Options{Builtin: modules.Config{Client: c}})
	code, body := get(t, s, "/t")
	want := `["cookie= tenant=t1","cookie=c=one tenant=mine","cookie= tenant=","session nope: not found",` +
		`"Invalid options: session must be a session identifier or a session object"]`
	if code != 200 || body != want {
		t.Fatalf("%d %s\nwant %s", code, body, want)
	}
}
