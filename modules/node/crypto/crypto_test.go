package crypto_test

import (
	"testing"

	"github.com/dirigo/dirigo/modules/internal/jstest"
)

func TestNodeCrypto(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Src: `var c = require("crypto"); return ["md5", "sha1", "sha256"].map(function (a) { return c.createHash(a).update("abc").digest("hex"); }).join(" ")`,
			Want: "900150983cd24fb0d6963f7d28e17f72 a9993e364706816aba3e25717850c26c9cd0d89d ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{Name: "update in pieces, base64", Src: `return require("node:crypto").createHash("SHA256").update("a").update(new TextEncoder().encode("bc")).digest("base64")`, Want: "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="},
		{Name: "digest as a Buffer", Src: `var d = require("crypto").createHash("sha1").update("abc").digest(); return Buffer.isBuffer(d) + " " + d.length + " " + d.toString("hex")`, Want: "true 20 a9993e364706816aba3e25717850c26c9cd0d89d"},
		{Name: "input encodings", Src: `var c = require("crypto"); return c.createHash("sha256").update("616263", "hex").digest("hex") === c.createHash("sha256").update("abc").digest("hex")`, Want: "true"},
		{Name: "sha384 sha512", Src: `var c = require("crypto"); return c.createHash("sha384").update("abc").digest("hex").slice(0, 16) + " " + c.createHash("sha512").update("abc").digest("hex").slice(0, 16)`, Want: "cb00753f45a35e8b ddaf35a193617aba"},
		{Name: "copy", Src: `var h = require("crypto").createHash("sha256").update("a"); var c = h.copy(); c.update("bc"); return c.digest("hex").slice(0, 8) + " " + h.update("bc").digest("hex").slice(0, 8)`, Want: "ba7816bf ba7816bf"},
		{Name: "digest twice", Src: `var h = require("crypto").createHash("md5"); h.digest(); h.digest()`, Want: "Error: Digest already called"},
		{Name: "unknown hash", Src: `require("crypto").createHash("whirlpool")`, Want: "Error: Digest method not supported"},
		// RFC 4231 case 2.
		{Name: "createHmac", Src: `return require("crypto").createHmac("sha256", "Jefe").update("what do ya want for nothing?").digest("hex")`, Want: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{Name: "createHmac base64url", Src: `return require("crypto").createHmac("sha512", Buffer.from("Jefe")).update("what do ya want for nothing?").digest("base64url").slice(0, 12)`, Want: "Fkt6e_z4GeLj"},
		{Name: "randomBytes", Src: `var b = require("crypto").randomBytes(16); return Buffer.isBuffer(b) + " " + b.length`, Want: "true 16"},
		{Name: "randomBytes callback", Src: `return await new Promise(function (res) { require("crypto").randomBytes(8, function (err, b) { res(err + " " + b.length); }); })`, Want: "null 8"},
		{Name: "randomBytes bad size", Src: `require("crypto").randomBytes(-1)`, Want: "RangeError: …"},
		{Name: "randomBytes past the buffer limit", Src: `require("crypto").randomBytes(2147483647)`, Want: "RangeError: Array buffer allocation failed…"},
		{Name: "randomInt", Src: `var c = require("crypto"), ok = true; for (var i = 0; i < 200; i++) { var n = c.randomInt(3, 6); ok = ok && n >= 3 && n < 6 && n === Math.floor(n); } return ok + " " + (c.randomInt(1) === 0)`, Want: "true true"},
		{Name: "timingSafeEqual", Src: `var c = require("crypto"); return c.timingSafeEqual(Buffer.from("abc"), Buffer.from("abc")) + " " + c.timingSafeEqual(Buffer.from("abc"), Buffer.from("abd"))`, Want: "true false"},
		{Name: "timingSafeEqual lengths", Src: `require("crypto").timingSafeEqual(Buffer.from("a"), Buffer.from("ab"))`, Want: "RangeError: Input buffers must have the same byte length"},
		{Name: "webcrypto is the global", Src: `var c = require("crypto"); return (c.webcrypto === crypto) + " " + (c.subtle === crypto.subtle) + " " + /^[0-9a-f-]{36}$/.test(c.randomUUID())`, Want: "true true true"},
	})
}
