package titanium_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dirigo/dirigo/modules"
	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/modules/titanium"
	"github.com/dirigo/dirigo/runtime/client"
)

// upstream is a local server the scripts call: /cookie/set sets a cookie,
// /cookie echoes the cookies it got, /status/N answers N, /big answers
// 100 KiB, /slow waits for release (or the request's end), anything else
// echoes method and body.
func upstream(t *testing.T) (*httptest.Server, chan struct{}) {
	t.Helper()
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/cookie/set", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "c", Value: r.URL.Query().Get("v"), Path: "/"})
		io.WriteString(w, "set")
	})
	mux.HandleFunc("/cookie", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("c")
		if err != nil {
			io.WriteString(w, "none")
			return
		}
		io.WriteString(w, c.Value)
	})
	mux.HandleFunc("/status/", func(w http.ResponseWriter, r *http.Request) {
		var code int
		fmt.Sscan(strings.TrimPrefix(r.URL.Path, "/status/"), &code)
		w.WriteHeader(code)
		io.WriteString(w, "status body")
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "102400")
		w.Write([]byte(strings.Repeat("x", 102400)))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
		io.WriteString(w, "late")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "%s %s %s h=%s", r.Method, r.URL.Path, b, r.Header.Get("X-H"))
	})
	s := httptest.NewServer(mux)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
		s.Close()
	})
	return s, release
}

// server serves files (UPSTREAM replaced) with a client of its own.
func server(t *testing.T, up string, files map[string]string, cfg client.Config) (*moduletest.Server, *client.Client) {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.ProgressInterval == 0 {
		cfg.ProgressInterval = time.Hour // progress events by bytes only: deterministic
	}
	c := client.New(cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.Shutdown(ctx)
	})
	fs := make(map[string]string, len(files))
	for k, v := range files {
		fs[k] = strings.ReplaceAll(v, "UPSTREAM", up)
	}
	s := moduletest.New(t, fs, moduletest.Options{Builtin: modules.Config{Client: c}})
	return s, c
}

func get(t *testing.T, s *moduletest.Server, path string) string {
	t.Helper()
	resp, body := s.Get(t, path)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s\n%s", path, resp.StatusCode, body, s.Logs())
	}
	return body
}

const logEvents = `const urlSession = require("com.appcelerator.urlSession");
const response = require("http/response");
const log = [];
for (const name of ["uploadprogress", "downloadprogress", "downloadcompleted", "sessioncompleted", "sessioneventscompleted"]) {
  Ti.App.iOS.addEventListener(name, (e) => {
    const c = Object.assign({}, e);
    if (c.data) c.data = { length: c.data.length, text: c.data.text };
    if (c.file) c.file = "FILE";
    log.push(c);
    if (name === "sessioncompleted" && ++completed === expected) response.print(JSON.stringify(log));
  });
}
let completed = 0;
`

