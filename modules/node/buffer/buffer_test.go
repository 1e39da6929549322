package buffer_test

import (
	"testing"

	"github.com/dirigo/dirigo/modules/internal/jstest"
)

func TestBuffer(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Src: `return Buffer.from("héllo").toString("hex") + " " + Buffer.from("68c3a96c6c6f", "hex").toString()`, Want: "68c3a96c6c6f héllo"},
		{Src: `return Buffer.from("hello").toString("base64") + " " + Buffer.from("aGVsbG8", "base64").toString() + " " + Buffer.from([255, 254]).toString("base64url")`, Want: "aGVsbG8= hello __4"},
		{Name: "encodings are case-insensitive", Src: `return Buffer.from("AB", "HEX")[0] + " " + Buffer.from("ÿ", "latin1")[0] + " " + Buffer.from("é", "binary").toString("latin1") + " " + Buffer.from("ab", "UTF16LE").toString("hex") + " " + Buffer.from([0xe9]).toString("ascii").charCodeAt(0)`, Want: "171 255 é 61006200 105"},
		{Name: "unknown encoding", Src: `Buffer.from("a", "klingon")`, Want: "TypeError: Unknown encoding: klingon"},
		{Src: `var b = Buffer.alloc(4, "ab"); return b.toString() + " " + Buffer.alloc(3, 7).join() + " " + Buffer.alloc(2).join()`, Want: "abab 7,7,7 0,0"},
		{Name: "alloc past the buffer limit", Src: `Buffer.alloc(2 ** 40)`, Want: "RangeError: Array buffer allocation failed…"},
		{Name: "allocUnsafe past the buffer limit", Src: `Buffer.allocUnsafe(2 ** 40)`, Want: "RangeError: …"},
		{Name: "from an array-like past the limit", Src: `Buffer.from({ length: 2 ** 40 })`, Want: "RangeError: …"},
		{Name: "concat with a huge total", Src: `Buffer.concat([Buffer.alloc(1)], 2 ** 40)`, Want: "RangeError: …"},
		{Name: "negative size", Src: `Buffer.alloc(-1)`, Want: "RangeError: …"},
		{Src: `return [Buffer.isBuffer(Buffer.alloc(1)), Buffer.isBuffer(new Uint8Array(1)), Buffer.from("x") instanceof Uint8Array, Buffer.byteLength("héllo"), Buffer.byteLength("aGk=", "base64"), Buffer.isEncoding("UTF-8"), Buffer.isEncoding("x")].join()`, Want: "true,false,true,6,2,true,false"},
		{Src: `return Buffer.concat([Buffer.from("ab"), Buffer.from("cd")]).toString() + " " + Buffer.compare(Buffer.from("a"), Buffer.from("b")) + " " + Buffer.from("b").compare(Buffer.from("a")) + " " + Buffer.from("ab").equals(Buffer.from("ab"))`, Want: "abcd -1 1 true"},
		{Name: "slice is a view", Src: `var b = Buffer.from("abcd"), s = b.slice(1, 3); s[0] = 0x78; return b.toString() + " " + Buffer.isBuffer(s) + " " + b.subarray(2).toString()`, Want: "axcd true cd"},
		{Name: "copy", Src: `var a = Buffer.from("hello"), t = Buffer.alloc(4, "."); var n = a.copy(t, 1, 1, 3); return n + " " + t.toString()`, Want: "2 .el."},
		{Name: "write", Src: `var b = Buffer.alloc(6); var n = b.write("héllo", 1); return n + " " + b.toString("hex")`, Want: "5 0068c3a96c6c"},
		{Name: "write whole characters only", Src: `var b = Buffer.alloc(2); return b.write("é€") + " " + b.toString("hex")`, Want: "2 c3a9"},
		{Name: "indexOf", Src: `var b = Buffer.from("abcabc"); return [b.indexOf("c"), b.indexOf("ca"), b.lastIndexOf("b"), b.indexOf(Buffer.from("bc"), 2), b.includes("x"), b.indexOf(0x61, 1)].join()`, Want: "2,2,4,4,false,3"},
		{Src: `return JSON.stringify(Buffer.from([1, 2])) + " " + Buffer.from("AQI=", "base64").readUInt16BE(0)`, Want: `{"type":"Buffer","data":[1,2]} 258`},
		{Name: "read and write numbers", Src: `var b = Buffer.alloc(8); b.writeInt32LE(-2, 0); b.writeDoubleBE(1.5, 0); return b.readDoubleBE(0) + " " + b.readUInt8(0)`, Want: "1.5 63"},
		{Name: "require and global are the same", Src: `return (require("buffer").Buffer === Buffer) + " " + (require("node:buffer").Buffer === Buffer) + " " + require("buffer").constants.MAX_LENGTH`, Want: "true true 9007199254740991"},
		{Name: "frozen", Src: `Buffer.prototype.evil = 1`, Want: "TypeError: …"},
		{Name: "errors name toString", Src: `try { new URL("nope"); } catch (e) { return e.name + " " + e.code + " " + e.toString.name; }`, Want: "TypeError ERR_INVALID_URL toString"},
		{Name: "subclass", Src: `class B extends Buffer {} return Buffer.isBuffer(B.from("a"))`, Want: "true"},
		{Name: "override on an instance", Src: `var b = Buffer.from("a"); b.toString = function () { return "mine"; }; return String(b)`, Want: "mine"},
	})
}
