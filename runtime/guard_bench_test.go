package runtime

import (
	"testing"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/internal/benchcpu"
)

// BenchmarkGuardedBuiltins compares the guarded built-ins with goja's own on
// small, everyday inputs (one op is one call).
func BenchmarkGuardedBuiltins(b *testing.B) {
	for _, c := range []struct{ name, setup, op string }{
		{"map", `var a = [1, 2, 3, 4, 5]; function f(x) { return x + 1; }`, `a.map(f)`},
		{"indexOf", `var a = [1, 2, 3, 4, 5];`, `a.indexOf(4)`},
		{"join10", `var a = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];`, `a.join("")`},
		{"join1000", `var a = []; for (var i = 0; i < 1000; i++) a.push("item" + i);`, `a.join(",")`},
		{"repeat", ``, `"ab".repeat(8)`},
		{"apply", `function f(a, b, c) { return a; } var args = [1, 2, 3];`, `f.apply(null, args)`},
		{"stringify", `var o = { id: 12345, name: "Widget", tags: ["a", "b"], price: 9.99, ok: true };`, `JSON.stringify(o)`},
		{"parse", `var s = '{"id":12345,"name":"Widget","tags":["a","b"],"price":9.99,"ok":true}';`, `JSON.parse(s)`},
		{"typedArray", ``, `new Uint8Array(16)`},
	} {
		prog := goja.MustCompile("bench.js", `(function (n) { for (var i = 0; i < n; i++) `+c.op+`; })`, false)
		run := func(b *testing.B, rt *goja.Runtime) {
			if _, err := rt.RunString(c.setup); err != nil {
				b.Fatal(err)
			}
			v, err := rt.RunProgram(prog)
			if err != nil {
				b.Fatal(err)
			}
			fn, _ := goja.AssertFunction(v)
			b.ResetTimer()
			if _, err := fn(goja.Undefined(), rt.ToValue(b.N)); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(c.name+"/dirigo", func(b *testing.B) {
			vm := testVM(b, Config{})
			vm.rt.SetGlobalObject(vm.rt.CreateObject(vm.base))
			run(b, vm.rt)
		})
		b.Run(c.name+"/goja", func(b *testing.B) { run(b, goja.New()) })
	}
}

func BenchmarkNewVM(b *testing.B) {
	cfg := Config{Root: "/"}
	h, err := newHost(cfg.withDefaults(), nil, "/", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	stop := benchcpu.Process(b)
	for b.Loop() {
		if _, err := newVM(h); err != nil {
			b.Fatal(err)
		}
	}
	stop()
}
