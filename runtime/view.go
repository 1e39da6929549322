package runtime

import (
	"github.com/dop251/goja"
)

// A native module's exports are frozen and shared by every request on a VM.
// Scripts do not get them directly: require and import hand out a view, made
// for the request on its first use, that reads through to the exports and
// keeps what the script adds itself (Dirigible's rs sets request.params).
// The exports' own properties stay read-only through the view: assigning or
// deleting one throws a TypeError, as on the frozen object. One view serves
// every name of a module within a request (sdk/http/request, its
// @aerokit/sdk alias and the request property of sdk/http are one object),
// and the views end with the request.

// viewShape is what a VM knows of one native exports object: its own keys
// (fixed, since the object is frozen) and which of them hold the exports of
// another native module (sdk/http's request), whose view the view returns.
type viewShape struct {
	native *goja.Object
	own    map[string]ownProp
	keys   []string
}

// ownProp is what a view knows of one own property of native exports.
type ownProp struct {
	// value is a data property's value (the exports are frozen, so it is
	// fixed); nil for an accessor, which is read through on every Get.
	value goja.Value
	// sub is the native exports the property holds (sdk/http's request),
	// whose view is returned instead.
	sub *goja.Object
}

// moduleView is the per-request view of a native module's exports.
type moduleView struct {
	vm    *VM
	shape *viewShape
	extra map[string]goja.Value
}

// View returns the view of the native module exports v (as vm.Require
// gives them) that require and import give the running request's scripts:
// a module function that hands another module's object to a script (a
// handler's request) hands out the same object the script has. Outside a
// request it returns v.
func (vm *VM) View(v goja.Value) goja.Value {
	if vm.call == nil {
		return v
	}
	return vm.nativeView(v)
}

// nativeView returns this request's view of the native exports v. Values
// that are not plain objects (a module that exports a function) and the
// objects of globals (require("process") is process) are returned as they
// are: they are frozen and cannot take new properties.
func (vm *VM) nativeView(v goja.Value) goja.Value {
	o, ok := v.(*goja.Object)
	if !ok {
		return v
	}
	if w, ok := vm.ld.views[o]; ok {
		return w
	}
	if _, global := vm.globalObjects[o]; global {
		return v
	}
	shape := vm.ld.shapes[o]
	if shape == nil {
		if _, callable := goja.AssertFunction(o); callable {
			return v
		}
		shape = vm.shapeOf(o)
	}
	mv := &moduleView{vm: vm, shape: shape}
	w := vm.rt.NewDynamicObject(mv)
	if p := o.Prototype(); p != vm.objectProto() {
		_ = w.SetPrototype(p)
	}
	if vm.ld.views == nil {
		vm.ld.views = map[*goja.Object]*goja.Object{}
		vm.ld.viewer = map[*goja.Object]*moduleView{}
	}
	vm.ld.views[o] = w
	vm.ld.viewer[w] = mv
	return w
}

// shapeOf records the shape of the frozen native exports o, once per VM.
func (vm *VM) shapeOf(o *goja.Object) *viewShape {
	names := o.GetOwnPropertyNames()
	s := &viewShape{native: o, own: make(map[string]ownProp, len(names)), keys: o.Keys()}
	roots := make(map[*goja.Object]bool, len(vm.natives))
	for _, v := range vm.natives {
		if r, ok := v.(*goja.Object); ok {
			roots[r] = true
		}
	}
	describe, _ := goja.AssertFunction(vm.Intrinsic("Object").ToObject(vm.rt).Get("getOwnPropertyDescriptor"))
	for _, k := range names {
		// Data properties only (and tamed ones): a getter is not called here.
		var p ownProp
		d, err := describe(goja.Undefined(), o, vm.rt.ToValue(k))
		if err == nil && !goja.IsUndefined(d) {
			desc := d.ToObject(vm.rt)
			sub, ok := desc.Get("value").(*goja.Object)
			if get, isGet := desc.Get("get").(*goja.Object); isGet {
				// A tamed data property (see tamer) reads as an accessor;
				// its getter returns the value it was tamed with.
				sub, ok = vm.tamedObjects[get]
				if set, _ := desc.Get("set").(*goja.Object); set != nil && set == vm.setters[k] {
					p.value = get.Get("originalValue")
				}
			} else if !desc.Get("writable").ToBoolean() && !desc.Get("configurable").ToBoolean() {
				p.value = desc.Get("value") // fixed for the VM's life
			}
			if ok && roots[sub] {
				p.sub, p.value = sub, nil
			}
		}
		s.own[k] = p
	}
	if vm.ld.shapes == nil {
		vm.ld.shapes = map[*goja.Object]*viewShape{}
	}
	vm.ld.shapes[o] = s
	return s
}

// objectProto returns Object.prototype as the VM was created with it.
func (vm *VM) objectProto() *goja.Object {
	if vm.ld.objectProto == nil {
		vm.ld.objectProto = vm.Intrinsic("Object").ToObject(vm.rt).Get("prototype").ToObject(vm.rt)
	}
	return vm.ld.objectProto
}

// Get implements goja.DynamicObject.
func (w *moduleView) Get(key string) goja.Value {
	p, ok := w.shape.own[key]
	switch {
	case !ok:
		return w.extra[key]
	case p.sub != nil:
		return w.vm.nativeView(p.sub)
	case p.value != nil:
		return p.value
	}
	return w.shape.native.Get(key)
}

// Set implements goja.DynamicObject.
func (w *moduleView) Set(key string, v goja.Value) bool {
	if _, ok := w.shape.own[key]; ok {
		panic(w.vm.rt.NewTypeError("Cannot assign to read only property '%s' of a built-in module", key))
	}
	if w.extra == nil {
		w.extra = map[string]goja.Value{}
	}
	w.extra[key] = v
	return true
}

// Has implements goja.DynamicObject.
func (w *moduleView) Has(key string) bool {
	if _, ok := w.shape.own[key]; ok {
		return true
	}
	_, ok := w.extra[key]
	return ok
}

// Delete implements goja.DynamicObject.
func (w *moduleView) Delete(key string) bool {
	if _, ok := w.shape.own[key]; ok {
		panic(w.vm.rt.NewTypeError("Cannot delete property '%s' of a built-in module", key))
	}
	delete(w.extra, key)
	return true
}

// Keys implements goja.DynamicObject.
func (w *moduleView) Keys() []string {
	if len(w.extra) == 0 {
		return w.shape.keys
	}
	keys := make([]string, 0, len(w.shape.keys)+len(w.extra))
	keys = append(keys, w.shape.keys...)
	for k := range w.extra {
		keys = append(keys, k)
	}
	return keys
}
