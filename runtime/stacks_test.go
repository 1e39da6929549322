package runtime_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// goInternals are what scripts, responses and script stacks must never show.
var goInternals = []string{"github.com/", "(*VM)", ".func1", "goroutine ", ".go:", "runtime.", "GoError"}

func showsGo(s string) string {
	for _, g := range goInternals {
		if strings.Contains(s, g) {
			return g
		}
	}
	return ""
}

// TestGoFunctionsLookNative: Go-backed functions print like built-ins and
// stack traces through them name them, not their Go symbols.
func TestGoFunctionsLookNative(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"names.js": `
var request = require("http/request"), response = require("http/response");
var r = [String(require), String(console.log), String(setTimeout), String(clearTimeout), String(createSession),
	String(request.getMethod), String(response.print), String(require("sdk/http").session.getAttribute),
	Object.getOwnPropertyDescriptor(request.jsession, "id").get.name,
	Object.getOwnPropertyDescriptor(Object.getPrototypeOf(globalThis), "globalThis").get.name,
	request.getInputStream().read.name, require.length];
try { require("no/such/module"); } catch (e) { r.push(e.name + " " + (e instanceof Error) + " " + e.code + " " + e.stack); }
try { [1].map(function () { response.sendError(); }); } catch (e) { r.push(e.stack); }
[1].forEach(function () { console.trace("traced"); });
response.print(r.join("\n"));`,
		"batch.js": `
console.log([String(process.exit), Object.getOwnPropertyDescriptor(process, "exitCode").get.name,
	Object.getOwnPropertyDescriptor(process, "exitCode").set.name].join("\n"));`,
	}, moduletest.Options{})
	_, body := s.Get(t, "/names")
	lines := strings.SplitN(body, "\n", 13)
	want := []string{
		"function require() { [native code] }", "function log() { [native code] }",
		"function setTimeout() { [native code] }", "function clearTimeout() { [native code] }",
		"function createSession() { [native code] }", "function getMethod() { [native code] }",
		"function print() { [native code] }", "function getAttribute() { [native code] }",
		"get id", "get globalThis", "read", "1",
	}
	if len(lines) < len(want)+1 {
		t.Fatalf("body:\n%s", body)
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d: %q, want %q", i, lines[i], w)
		}
	}
	stacks := lines[len(want)]
	if g := showsGo(stacks); g != "" {
		t.Errorf("a stack shows %q:\n%s", g, stacks)
	}
	for _, w := range []string{"Error true MODULE_NOT_FOUND Error: Cannot find module 'no/such/module'", "Error: sendError:", "at require (native)", "at sendError (native)", "at map (native)", "names.js:"} {
		if !strings.Contains(stacks, w) {
			t.Errorf("stacks lack %q:\n%s", w, stacks)
		}
	}
	logs := s.Logs()
	if !strings.Contains(logs, "Trace: traced") || !strings.Contains(logs, "names.js:") {
		t.Errorf("no trace logged:\n%s", logs)
	}
	if g := showsGo(logs); g != "" {
		t.Errorf("the log shows %q:\n%s", g, logs)
	}

	var out strings.Builder
	srv, err := runtime.NewServer(runtime.Config{Root: s.Dir, Stdout: &out, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := srv.RunFile(context.Background(), "batch.js", nil); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "function exit() { [native code] }\nget exitCode\nset exitCode\n" {
		t.Errorf("batch: %q", got)
	}
}

// TestFailuresHideInternals: a failed script answers its status line only,
// unless the server runs with Config.Dev; the log has the file, line and
// the script's stack, and no Go frames except a Go panic's own trace.
func TestFailuresHideInternals(t *testing.T) {
	files := map[string]string{
		"throw.js":   "function f() { throw new Error(\"secret detail\"); }\nf();",
		"type.js":    "var o = null;\no.x;",
		"syntax.js":  "var = ;",
		"missing.js": `require("./nowhere");`,
		"panic.js":   `require("test:panic").boom();`,
		"loop.js":    `while (true) {}`,
		"reject.js":  `Promise.reject(new Error("async secret"));`,
	}
	panicky := runtime.Module{Name: "test:panic", Load: func(vm *runtime.VM) (goja.Value, error) {
		o := vm.Runtime().NewObject()
		_ = o.Set("boom", func(goja.FunctionCall) goja.Value {
			var m map[string]int
			m["x"] = 1 // a nil map: a Go runtime panic
			return goja.Undefined()
		})
		return o, nil
	}}
	for _, dev := range []bool{false, true} {
		s := moduletest.New(t, files, moduletest.Options{
			Modules: []runtime.Module{panicky},
			Runtime: func(c *runtime.Config) { c.Dev, c.Timeout = dev, 200*time.Millisecond },
		})
		for name := range files {
			path := "/" + strings.TrimSuffix(name, ".js")
			resp, body := s.Get(t, path)
			if resp.StatusCode != 500 && resp.StatusCode != 504 {
				t.Errorf("dev=%v %s: status %d", dev, path, resp.StatusCode)
				continue
			}
			statusLine := resp.Status[4:]
			if !dev {
				if want := resp.Status[:3] + " " + statusLine + "\n"; body != want {
					t.Errorf("%s: body %q, want %q", path, body, want)
				}
				continue
			}
			if !strings.Contains(body, name) {
				t.Errorf("dev %s: the body does not name the file:\n%s", path, body)
			}
			if g := showsGo(body); g != "" {
				t.Errorf("dev %s: the body shows %q:\n%s", path, g, body)
			}
		}
		logs := s.Logs()
		for _, line := range strings.Split(logs, "\n") {
			if !strings.Contains(line, "script failed") {
				continue
			}
			i := strings.Index(line, " stack=")
			if i < 0 {
				t.Errorf("no stack in %s", line)
				continue
			}
			if g := showsGo(line[i:]); g != "" {
				t.Errorf("a logged script stack shows %q: %s", g, line[i:])
			}
		}
		if !strings.Contains(logs, "throw.js line=1") || !strings.Contains(logs, "at f (throw.js:1:") {
			t.Errorf("the log lacks the script's position and stack:\n%s", logs)
		}
		if !strings.Contains(logs, "go_stack=") || !strings.Contains(logs, "assignment to entry in nil map") {
			t.Errorf("the Go panic's trace is not logged:\n%s", logs)
		}
	}
}
