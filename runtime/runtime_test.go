package runtime_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// oneVM runs every request on the same VM, so leaks between requests show.
var oneVM = moduletest.Options{Runtime: func(c *runtime.Config) { c.PoolSize = 1 }}

func TestIsolation(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"lib.js": `var count = 0; exports.inc = function () { return ++count; };`,
		"probe.js": `
var response = require("http/response");
var out = {};
out.topLevel = typeof leakedTop;
out.explicitGlobal = typeof globalThis.stash;
out.definedGlobal = typeof definedGlobal;
out.protoSeen = typeof Array.prototype.evil + "," + typeof ({}).polluted + "," + typeof Function.prototype.evil;
out.libCount = require("./lib.js").inc();
out.nativeSeen = typeof response.evil;
out.builtinFnSeen = typeof [].map.cache;
out.jsonSeen = typeof JSON.evil;

var errs = [];
function attempt(name, fn) { try { fn(); errs.push(name + ":ok"); } catch (e) { errs.push(name + ":" + e.name); } }
attempt("implicit", function () { implicitLeak = 1; });
attempt("proto", function () { Array.prototype.evil = 1; });
attempt("objproto", function () { Object.defineProperty(Object.prototype, "polluted", { value: 1 }); });
attempt("fnproto", function () { Function.prototype.evil = 1; });
attempt("native", function () { response.evil = 1; });
attempt("nativeFn", function () { response.print = function () {}; });
attempt("nativeDelete", function () { delete response.print; });
attempt("builtinFn", function () { [].map.cache = 1; });
attempt("json", function () { JSON.evil = 1; });
attempt("base", function () { Object.getPrototypeOf(globalThis).evil = 1; });
attempt("builtinGlobal", function () { globalThis.JSON = null; });
globalThis.stash = 42;
Object.defineProperty(globalThis, "definedGlobal", { value: 1, enumerable: false });
var leakedTop = 1;
out.sameRequestGlobal = stash + definedGlobal;
out.errs = errs.join(" ");
response.json(out);
`,
	}, oneVM)
	for i := 0; i < 3; i++ {
		resp, body := s.Get(t, "/probe")
		if resp.StatusCode != 200 {
			t.Fatalf("run %d: %d %s", i, resp.StatusCode, body)
		}
		for _, want := range []string{
			`"topLevel":"undefined"`, `"explicitGlobal":"undefined"`, `"definedGlobal":"undefined"`,
			`"protoSeen":"undefined,undefined,undefined"`, `"libCount":1`, `"nativeSeen":"undefined"`,
			`"builtinFnSeen":"undefined"`, `"jsonSeen":"undefined"`, `"sameRequestGlobal":43`,
			"implicit:ReferenceError", "proto:TypeError", "objproto:TypeError", "fnproto:TypeError",
			"native:ok", "nativeFn:TypeError", "nativeDelete:TypeError", "builtinFn:TypeError", "json:TypeError", "base:TypeError", "builtinGlobal:TypeError",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("run %d: body lacks %s:\n%s", i, want, body)
			}
		}
	}
}

// Ordinary code that assigns over inherited built-in properties still works
// on frozen intrinsics.
func TestFrozenIntrinsicsAllowOverrides(t *testing.T) {
	w := moduletest.Eval(t, `
class MyError extends Error { constructor(m) { super(m); this.name = "MyError"; } }
function Base() {}
function Child() {}
Child.prototype = Object.create(Base.prototype);
Child.prototype.constructor = Child;
Child.prototype.toString = function () { return "child"; };
var o = {}; o.toString = function () { return "o"; }; o.valueOf = function () { return 7; };
var e = new MyError("m");
require("http/response").print([String(new Child()), String(o), o + 1, e.name, e instanceof Error, String(e)].join("|"));
`, nil, moduletest.Options{})
	if w.Code != 200 || w.Body.String() != "child|o|8|MyError|true|MyError: m" {
		t.Fatalf("%d %q", w.Code, w.Body.String())
	}
}

func TestTimersDoNotLeak(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"arm.js": `
setTimeout(function () { require("http/response").print("LEAK"); }, 30);
new Promise(function (resolve) { setTimeout(resolve, 30); }).then(function () { require("http/response").print("LEAK2"); });
throw new Error("boom");`,
		"wait.js": `
var response = require("http/response");
setTimeout(function () { response.print("clean"); }, 150);`,
	}, oneVM)
	if resp, _ := s.Get(t, "/arm"); resp.StatusCode != 500 {
		t.Fatalf("arm: %d", resp.StatusCode)
	}
	resp, body := s.Get(t, "/wait")
	if resp.StatusCode != 200 || body != "clean" {
		t.Fatalf("wait: %d %q", resp.StatusCode, body)
	}
}