func TestEventOrderAndPayloads(t *testing.T) {
	up, _ := upstream(t)
	s, _ := server(t, up.URL, map[string]string{
		"data.js": "const expected = 2;\n" + logEvents + `
const cfg = urlSession.createSessionConfiguration({ identifier: "d", type: "default", HTTPHeaderFields: { "X-H": "session" } });
const session = urlSession.createSession({ configuration: cfg });
const id = session.dataTask({ url: "UPSTREAM/echo", data: { a: 1 } });
const id2 = session.dataTask({ url: "UPSTREAM/status/404", method: "GET" });
log.push({ ids: [id, id2], cfg: session.configuration });
`,
		"download.js": "const expected = 1;\n" + logEvents + `
const session = urlSession.createSession({ configuration: urlSession.createSessionConfiguration({ identifier: "dl", type: "ephemeral" }) });
session.downloadTask({ url: "UPSTREAM/big" });
`,
		"upload.js": "const expected = 1;\n" + logEvents + `
const session = urlSession.createSession({ configuration: urlSession.createSessionConfiguration({ identifier: "up", type: "default" }) });
session.uploadTask({ url: "UPSTREAM/up", method: "PUT", data: "hello", requestHeaders: { "X-H": "mine" } });
`,
	}, client.Config{ProgressBytes: 64 << 10})

	body := get(t, s, "/data")
	want := `[{"ids":[1,2],"cfg":{"identifier":"d","HTTPHeaderFields":{"X-H":"session"},"type":"default","listener":null}},` +
		`{"type":"uploadprogress","taskIdentifier":1,"bytesSent":7,"totalBytesSent":7,"totalBytesExpectedToSend":7,"sessionIdentifier":"d"},` +
		`{"type":"sessioncompleted","taskIdentifier":1,"success":true,"errorCode":0,"statusCode":200,"responseText":"POST /echo {\"a\":1} h=session","sessionIdentifier":"d"},` +
		`{"type":"sessioncompleted","taskIdentifier":2,"success":true,"errorCode":0,"statusCode":404,"responseText":"status body","sessionIdentifier":"d"}]`
	if got, w := perTask(t, body), perTask(t, want); got != w {
		t.Fatalf("data:\n%s\nwant (in order per task)\n%s", body, want)
	}

	// Progress is throttled by bytes (64 KiB here): the chunks depend on
	// the reads, the totals do not.
	evs := decode(t, get(t, s, "/download"))
	var names []string
	var sum, last float64
	for _, e := range evs {
		names = append(names, e["type"].(string))
		if e["type"] == "downloadprogress" {
			sum += e["bytesWritten"].(float64)
			if tot := e["totalBytesWritten"].(float64); tot <= last || e["totalBytesExpectedToWrite"].(float64) != 102400 {
				t.Fatalf("progress %v after %v", e, last)
			}
			last = e["totalBytesWritten"].(float64)
		}
	}
	if n := len(names); n < 4 || names[n-3] != "downloadprogress" || names[n-2] != "downloadcompleted" || names[n-1] != "sessioncompleted" || sum != 102400 || last != 102400 {
		t.Fatalf("download events %v, %v bytes in progress events", names, sum)
	}
	dc := evs[len(evs)-2]
	if data := dc["data"].(map[string]any); data["length"].(float64) != 102400 || data["text"] != strings.Repeat("x", 102400) || dc["file"] != "FILE" {
		t.Fatalf("downloadcompleted %v", dc)
	}
	if sc := evs[len(evs)-1]; sc["success"] != true || sc["statusCode"].(float64) != 200 || sc["responseText"] != nil || sc["sessionIdentifier"] != "dl" {
		t.Fatalf("sessioncompleted %v", sc)
	}

	body = get(t, s, "/upload")
	want = `[{"type":"uploadprogress","taskIdentifier":1,"bytesSent":5,"totalBytesSent":5,"totalBytesExpectedToSend":5,"sessionIdentifier":"up"},` +
		`{"type":"sessioncompleted","taskIdentifier":1,"success":true,"errorCode":0,"statusCode":200,"responseText":"PUT /up hello h=mine","sessionIdentifier":"up"}]`
	if body != want {
		t.Fatalf("upload:\n%s\nwant\n%s", body, want)
	}
}

func decode(t *testing.T, body string) []map[string]any {
	t.Helper()
	var evs []map[string]any
	if err := json.Unmarshal([]byte(body), &evs); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return evs
}

// perTask returns the events of body grouped by task, in order: events of
// concurrent tasks may interleave.
func perTask(t *testing.T, body string) string {
	t.Helper()
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	groups := map[string][]string{}
	var order []string
	for _, r := range raw {
		var e struct {
			Task json.RawMessage `json:"taskIdentifier"`
		}
		json.Unmarshal(r, &e)
		k := string(e.Task)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], string(r))
	}
	slices.Sort(order)
	var out []string
	for _, k := range order {
		out = append(out, k+": "+strings.Join(groups[k], " "))
	}
	return strings.Join(out, "\n")
}

