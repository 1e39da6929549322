package runtime_test

import (
	goruntime "runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// vmCounter is a global module whose Load runs once per VM, when a script
// first reads it: it counts the VMs that served a script reading vmMarker
// (every script of the test does).
func vmCounter(n *atomic.Int64) runtime.Module {
	return runtime.Module{Global: "vmMarker", Load: func(vm *runtime.VM) (goja.Value, error) {
		n.Add(1)
		return goja.Undefined(), nil
	}}
}

func TestSymbolForKeepsItsSemantics(t *testing.T) {
	w := moduletest.Eval(t, `
var a = Symbol.for("app.key"), r = [];
r.push(a === Symbol.for("app.key"), Symbol.keyFor(a), Symbol.keyFor(Symbol("x")) === undefined);
r.push(Symbol.for({toString: function () { return "app.key"; }}) === a, Symbol.for() === Symbol.for("undefined"));
try { Symbol.for(Symbol("s")); r.push("no error"); } catch (e) { r.push(e.name); }
r.push(Symbol.for.name, Symbol.for.length, String(Symbol.for), Object.isFrozen(Symbol.for));
require("http/response").print(JSON.stringify(r));`, nil, moduletest.Options{})
	want := `[true,"app.key",true,true,true,"TypeError","for",1,"function for() { [native code] }",true]`
	if got := w.Body.String(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// TestSymbolForFloodReplacesVM reproduces the Symbol.for leak of issue 7:
// every request registers new keys, which goja keeps for the life of the VM.
// Past the registry's limit the VM is replaced after its request, so the
// memory goes with it.
func TestSymbolForFloodReplacesVM(t *testing.T) {
	var vms atomic.Int64
	s := moduletest.New(t, map[string]string{
		// About 2.4 MB of new keys per request.
		"flood.js": `vmMarker;
var id = require("http/request").getParameter("r"), pad = "x".repeat(800);
for (var i = 0; i < 3000; i++) Symbol.for(id + ":" + i + pad);
require("http/response").print("ok");`,
		// 1000 new short keys per request: with same.js's 100, the limit
		// of 10 000 keys is passed on the tenth request.
		"many.js": `vmMarker;
var id = require("http/request").getParameter("r");
for (var i = 0; i < 1000; i++) Symbol.for(id + ":" + i);
require("http/response").print("ok");`,
		// The same keys on every request: nothing grows.
		"same.js": `vmMarker;
for (var i = 0; i < 100; i++) Symbol.for("app:" + i);
require("http/response").print(String(Symbol.keyFor(Symbol.for("app:7"))));`,
		"plain.js": `vmMarker; require("http/response").print("ok");`,
	}, moduletest.Options{
		Modules: []runtime.Module{vmCounter(&vms)},
		Runtime: func(c *runtime.Config) { c.PoolSize = 1 },
	})
	get := func(path string) {
		t.Helper()
		if resp, body := s.Get(t, path); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	// A request after the others waits for the replacement of the one VM,
	// so the count is final (and it counts the VM it runs on).
	replaced := func() int64 {
		t.Helper()
		get("/plain")
		return vms.Load() - 1
	}

	for i := 0; i < 20; i++ {
		get("/same")
	}
	if n := replaced(); n != 0 {
		t.Fatalf("the same keys on every request replaced the VM %d times", n)
	}
	for i := 0; i < 9; i++ {
		get("/many?r=" + strconv.Itoa(i))
	}
	if n := replaced(); n != 0 {
		t.Fatalf("9100 keys replaced the VM %d times", n)
	}
	get("/many?r=9")
	if n := replaced(); n != 1 {
		t.Fatalf("past 10 000 keys: %d replacements, want 1", n)
	}

	heap := func() uint64 {
		var ms goruntime.MemStats
		goruntime.GC()
		goruntime.GC()
		goruntime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	const floods = 30
	for i := 0; i < floods; i++ {
		get("/flood?r=" + strconv.Itoa(i))
	}
	if n := replaced(); n != 1+floods {
		t.Fatalf("%d floods: %d replacements, want one each", floods, n-1)
	}
	// Kept, the keys would hold over 70 MB.
	grown := int64(heap()) - int64(before)
	t.Logf("heap grew by %.1f MB over %d floods", float64(grown)/(1<<20), floods)
	if grown > 24<<20 {
		t.Fatalf("the heap grew by %d MB over %d floods", grown>>20, floods)
	}
	if l := s.Logs(); !containsAll(l, "Symbol.for registry over its limit") {
		t.Fatalf("no log line for the replacement:\n%s", l)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
