package clone_test

import (
	"testing"

	"github.com/dirigo/dirigo/modules/internal/jstest"
)

func TestStructuredClone(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Src: `var o = { a: 1, b: [1, { c: "x" }], d: null, u: undefined }; var c = structuredClone(o); return (c !== o) + " " + (c.b !== o.b) + " " + JSON.stringify(c) + " " + ("u" in c)`, Want: `true true {"a":1,"b":[1,{"c":"x"}],"d":null} true`},
		{Name: "primitives", Src: `return [structuredClone(1), structuredClone("s"), structuredClone(null), structuredClone(undefined), structuredClone(2n), structuredClone(true)].map(String).join()`, Want: "1,s,null,undefined,2,true"},
		{Name: "cycles", Src: `var o = { n: 1 }; o.self = o; o.list = [o]; var c = structuredClone(o); return (c.self === c) + " " + (c.list[0] === c) + " " + (c !== o)`, Want: "true true true"},
		{Name: "shared references", Src: `var s = { v: 1 }; var c = structuredClone({ a: s, b: s }); return c.a === c.b`, Want: "true"},
		{Name: "Date", Src: `var d = new Date(12345); var c = structuredClone(d); return (c instanceof Date) + " " + c.getTime() + " " + (c !== d)`, Want: "true 12345 true"},
		{Name: "RegExp", Src: `var r = /a+b/gi; r.lastIndex = 3; var c = structuredClone(r); return String(c) + " " + c.lastIndex + " " + (c !== r)`, Want: "/a+b/gi 0 true"},
		{Name: "Map and Set", Src: `var k = { k: 1 }; var m = new Map([[k, new Set([1, k])]]); var c = structuredClone(m); var ck = Array.from(c.keys())[0]; return (c instanceof Map) + " " + (ck !== k) + " " + c.get(ck).has(ck) + " " + c.get(ck).size`, Want: "true true true 2"},
		{Name: "ArrayBuffer and views", Src: `var buf = new ArrayBuffer(8); var u = new Uint8Array(buf, 2, 4); u[0] = 9; var f = new Float64Array(1); f[0] = 1.5; var c = structuredClone({ u: u, buf: buf, f: f }); c.u[1] = 7; return [c.u.byteOffset, c.u.length, c.u[0], c.u.buffer === c.buf, new Uint8Array(buf)[3], c.f[0], c.f instanceof Float64Array].join()`, Want: "2,4,9,true,0,1.5,true"},
		{Name: "DataView", Src: `var d = new DataView(new ArrayBuffer(4), 1); d.setUint8(0, 5); var c = structuredClone(d); return (c instanceof DataView) + " " + c.byteOffset + " " + c.getUint8(0)`, Want: "true 1 5"},
		{Name: "Error", Src: `var e = new RangeError("bad", { cause: { x: 1 } }); var c = structuredClone(e); return [c instanceof RangeError, c.name, c.message, c.cause.x, c.cause !== e.cause, typeof c.stack].join()`, Want: "true,RangeError,bad,1,true,string"},
		{Name: "custom error becomes Error", Src: `class E extends Error {} var c = structuredClone(new E("m")); return c.constructor === Error`, Want: "true"},
		{Name: "boxed primitives", Src: `var c = structuredClone([Object(1), Object("s"), Object(false)]); return c.map(function (x) { return typeof x + ":" + x.valueOf(); }).join()`, Want: "object:1,object:s,object:false"},
		{Name: "prototypes are not kept", Src: `class P { constructor() { this.x = 1; } m() {} } var c = structuredClone(new P()); return (Object.getPrototypeOf(c) === Object.prototype) + " " + c.x + " " + (c.m === undefined)`, Want: "true 1 true"},
		{Name: "getters are read", Src: `var c = structuredClone({ get g() { return 5; } }); return Object.getOwnPropertyDescriptor(c, "g").value`, Want: "5"},
		{Name: "__proto__ key stays a key", Src: `var o = JSON.parse('{"__proto__": {"polluted": 1}}'); var c = structuredClone(o); return ({}).polluted + " " + Object.getPrototypeOf(c).polluted + " " + c.__proto__.polluted`, Want: "undefined undefined 1"},
		{Name: "function", Src: `structuredClone({ f: function () {} })`, Want: "DataCloneError: …"},
		{Name: "symbol", Src: `try { structuredClone(Symbol("s")); } catch (e) { return e.name + " " + (e instanceof DOMException) + " " + e.code; }`, Want: "DataCloneError true 25"},
		{Name: "WeakMap", Src: `structuredClone(new WeakMap())`, Want: "DataCloneError: …"},
		{Name: "Promise", Src: `structuredClone(Promise.resolve())`, Want: "DataCloneError: …"},
		{Name: "no argument", Src: `structuredClone()`, Want: "TypeError: …"},
		{Name: "sparse array", Src: `var a = [1, , 3]; a.extra = "x"; var c = structuredClone(a); return c.length + " " + (1 in c) + " " + c.extra`, Want: "3 false x"},
	})
}