func TestAsyncSettles(t *testing.T) {
	w := moduletest.Eval(t, `
const response = require("http/response");
function sleep(ms) { return new Promise(r => setTimeout(r, ms)); }
async function main() {
  let out = [];
  await sleep(20);
  out.push("a");
  const id = setInterval(() => out.push("i"), 5);
  await sleep(40);
  clearInterval(id);
  queueMicrotask(() => out.push("m"));
  await null;
  setImmediate(() => { out.push("s"); response.print(out.filter(x => x !== "i").join("") + (out.includes("i") ? "+i" : "")); });
}
main();
`, nil, moduletest.Options{})
	if w.Code != 200 || w.Body.String() != "ams+i" {
		t.Fatalf("%d %q", w.Code, w.Body.String())
	}
}

func TestUnhandledRejectionIs500(t *testing.T) {
	w := moduletest.Eval(t, `async function f() { throw new Error("async boom"); } f();`, nil, moduletest.Options{})
	if w.Code != 500 {
		t.Fatalf("%d %q", w.Code, w.Body.String())
	}
}

func TestTimeout(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"spin.js":    `while (true) {}`,
		"catch.js":   `for (;;) { try { while (true) {} } catch (e) {} finally {} }`,
		"forever.js": `setInterval(function () {}, 10);`,
		"ok.js":      `require("http/response").print("ok");`,
	}, moduletest.Options{Runtime: func(c *runtime.Config) { c.Timeout = 300 * time.Millisecond; c.PoolSize = 1 }})
	for _, p := range []string{"/spin", "/catch", "/forever"} {
		start := time.Now()
		resp, _ := s.Get(t, p)
		took := time.Since(start)
		if resp.StatusCode != http.StatusGatewayTimeout {
			t.Fatalf("%s: status %d, want 504", p, resp.StatusCode)
		}
		if took < 300*time.Millisecond || took > 10*time.Second { // generous: a loaded machine
			t.Fatalf("%s: answered after %v, want about 300ms", p, took)
		}
		if resp, body := s.Get(t, "/ok"); resp.StatusCode != 200 || body != "ok" {
			t.Fatalf("after %s: %d %q", p, resp.StatusCode, body)
		}
	}
}

func TestDeepRecursion(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"deep.js": `function f(n) { return f(n + 1) + 1; } f(0);`,
		"ok.js":   `require("http/response").print("ok");`,
	}, oneVM)
	resp, _ := s.Get(t, "/deep")
	if resp.StatusCode != 500 {
		t.Fatalf("deep: %d", resp.StatusCode)
	}
	if !strings.Contains(s.Logs(), "Maximum call stack size exceeded") {
		t.Errorf("log lacks the stack overflow:\n%s", s.Logs())
	}
	if resp, body := s.Get(t, "/ok"); resp.StatusCode != 200 || body != "ok" {
		t.Fatalf("after overflow: %d %q", resp.StatusCode, body)
	}
}

// The stack of a stack overflow is as deep as the limit: the log line and
// the Dev-mode 500 body keep its innermost 20 frames and outermost 5, and
// say how many they leave out.
func TestStackOverflowStackIsCapped(t *testing.T) {
	const limit = 1000
	s := moduletest.New(t, map[string]string{
		"deep.js": `function f(n) { return f(n + 1) + 1; } f(0);`,
	}, moduletest.Options{Runtime: func(c *runtime.Config) { c.Dev, c.MaxCallStackSize = true, limit }})
	resp, body := s.Get(t, "/deep")
	if resp.StatusCode != 500 || !strings.Contains(body, "Maximum call stack size exceeded") {
		t.Fatalf("deep: %d %q", resp.StatusCode, body)
	}
	var omitted int
	if i := strings.Index(body, "    ... "); i < 0 {
		t.Fatalf("no omitted frames line in the body:\n%.3000s", body)
	} else if _, err := fmt.Sscanf(body[i:], "    ... %d frames omitted ...", &omitted); err != nil {
		t.Fatalf("no omitted frames line in the body (%v):\n%s", err, body)
	}
	frames := strings.Count(body, "    at ")
	if frames != 25 || !strings.HasPrefix(body[strings.Index(body, "    at "):], "    at f (deep.js:1:") ||
		omitted+frames < limit-2 || omitted+frames > limit+2 {
		t.Errorf("%d frames shown and %d omitted, want 25 and about %d in all:\n%s", frames, omitted, limit-25, body)
	}
	logs := s.Logs()
	if !strings.Contains(logs, fmt.Sprintf("... %d frames omitted ...", omitted)) || strings.Count(logs, "at f (deep.js") != 24 {
		t.Errorf("the log line does not carry the capped stack:\n%s", logs)
	}
}