// A script that runs tasks one after the other and prints their
// sessioncompleted responseText (or errorCode), in order.
const chain = `const urlSession = require("com.appcelerator.urlSession");
const response = require("http/response");
const out = [];
function run(session, steps) {
  if (steps.length === 0) { response.print(out.join(",")); return; }
  const [kind, args] = steps[0];
  let id;
  const done = (e) => {
    if (e.taskIdentifier !== id || e.sessionIdentifier !== session.identifier) return;
    Ti.App.iOS.removeEventListener("sessioncompleted", done);
    out.push(e.success ? e.responseText : "error " + e.errorCode);
    run(session, steps.slice(1));
  };
  Ti.App.iOS.addEventListener("sessioncompleted", done); // before the task: a background one is then awaited
  id = session[kind](args);
}
function open(id, type) {
  return urlSession.createSession({ configuration: urlSession.createSessionConfiguration({ identifier: id, type }) });
}
`

// Cookies persist within a session, across requests for a default one,
// and never cross sessions or kinds.
func TestCookies(t *testing.T) {
	up, _ := upstream(t)
	s, _ := server(t, up.URL, map[string]string{
		"set.js": chain + `
const q = require("http/request").getParameter("s");
run(open(q, require("http/request").getParameter("type")), [["dataTask", { url: "UPSTREAM/cookie/set?v=" + q, method: "GET" }], ["dataTask", { url: "UPSTREAM/cookie", method: "GET" }]]);`,
		"read.js": chain + `
run(open(require("http/request").getParameter("s"), require("http/request").getParameter("type")), [["dataTask", { url: "UPSTREAM/cookie", method: "GET" }]]);`,
	}, client.Config{})
	for _, c := range []struct{ path, want string }{
		{"/set?s=a&type=default", "set,a"},
		{"/set?s=b&type=default", "set,b"},
		{"/read?s=a&type=default", "a"}, // kept by the default session a
		{"/read?s=b&type=default", "b"},
		{"/read?s=c&type=default", "none"},   // another session
		{"/set?s=e&type=ephemeral", "set,e"}, // within the request
		{"/read?s=e&type=ephemeral", "none"}, // gone with it
		{"/set?s=g&type=background", "set,g"},
		{"/read?s=g&type=background", "g"},
		{"/read?s=a&type=ephemeral", "none"}, // an ephemeral session never joins a default one
	} {
		if got := get(t, s, c.path); got != c.want {
			t.Errorf("GET %s = %q, want %q", c.path, got, c.want)
		}
	}
}

// Cancel, finishTasksAndInvalidate and invalidateAndCancel; new tasks are
// refused once a session is invalidated.
func TestCancelAndInvalidate(t *testing.T) {
	up, release := upstream(t)
	s, _ := server(t, up.URL, map[string]string{
		"cancel.js": chain + `
const session = open("x", "default");
const out2 = [];
Ti.App.iOS.addEventListener("sessioncompleted", (e) => {
  out2.push(e.taskIdentifier + ":" + (e.success ? e.statusCode + " " + e.responseText : e.errorCode + " " + e.message));
  if (out2.length === 2) {
    let refused;
    try { session.dataTask({ url: "UPSTREAM/x" }); } catch (err) { refused = err.message; }
    response.print(out2.sort().join("|") + "|" + refused);
  }
});
session.dataTask({ url: "UPSTREAM/slow", method: "GET" });
session.dataTask({ url: "UPSTREAM/slow", method: "GET" });
setTimeout(() => session.invalidateAndCancel(), 50);`,
		"finish.js": chain + `
const session = open("f", "default");
const got = [];
Ti.App.iOS.addEventListener("sessioncompleted", (e) => {
  got.push(e.taskIdentifier + ":" + e.responseText);
  response.print(got.join("|") + "|" + refused);
});
session.dataTask({ url: "UPSTREAM/slow", method: "GET" });
session.finishTasksAndInvalidate();
let refused;
try { session.downloadTask({ url: "UPSTREAM/x" }); } catch (err) { refused = err.message; }
`,
		"again.js": chain + `response.print(String(open("f", "default").identifier));`,
	}, client.Config{})
	if got, want := get(t, s, "/cancel"), "1:-999 cancelled|2:-999 cancelled|session invalidated"; got != want {
		t.Errorf("cancel: %q, want %q", got, want)
	}
	done := make(chan string)
	go func() {
		resp, body := s.Get(t, "/finish")
		done <- fmt.Sprint(resp.StatusCode, " ", body)
	}()
	time.Sleep(100 * time.Millisecond) // not an assertion: lets the task reach the upstream first
	close(release)
	if got, want := <-done, "200 1:late|session invalidated"; got != want {
		t.Errorf("finish: %q, want %q", got, want)
	}
	// Once invalid, the identifier is free again: a new session.
	if got := get(t, s, "/again"); got != "f" {
		t.Errorf("again: %q", got)
	}
}

