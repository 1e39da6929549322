package modules_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules"
	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// walkJS visits everything a script can reach from the global object and
// from the exports of every registered module (under every name): own
// properties (symbols too), prototypes, accessors and what getters return,
// and, for functions that are not standard built-ins, what they return (or
// throw) when called without arguments on their holder, a few calls deep.
// It reports each object to the Go side with whether it is frozen and
// whether it has mutable internal state that freezing does not cover (a
// Map, Set, WeakMap, WeakSet, Date, ArrayBuffer, typed array, DataView or
// Promise).
const walkJS = `"use strict";
var t = require("test:walk");
var ownKeys = Reflect.ownKeys, getDesc = Object.getOwnPropertyDescriptor, getProto = Object.getPrototypeOf,
	isFrozen = Object.isFrozen, apply = Reflect.apply, str = String;
var brands = [
	["Map", Map.prototype.has], ["Set", Set.prototype.has], ["WeakMap", WeakMap.prototype.has],
	["WeakSet", WeakSet.prototype.has], ["Date", Date.prototype.getTime],
	["ArrayBuffer", getDesc(ArrayBuffer.prototype, "byteLength").get],
	["TypedArray", getDesc(getProto(Int8Array.prototype), "length").get],
	["DataView", getDesc(DataView.prototype, "byteLength").get],
	// (with a handler: then on a rejected promise makes another, unhandled)
	["Promise", function () { return apply(Promise.prototype.then, this, [undefined, function () {}]); }]];
function stateOf(o) {
	for (var i = 0; i < brands.length; i++) {
		try { apply(brands[i][1], o, []); return brands[i][0]; } catch (e) {}
	}
	return "";
}
var seen = new Set(), called = new Set(), queue = [], head = 0;
// process.exit ends a batch run: not called.
if (typeof process !== "undefined") called.add(process.exit);
function visit(path, v, holder, mayCall, depth) {
	if (v === null || (typeof v !== "object" && typeof v !== "function") || seen.has(v)) return;
	seen.add(v);
	queue.push({path: path, o: v, holder: holder, mayCall: mayCall, depth: depth});
}
function drain() {
	for (; head < queue.length; head++) {
		var e = queue[head], o = e.o, p = e.path;
		var nd = typeof o === "function" ? getDesc(o, "name") : undefined;
		t.see(p, o, isFrozen(o), stateOf(o), nd && typeof nd.value === "string" ? nd.value : "");
		visit(p + ".__proto__", getProto(o), o, e.mayCall, e.depth);
		var keys = ownKeys(o);
		for (var i = 0; i < keys.length; i++) {
			var name = p + "." + str(keys[i]), d = getDesc(o, keys[i]);
			if (!d) continue;
			if ("value" in d) {
				visit(name, d.value, o, e.mayCall, e.depth);
				continue;
			}
			visit(name + "<get>", d.get, o, e.mayCall, e.depth);
			visit(name + "<set>", d.set, o, e.mayCall, e.depth);
			if (d.get && e.mayCall) {
				try { visit(name, apply(d.get, o, []), o, true, e.depth); } catch (err) { visit(name + "<threw>", err, o, true, e.depth); }
			}
		}
		if (typeof o === "function" && e.mayCall && e.depth < 3 && !called.has(o)) {
			called.add(o);
			try {
				var r = apply(o, e.holder, []);
				// An async function called without its arguments rejects:
				// handled here, so that the run does not end in an
				// unhandled rejection.
				if (r instanceof Promise) r.then(undefined, function () {});
				visit(p + "()", r, o, true, e.depth + 1);
			}
			catch (err) { visit(p + "()<threw>", err, o, true, e.depth + 1); }
		}
	}
}
// The standard built-ins first: they are only looked at, never called.
// (globalThis is one of them, but the global object is the host's.)
var g = globalThis, base = getProto(g);
t.standard.forEach(function (n) {
	if (g[n] !== g && g[n] !== base) visit("globalThis." + n, g[n], g, false, 0);
});
drain();
// Then what the host adds, one root at a time: a call can change what later
// calls do (a flushed response refuses a new session), so the order of the
// modules is reversed from the third run on (t.reverse).
function root(path, v) { visit(path, v, undefined, true, 0); drain(); }
root("globalThis", g);
root("require", require);
root("this", this);
root("module", typeof module === "undefined" ? undefined : module);
root("require('./plain')", require("./plain"));
var names = t.names.slice();
if (t.reverse) names.reverse();
names.forEach(function (n) {
	var v = require(n);
	t.root(n, v);
	root("require(" + JSON.stringify(n) + ")", v);
});
t.done();
`

// goSymbolName matches the names goja gives Go-backed functions (their Go
// symbol), which scripts must never see.
var goSymbolName = regexp.MustCompile(`[/(]|\.func\d|-fm$`)

type seenObject struct {
	path   string
	frozen bool
	state  string // mutable internal state freezing does not cover ("Map", "Date", ...)
	name   string // a function's name
}

