// Package crypto is Node's crypto module: randomUUID, randomBytes,
// randomInt, createHash (md5, sha1, sha224, sha256, sha384, sha512),
// createHmac, timingSafeEqual, getHashes, and the Web Crypto objects
// (webcrypto, subtle, getRandomValues, CryptoKey) the globals also use.
package crypto

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"hash"
	"math"
	"strings"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/internal/jsmod"
	"github.com/dirigo/dirigo/modules/node/buffer"
	"github.com/dirigo/dirigo/modules/web/webcrypto"
	"github.com/dirigo/dirigo/runtime"
)

// Modules are crypto and node:crypto.
var Modules = []runtime.Module{
	{Name: "crypto", Load: load},
	{Name: "node:crypto", Load: func(vm *runtime.VM) (goja.Value, error) { return vm.Require("crypto") }},
}

var hashes = map[string]func() hash.Hash{
	"md5": md5.New, "sha1": sha1.New, "sha224": sha256.New224, "sha256": sha256.New,
	"sha384": sha512.New384, "sha512": sha512.New, "sha512-256": sha512.New512_256,
}

func hashOf(name string) func() hash.Hash {
	n := strings.ToLower(name)
	if h := hashes[n]; h != nil {
		return h
	}
	return hashes[strings.ReplaceAll(n, "-", "")]
}

// A digest is the state of a Hash or an Hmac.
type digest struct {
	h    hash.Hash
	done bool
}

func load(vm *runtime.VM) (goja.Value, error) {
	rt := vm.Runtime()
	web, err := webcrypto.Load(vm)
	if err != nil {
		return nil, err
	}
	// data converts an update's argument to bytes.
	data := func(v, enc goja.Value) []byte {
		if s, ok := v.(goja.String); ok {
			e := buffer.EncodingOf(enc)
			if e == "" {
				jsmod.Throw(vm, "TypeError", "Unknown encoding: %s", enc.String())
			}
			return buffer.Decode(s, e)
		}
		b, ok := jsmod.Bytes(vm, v)
		if !ok {
			jsmod.Throw(vm, "TypeError", "The \"data\" argument must be of type string or an instance of Buffer, TypedArray, or DataView.")
		}
		return b
	}
	natives := jsmod.Natives(vm, map[string]func(goja.FunctionCall) goja.Value{
		"newHash": func(call goja.FunctionCall) goja.Value {
			h := hashOf(call.Argument(0).String())
			if h == nil {
				jsmod.Throw(vm, "Error", "Digest method not supported")
			}
			return rt.ToValue(&digest{h: h()})
		},
		"newHmac": func(call goja.FunctionCall) goja.Value {
			h := hashOf(call.Argument(0).String())
			if h == nil {
				jsmod.Throw(vm, "Error", "Invalid digest: %s", call.Argument(0).String())
			}
			return rt.ToValue(&digest{h: hmac.New(h, data(call.Argument(1), call.Argument(2)))})
		},
		"update": func(call goja.FunctionCall) goja.Value {
			d := call.Argument(0).Export().(*digest)
			if d.done {
				jsmod.Throw(vm, "Error", "Digest already called")
			}
			d.h.Write(data(call.Argument(1), call.Argument(2)))
			return goja.Undefined()
		},
		"digest": func(call goja.FunctionCall) goja.Value {
			d := call.Argument(0).Export().(*digest)
			if d.done {
				jsmod.Throw(vm, "Error", "Digest already called")
			}
			d.done = true
			sum := d.h.Sum(nil)
			if enc := call.Argument(1); !goja.IsUndefined(enc) && enc.String() != "buffer" {
				e := buffer.EncodingOf(enc)
				if e == "" {
					jsmod.Throw(vm, "TypeError", "Unknown encoding: %s", enc.String())
				}
				return rt.ToValue(buffer.Encode(sum, e))
			}
			return buffer.Wrap(vm, sum)
		},
		"copyHash": func(call goja.FunctionCall) goja.Value {
			d := call.Argument(0).Export().(*digest)
			if d.done {
				jsmod.Throw(vm, "Error", "Digest already called")
			}
			// The standard hashes marshal their state.
			m, ok := d.h.(interface {
				MarshalBinary() ([]byte, error)
			})
			state, err := m.MarshalBinary()
			if !ok || err != nil {
				jsmod.Throw(vm, "Error", "this hash cannot be copied")
			}
			h := hashOf(call.Argument(1).String())()
			if err := h.(interface{ UnmarshalBinary([]byte) error }).UnmarshalBinary(state); err != nil {
				jsmod.Throw(vm, "Error", "this hash cannot be copied")
			}
			return rt.ToValue(&digest{h: h})
		},
		"randomBytes": func(call goja.FunctionCall) goja.Value {
			n := call.Argument(0).ToFloat()
			if !goja.IsNumber(call.Argument(0)) || math.IsNaN(n) || n < 0 || n > math.MaxInt32 || n != math.Trunc(n) {
				jsmod.Throw(vm, "RangeError", "The value of \"size\" is out of range. It must be >= 0 && <= 2147483647. Received %s", call.Argument(0).String())
			}
			vm.CheckBytes(int64(n))
			b := make([]byte, int(n))
			_, _ = rand.Read(b)
			return buffer.Wrap(vm, b)
		},
		"randomInt": func(call goja.FunctionCall) goja.Value {
			lo, hi := call.Argument(0).ToInteger(), call.Argument(1).ToInteger()
			span := uint64(hi - lo)
			var b [8]byte
			_, _ = rand.Read(b[:])
			// Rejection sampling keeps it uniform.
			limit := math.MaxUint64 - math.MaxUint64%span
			for binary.LittleEndian.Uint64(b[:]) >= limit {
				_, _ = rand.Read(b[:])
			}
			return rt.ToValue(lo + int64(binary.LittleEndian.Uint64(b[:])%span))
		},
		"timingSafeEqual": func(call goja.FunctionCall) goja.Value {
			a, ok1 := jsmod.Bytes(vm, call.Argument(0))
			b, ok2 := jsmod.Bytes(vm, call.Argument(1))
			if !ok1 || !ok2 {
				jsmod.Throw(vm, "TypeError", "The \"buf1\" and \"buf2\" arguments must be instances of ArrayBuffer, Buffer, TypedArray, or DataView.")
			}
			if len(a) != len(b) {
				jsmod.Throw(vm, "RangeError", "Input buffers must have the same byte length")
			}
			return rt.ToValue(hmac.Equal(a, b))
		},
		"randomUUID": func(goja.FunctionCall) goja.Value { return rt.ToValue(webcrypto.UUID()) },
	})
	return jsmod.Call(vm, program(), natives, web)
}

