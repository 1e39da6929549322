package dirigible

import (
	"math"
	"strconv"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/runtime"
)

// SignedBytes returns b as Dirigible returns bytes to scripts: a JavaScript
// array of Java bytes (-128..127).
func SignedBytes(rt *goja.Runtime, b []byte) goja.Value {
	vals := make([]any, len(b))
	for i, c := range b {
		vals[i] = int8(c)
	}
	return rt.NewArray(vals...)
}

// Bytes converts what scripts pass as bytes: an array (or array-like) of
// signed or unsigned byte numbers, an ArrayBuffer, a typed array or
// DataView (its bytes), or a string (UTF-8). Falsy values are no bytes;
// anything else (a number, a plain object) is a TypeError that names fn.
func Bytes(vm *runtime.VM, v goja.Value, fn string) []byte {
	if v == nil || !v.ToBoolean() {
		return nil
	}
	rt := vm.Runtime()
	switch x := v.Export().(type) {
	case string:
		return []byte(x)
	case goja.ArrayBuffer:
		return x.Bytes()
	case []any:
		b := make([]byte, len(x))
		for i, e := range x {
			b[i] = byte(rt.ToValue(e).ToInteger())
		}
		return b
	}
	o, ok := v.(*goja.Object)
	if !ok {
		panic(rt.NewTypeError("%s: expected bytes (an array, ArrayBuffer, typed array or string), got %s", fn, v.String()))
	}
	if isView, _ := goja.AssertFunction(vm.Intrinsic("ArrayBuffer").ToObject(rt).Get("isView")); isView != nil {
		if res, err := isView(goja.Undefined(), v); err == nil && res.ToBoolean() {
			var b []byte
			if err := rt.ExportTo(v, &b); err == nil {
				return b
			}
		}
	}
	if l := o.Get("length"); l != nil && !goja.IsUndefined(l) {
		n := l.ToInteger()
		if n < 0 || n > math.MaxInt32 {
			panic(rt.NewTypeError("%s: invalid length %d", fn, n))
		}
		b := make([]byte, n)
		for i := range b {
			if e := o.Get(strconv.Itoa(i)); e != nil {
				b[i] = byte(e.ToInteger())
			}
		}
		return b
	}
	panic(rt.NewTypeError("%s: expected bytes (an array, ArrayBuffer, typed array or string), got %s", fn, v.String()))
}
