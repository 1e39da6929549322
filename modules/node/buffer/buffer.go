// Package buffer is Node's buffer module and the global Buffer: goja_nodejs's
// Buffer (a Uint8Array subclass with Node's read/write methods), with the
// sizes scripts choose bounded like the typed array constructors (a
// RangeError past the buffer limit), Node's other encodings (latin1,
// binary, ascii, utf16le/ucs2, base64url, any case) and the functions Node
// code uses most that goja_nodejs lacks (isBuffer, byteLength, compare,
// allocUnsafe, copy, fill and indexOf with strings, toJSON, slice as a view).
package buffer

import (
	"math"

	"github.com/dop251/goja"
	nodebuffer "github.com/dop251/goja_nodejs/buffer"

	"github.com/dirigo/dirigo/modules/internal/jsmod"
	"github.com/dirigo/dirigo/runtime"
)

// Modules are buffer, node:buffer and the global Buffer.
var Modules = []runtime.Module{
	{Name: "buffer", Load: load},
	{Name: "node:buffer", Load: func(vm *runtime.VM) (goja.Value, error) { return vm.Require("buffer") }},
	{Global: "Buffer", Load: func(vm *runtime.VM) (goja.Value, error) { return Ctor(vm) }},
}

// Ctor returns the VM's Buffer constructor.
func Ctor(vm *runtime.VM) (*goja.Object, error) {
	m, err := vm.Require("buffer")
	if err != nil {
		return nil, err
	}
	return m.ToObject(vm.Runtime()).Get("Buffer").ToObject(vm.Runtime()), nil
}

// Wrap returns a Buffer over b (not copied).
func Wrap(vm *runtime.VM, b []byte) *goja.Object {
	ctor, err := Ctor(vm)
	if err != nil {
		panic(err)
	}
	rt := vm.Runtime()
	o, err := rt.New(ctor, rt.ToValue(rt.NewArrayBuffer(b)))
	if err != nil {
		panic(err)
	}
	return o
}

func load(vm *runtime.VM) (goja.Value, error) {
	rt := vm.Runtime()
	module := rt.NewObject()
	exports := rt.NewObject()
	_ = module.Set("exports", exports)
	nodebuffer.Require(rt, module)
	ctor := exports.Get("Buffer").ToObject(rt)
	natives := jsmod.Natives(vm, map[string]func(goja.FunctionCall) goja.Value{
		// alloc(size): zeroed bytes, bounded.
		"alloc": func(call goja.FunctionCall) goja.Value {
			n := call.Argument(0).ToFloat()
			if math.IsNaN(n) || n < 0 || n > maxLength {
				jsmod.Throw(vm, "RangeError", "The value of \"size\" is out of range. It must be >= 0 && <= %d. Received %v", int64(maxLength), call.Argument(0))
			}
			vm.CheckBytes(int64(n))
			o, _ := jsmod.NewBytesOf(vm, ctor, int(n))
			return o
		},
		// fromString(str, enc): the bytes of a string.
		"fromString": func(call goja.FunctionCall) goja.Value {
			s := jsmod.String(vm, call.Argument(0))
			enc := encodingOf(call.Argument(1))
			if enc == "" {
				unknown(vm, call.Argument(1))
			}
			vm.CheckBytes(int64(decodeLen(s, enc)))
			b := decode(s, enc)
			o, out := jsmod.NewBytesOf(vm, ctor, len(b))
			copy(out, b)
			return o
		},
		// toString(bytes, enc, start, end).
		"toString": func(call goja.FunctionCall) goja.Value {
			b, ok := jsmod.Bytes(vm, call.Argument(0))
			if !ok {
				jsmod.Throw(vm, "TypeError", "argument must be a buffer")
			}
			enc := encodingOf(call.Argument(1))
			if enc == "" {
				unknown(vm, call.Argument(1))
			}
			start, end := clamp(call.Argument(2), 0, len(b)), clamp(call.Argument(3), len(b), len(b))
			if start >= end {
				return rt.ToValue("")
			}
			return rt.ToValue(encode(b[start:end], enc))
		},
		// write(bytes, str, offset, length, enc): bytes written.
		"write": func(call goja.FunctionCall) goja.Value {
			b, _ := jsmod.Bytes(vm, call.Argument(0))
			s := jsmod.String(vm, call.Argument(1))
			enc := encodingOf(call.Argument(4))
			if enc == "" {
				unknown(vm, call.Argument(4))
			}
			off := clamp(call.Argument(2), 0, len(b))
			n := clamp(call.Argument(3), len(b)-off, len(b)-off)
			data := decode(s, enc)
			if enc == "utf8" && len(data) > n {
				// Whole characters only.
				for n > 0 && data[n]&0xc0 == 0x80 {
					n--
				}
			}
			return rt.ToValue(copy(b[off:off+n], data))
		},
		"byteLength": func(call goja.FunctionCall) goja.Value {
			if b, ok := jsmod.Bytes(vm, call.Argument(0)); ok {
				return rt.ToValue(len(b))
			}
			enc := encodingOf(call.Argument(1))
			if enc == "" {
				enc = "utf8"
			}
			s := jsmod.String(vm, call.Argument(0))
			switch enc {
			case "latin1", "ascii":
				return rt.ToValue(s.Length())
			case "utf16le":
				return rt.ToValue(2 * s.Length())
			}
			return rt.ToValue(len(decode(s, enc)))
		},
		"isEncoding": func(call goja.FunctionCall) goja.Value {
			return rt.ToValue(goja.IsString(call.Argument(0)) && encodingOf(call.Argument(0)) != "")
		},
		"checkBytes": func(call goja.FunctionCall) goja.Value {
			vm.CheckBytes(call.Argument(0).ToInteger())
			return goja.Undefined()
		},
	})
	if _, err := jsmod.Call(vm, program(), exports, natives, maxLength); err != nil {
		return nil, err
	}
	return jsmod.Tidy(vm, exports)
}

