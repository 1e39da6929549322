// Package jsmod helps modules written partly in JavaScript: a program
// compiled once per process whose value is a function of the module's Go
// natives, and conversions between Go bytes and the script's buffers.
package jsmod

import (
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/runtime"
)

// Program returns a function that compiles src (strict) on its first call
// and returns the same program afterwards.
func Program(name, src string) func() *goja.Program {
	return sync.OnceValue(func() *goja.Program { return goja.MustCompile(name, src, true) })
}

// Call runs prog on vm, which must evaluate to a function, and calls that
// function with args (converted with ToValue).
func Call(vm *runtime.VM, prog *goja.Program, args ...any) (goja.Value, error) {
	rt := vm.Runtime()
	v, err := rt.RunProgram(prog)
	if err != nil {
		return nil, err
	}
	fn, ok := goja.AssertFunction(v)
	if !ok {
		return nil, errors.New("jsmod: the program is not a function")
	}
	vals := make([]goja.Value, len(args))
	for i, a := range args {
		vals[i] = rt.ToValue(a)
	}
	return fn(goja.Undefined(), vals...)
}

// Natives returns a plain object of Go functions for a program to keep in
// its closure (never handed to scripts as such).
func Natives(vm *runtime.VM, fns map[string]func(goja.FunctionCall) goja.Value) *goja.Object {
	rt := vm.Runtime()
	o := rt.NewObject()
	for k, f := range fns {
		_ = o.Set(k, f)
	}
	return o
}

// Bytes returns the bytes v views, without copying: an ArrayBuffer, a typed
// array (any element type) or a DataView. ok is false for anything else.
func Bytes(vm *runtime.VM, v goja.Value) (b []byte, ok bool) {
	o, isObj := v.(*goja.Object)
	if !isObj {
		return nil, false
	}
	switch o.ExportType() {
	case typeArrayBuffer:
		return o.Export().(goja.ArrayBuffer).Bytes(), true
	}
	if !IsView(vm, o) {
		return nil, false
	}
	if err := vm.Runtime().ExportTo(o, &b); err != nil {
		return nil, false
	}
	return b, true
}

// IsView reports whether v is a typed array or a DataView (ArrayBuffer.isView).
func IsView(vm *runtime.VM, v goja.Value) bool {
	isView, _ := goja.AssertFunction(vm.Intrinsic("ArrayBuffer").ToObject(vm.Runtime()).Get("isView"))
	res, err := isView(goja.Undefined(), v)
	return err == nil && res.ToBoolean()
}

// NewUint8Array returns a Uint8Array of n zero bytes and those bytes, made
// by the VM's (bounded) constructor: a size past the buffer limit throws a
// RangeError into the script.
func NewUint8Array(vm *runtime.VM, n int) (*goja.Object, []byte) {
	return NewBytesOf(vm, vm.Intrinsic("Uint8Array"), n)
}

// NewBytesOf is NewUint8Array for another Uint8Array constructor (Buffer).
func NewBytesOf(vm *runtime.VM, ctor goja.Value, n int) (*goja.Object, []byte) {
	vm.CheckBytes(int64(n))
	rt := vm.Runtime()
	ab := rt.NewArrayBuffer(make([]byte, n))
	o, err := rt.New(ctor, rt.ToValue(ab))
	if err != nil {
		panic(err)
	}
	return o, ab.Bytes()
}

// WrapBytes returns a Uint8Array over b (not copied: b now belongs to it).
// A size the script chose is checked with VM.CheckBytes before b is made.
func WrapBytes(vm *runtime.VM, b []byte) *goja.Object {
	rt := vm.Runtime()
	o, err := rt.New(vm.Intrinsic("Uint8Array"), rt.ToValue(rt.NewArrayBuffer(b)))
	if err != nil {
		panic(err)
	}
	return o
}

// Throw panics with a new error of the VM's built-in constructor ctor
// ("TypeError", "RangeError"), which the script receives as an exception.
func Throw(vm *runtime.VM, ctor, format string, args ...any) {
	rt := vm.Runtime()
	o, err := rt.New(vm.Intrinsic(ctor), rt.ToValue(fmt.Sprintf(format, args...)))
	if err != nil {
		panic(err)
	}
	panic(o)
}

var typeArrayBuffer = reflect.TypeOf(goja.ArrayBuffer{})

