// Package clone provides structuredClone (HTML's structured clone): cycles
// and shared references, primitives and their wrapper objects, Date,
// RegExp, Map, Set, ArrayBuffer, typed arrays, DataView, Error (standard
// names, message, stack, cause), arrays and plain objects (own enumerable
// string keys; prototypes are not kept). Functions, symbols, WeakMap,
// WeakSet, Promise and other host objects throw a DataCloneError.
// ArrayBuffers named in {transfer} are copied, not detached.
package clone

import (
	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/internal/jsmod"
	"github.com/dirigo/dirigo/runtime"
)

// Global is structuredClone.
var Global = runtime.Module{Global: "structuredClone", Load: func(vm *runtime.VM) (goja.Value, error) {
	return jsmod.Call(vm, program(), vm.Runtime().ToValue(func(goja.FunctionCall) goja.Value {
		vm.CheckStop()
		return goja.Undefined()
	}))
}}

var program = jsmod.Program("structuredClone", `(function (checkStop) {
	"use strict";
	var getProto = Object.getPrototypeOf, getDesc = Object.getOwnPropertyDescriptor, apply = Reflect.apply,
		keys = Object.keys, isArray = Array.isArray, toStr = Object.prototype.toString, defProp = Object.defineProperty;
	function brand(fn) { return function (v) { try { apply(fn, v, []); return true; } catch (e) { return false; } }; }
	var isDate = brand(Date.prototype.getTime), isRegExp = brand(getDesc(RegExp.prototype, "source").get),
		isMap = brand(Map.prototype.has), isSet = brand(Set.prototype.has),
		isWeak = function (v) { return brand(WeakMap.prototype.has)(v) || brand(WeakSet.prototype.has)(v); },
		isPromise = brand(Promise.prototype.then),
		isArrayBuffer = brand(getDesc(ArrayBuffer.prototype, "byteLength").get),
		isDataView = brand(getDesc(DataView.prototype, "byteLength").get),
		typedTag = getDesc(getProto(Int8Array.prototype), Symbol.toStringTag).get,
		isTyped = function (v) { return apply(typedTag, v, []) !== undefined; }, // undefined for anything else
		isBoolean = brand(Boolean.prototype.valueOf), isNumber = brand(Number.prototype.valueOf),
		isString = brand(String.prototype.valueOf), isBigInt = brand(BigInt.prototype.valueOf);
	var sliceBuffer = ArrayBuffer.prototype.slice;
	var errors = { Error: Error, EvalError: EvalError, RangeError: RangeError, ReferenceError: ReferenceError,
		SyntaxError: SyntaxError, TypeError: TypeError, URIError: URIError };
	function put(o, k, v) { defProp(o, k, { value: v, writable: true, enumerable: true, configurable: true }); }
	function fail(what) { throw new DOMException(what + " could not be cloned.", "DataCloneError"); }
	return function structuredClone(value, options) {
		if (arguments.length === 0) throw new TypeError("The \"value\" argument must be specified");
		var memory = new Map(), count = 0;
		function clone(v) {
			if (typeof v === "symbol") fail(String(v));
			if (typeof v === "function") fail(v.toString().slice(0, 60));
			if (v === null || typeof v !== "object") return v;
			if (memory.has(v)) return memory.get(v);
			if ((++count & 4095) === 0) checkStop();
			var out;
			if (isArray(v)) {
				out = new Array(v.length);
				memory.set(v, out);
				var ks = keys(v);
				for (var i = 0; i < ks.length; i++) put(out, ks[i], clone(v[ks[i]]));
				return out;
			}
			if (isDate(v)) { out = new Date(v.getTime()); memory.set(v, out); return out; }
			if (isRegExp(v)) { out = new RegExp(v.source, v.flags); memory.set(v, out); return out; }
			if (isBoolean(v)) { out = Object(v.valueOf()); memory.set(v, out); return out; }
			if (isNumber(v)) { out = Object(Number.prototype.valueOf.call(v)); memory.set(v, out); return out; }
			if (isString(v)) { out = Object(String.prototype.valueOf.call(v)); memory.set(v, out); return out; }
			if (isBigInt(v)) { out = Object(BigInt.prototype.valueOf.call(v)); memory.set(v, out); return out; }
			if (isArrayBuffer(v)) { out = apply(sliceBuffer, v, [0]); memory.set(v, out); return out; }
			if (isTyped(v)) {
				var C = globalThis[apply(typedTag, v, [])];
				out = new C(clone(v.buffer), v.byteOffset, v.length);
				memory.set(v, out);
				return out;
			}
			if (isDataView(v)) { out = new DataView(clone(v.buffer), v.byteOffset, v.byteLength); memory.set(v, out); return out; }
			if (isMap(v)) {
				out = new Map();
				memory.set(v, out);
				var entries = Array.from(v);
				for (var m = 0; m < entries.length; m++) out.set(clone(entries[m][0]), clone(entries[m][1]));
				return out;
			}
			if (isSet(v)) {
				out = new Set();
				memory.set(v, out);
				var items = Array.from(v);
				for (var s = 0; s < items.length; s++) out.add(clone(items[s]));
				return out;
			}
			if (v instanceof Error || toStr.call(v) === "[object Error]") {
				var name = v.name, E = Object.prototype.hasOwnProperty.call(errors, name) ? errors[name] : Error;
				out = Object.create(E.prototype);
				memory.set(v, out);
				var md = getDesc(v, "message");
				if (md && "value" in md) defProp(out, "message", { value: String(md.value), writable: true, configurable: true });
				if (typeof v.stack === "string") defProp(out, "stack", { value: v.stack, writable: true, configurable: true });
				if ("cause" in v) defProp(out, "cause", { value: clone(v.cause), writable: true, configurable: true });
				return out;
			}
			if (isWeak(v) || isPromise(v)) fail(toStr.call(v));
			var tag = toStr.call(v);
			if (tag !== "[object Object]" && tag !== "[object Arguments]") fail(tag);
			out = {};
			memory.set(v, out);
			var ok = keys(v);
			for (var k = 0; k < ok.length; k++) put(out, ok[k], clone(v[ok[k]]));
			return out;
		}
		if (options !== undefined && options !== null && options.transfer !== undefined) {
			Array.from(options.transfer).forEach(function (t) { if (!isArrayBuffer(t)) fail("A transfer list item"); });
		}
		return clone(value);
	};
})`)
