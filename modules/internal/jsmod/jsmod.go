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
