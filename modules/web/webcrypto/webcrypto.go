// Package webcrypto provides the global crypto (Web Crypto):
// getRandomValues, randomUUID and crypto.subtle with digest (SHA-1, SHA-256,
// SHA-384, SHA-512) and HMAC keys (importKey from raw or JWK, generateKey,
// exportKey, sign, verify), enough for JWTs signed with HS256/384/512 (jose).
// Every subtle method returns a promise, as in browsers.
package webcrypto

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"strings"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/internal/jsmod"
	"github.com/dirigo/dirigo/modules/web/dom"
	"github.com/dirigo/dirigo/runtime"
)

// Globals are crypto and CryptoKey: the webcrypto and CryptoKey of the
// module named "crypto" (Node's, which builds them with Load), so that
// both globals share one CryptoKey class.
var Globals = []runtime.Module{
	{Global: "crypto", Load: func(vm *runtime.VM) (goja.Value, error) { return fromNode(vm, "webcrypto") }},
	{Global: "CryptoKey", Load: func(vm *runtime.VM) (goja.Value, error) { return fromNode(vm, "CryptoKey") }},
}

func fromNode(vm *runtime.VM, name string) (goja.Value, error) {
	m, err := vm.Require("crypto")
	if err != nil {
		return nil, err
	}
	return m.ToObject(vm.Runtime()).Get(name), nil
}

// Hash returns the constructor of a Web Crypto hash name ("SHA-256", any
// case), or nil.
func Hash(name string) func() hash.Hash {
	switch strings.ToUpper(name) {
	case "SHA-1":
		return sha1.New
	case "SHA-256":
		return sha256.New
	case "SHA-384":
		return sha512.New384
	case "SHA-512":
		return sha512.New
	}
	return nil
}

// UUID returns a random (version 4) UUID.
func UUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexdigits = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexdigits[c>>4], hexdigits[c&15])
	}
	return string(out)
}

// Load returns a new {crypto, CryptoKey} for vm.
func Load(vm *runtime.VM) (goja.Value, error) {
	rt := vm.Runtime()
	bytesArg := func(v goja.Value) []byte {
		b, ok := jsmod.Bytes(vm, v)
		if !ok {
			jsmod.Throw(vm, "TypeError", "The data must be an ArrayBuffer or an ArrayBufferView")
		}
		return b
	}
	natives := jsmod.Natives(vm, map[string]func(goja.FunctionCall) goja.Value{
		"getRandomValues": func(call goja.FunctionCall) goja.Value {
			o, ok := call.Argument(0).(*goja.Object)
			if !ok || !jsmod.IsView(vm, o) {
				jsmod.Throw(vm, "TypeError", "The \"typedArray\" argument must be an integer-typed array")
			}
			switch o.Get("constructor").ToObject(rt).Get("name").String() {
			case "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
				"Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array", "Buffer":
			default:
				dom.Throw(vm, "TypeMismatchError", "The data argument must be an integer-type TypedArray")
			}
			b, _ := jsmod.Bytes(vm, o)
			if len(b) > 65536 {
				dom.Throw(vm, "QuotaExceededError", "The ArrayBufferView's byte length exceeds the number of bytes of entropy available via this API (65536)")
			}
			_, _ = rand.Read(b)
			return o
		},
		"randomUUID": func(goja.FunctionCall) goja.Value { return rt.ToValue(UUID()) },
		"hashOK":     func(call goja.FunctionCall) goja.Value { return rt.ToValue(Hash(call.Argument(0).String()) != nil) },
		"digest": func(call goja.FunctionCall) goja.Value {
			h := Hash(call.Argument(0).String())()
			h.Write(bytesArg(call.Argument(1)))
			return rt.ToValue(rt.NewArrayBuffer(h.Sum(nil)))
		},
		// hmac(hash, key, data): the MAC as an ArrayBuffer.
		"hmac": func(call goja.FunctionCall) goja.Value {
			m := hmac.New(Hash(call.Argument(0).String()), bytesArg(call.Argument(1)))
			m.Write(bytesArg(call.Argument(2)))
			return rt.ToValue(rt.NewArrayBuffer(m.Sum(nil)))
		},
		"equal": func(call goja.FunctionCall) goja.Value {
			return rt.ToValue(hmac.Equal(bytesArg(call.Argument(0)), bytesArg(call.Argument(1))))
		},
		"copy": func(call goja.FunctionCall) goja.Value {
			b := bytesArg(call.Argument(0))
			return rt.ToValue(rt.NewArrayBuffer(append([]byte(nil), b...)))
		},
		"random": func(call goja.FunctionCall) goja.Value {
			n := call.Argument(0).ToInteger()
			vm.CheckBytes(n)
			b := make([]byte, n)
			_, _ = rand.Read(b)
			return rt.ToValue(rt.NewArrayBuffer(b))
		},
	})
	return jsmod.Call(vm, program(), natives)
}