func TestGoPanicInModule(t *testing.T) {
	panicky := runtime.Module{Name: "test/panic", Load: func(vm *runtime.VM) (goja.Value, error) {
		return vm.Runtime().ToValue(func(goja.FunctionCall) goja.Value { panic("native bug") }), nil
	}}
	s := moduletest.New(t, map[string]string{
		"p.js":  `require("test/panic")();`,
		"ok.js": `require("http/response").print("ok");`,
	}, moduletest.Options{Modules: []runtime.Module{panicky}, Runtime: func(c *runtime.Config) { c.PoolSize = 1 }})
	for i := 0; i < 2; i++ {
		if resp, _ := s.Get(t, "/p"); resp.StatusCode != 500 {
			t.Fatalf("panic: %d", resp.StatusCode)
		}
		if resp, body := s.Get(t, "/ok"); resp.StatusCode != 200 || body != "ok" {
			t.Fatalf("after panic: %d %q", resp.StatusCode, body)
		}
	}
	if !strings.Contains(s.Logs(), "native bug") {
		t.Errorf("log lacks the panic:\n%s", s.Logs())
	}
}

func TestScriptErrorLocation(t *testing.T) {
	files := map[string]string{
		"api/broken.ts": "interface X { a: number }\nconst x: X = { a: 1 };\n\n\nfunction fail(n: number): never {\n  throw new TypeError(\"bad \" + n);\n}\nfail(x.a);\n",
		"syntax.js":     "var a = 1;\nvar b = ;\n",
	}
	for _, dev := range []bool{false, true} {
		s := moduletest.New(t, files, moduletest.Options{Runtime: func(c *runtime.Config) { c.Dev = dev }})
		resp, body := s.Get(t, "/api/broken")
		if resp.StatusCode != 500 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if !strings.Contains(s.Logs(), "script=api/broken.ts line=6 column=") || !strings.Contains(s.Logs(), "TypeError: bad 1") {
			t.Fatalf("log lacks the location:\n%s", s.Logs())
		}
		if dev != strings.Contains(body, "api/broken.ts:6:") {
			t.Fatalf("dev=%v body:\n%s", dev, body)
		}
		resp, body = s.Get(t, "/syntax")
		if resp.StatusCode != 500 || !strings.Contains(s.Logs(), "script=syntax.js line=2") {
			t.Fatalf("syntax error: %d %s\n%s", resp.StatusCode, body, s.Logs())
		}
	}
}

func TestHotReload(t *testing.T) {
	s := moduletest.New(t, map[string]string{"lib/v.js": `module.exports = "a";`}, moduletest.Options{})
	get := func(path string) (int, string) {
		resp, body := s.Get(t, path)
		return resp.StatusCode, body
	}
	if code, _ := get("/hello"); code != 404 {
		t.Fatalf("before: %d", code)
	}
	for i, v := range []string{"one", "two", "six"} { // same length: only the content tells
		s.Write(t, "hello.js", `require("http/response").print("`+v+`" + require("./lib/v.js"));`)
		s.Write(t, "lib/v.js", `module.exports = "`+string(rune('a'+i))+`";`)
		if code, body := get("/hello"); code != 200 || body != v+string(rune('a'+i)) {
			t.Fatalf("version %d: %d %q", i, code, body)
		}
	}
	s.Write(t, "sub/new.ts", `const n: number = 5; require("http/response").print(String(n));`)
	if code, body := get("/sub/new"); code != 200 || body != "5" {
		t.Fatalf("new file in new folder: %d %q", code, body)
	}
	s.Edit(t, func() {
		if err := removeFile(s.Dir, "hello.js"); err != nil {
			t.Fatal(err)
		}
	})
	if code, _ := get("/hello"); code != 404 {
		t.Fatalf("after delete: %d", code)
	}
}

func TestPoolExhaustion(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"slow.js": `setTimeout(function () { require("http/response").print("done"); }, 600);`,
	}, moduletest.Options{Runtime: func(c *runtime.Config) { c.PoolSize = 1; c.QueueTimeout = 100 * time.Millisecond }})
	var wg sync.WaitGroup
	codes := make(chan int, 2)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 100 * time.Millisecond)
			resp, _ := s.Get(t, "/slow")
			if resp.StatusCode == 503 && resp.Header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			codes <- resp.StatusCode
		}(i)
	}
	wg.Wait()
	close(codes)
	got := map[int]int{}
	for c := range codes {
		got[c]++
	}
	if got[200] != 1 || got[503] != 1 {
		t.Fatalf("statuses %v, want one 200 and one 503", got)
	}
}

