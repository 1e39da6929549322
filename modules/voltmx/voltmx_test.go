package voltmx_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dirigo/dirigo/modules"
	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/modules/voltmx"
	"github.com/dirigo/dirigo/runtime/client"
)

func upstream(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		http.SetCookie(w, &http.Cookie{Name: "k", Value: "v"})
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		io.WriteString(w, `{"a":[1,2]}`)
	})
	mux.HandleFunc("/text", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "hi")
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	mux.HandleFunc("/bin", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte{1, 2, 3})
	})
	mux.HandleFunc("/xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		io.WriteString(w, "<a/>")
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, r.Method+" "+r.Header.Get("Content-Type")+" "+r.Header.Get("X-A")+" "+r.Header.Get("Authorization")+" "+string(b))
	})
	mux.HandleFunc("/cookie/set", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "c", Value: "1", Path: "/"})
		w.Header().Set("Content-Type", "text/plain")
	})
	mux.HandleFunc("/cookie", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if c, err := r.Cookie("c"); err == nil {
			io.WriteString(w, c.Value)
			return
		}
		io.WriteString(w, "none")
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func server(t *testing.T, up string, files map[string]string) *moduletest.Server {
	t.Helper()
	c := client.New(client.Config{DataDir: t.TempDir()})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.Shutdown(ctx)
	})
	fs := make(map[string]string, len(files))
	for k, v := range files {
		fs[k] = strings.ReplaceAll(v, "UPSTREAM", up)
	}
	return moduletest.New(t, fs, moduletest.Options{Builtin: modules.Config{Client: c}})
}

func get(t *testing.T, s *moduletest.Server, path string) string {
	t.Helper()
	resp, body := s.Get(t, path)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s\n%s", path, resp.StatusCode, body, s.Logs())
	}
	return body
}

const prelude = `const response = require("http/response");
function trace(req, log) {
  req.onReadyStateChange = function (arg) {
    log.push(this.readyState + (this === req && arg === req ? "" : "!"));
    if (this.readyState === 4) done(req, log);
  };
}
`

func TestReadyStatesAndResponses(t *testing.T) {
	up := upstream(t)
	s := server(t, up.URL, map[string]string{
		"json.js": prelude + `
const req = new voltmx.net.HttpRequest();
const log = [req.readyState, req.status, JSON.stringify(req.statusText), req.responseType];
trace(req, log);
req.open(constants.HTTP_METHOD_GET, "UPSTREAM/json");
function done(req, log) {
  log.push(req.status, req.statusText, req.responseType, JSON.stringify(req.response), req.getResponseHeader("content-type"),
    String(req.getResponseHeader("Set-Cookie")), JSON.stringify(req.getAllResponseHeaders()["X-Multi"]), "Set-Cookie" in req.getAllResponseHeaders(),
    req.getTaskState() === constants.SESSION_TASK_STATE_COMPLETED);
  response.print(log.join(" "));
}
req.send();`,
		"types.js": prelude + `
const out = [];
let left = 5;
function done(req) {
  const r = req.response;
  out.push(req.responseType + ":" + (r instanceof Uint8Array ? "bytes" + r.length : JSON.stringify(r)));
  if (--left === 0) response.print(out.sort().join(" "));
}
for (const p of ["text", "empty", "bin", "xml"]) {
  const req = new voltmx.net.HttpRequest();
  req.onReadyStateChange = function () { if (this.readyState === 4) done(this); };
  req.open("get", "UPSTREAM/" + p);
  req.send();
}
const forced = new voltmx.net.HttpRequest();
forced.onReadyStateChange = function () { if (this.readyState === 4) done(this); };
forced.open("GET", "UPSTREAM/text");
forced.responseType = constants.HTTP_RESPONSE_TYPE_RAWDATA;
forced.send();`,
		"send.js": prelude + `
const out = [];
let left = 4;
function send(data, headers, user) {
  const req = new voltmx.net.HttpRequest();
  req.onReadyStateChange = function () {
    if (this.readyState !== 4) return;
    out.push(this.response);
    if (--left === 0) response.print(out.sort().join("\n"));
  };
  req.open("POST", "UPSTREAM/echo", true, user, user && "pw");
  for (const [k, v] of headers) req.setRequestHeader(k, v);
  req.send(data);
}
send({ a: 1 }, [["X-A", "1"], ["x-a", "2"]]);
send("text", []);
send(new Uint8Array([104, 105]), [["Content-Type", "application/x"]], "me");
const fd = new voltmx.net.FormData();
fd.append("f", "v");
send(fd, []);`,
	})
	if got, want := get(t, s, "/json"), `0 0 "" `+` 1 2 3 4 200 OK json {"a":[1,2]} application/json null "a, b" false true`; got != want {
		t.Errorf("json:\n%q\nwant\n%q", got, want)
	}
	if got, want := get(t, s, "/types"), `arraybuffer:bytes0 arraybuffer:bytes2 arraybuffer:bytes3 document:"<a/>" text:"hi"`; got != want {
		t.Errorf("types:\n%q\nwant\n%q", got, want)
	}
	got := get(t, s, "/send")
	for _, w := range []string{
		`POST application/json 1, 2  {"a":1}`,
		`POST text/plain;charset=UTF-8   text`,
		`POST application/x  Basic bWU6cHc= hi`,
		`POST multipart/form-data; boundary=`,
	} {
		if !strings.Contains(got, w) {
			t.Errorf("send: %q lacks %q", got, w)
		}
	}
}