var program = jsmod.Program("webcrypto", `(function (native) {
	"use strict";
	var defProp = Object.defineProperty, freeze = Object.freeze;
	var hashes = { "SHA-1": 64, "SHA-256": 64, "SHA-384": 128, "SHA-512": 128 }; // block sizes
	function fail(name, message) { throw new DOMException(message, name); }
	function algorithmName(a) {
		var n = typeof a === "string" ? a : a !== null && typeof a === "object" ? a.name : undefined;
		if (typeof n !== "string") throw new TypeError("Algorithm: the name must be a string");
		return n;
	}
	function hashName(a) {
		var n = algorithmName(a).toUpperCase();
		if (!native.hashOK(n)) fail("NotSupportedError", "Unrecognized algorithm name");
		return n;
	}
	function hmacParams(a) {
		if (algorithmName(a).toUpperCase() !== "HMAC") fail("NotSupportedError", "Unrecognized algorithm name");
		if (a.hash === undefined) throw new TypeError("HmacImportParams: hash is required");
		return hashName(a.hash);
	}
	function b64url(bytes) {
		var s = "";
		for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
		return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
	}
	function unb64url(s) {
		if (typeof s !== "string") fail("DataError", "JWK: k must be a string");
		var bin;
		try { bin = atob(s.replace(/-/g, "+").replace(/_/g, "/")); } catch (e) { fail("DataError", "JWK: k is not base64url"); }
		var out = new Uint8Array(bin.length);
		for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
		return out;
	}
	var usagesAllowed = ["sign", "verify"];
	var making = false;
	class CryptoKey {
		#material; #type; #extractable; #algorithm; #usages;
		constructor(material, algorithm, extractable, usages) {
			if (!making) throw new TypeError("Illegal constructor");
			making = false;
			this.#material = material;
			this.#type = "secret";
			this.#extractable = extractable;
			this.#algorithm = freeze({ name: "HMAC", hash: freeze({ name: algorithm.hash }), length: algorithm.length });
			this.#usages = usages;
		}
		get type() { return this.#type; }
		get extractable() { return this.#extractable; }
		get algorithm() { return this.#algorithm; }
		get usages() { return this.#usages.slice(); }
		static material(key, usage) {
			if (!(#material in key)) throw new TypeError("The key is not a CryptoKey");
			if (usage && key.#usages.indexOf(usage) < 0) fail("InvalidAccessError", "The key does not allow " + usage);
			return key.#material;
		}
	}
	defProp(CryptoKey.prototype, Symbol.toStringTag, { value: "CryptoKey", configurable: true });
	var material = CryptoKey.material;
	delete CryptoKey.material;
	function newKey(bytes, hash, extractable, usages) {
		usages = Array.from(usages);
		for (var i = 0; i < usages.length; i++) {
			if (usagesAllowed.indexOf(usages[i]) < 0) fail("SyntaxError", "Unsupported key usage for an HMAC key: " + usages[i]);
		}
		if (usages.length === 0) fail("SyntaxError", "Usages cannot be empty when creating a key.");
		making = true;
		return new CryptoKey(bytes, { hash: hash, length: bytes.byteLength * 8 }, Boolean(extractable), usages);
	}
	class SubtleCrypto {
		constructor() { throw new TypeError("Illegal constructor"); }
		async digest(algorithm, data) { return native.digest(hashName(algorithm), data); }
		async importKey(format, keyData, algorithm, extractable, keyUsages) {
			var hash = hmacParams(algorithm), bytes;
			if (format === "raw") {
				bytes = native.copy(keyData);
			} else if (format === "jwk") {
				if (keyData === null || typeof keyData !== "object" || keyData.kty !== "oct") fail("DataError", "JWK: kty must be \"oct\"");
				bytes = unb64url(keyData.k).buffer;
				if (keyData.alg !== undefined && keyData.alg !== "HS" + hash.slice(4)) fail("DataError", "JWK: alg does not match the hash");
				if (keyData.ext === false && extractable) fail("DataError", "JWK: the key is not extractable");
			} else {
				fail("NotSupportedError", "Unsupported key format: " + format);
			}
			if (bytes.byteLength === 0) fail("DataError", "The key is empty");
			return newKey(bytes, hash, extractable, keyUsages);
		}
		async generateKey(algorithm, extractable, keyUsages) {
			var hash = hmacParams(algorithm);
			var bits = algorithm.length === undefined ? hashes[hash] * 8 : algorithm.length;
			if (bits % 8 !== 0 || bits <= 0) fail("OperationError", "The key length must be a positive multiple of 8");
			return newKey(native.random(bits / 8), hash, extractable, keyUsages);
		}
		async exportKey(format, key) {
			var bytes = material(key);
			if (!key.extractable) fail("InvalidAccessError", "The key is not extractable");
			if (format === "raw") return native.copy(bytes);
			if (format === "jwk") return { kty: "oct", k: b64url(new Uint8Array(bytes)), alg: "HS" + key.algorithm.hash.name.slice(4), key_ops: key.usages, ext: true };
			fail("NotSupportedError", "Unsupported key format: " + format);
		}
		async sign(algorithm, key, data) {
			if (algorithmName(algorithm).toUpperCase() !== "HMAC") fail("NotSupportedError", "Unrecognized algorithm name");
			return native.hmac(key.algorithm.hash.name, material(key, "sign"), data);
		}
		async verify(algorithm, key, signature, data) {
			if (algorithmName(algorithm).toUpperCase() !== "HMAC") fail("NotSupportedError", "Unrecognized algorithm name");
			var mac = native.hmac(key.algorithm.hash.name, material(key, "verify"), data);
			return native.equal(mac, signature);
		}
	}
	defProp(SubtleCrypto.prototype, Symbol.toStringTag, { value: "SubtleCrypto", configurable: true });
	var subtle = Object.create(SubtleCrypto.prototype);
	class Crypto {
		constructor() { throw new TypeError("Illegal constructor"); }
		get subtle() { return subtle; }
		getRandomValues(array) { return native.getRandomValues(array); }
		randomUUID() { return native.randomUUID(); }
	}
	defProp(Crypto.prototype, Symbol.toStringTag, { value: "Crypto", configurable: true });
	return { crypto: Object.create(Crypto.prototype), CryptoKey: CryptoKey };
})`)
