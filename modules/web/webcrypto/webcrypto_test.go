package webcrypto_test

import (
	"testing"

	"github.com/dirigo/dirigo/modules/internal/jstest"
)

const helpers = `function hex(b) { return Array.from(new Uint8Array(b), function (x) { return x.toString(16).padStart(2, "0"); }).join(""); }
function bytes(h) { var u = new Uint8Array(h.length / 2); for (var i = 0; i < u.length; i++) u[i] = parseInt(h.substr(2 * i, 2), 16); return u; }
var te = new TextEncoder();
async function hmac(hash, keyHex, dataHex) {
	var k = await crypto.subtle.importKey("raw", bytes(keyHex), { name: "HMAC", hash: hash }, false, ["sign", "verify"]);
	return hex(await crypto.subtle.sign("HMAC", k, bytes(dataHex)));
}
`

func TestDigest(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		// FIPS 180 "abc" vectors.
		{Src: helpers + `return hex(await crypto.subtle.digest("SHA-1", te.encode("abc")))`, Want: "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{Src: helpers + `return hex(await crypto.subtle.digest("SHA-256", te.encode("abc")))`, Want: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{Src: helpers + `return hex(await crypto.subtle.digest({ name: "sha-384" }, te.encode("abc")))`, Want: "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"},
		{Src: helpers + `return hex(await crypto.subtle.digest("SHA-512", te.encode("abc").buffer))`, Want: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
		{Src: helpers + `return hex(await crypto.subtle.digest("SHA-256", new Uint8Array(0)))`, Want: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{Name: "returns a promise", Src: `var p = crypto.subtle.digest("SHA-256", new Uint8Array(1)); return (p instanceof Promise) + " " + ((await p) instanceof ArrayBuffer)`, Want: "true true"},
		{Name: "unknown algorithm rejects", Src: `await crypto.subtle.digest("MD5", new Uint8Array(1))`, Want: "NotSupportedError: Unrecognized algorithm name"},
		{Name: "bad data rejects", Src: `await crypto.subtle.digest("SHA-256", "abc")`, Want: "TypeError: …"},
	})
}

// RFC 4231 test cases 1, 2 and 6 (and 4 for SHA-512).
func TestHMAC(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Name: "4231 case 1 SHA-256", Src: helpers + `return hmac("SHA-256", "0b".repeat(20), "4869205468657265")`, Want: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
		{Name: "4231 case 2 SHA-256", Src: helpers + `return hmac("SHA-256", "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f")`, Want: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{Name: "4231 case 2 SHA-384", Src: helpers + `return hmac("SHA-384", "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f")`, Want: "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"},
		{Name: "4231 case 2 SHA-512", Src: helpers + `return hmac("SHA-512", "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f")`, Want: "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
		{Name: "4231 case 6 long key", Src: helpers + `return hmac("SHA-256", "aa".repeat(131), "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374")`, Want: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
		{Name: "verify", Src: helpers + `var k = await crypto.subtle.importKey("raw", bytes("4a656665"), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
var d = bytes("7768617420646f2079612077616e7420666f72206e6f7468696e673f");
var good = bytes("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"), bad = good.slice(); bad[0] ^= 1;
return [await crypto.subtle.verify("HMAC", k, good, d), await crypto.subtle.verify("HMAC", k, bad, d), await crypto.subtle.verify("HMAC", k, good.slice(1), d)].join()`, Want: "true,false,false"},
		{Name: "jwk import and export", Src: helpers + `var k = await crypto.subtle.importKey("jwk", { kty: "oct", k: "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow", alg: "HS256" }, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
var j = await crypto.subtle.exportKey("jwk", k);
return [k.type, k.extractable, k.algorithm.name, k.algorithm.hash.name, k.algorithm.length, k.usages.join("+"), j.k.length, j.alg, k instanceof CryptoKey, String(k)].join()`, Want: "secret,true,HMAC,SHA-256,512,sign,86,HS256,true,[object CryptoKey]"},
		// RFC 7515 A.1: the HS256 JWS example.
		{Name: "RFC 7515 HS256", Src: helpers + `var k = await crypto.subtle.importKey("jwk", { kty: "oct", k: "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow" }, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
var input = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
var sig = new Uint8Array(await crypto.subtle.sign("HMAC", k, te.encode(input)));
return btoa(String.fromCharCode.apply(null, sig)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")`, Want: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"},
		{Name: "usage enforced", Src: helpers + `var k = await crypto.subtle.importKey("raw", bytes("00"), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]); await crypto.subtle.sign("HMAC", k, bytes("00"))`, Want: "InvalidAccessError: The key does not allow sign"},
		{Name: "not extractable", Src: helpers + `var k = await crypto.subtle.importKey("raw", bytes("00"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]); await crypto.subtle.exportKey("raw", k)`, Want: "InvalidAccessError: …"},
		{Name: "generateKey", Src: `var k = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-512" }, true, ["sign"]); return (await crypto.subtle.exportKey("raw", k)).byteLength`, Want: "128"},
		{Name: "CryptoKey is not constructible", Src: `new CryptoKey()`, Want: "TypeError: Illegal constructor"},
		{Name: "fake key", Src: `await crypto.subtle.sign("HMAC", { algorithm: { hash: { name: "SHA-256" } } }, new Uint8Array(1))`, Want: "TypeError: The key is not a CryptoKey"},
	})
}

func TestRandom(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Src: `var a = new Uint8Array(32); var r = crypto.getRandomValues(a); return (r === a) + " " + a.some(function (x) { return x !== 0; })`, Want: "true true"},
		{Src: `return crypto.getRandomValues(new Uint32Array(4)).length + " " + crypto.getRandomValues(new BigInt64Array(2)).length`, Want: "4 2"},
		{Name: "65536 bytes is the most", Src: `return crypto.getRandomValues(new Uint8Array(65536)).length`, Want: "65536"},
		{Name: "QuotaExceededError", Src: `try { crypto.getRandomValues(new Uint8Array(65537)); } catch (e) { return e.name + " " + (e instanceof DOMException) + " " + e.code; }`, Want: "QuotaExceededError true 22"},
		{Name: "floats", Src: `crypto.getRandomValues(new Float64Array(2))`, Want: "TypeMismatchError: …"},
		{Name: "not a typed array", Src: `crypto.getRandomValues([1, 2])`, Want: "TypeError: …"},
		{Src: `var u = crypto.randomUUID(); return /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u) + " " + (u !== crypto.randomUUID())`, Want: "true true"},
		{Src: `return String(crypto) + " " + String(crypto.subtle) + " " + Object.isFrozen(crypto)`, Want: "[object Crypto] [object SubtleCrypto] true"},
	})
}
