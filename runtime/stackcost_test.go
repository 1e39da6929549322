package runtime_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/dop251/goja"
)

// overflowScripts recurse through a built-in on every level, the case goja
// unwinds in time quadratic in the depth (docs/SECURITY.md, known limits);
// plain is ordinary recursion, for comparison.
var overflowScripts = map[string]string{
	"plain":   `function f() { f(); } f();`,
	"call":    `function f() { f.call(null); } f();`,
	"map":     `function f() { [1].map(f); } f();`,
	"replace": `function f() { "a".replace(/a/, f); } f();`,
}

// BenchmarkStackOverflow measures one stack overflow at several call-stack
// limits on a bare goja runtime: what Config.MaxCallStackSize costs when a
// script runs into it. Run with
//
//	go test ./runtime -run '^$' -bench StackOverflow -benchtime 1x
func BenchmarkStackOverflow(b *testing.B) {
	for _, depth := range []int{1000, 2500, 5000} {
		for _, name := range []string{"plain", "call", "map", "replace"} {
			b.Run(name+"/"+strconv.Itoa(depth), func(b *testing.B) {
				prog := goja.MustCompile(name+".js", overflowScripts[name], false)
				for i := 0; i < b.N; i++ {
					rt := goja.New()
					rt.SetMaxCallStackSize(depth)
					if _, err := rt.RunProgram(prog); err == nil {
						b.Fatal("no stack overflow")
					}
				}
			})
		}
	}
}

// BenchmarkStackOverflowInterrupted is BenchmarkStackOverflow's call case
// with goja's Interrupt fired 50ms into the run, early in the unwind: it
// shows whether --timeout can cut the unwinding short (compare its time
// with call/2500 there).
func BenchmarkStackOverflowInterrupted(b *testing.B) {
	prog := goja.MustCompile("call.js", overflowScripts["call"], false)
	for i := 0; i < b.N; i++ {
		rt := goja.New()
		rt.SetMaxCallStackSize(2500)
		tm := time.AfterFunc(50*time.Millisecond, func() { rt.Interrupt("timeout") })
		_, err := rt.RunProgram(prog)
		tm.Stop()
		if err == nil {
			b.Fatal("no error")
		}
		if i == 0 {
			b.Logf("%T: %.100v", err, err)
		}
	}
}