func TestParallelRequestsRace(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"n.js": `var r = require("http/response"); var q = require("http/request"); r.print(q.getParameter("n"));`,
	}, moduletest.Options{})
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				want := strings.Repeat("x", i) + "-" + string(rune('a'+j))
				resp, body := s.Get(t, "/n?n="+want)
				if resp.StatusCode != 200 || body != want {
					t.Errorf("%d %q, want %q", resp.StatusCode, body, want)
					return
				}
			}
		}(i)
	}
	wg.Wait()
}

// A script that never mentions module, exports or this runs without a
// module object; one that does gets them, and a file requiring the script
// back gets its exports (a frozen {} for the first kind).
func TestModuleObjects(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"plain.js":    `var lib = require("./lib/back.js"); require("http/response").print(JSON.stringify(lib.seen) + Object.isFrozen(lib.seen));`,
		"lib/back.js": `exports.seen = require("../plain.js");`,
		"full.js":     `exports.a = 1; require("http/response").print([this === exports, module.exports === exports, typeof module.id, module.loaded].join(","));`,
	}, moduletest.Options{})
	if resp, body := s.Get(t, "/plain"); resp.StatusCode != 200 || body != "{}true" {
		t.Fatalf("plain: %d %q", resp.StatusCode, body)
	}
	if resp, body := s.Get(t, "/full"); resp.StatusCode != 200 || body != "true,true,string,false" {
		t.Fatalf("full: %d %q", resp.StatusCode, body)
	}
}

// A client that sends its body too slowly holds a VM no longer than the
// script timeout. The slow client never finishes its body, so without the
// bound the next request would wait the whole (long) queue timeout and be
// answered 503; the script timeout is wide enough that a loaded machine
// still runs ok.js within it.
func TestSlowBodyIsBounded(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"echo.js": `require("http/response").print(require("http/request").getText());`,
		"ok.js":   `require("http/response").print("ok");`,
	}, moduletest.Options{Runtime: func(c *runtime.Config) {
		c.Timeout = 2 * time.Second
		c.QueueTimeout = 20 * time.Second
		c.PoolSize = 1
	}})
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
	if resp, body := s.Get(t, "/ok"); resp.StatusCode != 200 || body != "ok" {
		t.Fatalf("while a slow body is read: %d %q", resp.StatusCode, body)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	// The server answers 408 (or closes the connection: the client's read
	// side timed out) once the script's time is up.
	line, _ := bufio.NewReader(conn).ReadString('\n')
	if line != "" && !strings.Contains(line, "408") {
		t.Fatalf("the slow client got %q, want 408 or a closed connection", line)
	}
	if !strings.Contains(s.Logs(), "status=408") {
		t.Fatalf("no 408 in the log:\n%s", s.Logs())
	}
}

// TestWatcherSeesEdits: the watcher reads inotify events on its own
// goroutine (no system call per request); each edit moves the generation
// on within moduletest.EditBound (Edit fails the test otherwise), and the
// request after it sees the edit. Many edits in a row each move it on.
func TestWatcherSeesEdits(t *testing.T) {
	s := moduletest.New(t, map[string]string{"v.js": `require("http/response").print("0");`}, moduletest.Options{})
	if s.Runtime.Generation() == 0 {
		t.Skip("no file watching on this system")
	}
	for i := 1; i <= 20; i++ {
		before := s.Runtime.Generation()
		v := strconv.Itoa(i)
		s.Write(t, "v.js", `require("http/response").print("`+v+`");`)
		if after := s.Runtime.Generation(); after <= before {
			t.Fatalf("edit %d: generation %d after %d", i, after, before)
		}
		if resp, body := s.Get(t, "/v"); resp.StatusCode != 200 || body != v {
			t.Fatalf("edit %d: %d %q", i, resp.StatusCode, body)
		}
	}
	s.Write(t, "new/deep/x.js", `require("http/response").print("x");`)
	s.Write(t, "new/deep/x.js", `require("http/response").print("y");`) // in a folder made after start
	if resp, body := s.Get(t, "/new/deep/x"); resp.StatusCode != 200 || body != "y" {
		t.Fatalf("new folder: %d %q", resp.StatusCode, body)
	}
}