var program = jsmod.Program("crypto", `(function (native, web) {
	"use strict";
	class Hash {
		#d; #alg;
		constructor(algorithm, d) {
			this.#alg = String(algorithm);
			this.#d = d === undefined ? native.newHash(this.#alg) : d;
		}
		update(data, encoding) { native.update(this.#d, data, encoding); return this; }
		digest(encoding) { return native.digest(this.#d, encoding); }
		copy() { return new Hash(this.#alg, native.copyHash(this.#d, this.#alg)); }
	}
	class Hmac {
		#d;
		constructor(algorithm, key, encoding) { this.#d = native.newHmac(String(algorithm), key, encoding); }
		update(data, encoding) { native.update(this.#d, data, encoding); return this; }
		digest(encoding) { return native.digest(this.#d, encoding); }
	}
	function later(cb, f) {
		if (cb === undefined) return f();
		if (typeof cb !== "function") throw new TypeError("The \"callback\" argument must be of type function");
		var r, e = null;
		try { r = f(); } catch (err) { e = err; }
		queueMicrotask(function () { e ? cb(e) : cb(null, r); });
	}
	return {
		createHash: function createHash(algorithm) { return new Hash(algorithm); },
		createHmac: function createHmac(algorithm, key, options) { return new Hmac(algorithm, key, options && options.encoding); },
		Hash: Hash, Hmac: Hmac,
		randomBytes: function randomBytes(size, cb) { return later(cb, function () { return native.randomBytes(size); }); },
		randomFillSync: function randomFillSync(buf) { web.crypto.getRandomValues(new Uint8Array(buf.buffer || buf, buf.byteOffset || 0, buf.byteLength)); return buf; },
		randomInt: function randomInt(min, max, cb) {
			if (typeof max !== "number") { cb = max; max = min; min = 0; }
			if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max <= min || max - min > 2 ** 48)
				throw new RangeError("The value of \"max\" is out of range. It must be greater than the value of \"min\" (" + min + "). Received " + max);
			return later(cb, function () { return native.randomInt(min, max); });
		},
		randomUUID: function randomUUID() { return native.randomUUID(); },
		timingSafeEqual: native.timingSafeEqual,
		getHashes: function getHashes() { return ["md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha512-256"]; },
		webcrypto: web.crypto,
		subtle: web.crypto.subtle,
		getRandomValues: function getRandomValues(array) { return web.crypto.getRandomValues(array); },
		CryptoKey: web.CryptoKey,
	};
})`)
