package encoding_test

import (
	"testing"

	"github.com/dirigo/dirigo/modules/internal/jstest"
)

// hex renders the bytes of a Uint8Array.
const hex = `function hex(u) { return Array.from(u, function (b) { return b.toString(16).padStart(2, "0"); }).join(" "); }
`

// codes renders the UTF-16 code units of a string.
const codes = `function codes(s) { var r = []; for (var i = 0; i < s.length; i++) r.push(s.charCodeAt(i).toString(16)); return r.join(" "); }
`

func TestTextEncoder(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Src: hex + `return hex(new TextEncoder().encode("aé€😀"))`, Want: "61 c3 a9 e2 82 ac f0 9f 98 80"},
		{Name: "lone surrogates", Src: hex + `return hex(new TextEncoder().encode("\ud800x\udc00"))`, Want: "ef bf bd 78 ef bf bd"},
		{Src: `return new TextEncoder().encode().length + " " + new TextEncoder().encode(undefined).length + " " + new TextEncoder().encode(null).length`, Want: "0 0 4"},
		{Src: `return new TextEncoder().encoding`, Want: "utf-8"},
		{Src: `return new TextEncoder().encode("x") instanceof Uint8Array`, Want: "true"},
		{Src: `return String(new TextEncoder())`, Want: "[object TextEncoder]"},
		{Name: "encodeInto fits", Src: hex + `var u = new Uint8Array(8); var r = new TextEncoder().encodeInto("aé", u); return r.read + " " + r.written + " " + hex(u.subarray(0, r.written))`, Want: "2 3 61 c3 a9"},
		{Name: "encodeInto stops at a whole code point", Src: `var u = new Uint8Array(5); var r = new TextEncoder().encodeInto("a😀b", u); return r.read + " " + r.written`, Want: "3 5"},
		{Name: "encodeInto too small", Src: `var u = new Uint8Array(3); var r = new TextEncoder().encodeInto("€€", u); return r.read + " " + r.written`, Want: "1 3"},
		{Name: "encodeInto subarray", Src: hex + `var u = new Uint8Array(4); new TextEncoder().encodeInto("ab", u.subarray(2)); return hex(u)`, Want: "00 00 61 62"},
		{Name: "encodeInto not a buffer", Src: `new TextEncoder().encodeInto("a", [])`, Want: "TypeError: …"},
	})
}

func TestTextDecoder(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Src: `return new TextDecoder().decode(new Uint8Array([0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]))`, Want: "aé€😀"},
		{Name: "ArrayBuffer and DataView", Src: `var b = new Uint8Array([104, 105]).buffer; return new TextDecoder().decode(b) + new TextDecoder().decode(new DataView(b, 1))`, Want: "hii"},
		{Name: "no input", Src: `return "[" + new TextDecoder().decode() + "]"`, Want: "[]"},
		{Name: "BOM stripped", Src: codes + `return codes(new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])))`, Want: "41"},
		{Name: "ignoreBOM", Src: codes + `return codes(new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])))`, Want: "feff 41"},
		{Name: "only the first BOM", Src: codes + `return codes(new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf])))`, Want: "feff"},
		// Each maximal invalid subpart is one U+FFFD (the WHATWG tables).
		{Name: "truncated sequence", Src: codes + `return codes(new TextDecoder().decode(new Uint8Array([0xe2, 0x82, 0x41])))`, Want: "fffd 41"},
		{Name: "lone continuation bytes", Src: codes + `return codes(new TextDecoder().decode(new Uint8Array([0x80, 0xbf])))`, Want: "fffd fffd"},
		{Name: "overlong", Src: codes + `return codes(new TextDecoder().decode(new Uint8Array([0xc0, 0xaf, 0xe0, 0x80, 0xaf])))`, Want: "fffd fffd fffd fffd fffd"},
		{Name: "surrogate encoded", Src: codes + `return codes(new TextDecoder().decode(new Uint8Array([0xed, 0xa0, 0x80])))`, Want: "fffd fffd fffd"},
		{Name: "beyond U+10FFFF", Src: codes + `return codes(new TextDecoder().decode(new Uint8Array([0xf4, 0x90, 0x80, 0x80])))`, Want: "fffd fffd fffd fffd"},
		{Name: "incomplete at the end", Src: codes + `return codes(new TextDecoder().decode(new Uint8Array([0x41, 0xf0, 0x9f, 0x98])))`, Want: "41 fffd"},
		{Name: "fatal", Src: `new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff]))`, Want: "TypeError: The encoded data was not valid for encoding utf-8"},
		{Name: "fatal incomplete", Src: `new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xe2, 0x82]))`, Want: "TypeError: …"},
		{Name: "fatal valid", Src: `return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xe2, 0x82, 0xac]))`, Want: "€"},
		{Name: "streaming splits a code point", Src: `var d = new TextDecoder(), s = ""; [[0xf0, 0x9f], [0x98], [0x80, 0x41]].forEach(function (c) { s += d.decode(new Uint8Array(c), { stream: true }); }); return s + d.decode()`, Want: "😀A"},
		{Name: "streaming BOM split", Src: codes + `var d = new TextDecoder(), s = d.decode(new Uint8Array([0xef]), { stream: true }); s += d.decode(new Uint8Array([0xbb, 0xbf, 0x42]), { stream: true }); return codes(s + d.decode())`, Want: "42"},
		{Name: "streaming flush of an incomplete sequence", Src: codes + `var d = new TextDecoder(); var s = d.decode(new Uint8Array([0xe2, 0x82]), { stream: true }); return "[" + s + "] " + codes(d.decode())`, Want: "[] fffd"},
		{Name: "reuse after a non-stream decode", Src: `var d = new TextDecoder(); d.decode(new Uint8Array([0xe2]), { stream: true }); d.decode(); return d.decode(new Uint8Array([0x41]))`, Want: "A"},
		{Src: `var d = new TextDecoder("UTF8", { fatal: 1 }); return [d.encoding, d.fatal, d.ignoreBOM].join()`, Want: "utf-8,true,false"},
		{Src: `return new TextDecoder(" latin1 ").encoding + " " + new TextDecoder("ascii").decode(new Uint8Array([0x41, 0x80, 0xe9, 0x9f]))`, Want: "windows-1252 A€éŸ"},
		{Src: `return new TextDecoder("utf-16le").decode(new Uint8Array([0xff, 0xfe, 0x41, 0, 0x3d, 0xd8, 0, 0xde]))`, Want: "A😀"},
		{Src: `return new TextDecoder("utf-16be").decode(new Uint8Array([0, 0x41, 0xd8, 0x3d, 0xde, 0]))`, Want: "A😀"},
		{Name: "utf-16 lone surrogate", Src: codes + `return codes(new TextDecoder("utf-16le").decode(new Uint8Array([0, 0xdc, 0x41, 0])))`, Want: "fffd 41"},
		{Name: "unknown label", Src: `new TextDecoder("klingon")`, Want: "RangeError: …"},
		{Name: "not a buffer", Src: `new TextDecoder().decode("abc")`, Want: "TypeError: …"},
		{Name: "brand check", Src: `TextDecoder.prototype.decode.call({}, new Uint8Array(1))`, Want: "TypeError: …"},
		{Src: `return String(new TextDecoder()) + " " + (typeof TextDecoder) + " " + Object.isFrozen(TextDecoder.prototype)`, Want: "[object TextDecoder] function true"},
	})
}
