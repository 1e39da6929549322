package util_test

import (
	"testing"

	"github.com/dirigo/dirigo/modules/internal/jstest"
)

func TestUtil(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Src: `var u = require("util"); return u.format("%s=%d %j %%", "a", 42, { b: 1 }, "extra", { c: [1] })`, Want: `a=42 {"b":1} % extra { c: [ 1 ] }`},
		{Src: `return require("util").format("%i %f %o", "42.9px", "1.5", [1])`, Want: "42 1.5 [ 1 ]"},
		{Src: `return require("util").format(1, "a", null)`, Want: "1 a null"},
		{Src: `var i = require("node:util").inspect; return [i("s"), i([1, "a", [2, [3, [4]]]]), i({ a: 1, "b-c": undefined }), i(new Map([["k", 1]])), i(new Set([1])), i(null), i(-0), i(10n), i(Symbol("x"))].join(" | ")`,
			Want: "'s' | [ 1, 'a', [ 2, [ 3, [Array] ] ] ] | { a: 1, 'b-c': undefined } | Map(1) { 'k' => 1 } | Set(1) { 1 } | null | -0 | 10n | Symbol(x)"},
		{Src: `var i = require("util").inspect; var o = { a: 1 }; o.self = o; return i(o) + " | " + i(function foo() {}) + " | " + i(class K {}) + " | " + i(new Date(0)) + " | " + i(/x/g) + " | " + i(Buffer.from("ab"))`,
			Want: "{ a: 1, self: [Circular *1] } | [Function: foo] | [class K] | 1970-01-01T00:00:00.000Z | /x/g | <Buffer 61 62>"},
		{Name: "inspect.custom", Src: `var u = require("util"); var o = {}; o[u.inspect.custom] = function () { return "custom!"; }; return u.inspect(o) + " " + (u.inspect.custom === Symbol.for("nodejs.util.inspect.custom"))`, Want: "custom! true"},
		{Name: "promisify", Src: `var u = require("util"); var f = u.promisify(function (a, cb) { setTimeout(function () { cb(null, a * 2); }, 1); }); return await f(21)`, Want: "42"},
		{Name: "promisify rejects", Src: `var f = require("util").promisify(function (cb) { cb(new Error("no")); }); await f()`, Want: "Error: no"},
		{Name: "promisify.custom", Src: `var u = require("util"); function f() {} f[u.promisify.custom] = function () { return Promise.resolve("c"); }; return await u.promisify(f)()`, Want: "c"},
		{Name: "callbackify", Src: `var u = require("util"); return await new Promise(function (res) { u.callbackify(async function (x) { return x + 1; })(1, function (e, v) { res(e + " " + v); }); })`, Want: "null 2"},
		{Name: "inherits", Src: `var u = require("util"), E = require("events"); function F() { E.call(this); } u.inherits(F, E); F.prototype.emit = function () { return "own emit"; }; var f = new F(); return (f instanceof E) + " " + (F.super_ === E) + " " + f.emit() + " " + typeof f.on`, Want: "true true own emit function"},
		{Name: "types", Src: `var t = require("util").types; return [t.isDate(new Date()), t.isDate({}), t.isRegExp(/x/), t.isPromise(Promise.resolve()), t.isUint8Array(Buffer.alloc(1)), t.isTypedArray([]), t.isMap(new Map()), t.isAsyncFunction(async function () {}), t.isGeneratorFunction(function* () {}), t.isNativeError(new TypeError()), t.isArrayBuffer(new ArrayBuffer(1)), t.isBoxedPrimitive(Object(1))].join()`,
			Want: "true,false,true,true,true,false,true,true,true,true,true,true"},
		{Name: "isDeepStrictEqual", Src: `var d = require("util").isDeepStrictEqual; return [d({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), d({ a: 1 }, { a: "1" }), d(new Map([[1, { x: 1 }]]), new Map([[1, { x: 1 }]])), d([1, 2], [1, 2, 3]), d(NaN, NaN)].join()`, Want: "true,false,true,false,true"},
		{Src: `var u = require("util"); return (u.TextEncoder === TextEncoder) + " " + (u.TextDecoder === TextDecoder) + " " + u.isArray([])`, Want: "true true true"},
		{Name: "deprecate", Src: `var f = require("util").deprecate(function (x) { return x; }, "old"); return f(1) + f(2)`, Want: "3"},
	})
}