func TestResponseType(t *testing.T) {
	for ct, want := range map[string]string{
		"text/plain; charset=utf-8": "text", "application/text": "text", "application/json": "json",
		"application/xml": "document", "text/xml": "document", "text/html; charset=utf-8": "document",
		"image/svg+xml": "document", "text/csv": "arraybuffer", "": "arraybuffer", "application/octet-stream": "arraybuffer",
	} {
		if got := voltmx.ResponseType(ct); got != want {
			t.Errorf("ResponseType(%q) = %q, want %q", ct, got, want)
		}
	}
}

func TestSessionsAbortTimeoutErrors(t *testing.T) {
	up := upstream(t)
	s := server(t, up.URL, map[string]string{
		// getSession groups requests; a background transfer is read by id
		// from a later request.
		"bg.js": `
const a = new voltmx.net.HttpRequest();
a.backgroundTransfer = true;
a.open("GET", "UPSTREAM/cookie/set");
a.onReadyStateChange = function () {
  if (this.readyState !== 4) return;
  const id = this.getSession();
  const b = new voltmx.net.HttpRequest(id);
  b.onReadyStateChange = function () {
    if (this.readyState === 4) require("http/response").print([id === b.getSession(), b.backgroundTransfer, b.response, a.getTaskIdentifier(), b.getTaskIdentifier(), id].join(" "));
  };
  b.open("GET", "UPSTREAM/cookie");
  b.send();
};
a.send();`,
		"task.js": `const q = require("http/request");
const t = voltmx.net.getTask(q.getParameter("s"), 2);
require("http/response").print(JSON.stringify([t.state, t.success, t.statusCode, t.responseText, voltmx.net.getTask(q.getParameter("s"), 9)]));`,
		// A plain request's jar lives for the incoming request.
		"plain.js": `
const out = [];
function go(path, next) {
  const r = new voltmx.net.HttpRequest();
  r.open("GET", "UPSTREAM" + path, false); // synchronous
  r.send();
  out.push(r.readyState + ":" + r.response);
}
go("/cookie/set"); go("/cookie");
require("http/response").print(out.join(" "));`,
		"abort.js": `
const r = new voltmx.net.HttpRequest();
const log = [];
r.onReadyStateChange = function () { log.push(this.readyState); };
r.open("GET", "UPSTREAM/slow");
r.send();
setTimeout(() => {
  r.abort();
  log.push("after abort " + r.readyState + " " + r.status);
  setTimeout(() => require("http/response").print(log.join(",")), 50);
}, 50);`,
		"timeout.js": `
const r = new voltmx.net.HttpRequest();
r.timeout = 100;
r.onReadyStateChange = function () {
  if (this.readyState === 4) require("http/response").print([this.status, JSON.stringify(this.statusText), JSON.stringify(this.response), this.errorCode].join(" "));
};
r.open("GET", "UPSTREAM/slow");
r.send();`,
		"errors.js": `
const out = [];
function t(f) { try { f(); out.push("ok"); } catch (e) { out.push(e.name + (e.errorCode ? ":" + e.errorCode : "")); } }
const r = new voltmx.net.HttpRequest();
t(() => r.send());
t(() => r.setRequestHeader("a", "b"));
t(() => r.open("GET"));
t(() => r.open(1, 2));
t(() => r.open("BREW", "UPSTREAM/"));
t(() => r.open("GET", "not a url"));
r.open("GET", "UPSTREAM/text");
t(() => r.setRequestHeader("a", "b"));
r.onReadyStateChange = function () {};
r.send();
t(() => r.send());
t(() => r.setRequestHeader("a", "b"));
t(() => new voltmx.net.HttpRequest("no-such-session"));
require("http/response").print(out.join(" "));`,
	})
	got := get(t, s, "/bg")
	f := strings.Fields(got)
	if len(f) != 6 || strings.Join(f[:5], " ") != "true true 1 1 2" {
		t.Fatalf("bg: %q", got)
	}
	if got := get(t, s, "/task?s="+f[5]); got != `[3,true,200,"1",null]` {
		t.Errorf("task: %s", got)
	}
	if got := get(t, s, "/plain"); got != "4: 4:1" {
		t.Errorf("plain: %q", got)
	}
	if got := get(t, s, "/plain"); got != "4: 4:1" {
		t.Errorf("plain again (a new jar): %q", got)
	}
	if got := get(t, s, "/abort"); got != "1,after abort 0 0" {
		t.Errorf("abort: %q", got)
	}
	if got := get(t, s, "/timeout"); got != `0 "" "" -1001` {
		t.Errorf("timeout: %q", got)
	}
	if got, want := get(t, s, "/errors"), "InvalidStateError InvalidStateError WrongArgumentCount:101 InvalidParameterType:100 SyntaxError SyntaxError ok InvalidStateError InvalidStateError Error"; got != want {
		t.Errorf("errors:\n%q\nwant\n%q", got, want)
	}
}
