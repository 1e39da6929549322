package runtime_test

import (
	"sync/atomic"
	"testing"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// Two globals that share one value through VM.Shared: it is made once per
// VM, on the first use of either, and frozen whole, so that what a script
// reaches through one global (the Thing class behind make()) is as frozen
// as the other global that binds it.
func TestSharedGlobals(t *testing.T) {
	type key struct{}
	var loads atomic.Int64
	shared := func(vm *runtime.VM) (goja.Value, error) {
		return vm.Shared(key{}, func() (goja.Value, error) {
			loads.Add(1)
			v, err := vm.Runtime().RunString(`(function () {
  class Thing { get n() { return 1; } }
  return { Thing, make: function () { return new Thing(); } };
})()`)
			return v, err
		})
	}
	global := func(name string) runtime.Module {
		return runtime.Module{Global: name, Load: func(vm *runtime.VM) (goja.Value, error) {
			v, err := shared(vm)
			if err != nil {
				return nil, err
			}
			return v.ToObject(vm.Runtime()).Get(name), nil
		}}
	}
	s := moduletest.New(t, map[string]string{
		"none.js": `require("http/response").print("none");`,
		// Only make is used: the prototype of what it makes stays frozen.
		"make.js": `
var p = Object.getPrototypeOf(make());
var r = [Object.isFrozen(p), make().n];
try { p.extra = 1; } catch (e) { r.push(e.name); }
r.push(typeof p.extra, make().n);
require("http/response").print(r.join(","));`,
		"both.js": `require("http/response").print([make() instanceof Thing, Object.isFrozen(Thing)].join(","));`,
	}, moduletest.Options{Modules: []runtime.Module{global("Thing"), global("make")}, Runtime: func(c *runtime.Config) { c.PoolSize = 1 }})
	if _, body := s.Get(t, "/none"); body != "none" {
		t.Fatalf("none: %q", body)
	}
	if n := loads.Load(); n != 0 {
		t.Fatalf("made %d times before any use", n)
	}
	for range 2 {
		if _, body := s.Get(t, "/make"); body != "true,1,TypeError,undefined,1" {
			t.Fatalf("make: %q", body)
		}
		if _, body := s.Get(t, "/both"); body != "true,true" {
			t.Fatalf("both: %q", body)
		}
	}
	if n := loads.Load(); n != 1 {
		t.Fatalf("made %d times on one VM", n)
	}
}