// walker is the Go side of walkJS: it records what one run reaches.
type walker struct {
	mu    sync.Mutex
	cur   map[*goja.Object]seenObject
	roots map[string]*goja.Object // module exports by name
	// goValues are the Go structs with exported fields behind wrapped
	// objects, by address.
	goValues map[uintptr]seenObject
	done     bool
	// reverse makes the run walk the modules in reverse order.
	reverse bool
}

func (w *walker) module(names, standard []string) runtime.Module {
	return runtime.Module{Name: "test:walk", Load: func(vm *runtime.VM) (goja.Value, error) {
		rt := vm.Runtime()
		o := rt.NewObject()
		array := func(ss []string) *goja.Object {
			vals := make([]any, len(ss))
			for i, s := range ss {
				vals[i] = s
			}
			return rt.NewArray(vals...)
		}
		_ = o.Set("names", array(names))
		_ = o.Set("standard", array(standard))
		_ = o.Set("see", func(c goja.FunctionCall) goja.Value {
			obj, ok := c.Argument(1).(*goja.Object)
			if !ok {
				panic(rt.NewTypeError("see: not an object"))
			}
			r := seenObject{path: c.Argument(0).String(), frozen: c.Argument(2).ToBoolean(), state: c.Argument(3).String(), name: c.Argument(4).String()}
			w.mu.Lock()
			defer w.mu.Unlock()
			w.cur[obj] = r
			// A Go value wrapped for the script (a thrown Go error's
			// value): the wrappers are made afresh, but a script can set
			// the exported fields of the Go struct behind them.
			if et := obj.ExportType(); et != nil && et.Kind() == reflect.Pointer && hasExportedField(et.Elem()) {
				w.goValues[reflect.ValueOf(obj.Export()).Pointer()] = r
			}
			return goja.Undefined()
		})
		_ = o.DefineAccessorProperty("reverse", rt.ToValue(func(goja.FunctionCall) goja.Value {
			w.mu.Lock()
			defer w.mu.Unlock()
			return rt.ToValue(w.reverse)
		}), nil, goja.FLAG_FALSE, goja.FLAG_TRUE)
		_ = o.Set("root", func(c goja.FunctionCall) goja.Value {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.roots[c.Argument(0).String()], _ = c.Argument(1).(*goja.Object)
			return goja.Undefined()
		})
		_ = o.Set("done", func(goja.FunctionCall) goja.Value {
			w.mu.Lock()
			w.done = true
			w.mu.Unlock()
			return goja.Undefined()
		})
		return o, nil
	}}
}

// start begins the record of a run; finish ends it and returns what it saw.
func (w *walker) start(reverse bool) {
	w.mu.Lock()
	w.reverse = reverse
	w.cur, w.roots, w.goValues, w.done = map[*goja.Object]seenObject{}, map[string]*goja.Object{}, map[uintptr]seenObject{}, false
	w.mu.Unlock()
}

func (w *walker) finish(t *testing.T, run string) (map[*goja.Object]seenObject, map[uintptr]seenObject) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		t.Fatalf("%s: the walk did not finish", run)
	}
	return w.cur, w.goValues
}

// hasExportedField reports whether t is a struct a script could change
// through its wrapper.
func hasExportedField(t reflect.Type) bool {
	if t.Kind() != reflect.Struct {
		return false
	}
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).IsExported() {
			return true
		}
	}
	return false
}

// TestNothingOutlivesARequest walks everything scripts can reach, in four
// runs on the same VM (HTTP and batch, twice), and fails for every object two
// runs both reach unless it is frozen and has no mutable internal state: such
// an object would carry one request's data (or a planted hook) to the next.
// It enumerates modules.Builtin(modules.Config{}) and the global object, so a module added
// later is covered without touching the test.
func TestNothingOutlivesARequest(t *testing.T) {
	leaks := walkRuns(t, modules.Builtin(modules.Config{}), 4)
	for i, l := range leaks {
		if i == 30 {
			t.Errorf("... and %d more", len(leaks)-30)
			break
		}
		t.Error(l)
	}
}

// sharedErr is thrown by the leaky test module: one Go value for every
// request, with a field a script can set.
type sharedErr struct{ Detail string }

func (e *sharedErr) Error() string { return e.Detail }