// A background download started by one request finishes after its
// response; a later request reads its snapshot and its file, and the
// session's listener script gets every event in order, in a fresh VM.
func TestBackgroundDownloadAndListener(t *testing.T) {
	release := make(chan struct{})
	events := make(chan string, 16)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/file":
			<-release
			io.WriteString(w, "the file")
		case "/record":
			b, _ := io.ReadAll(r.Body)
			events <- string(b)
		}
	}))
	defer up.Close()
	s, c := server(t, up.URL, map[string]string{
		"start.js": `const urlSession = require("com.appcelerator.urlSession");
const session = urlSession.createSession({ configuration: urlSession.createSessionConfiguration({ identifier: "bg", listener: "listeners/log.js" }) });
require("http/response").print(session.downloadTask({ url: "UPSTREAM/file" }));`,
		"poll.js": `const urlSession = require("com.appcelerator.urlSession");
const session = urlSession.createSession({ configuration: urlSession.createSessionConfiguration({ identifier: "bg" }) });
const t = session.getTask(Number(require("http/request").getParameter("id")));
const text = t.file ? new TextDecoder().decode(urlSession.readFile(t.file)) : null;
require("http/response").print(JSON.stringify([t.taskIdentifier, t.state, t.success, t.statusCode, t.totalBytesWritten, text, session.getTask(99)]));`,
		"listeners/log.js": `module.exports = async function (e) {
  const c = Object.assign({}, e);
  if (c.data) c.data = c.data.text;
  if (c.file) c.file = "FILE";
  await fetch("UPSTREAM/record", { method: "POST", body: JSON.stringify(c) });
};`,
	}, client.Config{})
	if err := c.StartDelivery(context.Background(), titanium.Deliver(s.Runtime, c)); err != nil {
		t.Fatal(err)
	}
	id := get(t, s, "/start")
	if id != "1" {
		t.Fatalf("start: %q", id)
	}
	if got := get(t, s, "/poll?id=1"); got != `[1,0,false,0,0,null,null]` {
		t.Errorf("poll while running: %s", got)
	}
	close(release)
	want := []string{
		`{"type":"downloadprogress","taskIdentifier":1,"bytesWritten":8,"totalBytesWritten":8,"totalBytesExpectedToWrite":8,"sessionIdentifier":"bg"}`,
		`{"type":"downloadcompleted","taskIdentifier":1,"data":"the file","file":"FILE","sessionIdentifier":"bg"}`,
		`{"type":"sessioncompleted","taskIdentifier":1,"success":true,"errorCode":0,"statusCode":200,"sessionIdentifier":"bg"}`,
		`{"type":"sessioneventscompleted","sessionIdentifier":"bg"}`,
	}
	for i, w := range want {
		select {
		case got := <-events:
			if got != w {
				t.Errorf("listener event %d:\n%s\nwant\n%s", i, got, w)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("listener event %d never came\n%s", i, s.Logs())
		}
	}
	if got := get(t, s, "/poll?id=1"); got != `[1,3,true,200,8,"the file",null]` {
		t.Errorf("poll after: %s", got)
	}
}
