package runtime

import (
	"testing"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/internal/benchcpu"
)

// The override mistake: every writable data property of a frozen built-in
// can be shadowed by assignment on an object that inherits it (as in an
// engine without frozen built-ins), while the built-in itself stays frozen.
func TestOverrideMistake(t *testing.T) {
	vm := testVM(t, Config{})
	for _, c := range []struct{ name, src, want string }{
		{"fn.bind", `function f() {} f.bind = 1; [f.bind, typeof Function.prototype.bind, Object.keys(f)].join()`, "1,function,bind"},
		{"fn.call", `var g = function () {}; g.call = "c"; g.call`, "c"},
		{"arr.map", `var a = [1]; a.map = 2; [a.map, [].map === Array.prototype.map, a.length].join()`, "2,true,1"},
		{"arr symbol iterator", `var a = [1, 2]; a[Symbol.iterator] = function* () { yield 9; }; [...a].join()`, "9"},
		{"err.stack", `var e = new Error("x"); e.stack = "s"; e.stack`, "s"},
		{"err.name in subclass", `class E extends Error { constructor() { super("m"); this.name = "E"; } } String(new E())`, "E: m"},
		{"err.message", `var e = Object.create(TypeError.prototype); e.message = "m"; e.message`, "m"},
		{"obj.hasOwnProperty", `var o = {}; o.hasOwnProperty = function () { return "mine"; }; o.hasOwnProperty("x")`, "mine"},
		{"obj.toString", `var o = { a: 1 }; o.toString = function () { return "o"; }; String(o) + Object.keys(o)`, "oa,toString"},
		{"prototype.constructor", `function B() {} function C() {} C.prototype = Object.create(B.prototype); C.prototype.constructor = C; new C().constructor === C`, "true"},
		{"class static over Array.from", `class L extends Array {} L.from = function () { return "mine"; }; [L.from(), Array.from([1]).length].join()`, "mine,1"},
		{"promise.then", `var p = Promise.resolve(1); p.then = 5; p.then`, "5"},
		{"date.getTime", `var d = new Date(0); d.getTime = function () { return 1; }; d.getTime() + new Date(0).getTime()`, "1"},
		{"map.get", `var m = new Map(); m.get = 3; m.get`, "3"},
		{"Object.create(Math)", `var m = Object.create(Math); m.max = 1; m.max + Math.max(2, 3)`, "4"},
		{"Reflect.set with receiver", `var r = {}; Reflect.set(Array.prototype, "map", 7, r); r.map`, "7"},
		// The built-ins themselves stay frozen.
		{"Array.prototype.map =", `Array.prototype.map = null`, "TypeError"},
		{"Object.prototype.toString =", `Object.prototype.toString = null`, "TypeError"},
		{"Function.prototype.bind =", `Function.prototype.bind = null`, "TypeError"},
		{"Error.prototype.name =", `Error.prototype.name = "x"`, "TypeError"},
		{"Math.max =", `Math.max = null`, "TypeError"},
		{"JSON.parse =", `JSON.parse = null`, "TypeError"},
		{"Array.from =", `Array.from = null`, "TypeError"},
		{"Symbol-keyed built-in", `Array.prototype[Symbol.iterator] = null`, "TypeError"},
		{"defineProperty on the built-in", `Object.defineProperty(Array.prototype, "map", { value: 1 })`, "TypeError"},
		{"delete from the built-in", `delete Array.prototype.map`, "TypeError"},
		{"value unchanged", `try { Array.prototype.map = null; } catch (e) {} typeof [].map`, "function"},
		// Non-writable properties are not writable anywhere (as in Node).
		{"Math.PI on a child", `var m = Object.create(Math); m.PI = 3`, "TypeError"},
		{"fn.name", `function f() {} f.name = "g"`, "TypeError"},
		// An assignment on a frozen object of the script throws too.
		{"frozen receiver", `var o = Object.freeze({}); o.toString = null`, "TypeError"},
		{"primitive receiver", `"abc".toString = null`, "TypeError"},
		// What the accessors look like.
		{"descriptor", `var d = Object.getOwnPropertyDescriptor(Array.prototype, "map"); [typeof d.get, typeof d.set, d.enumerable, d.configurable, d.get.name, d.set.name, Object.isFrozen(d.get), Object.isFrozen(d.set)].join()`,
			"function,function,false,false,get map,set map,true,true"},
		{"own property made by assignment", `var o = {}; o.valueOf = 1; var d = Object.getOwnPropertyDescriptor(o, "valueOf"); [d.value, d.writable, d.enumerable, d.configurable].join()`, "1,true,true,true"},
		// get-intrinsic (qs, side-channel, much of npm) reads an accessor
		// intrinsic's value through its getter's originalValue, as for SES.
		{"getter.originalValue", `var d = Object.getOwnPropertyDescriptor(WeakMap.prototype, "get"); [d.get.originalValue === WeakMap.prototype.get, "originalValue" in d.get, Object.getOwnPropertyDescriptor(d.get, "originalValue").writable].join()`, "true,true,false"},
		{"setter shared per name", `Object.getOwnPropertyDescriptor(Array.prototype, "toString").set === Object.getOwnPropertyDescriptor(Object.prototype, "toString").set`, "true"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := run(vm, `"use strict";`+c.src); got != c.want {
				t.Errorf("%s: got %q, want %q", c.src, got, c.want)
			}
		})
	}
}

// BenchmarkBuiltinReads reads built-in methods through their (tamed)
// prototypes: one op is one read (or call) in a script loop.
// cpu-ns/op is the CPU time of the benchmark's thread, which a busy
// machine does not inflate.
func BenchmarkBuiltinReads(b *testing.B) {
	for _, c := range []struct{ name, setup, op string }{
		{"arr.map", `var a = [1, 2, 3];`, `x = a.map`},
		{"Math.max", ``, `x = Math.max`},
		{"obj.hasOwnProperty", `var o = { a: 1 };`, `x = o.hasOwnProperty`},
		{"str.slice", `var s = "hello";`, `x = s.slice`},
		{"call arr.map", `var a = [1, 2, 3]; function f(v) { return v; }`, `x = a.map(f)`},
		{"call Math.max", ``, `x = Math.max(i, 3)`},
	} {
		prog := goja.MustCompile("bench.js", `(function (n) { "use strict"; var x; for (var i = 0; i < n; i++) `+c.op+`; return x; })`, false)
		run := func(b *testing.B, rt *goja.Runtime) {
			if _, err := rt.RunString(c.setup); err != nil {
				b.Fatal(err)
			}
			v, err := rt.RunProgram(prog)
			if err != nil {
				b.Fatal(err)
			}
			fn, _ := goja.AssertFunction(v)
			if _, err := fn(goja.Undefined(), rt.ToValue(100)); err != nil {
				b.Fatal(err)
			}
			stop := benchcpu.Thread(b)
			if _, err := fn(goja.Undefined(), rt.ToValue(b.N)); err != nil {
				b.Fatal(err)
			}
			stop()
		}
		b.Run(c.name+"/dirigo", func(b *testing.B) {
			vm := testVM(b, Config{})
			vm.rt.SetGlobalObject(vm.rt.CreateObject(vm.base))
			run(b, vm.rt)
		})
		b.Run(c.name+"/goja", func(b *testing.B) { run(b, goja.New()) })
	}
}