// maxLength is buffer.constants.MAX_LENGTH (what Node reports on 64 bits);
// the buffer limit of the VM is usually smaller.
const maxLength = 1<<53 - 1

func unknown(vm *runtime.VM, enc goja.Value) {
	jsmod.Throw(vm, "TypeError", "Unknown encoding: %s", enc.String())
}

// clamp converts an optional integer argument to an index in [0, n]
// (def when undefined; negative counts as 0).
func clamp(v goja.Value, def, n int) int {
	if v == nil || goja.IsUndefined(v) {
		return def
	}
	f := v.ToFloat()
	switch {
	case math.IsNaN(f) || f <= 0:
		return 0
	case f >= float64(n):
		return n
	}
	return int(f)
}

var program = jsmod.Program("buffer", `(function (exports, native, MAX_LENGTH) {
	"use strict";
	var Buffer = exports.Buffer, proto = Buffer.prototype;
	var from = Buffer.from, concat = Buffer.concat, u8 = Uint8Array.prototype;
	var defProp = Object.defineProperty, isView = ArrayBuffer.isView;
	function method(obj, name, fn) {
		defProp(obj, name, { value: fn, writable: true, configurable: true });
	}
	function isBuffer(b) { return b instanceof Buffer; }
	function bytes(v, what) {
		if (v instanceof Uint8Array) return v;
		throw new TypeError("The \"" + what + "\" argument must be an instance of Buffer or Uint8Array.");
	}
	method(Buffer, "isBuffer", isBuffer);
	method(Buffer, "isEncoding", native.isEncoding);
	method(Buffer, "byteLength", native.byteLength);
	method(Buffer, "from", function from_(value, encOrOffset, length) {
		if (typeof value === "string") return native.fromString(value, encOrOffset);
		if (value !== null && typeof value === "object" && !(value instanceof ArrayBuffer) && !isView(value)) {
			var n = value.length;
			if (typeof n === "number" && n > 0) native.checkBytes(n);
		}
		return from.apply(Buffer, arguments);
	});
	method(Buffer, "alloc", function alloc(size, fill, encoding) {
		if (typeof size !== "number") throw new TypeError("The \"size\" argument must be of type number.");
		var b = native.alloc(size);
		if (fill !== undefined && fill !== 0 && b.length > 0) b.fill(fill, 0, b.length, encoding);
		return b;
	});
	method(Buffer, "allocUnsafe", function allocUnsafe(size) { return Buffer.alloc(size); });
	method(Buffer, "allocUnsafeSlow", function allocUnsafeSlow(size) { return Buffer.alloc(size); });
	method(Buffer, "concat", function concat_(list, totalLength) {
		if (totalLength === undefined) {
			totalLength = 0;
			for (var i = 0; i < list.length; i++) totalLength += list[i].length;
		}
		native.checkBytes(totalLength);
		return concat.apply(Buffer, arguments);
	});
	method(Buffer, "compare", function compare(a, b) {
		a = bytes(a, "buf1"); b = bytes(b, "buf2");
		var n = Math.min(a.length, b.length);
		for (var i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
		return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
	});
	method(proto, "toString", function toString(encoding, start, end) {
		return native.toString(this, encoding, start, end);
	});
	method(proto, "toLocaleString", proto.toString);
	method(proto, "write", function write(string, offset, length, encoding) {
		if (typeof offset === "string") { encoding = offset; offset = undefined; length = undefined; }
		else if (typeof length === "string") { encoding = length; length = undefined; }
		return native.write(this, string, offset, length, encoding);
	});
	method(proto, "toJSON", function toJSON() { return { type: "Buffer", data: Array.from(this) }; });
	// Node's slice is a view (subarray), not a copy.
	method(proto, "slice", function slice(start, end) { return this.subarray(start, end); });
	method(proto, "copy", function copy(target, targetStart, sourceStart, sourceEnd) {
		target = bytes(target, "target");
		targetStart = targetStart === undefined ? 0 : Math.max(0, targetStart | 0);
		sourceStart = sourceStart === undefined ? 0 : Math.max(0, sourceStart | 0);
		sourceEnd = sourceEnd === undefined ? this.length : Math.min(this.length, sourceEnd | 0);
		if (targetStart >= target.length || sourceStart >= sourceEnd) return 0;
		var n = Math.min(sourceEnd - sourceStart, target.length - targetStart);
		u8.set.call(target, u8.subarray.call(this, sourceStart, sourceStart + n), targetStart);
		return n;
	});
	method(proto, "fill", function fill(value, offset, end, encoding) {
		if (typeof offset === "string") { encoding = offset; offset = 0; end = this.length; }
		else if (typeof end === "string") { encoding = end; end = this.length; }
		offset = offset === undefined ? 0 : offset; end = end === undefined ? this.length : end;
		if (typeof value === "string" || isView(value)) {
			var src = typeof value === "string" ? native.fromString(value, encoding) : value;
			if (src.length === 0) return u8.fill.call(this, 0, offset, end);
			for (var i = offset, j = 0; i < end; i++, j = (j + 1) % src.length) this[i] = src[j];
			return this;
		}
		return u8.fill.call(this, value, offset, end);
	});
	function find(buf, value, from, encoding, last) {
		if (typeof from === "string") { encoding = from; from = undefined; }
		if (typeof value === "number") return last ? u8.lastIndexOf.call(buf, value & 255, from === undefined ? buf.length : from) : u8.indexOf.call(buf, value & 255, from);
		var needle = typeof value === "string" ? native.fromString(value, encoding) : bytes(value, "value");
		var n = buf.length, m = needle.length;
		from = from === undefined ? (last ? n - m : 0) : from < 0 ? Math.max(n + from, 0) : from;
		if (m === 0) return Math.min(from, n);
		for (var i = last ? Math.min(from, n - m) : from; last ? i >= 0 : i <= n - m; last ? i-- : i++) {
			var j = 0;
			while (j < m && buf[i + j] === needle[j]) j++;
			if (j === m) return i;
		}
		return -1;
	}
	method(proto, "indexOf", function indexOf(value, byteOffset, encoding) { return find(this, value, byteOffset, encoding, false); });
	method(proto, "lastIndexOf", function lastIndexOf(value, byteOffset, encoding) { return find(this, value, byteOffset, encoding, true); });
	method(proto, "includes", function includes(value, byteOffset, encoding) { return find(this, value, byteOffset, encoding, false) !== -1; });
	method(proto, "compare", function compare(target) { return Buffer.compare(this, target); });
	exports.constants = { MAX_LENGTH: MAX_LENGTH, MAX_STRING_LENGTH: (1 << 29) - 24 };
	exports.kMaxLength = MAX_LENGTH;
	exports.INSPECT_MAX_BYTES = 50;
	exports.atob = globalThis.atob;
	exports.btoa = globalThis.btoa;
})`)
