package runtime_test

import (
	"sync/atomic"
	"testing"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// A module's Globals are loaded on first use, once per VM, frozen; a name
// another module binds with Global is left to it.
func TestLazyGlobals(t *testing.T) {
	var loads atomic.Int64
	lazy := runtime.Module{Globals: []string{"Lazy1", "Lazy2", "Taken"}, Load: func(vm *runtime.VM) (goja.Value, error) {
		loads.Add(1)
		rt := vm.Runtime()
		o := rt.NewObject()
		one := rt.NewObject()
		_ = one.Set("n", 1)
		_ = o.Set("Lazy1", one)
		_ = o.Set("Lazy2", func(goja.FunctionCall) goja.Value { return rt.ToValue("two") })
		_ = o.Set("Taken", "lazy")
		return o, nil
	}}
	eager := runtime.Module{Global: "Taken", Load: func(vm *runtime.VM) (goja.Value, error) {
		return vm.Runtime().ToValue("eager"), nil
	}}
	s := moduletest.New(t, map[string]string{
		"none.js": `require("http/response").print(typeof Taken + " " + Taken);`,
		"use.js": `
var r = [typeof Lazy1, Lazy1.n, Lazy2(), Object.isFrozen(Lazy1), Taken];
try { Lazy1.n = 2; } catch (e) { r.push(e.name); }
try { "use strict"; globalThis.Lazy1 = 3; } catch (e) { r.push(e.name); }
require("http/response").print(r.join(","));`,
	}, moduletest.Options{Modules: []runtime.Module{lazy, eager}, Runtime: func(c *runtime.Config) { c.PoolSize = 1 }})
	if _, body := s.Get(t, "/none"); body != "string eager" {
		t.Fatalf("none: %q", body)
	}
	if n := loads.Load(); n != 0 {
		t.Fatalf("loaded %d times before any use", n)
	}
	for range 3 {
		if _, body := s.Get(t, "/use"); body != "object,1,two,true,eager,TypeError,TypeError" {
			t.Fatalf("use: %q", body)
		}
	}
	if n := loads.Load(); n != 1 {
		t.Fatalf("loaded %d times on one VM", n)
	}
}