// String is ECMAScript's ToString of v as a goja.String (its UTF-16 code
// units); a Symbol throws a TypeError.
func String(vm *runtime.VM, v goja.Value) goja.String {
	if s, ok := v.(goja.String); ok {
		return s
	}
	if _, ok := v.(*goja.Symbol); ok {
		Throw(vm, "TypeError", "Cannot convert a Symbol value to a string")
	}
	p := v.ToString()
	if s, ok := p.(goja.String); ok {
		return s
	}
	return vm.Runtime().ToValue(p.String()).(goja.String)
}

// Tidy makes the Go-backed functions of a goja_nodejs module's exports
// throw errors that name their toString "toString" (goja_nodejs gives each
// error a toString that goja names after its Go symbol, which scripts must
// not see): every method and accessor of the exported classes and objects
// is wrapped, and each exported constructor is replaced by a function that
// constructs through it (same prototype, so instanceof and subclasses
// work). A class whose prototype's constructor cannot be redefined gets a
// copy of the prototype, unless it is named in keep: then the class stays
// and only its prototype's members are wrapped (for a class whose
// instances goja_nodejs also makes itself, with the original prototype,
// and whose constructor does not throw when called without arguments). It
// returns the new exports object.
func Tidy(vm *runtime.VM, exports goja.Value, keep ...string) (goja.Value, error) {
	return Call(vm, tidy(), exports, keep)
}

var tidy = Program("tidy", `(function (exports, keep) {
	"use strict";
	var ownKeys = Reflect.ownKeys, getDesc = Object.getOwnPropertyDescriptor, defProp = Object.defineProperty,
		apply = Reflect.apply, construct = Reflect.construct, hasOwn = Object.prototype.hasOwnProperty;
	function fix(e) {
		if (e !== null && typeof e === "object" && apply(hasOwn, e, ["toString"]) && typeof e.toString === "function") {
			try { defProp(e.toString, "name", { value: "toString" }); } catch (ignored) {}
		}
		return e;
	}
	function wrap(f) {
		var w = function () {
			try { return apply(f, this, arguments); } catch (e) { throw fix(e); }
		};
		defProp(w, "name", { value: f.name });
		defProp(w, "length", { value: f.length });
		return w;
	}
	function wrapProps(o, skip) {
		ownKeys(o).forEach(function (k) {
			if (skip && skip.indexOf(k) >= 0) return;
			var d = getDesc(o, k);
			if (!d.configurable) return;
			if ("value" in d) {
				if (typeof d.value === "function") {
					d.value = wrap(d.value);
					defProp(o, k, d);
				}
			} else {
				if (d.get) d.get = wrap(d.get);
				if (d.set) d.set = wrap(d.set);
				defProp(o, k, d);
			}
		});
	}
	function wrapClass(C, name) {
		var proto = C.prototype, cd = getDesc(proto, "constructor");
		if (cd && !cd.configurable && keep.indexOf(name) >= 0) {
			wrapProps(proto, ["constructor"]);
			return C;
		}
		var origProto = proto;
		var W = function () {
			// (called without new, it constructs all the same, as Buffer() does)
			var o, nt = new.target || W;
			try { o = construct(C, arguments, nt); } catch (e) { throw fix(e); }
			// goja_nodejs may make the instance with its own prototype.
			if (Object.getPrototypeOf(o) === origProto && nt.prototype !== origProto) Object.setPrototypeOf(o, nt.prototype);
			return o;
		};
		defProp(W, "name", { value: C.name });
		defProp(W, "length", { value: C.length });
		Object.setPrototypeOf(W, Object.getPrototypeOf(C));
		ownKeys(C).forEach(function (k) {
			var d = getDesc(C, k);
			// (not goja_nodejs's hidden handle on its Go state)
			if (k === "name" || k === "length" || k === "prototype" || !d.configurable) return;
			defProp(W, k, d);
		});
		if (cd && !cd.configurable) {
			// A copy: the original prototype (and through it C) is no
			// longer reachable.
			var copy = Object.create(Object.getPrototypeOf(proto));
			ownKeys(proto).forEach(function (k) {
				if (k === "constructor") return;
				var d = getDesc(proto, k);
				d.configurable = true;
				defProp(copy, k, d);
			});
			proto = copy;
		}
		defProp(W, "prototype", { value: proto });
		defProp(proto, "constructor", { value: W, writable: true, configurable: true });
		wrapProps(W);
		wrapProps(proto, ["constructor"]);
		return W;
	}
	var out = {};
	ownKeys(exports).forEach(function (k) {
		var v = exports[k];
		if (typeof v === "function" && v.prototype && /^[A-Z]/.test(String(k))) out[k] = wrapClass(v, k);
		else if (typeof v === "function") out[k] = wrap(v);
		else out[k] = v;
	});
	return out;
})`)
