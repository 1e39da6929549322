package runtime

import (
	"regexp"

	"github.com/dop251/goja"
)

// goSymbolName matches the names goja gives Go-backed functions: their Go
// symbol ("github.com/…/runtime.(*VM).installTimers.func1"), which
// String(fn) and stack traces would show scripts. (harden.js renames the
// functions it freezes by the same rule.)
var goSymbolName = regexp.MustCompile(`[/(]|\.func\d|-fm$`)

// nameFunc gives a Go-backed function the name and length scripts see.
func nameFunc(rt *goja.Runtime, f *goja.Object, name string, length int) error {
	if err := f.DefineDataProperty("name", rt.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		return err
	}
	return f.DefineDataProperty("length", rt.ToValue(length), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// nameNatives names the Go-backed functions obj holds in its own properties
// (methods, getters as "get x", setters as "set x") after those properties,
// for objects made per request, which harden never sees.
func (vm *VM) nameNatives(obj *goja.Object) {
	rt := vm.rt
	describe, _ := goja.AssertFunction(vm.base.Get("Object").ToObject(rt).Get("getOwnPropertyDescriptor"))
	rename := func(v goja.Value, name string) {
		f, ok := v.(*goja.Object)
		if !ok {
			return
		}
		if _, isFn := goja.AssertFunction(f); !isFn {
			return
		}
		if n := f.Get("name"); n != nil && goSymbolName.MatchString(n.String()) {
			_ = f.DefineDataProperty("name", rt.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
		}
	}
	for _, key := range obj.GetOwnPropertyNames() {
		dv, err := describe(goja.Undefined(), obj, rt.ToValue(key))
		if err != nil || goja.IsUndefined(dv) {
			continue
		}
		d := dv.ToObject(rt)
		if v := d.Get("value"); v != nil {
			rename(v, key)
			continue
		}
		rename(d.Get("get"), "get "+key)
		rename(d.Get("set"), "set "+key)
	}
}