// TestWalkFindsLeaks proves the walk finds each kind of leak: a module
// function that returns one unfrozen object per VM (createSession() did), a
// frozen object with mutable internal state, a global of that kind, a
// shared Go value thrown to scripts, and a function named after its Go
// symbol.
func TestWalkFindsLeaks(t *testing.T) {
	shared := &sharedErr{Detail: "shared"}
	leaky := runtime.Module{Name: "test:leaky", Load: func(vm *runtime.VM) (goja.Value, error) {
		rt := vm.Runtime()
		cached := rt.NewObject()
		m, err := rt.New(vm.Intrinsic("Map"))
		if err != nil {
			return nil, err
		}
		o := rt.NewObject()
		_ = o.Set("cached", func(goja.FunctionCall) goja.Value { return cached })
		_ = o.Set("registry", m)
		_ = o.Set("fail", func(goja.FunctionCall) goja.Value { panic(rt.NewGoError(shared)) })
		// Made per call, never frozen: keeps the name goja gives it.
		_ = o.Set("unnamed", func(goja.FunctionCall) goja.Value {
			return rt.ToValue(func(goja.FunctionCall) goja.Value { return goja.Undefined() })
		})
		return o, nil
	}}
	leakyGlobal := runtime.Module{Global: "leakyGlobal", Load: func(vm *runtime.VM) (goja.Value, error) {
		rt := vm.Runtime()
		cached := rt.NewObject()
		return rt.ToValue(func(goja.FunctionCall) goja.Value { return cached }), nil
	}}
	leaks := strings.Join(walkRuns(t, append(modules.Builtin(modules.Config{}), leaky, leakyGlobal), 2), "\n")
	for _, want := range []string{
		`require("test:leaky").cached() in run 2`,
		`require("test:leaky").registry in run 2`,
		"has mutable internal state (Map)",
		"globalThis.__proto__.leakyGlobal() in run 2",
		`require("test:leaky").fail()<threw>.value in run 2`,
		"the same Go value",
		`require("test:leaky").unnamed() in run 1 (http, modules in reverse: false): a function named after its Go symbol (github.com/dirigo/dirigo/modules_test.TestWalkFindsLeaks.`,
	} {
		if !strings.Contains(leaks, want) {
			t.Errorf("the walk missed %q; it found:\n%s", want, leaks)
		}
	}
}

// walkRuns serves mods and runs walkJS n times on one VM (HTTP and batch in
// turn, the modules in one order and, from the third run, in reverse), and
// returns the leaks: every
// object two runs both reached that is not frozen or has mutable internal
// state, and every Go value with settable fields two runs both reached.
func walkRuns(t *testing.T, mods []runtime.Module, n int) []string {
	t.Helper()
	var names []string
	for _, m := range mods {
		if m.Name != "" {
			names = append(names, m.Name)
		}
	}
	standard := goja.New().GlobalObject().GetOwnPropertyNames()
	w := &walker{}
	s := moduletest.New(t, map[string]string{"walk.js": walkJS, "plain.js": `var x = 1;`}, moduletest.Options{
		Modules: append(mods[len(modules.Builtin(modules.Config{})):], w.module(names, standard)),
		Runtime: func(c *runtime.Config) { c.PoolSize, c.Stdout, c.Stderr = 1, io.Discard, io.Discard },
	})
	var runs []map[*goja.Object]seenObject
	var goRuns []map[uintptr]seenObject
	var labels []string
	for i := range n {
		mode, reverse := "http", i >= 2
		if i%2 == 1 {
			mode = "batch"
		}
		label := fmt.Sprintf("run %d (%s, modules in reverse: %v)", i+1, mode, reverse)
		w.start(reverse)
		if mode == "http" {
			req, _ := http.NewRequest(http.MethodPost, "/walk?q=1", strings.NewReader(`{"a":[1]}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Cookie", "c=1")
			_, _ = s.Do(t, req)
		} else if _, err := s.Runtime.RunFile(context.Background(), "walk.js", nil); err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		objs, goValues := w.finish(t, label)
		runs = append(runs, objs)
		goRuns = append(goRuns, goValues)
		labels = append(labels, label)
	}
	for i, run := range runs {
		calls := 0
		for _, r := range run {
			if strings.Contains(r.path, "()") {
				calls++
			}
		}
		if len(run) < 1000 || calls < 50 {
			t.Fatalf("%s reached only %d objects (%d through calls)", labels[i], len(run), calls)
		}
	}
	for _, n := range names {
		if _, ok := runs[len(runs)-1][w.roots[n]]; !ok {
			t.Errorf("module %q was not walked", n)
		}
	}
	for i, run := range runs {
		t.Logf("%s: %d objects", labels[i], len(run))
	}
	var leaks []string
	named := map[string]bool{} // paths already reported
	for i, run := range runs {
		for _, r := range run {
			if goSymbolName.MatchString(r.name) && !named[r.path] {
				named[r.path] = true
				leaks = append(leaks, fmt.Sprintf("%s in %s: a function named after its Go symbol (%s)", r.path, labels[i], r.name))
			}
		}
	}
	for i := 1; i < len(runs); i++ {
		for obj, r := range runs[i] {
			for j := 0; j < i; j++ {
				prev, ok := runs[j][obj]
				if !ok || (r.frozen && r.state == "") {
					continue
				}
				what := "is not frozen"
				if r.state != "" {
					what = "has mutable internal state (" + r.state + ")"
				}
				leaks = append(leaks, fmt.Sprintf("%s in %s and %s in %s: the same object, reached by both, %s", r.path, labels[i], prev.path, labels[j], what))
				break
			}
		}
		for p, r := range goRuns[i] {
			for j := 0; j < i; j++ {
				if prev, ok := goRuns[j][p]; ok {
					leaks = append(leaks, fmt.Sprintf("%s in %s and %s in %s: the same Go value, with fields a script can set", r.path, labels[i], prev.path, labels[j]))
					break
				}
			}
		}
	}
	slices.Sort(leaks)
	return leaks
}
