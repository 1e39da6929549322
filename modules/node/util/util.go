// Package util is Node's util module: format, inspect, promisify,
// callbackify, inherits, deprecate, types, isDeepStrictEqual, TextEncoder
// and TextDecoder. (goja_nodejs's util has only format, which prints
// objects as "[object Object]"; Node code expects inspect's output.)
package util

import (
	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/internal/jsmod"
	"github.com/dirigo/dirigo/runtime"
)

// Modules are util and node:util.
var Modules = []runtime.Module{
	{Name: "util", Load: func(vm *runtime.VM) (goja.Value, error) { return jsmod.Call(vm, program()) }},
	{Name: "node:util", Load: func(vm *runtime.VM) (goja.Value, error) { return vm.Require("util") }},
}

var program = jsmod.Program("util", `(function () {
	"use strict";
	var getProto = Object.getPrototypeOf, ownKeys = Reflect.ownKeys, getDesc = Object.getOwnPropertyDescriptor,
		apply = Reflect.apply, toStr = Object.prototype.toString;
	function brand(fn) { return function (v) { try { apply(fn, v, []); return true; } catch (e) { return false; } }; }
	var isDate = brand(Date.prototype.getTime), isMap = brand(Map.prototype.has), isSet = brand(Set.prototype.has),
		isWeakMap = brand(WeakMap.prototype.has), isWeakSet = brand(WeakSet.prototype.has),
		isPromise = brand(Promise.prototype.then),
		isRegExp = brand(getDesc(RegExp.prototype, "source").get),
		isArrayBuffer = brand(getDesc(ArrayBuffer.prototype, "byteLength").get),
		isDataView = brand(getDesc(DataView.prototype, "byteLength").get),
		typedLength = getDesc(getProto(Int8Array.prototype), "length").get,
		typedTag = getDesc(getProto(Int8Array.prototype), Symbol.toStringTag).get,
		isTypedArray = brand(typedLength),
		isBoolean = brand(Boolean.prototype.valueOf), isNumber = brand(Number.prototype.valueOf),
		isString = brand(String.prototype.valueOf), isSymbol = brand(Symbol.prototype.valueOf),
		isBigInt = brand(BigInt.prototype.valueOf);
	function isObject(v) { return v !== null && (typeof v === "object" || typeof v === "function"); }
	function typed(name) { return function (v) { return isObject(v) && isTypedArray(v) && apply(typedTag, v, []) === name; }; }
	function fnKind(name) { return function (v) { return typeof v === "function" && toStr.call(v) === "[object " + name + "]"; }; }
	var types = {
		isDate: function (v) { return isObject(v) && isDate(v); },
		isRegExp: function (v) { return isObject(v) && isRegExp(v); },
		isMap: function (v) { return isObject(v) && isMap(v); },
		isSet: function (v) { return isObject(v) && isSet(v); },
		isWeakMap: function (v) { return isObject(v) && isWeakMap(v); },
		isWeakSet: function (v) { return isObject(v) && isWeakSet(v); },
		isPromise: function (v) { return isObject(v) && isPromise(v); },
		isArrayBuffer: function (v) { return isObject(v) && isArrayBuffer(v); },
		isAnyArrayBuffer: function (v) { return isObject(v) && isArrayBuffer(v); },
		isSharedArrayBuffer: function () { return false; },
		isDataView: function (v) { return isObject(v) && isDataView(v); },
		isArrayBufferView: function (v) { return ArrayBuffer.isView(v); },
		isTypedArray: function (v) { return isObject(v) && isTypedArray(v); },
		isUint8Array: typed("Uint8Array"), isUint8ClampedArray: typed("Uint8ClampedArray"),
		isUint16Array: typed("Uint16Array"), isUint32Array: typed("Uint32Array"),
		isInt8Array: typed("Int8Array"), isInt16Array: typed("Int16Array"), isInt32Array: typed("Int32Array"),
		isFloat32Array: typed("Float32Array"), isFloat64Array: typed("Float64Array"),
		isBigInt64Array: typed("BigInt64Array"), isBigUint64Array: typed("BigUint64Array"),
		isNativeError: function (v) { return v instanceof Error; },
		isAsyncFunction: fnKind("AsyncFunction"),
		isGeneratorFunction: fnKind("GeneratorFunction"),
		isGeneratorObject: function (v) { return isObject(v) && toStr.call(v) === "[object Generator]"; },
		isBoxedPrimitive: function (v) { return isObject(v) && (isBoolean(v) || isNumber(v) || isString(v) || isSymbol(v) || isBigInt(v)); },
		isNumberObject: function (v) { return isObject(v) && isNumber(v); },
		isStringObject: function (v) { return isObject(v) && isString(v); },
		isBooleanObject: function (v) { return isObject(v) && isBoolean(v); },
		isSymbolObject: function (v) { return isObject(v) && isSymbol(v); },
		isBigIntObject: function (v) { return isObject(v) && isBigInt(v); },
		isProxy: function () { return false; },
	};

	var custom = Symbol.for("nodejs.util.inspect.custom");
	var identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
	function quote(s) { return "'" + s.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n") + "'"; }
	function key(k) {
		if (typeof k === "symbol") return "[" + String(k) + "]";
		return identifier.test(k) ? k : quote(k);
	}
	function fnName(f) {
		var src = Function.prototype.toString.call(f);
		var kind = /^class\b/.test(src) ? "class" : types.isAsyncFunction(f) ? "AsyncFunction" : types.isGeneratorFunction(f) ? "GeneratorFunction" : "Function";
		if (kind === "class") return "[class " + (f.name || "(anonymous)") + "]";
		return "[" + kind + (f.name ? ": " + f.name : " (anonymous)") + "]";
	}
	function inspect(value, opts) {
		if (typeof opts !== "object" || opts === null) opts = {};
		var depth = opts.depth === undefined ? 2 : opts.depth === null ? Infinity : opts.depth;
		var seen = [];
		function fmt(v, level, top) {
			switch (typeof v) {
			case "string": return top ? v : quote(v);
			case "number": return Object.is(v, -0) ? "-0" : String(v);
			case "bigint": return String(v) + "n";
			case "symbol": return String(v);
			case "undefined": return "undefined";
			case "boolean": return String(v);
			}
			if (v === null) return "null";
			if (typeof v[custom] === "function" && v[custom] !== inspect) {
				var r = v[custom](depth - level, opts, inspect);
				return typeof r === "string" ? r : fmt(r, level, false);
			}
			if (seen.indexOf(v) >= 0) return "[Circular *1]";
			if (typeof v === "function" && ownKeys(v).every(function (k) { return k === "length" || k === "name" || k === "prototype"; })) return fnName(v);
			if (types.isDate(v)) return isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
			if (types.isRegExp(v)) return String(v);
			if (v instanceof Error) return v.stack ? String(v.stack) : "[" + String(v) + "]";
			if (types.isBoxedPrimitive(v)) return "[" + (isString(v) ? "String: " + quote(String(v)) : isNumber(v) ? "Number: " + v.valueOf() : isBoolean(v) ? "Boolean: " + v.valueOf() : String(v.valueOf())) + "]";
			if (types.isPromise(v)) return "Promise { <pending> }";
			if (level > depth) return Array.isArray(v) ? "[Array]" : "[Object]";
			seen.push(v);
			var parts = [], prefix = "", open = "{", close = "}";
			var ctor = getProto(v) === null ? null : v.constructor;
			var name = ctor && typeof ctor.name === "string" ? ctor.name : "";
			try {
				if (Array.isArray(v)) {
					open = "["; close = "]";
					if (name !== "Array") prefix = name + "(" + v.length + ") ";
					for (var i = 0; i < v.length && i < 100; i++) parts.push(i in v ? fmt(v[i], level + 1) : "<empty>");
					if (v.length > 100) parts.push("... " + (v.length - 100) + " more items");
				} else if (types.isTypedArray(v)) {
					if (name === "Buffer") {
						var hex = [];
						for (var j = 0; j < v.length && j < 50; j++) hex.push((v[j] < 16 ? "0" : "") + v[j].toString(16));
						return "<Buffer" + (hex.length ? " " + hex.join(" ") : "") + (v.length > 50 ? " ... " + (v.length - 50) + " more bytes" : "") + ">";
					}
					open = "["; close = "]"; prefix = name + "(" + v.length + ") ";
					for (var t = 0; t < v.length && t < 100; t++) parts.push(fmt(v[t], level + 1));
				} else if (types.isMap(v)) {
					prefix = name + "(" + v.size + ") ";
					v.forEach(function (val, k) { parts.push(fmt(k, level + 1) + " => " + fmt(val, level + 1)); });
				} else if (types.isSet(v)) {
					prefix = name + "(" + v.size + ") ";
					v.forEach(function (val) { parts.push(fmt(val, level + 1)); });
				} else if (types.isArrayBuffer(v)) {
					return "ArrayBuffer { byteLength: " + v.byteLength + " }";
				} else if (typeof v === "function") {
					prefix = fnName(v) + " ";
				} else if (name !== "Object") {
					prefix = (name || "[Object: null prototype]") + " ";
				}
				var keys = ownKeys(v);
				for (var n = 0; n < keys.length; n++) {
					var k = keys[n], d = getDesc(v, k);
					if (!d.enumerable || ((Array.isArray(v) || types.isTypedArray(v)) && typeof k === "string" && String(k >>> 0) === k)) continue;
					if (typeof v === "function" && (k === "prototype")) continue;
					parts.push(key(k) + ": " + ("value" in d ? fmt(d.value, level + 1) : d.set ? (d.get ? "[Getter/Setter]" : "[Setter]") : "[Getter]"));
				}
			} finally {
				seen.pop();
			}
			if (parts.length === 0) return prefix + open + close;
			var line = prefix + open + " " + parts.join(", ") + " " + close;
			if (line.length <= 72) return line;
			var pad = "  ".repeat(level + 1);
			return prefix + open + "\n" + pad + parts.join(",\n" + pad) + "\n" + "  ".repeat(level) + close;
		}
		return fmt(value, 0, false);
	}
	inspect.custom = custom;

	function format(f) {
		var args = arguments, i = 1, out;
		if (typeof f !== "string") {
			out = [];
			for (var a = 0; a < args.length; a++) out.push(typeof args[a] === "string" ? args[a] : inspect(args[a]));
			return out.join(" ");
		}
		out = f.replace(/%[sdifjoOc%]/g, function (m) {
			if (m === "%%") return "%";
			if (i >= args.length) return m;
			var v = args[i++];
			switch (m) {
			case "%s": return typeof v === "string" ? v : typeof v === "bigint" ? v + "n" : typeof v === "symbol" || (typeof v === "object" && v !== null) ? inspect(v, { depth: 0 }) : String(v);
			case "%d": return typeof v === "bigint" ? v + "n" : typeof v === "symbol" ? "NaN" : String(Number(v));
			case "%i": return typeof v === "bigint" ? v + "n" : String(parseInt(v));
			case "%f": return String(parseFloat(v));
			case "%j": try { return JSON.stringify(v); } catch (e) { return "[Circular]"; }
			case "%o": case "%O": return inspect(v);
			case "%c": return "";
			}
		});
		for (; i < args.length; i++) out += " " + (typeof args[i] === "string" ? args[i] : inspect(args[i]));
		return out;
	}

	var promisifyCustom = Symbol.for("nodejs.util.promisify.custom");
	function promisify(original) {
		if (typeof original !== "function") throw new TypeError("The \"original\" argument must be of type function");
		if (typeof original[promisifyCustom] === "function") return original[promisifyCustom];
		function fn() {
			var self = this, args = Array.prototype.slice.call(arguments);
			return new Promise(function (resolve, reject) {
				args.push(function (err, value) {
					if (err) reject(err);
					else if (arguments.length > 2) resolve(Array.prototype.slice.call(arguments, 1));
					else resolve(value);
				});
				apply(original, self, args);
			});
		}
		Object.setPrototypeOf(fn, getProto(original));
		return Object.defineProperties(fn, Object.getOwnPropertyDescriptors(original));
	}
	promisify.custom = promisifyCustom;
	function callbackify(original) {
		if (typeof original !== "function") throw new TypeError("The \"original\" argument must be of type function");
		return function () {
			var args = Array.prototype.slice.call(arguments), cb = args.pop(), self = this;
			if (typeof cb !== "function") throw new TypeError("The last argument must be of type function");
			Promise.resolve().then(function () { return apply(original, self, args); }).then(
				function (v) { queueMicrotask(function () { cb(null, v); }); },
				function (e) {
					if (!e) { var w = new Error("Promise was rejected with a falsy value"); w.reason = e; e = w; }
					queueMicrotask(function () { cb(e); });
				});
		};
	}
	function inherits(ctor, superCtor) {
		if (typeof ctor !== "function" || typeof superCtor !== "function" || superCtor.prototype === undefined)
			throw new TypeError("The \"ctor\" and \"superCtor\" arguments must be functions with a prototype");
		Object.defineProperty(ctor, "super_", { value: superCtor, writable: true, configurable: true });
		Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
	}
	function deprecate(fn, msg) {
		var warned = false;
		return function () {
			if (!warned) { warned = true; console.warn("DeprecationWarning: " + msg); }
			return apply(fn, this, arguments);
		};
	}
	function isDeepStrictEqual(a, b) { return deepEqual(a, b, []); }
	function deepEqual(a, b, stack) {
		if (Object.is(a, b)) return true;
		if (!isObject(a) || !isObject(b) || getProto(a) !== getProto(b)) return false;
		if (toStr.call(a) !== toStr.call(b)) return false;
		for (var s = 0; s < stack.length; s++) if (stack[s][0] === a && stack[s][1] === b) return true;
		stack.push([a, b]);
		try {
			if (types.isDate(a)) return a.getTime() === b.getTime();
			if (types.isRegExp(a)) return String(a) === String(b);
			if (types.isBoxedPrimitive(a)) return Object.is(a.valueOf(), b.valueOf());
			if (types.isMap(a) || types.isSet(a)) {
				if (a.size !== b.size) return false;
				var ok = true;
				a.forEach(function (v, k) {
					if (!ok) return;
					if (types.isMap(a)) ok = b.has(k) && deepEqual(v, b.get(k), stack);
					else ok = b.has(v);
				});
				if (!ok) return false;
			}
			var ka = Object.keys(a), kb = Object.keys(b);
			if (ka.length !== kb.length) return false;
			for (var i = 0; i < ka.length; i++) {
				if (!Object.prototype.hasOwnProperty.call(b, ka[i]) || !deepEqual(a[ka[i]], b[ka[i]], stack)) return false;
			}
			return true;
		} finally {
			stack.pop();
		}
	}
	return {
		format: format, inspect: inspect, promisify: promisify, callbackify: callbackify,
		inherits: inherits, deprecate: deprecate, types: types, isDeepStrictEqual: isDeepStrictEqual,
		isArray: Array.isArray, TextEncoder: TextEncoder, TextDecoder: TextDecoder,
	};
})`)
