// Package utils provides Dirigible's utility modules (utils/base64,
// utils/hex, utils/digest, utils/uuid, utils/url, utils/xml, utils/escape,
// utils/utf8, utils/alphanumeric, utils/jsonpath; the same under utils/v4/, utils/v3/,
// sdk/utils/ and @aerokit/sdk/utils/, and the sdk/utils index) in Go, with
// the names, argument conversions and return shapes of Dirigible's: bytes
// go in as a string (its UTF-8), an array of byte numbers, an ArrayBuffer or
// a typed array, and come out as a JavaScript array of Java bytes
// (-128..127), or an ArrayBuffer for the *AsNativeBytes functions.
package utils

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"math/big"
	"strings"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/dirigible"
	"github.com/dirigo/dirigo/runtime"
)

// A builder adds the functions of one module to its object.
type builder func(vm *runtime.VM, o *goja.Object)

// module returns a module under name whose object is built by build and
// also names itself class (sdk/utils's static classes: Base64.encode).
func module(name, class string, build builder) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) {
		o := vm.Runtime().NewObject()
		build(vm, o)
		_ = o.Set(class, o)
		return o, nil
	}}
}

// A kind is one utility module: its file name and class name.
type kind struct {
	file, class string
	build       builder
}

var kinds = [...]kind{
	{"alphanumeric", "Alphanumeric", buildAlphanumeric},
	{"base64", "Base64", buildBase64},
	{"digest", "Digest", buildDigest},
	{"escape", "Escape", buildEscape},
	{"hex", "Hex", buildHex},
	{"url", "URL", buildURL},
	{"utf8", "UTF8", buildUTF8},
	{"uuid", "UUID", buildUUID},
	{"xml", "XML", buildXML},
}

// Modules returns every utility module under prefix ("utils/",
// "utils/v4/", "sdk/utils/"): prefix+"base64", prefix+"digest", ....
func Modules(prefix string) []runtime.Module {
	mods := make([]runtime.Module, len(kinds), len(kinds)+1)
	for i, k := range kinds {
		mods[i] = module(prefix+k.file, k.class, k.build)
	}
	return append(mods, jsonpathModule(prefix+"jsonpath"))
}

// Index returns the index module under name (sdk/utils): every module
// registered under prefix, by its file name and by its class name.
func Index(name, prefix string) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) {
		o := vm.Runtime().NewObject()
		for _, k := range kinds {
			v, err := vm.Require(prefix + k.file)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			_ = o.Set(k.file, v)
			_ = o.Set(k.class, v)
		}
		jp, err := vm.Require(prefix + "jsonpath")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		_ = o.Set("jsonpath", jp)
		_ = o.Set("JSONPath", jp)
		return o, nil
	}}
}

// bytesIn converts a bytes argument; undefined and null are a TypeError.
func bytesIn(vm *runtime.VM, v goja.Value, fn string) []byte {
	if goja.IsUndefined(v) || goja.IsNull(v) {
		panic(vm.Runtime().NewTypeError("%s: expected a string or bytes, got %s", fn, v.String()))
	}
	return dirigible.Bytes(vm, v, fn)
}

// stringIn converts a string argument: null and undefined are Java's null.
func stringIn(v goja.Value) (string, bool) {
	if goja.IsUndefined(v) || goja.IsNull(v) {
		return "", false
	}
	return v.String(), true
}

func fail(vm *runtime.VM, err error) {
	dirigible.Throw(vm, err)
}

func set(o *goja.Object, name string, fn func(goja.FunctionCall) goja.Value) {
	dirigible.Set(o, name, fn)
}

// codec adds encode/decode functions of a byte codec: encode (text),
// encodeAsBytes, encodeAsNativeBytes, decode (bytes), decodeAsNativeBytes.
func codec(vm *runtime.VM, o *goja.Object, mod string, enc func([]byte) []byte, dec func([]byte) ([]byte, error)) {
	rt := vm.Runtime()
	encode := func(c goja.FunctionCall, fn string) []byte { return enc(bytesIn(vm, c.Argument(0), mod+"."+fn)) }
	decode := func(c goja.FunctionCall, fn string) []byte {
		b, err := dec(bytesIn(vm, c.Argument(0), mod+"."+fn))
		if err != nil {
			fail(vm, err)
		}
		return b
	}
	set(o, "encode", func(c goja.FunctionCall) goja.Value { return rt.ToValue(string(encode(c, "encode"))) })
	set(o, "encodeAsBytes", func(c goja.FunctionCall) goja.Value {
		return dirigible.SignedBytes(rt, encode(c, "encodeAsBytes"))
	})
	set(o, "encodeAsNativeBytes", func(c goja.FunctionCall) goja.Value {
		return rt.ToValue(rt.NewArrayBuffer(encode(c, "encodeAsNativeBytes")))
	})
	set(o, "decode", func(c goja.FunctionCall) goja.Value { return dirigible.SignedBytes(rt, decode(c, "decode")) })
	set(o, "decodeAsNativeBytes", func(c goja.FunctionCall) goja.Value {
		return rt.ToValue(rt.NewArrayBuffer(decode(c, "decodeAsNativeBytes")))
	})
}

func buildBase64(vm *runtime.VM, o *goja.Object) {
	codec(vm, o, "base64", base64Encode, func(b []byte) ([]byte, error) { return base64Decode(b), nil })
}

func buildHex(vm *runtime.VM, o *goja.Object) {
	codec(vm, o, "hex", hexEncode, hexDecode)
}

func buildDigest(vm *runtime.VM, o *goja.Object) {
	rt := vm.Runtime()
	for _, d := range []struct {
		name string
		h    func() hash.Hash
		hex  bool // also a …Hex function
	}{
		{"md5", md5.New, true},
		{"sha1", sha1.New, true},
		{"sha256", sha256.New, false},
		{"sha384", sha512.New384, false},
		{"sha512", sha512.New, false},
	} {
		sum := func(c goja.FunctionCall, fn string) []byte {
			h := d.h()
			h.Write(bytesIn(vm, c.Argument(0), "digest."+fn))
			return h.Sum(nil)
		}
		set(o, d.name, func(c goja.FunctionCall) goja.Value { return dirigible.SignedBytes(rt, sum(c, d.name)) })
		set(o, d.name+"AsNativeBytes", func(c goja.FunctionCall) goja.Value {
			return rt.ToValue(rt.NewArrayBuffer(sum(c, d.name+"AsNativeBytes")))
		})
		if d.hex {
			set(o, d.name+"Hex", func(c goja.FunctionCall) goja.Value {
				return rt.ToValue(hex.EncodeToString(sum(c, d.name+"Hex")))
			})
		}
	}
}

func buildUUID(vm *runtime.VM, o *goja.Object) {
	rt := vm.Runtime()
	set(o, "random", func(goja.FunctionCall) goja.Value { return rt.ToValue(newUUID()) })
	set(o, "validate", func(c goja.FunctionCall) goja.Value {
		s, ok := stringIn(c.Argument(0))
		return rt.ToValue(ok && validUUID(s))
	})
}

// newUUID returns a random (version 4) UUID in Java's lower-case form.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func buildURL(vm *runtime.VM, o *goja.Object) {
	rt := vm.Runtime()
	charsetOf := func(v goja.Value) string {
		s, _ := stringIn(v)
		return s
	}
	withString := func(fn string, c goja.FunctionCall) string {
		s, ok := stringIn(c.Argument(0))
		if !ok {
			panic(rt.NewTypeError("url.%s: expected a string", fn))
		}
		return s
	}
	set(o, "encode", func(c goja.FunctionCall) goja.Value {
		out, err := urlEncode(withString("encode", c), charsetOf(c.Argument(1)))
		if err != nil {
			fail(vm, err)
		}
		return rt.ToValue(out)
	})
	set(o, "decode", func(c goja.FunctionCall) goja.Value {
		out, err := urlDecode(withString("decode", c), charsetOf(c.Argument(1)))
		if err != nil {
			fail(vm, err)
		}
		return rt.ToValue(out)
	})
	set(o, "escape", func(c goja.FunctionCall) goja.Value { return rt.ToValue(escapeFragment(withString("escape", c))) })
	set(o, "escapePath", func(c goja.FunctionCall) goja.Value {
		return rt.ToValue(escapePathSegment(withString("escapePath", c)))
	})
	set(o, "escapeForm", func(c goja.FunctionCall) goja.Value {
		return rt.ToValue(escapeFormParam(withString("escapeForm", c)))
	})
}

func buildXML(vm *runtime.VM, o *goja.Object) {
	rt := vm.Runtime()
	text := func(v goja.Value) string {
		if s, ok := v.(goja.String); ok {
			return s.String()
		}
		s, _ := vm.JSON(v) // JSON.stringify, as Dirigible does
		return s
	}
	convert := func(fn func(string) (string, error)) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			out, err := fn(text(c.Argument(0)))
			if err != nil {
				fail(vm, err)
			}
			return rt.ToValue(out)
		}
	}
	set(o, "fromJson", convert(jsonToXML))
	set(o, "toJson", convert(xmlToJSON))
}

func buildEscape(vm *runtime.VM, o *goja.Object) {
	rt := vm.Runtime()
	plain := map[string]func(string) string{
		"escapeCsv":          escapeCsv,
		"escapeJavascript":   escapeEcmaScript,
		"escapeHtml3":        html3Entities.escape,
		"escapeHtml4":        html4Entities.escape,
		"escapeJava":         escapeJava,
		"escapeJson":         escapeJSON,
		"escapeXml":          xmlEntities.escape,
		"unescapeCsv":        unescapeCsv,
		"unescapeHtml3":      html3Entities.unescape,
		"unescapeHtml4":      html4Entities.unescape,
		"unescapeXml":        xmlEntities.unescape,
		"unescapeJavascript": nil,
		"unescapeJava":       nil,
		"unescapeJson":       nil,
	}
	for _, name := range []string{"escapeCsv", "escapeJavascript", "escapeHtml3", "escapeHtml4", "escapeJava", "escapeJson",
		"escapeXml", "unescapeCsv", "unescapeJavascript", "unescapeHtml3", "unescapeHtml4", "unescapeJava", "unescapeJson", "unescapeXml"} {
		fn := plain[name]
		set(o, name, func(c goja.FunctionCall) goja.Value {
			s, ok := stringIn(c.Argument(0))
			if !ok {
				return goja.Null()
			}
			if fn != nil {
				return rt.ToValue(fn(s))
			}
			out, err := unescapeJava(s)
			if err != nil {
				fail(vm, err)
			}
			return rt.ToValue(out)
		})
	}
}

func buildUTF8(vm *runtime.VM, o *goja.Object) {
	rt := vm.Runtime()
	set(o, "encode", func(c goja.FunctionCall) goja.Value {
		s, ok := stringIn(c.Argument(0))
		if !ok {
			panic(rt.NewTypeError("utf8.encode: expected a string"))
		}
		return dirigible.SignedBytes(rt, []byte(s))
	})
	set(o, "decode", func(c goja.FunctionCall) goja.Value {
		b := bytesIn(vm, c.Argument(0), "utf8.decode")
		return rt.ToValue(strings.ToValidUTF8(string(b), "\uFFFD"))
	})
	set(o, "bytesToString", func(c goja.FunctionCall) goja.Value {
		b := bytesIn(vm, c.Argument(0), "utf8.bytesToString")
		off, n := c.Argument(1).ToInteger(), c.Argument(2).ToInteger()
		if off < 0 || n < 0 || off+n > int64(len(b)) {
			fail(vm, fmt.Errorf("offset %d, count %d, length %d", off, n, len(b)))
		}
		return rt.ToValue(strings.ToValidUTF8(string(b[off:off+n]), "\uFFFD"))
	})
}

const (
	lowerASCII = "abcdefghijklmnopqrstuvwxyz"
	upperASCII = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	numbers    = "1234567890"
)

func buildAlphanumeric(vm *runtime.VM, o *goja.Object) {
	rt := vm.Runtime()
	random := func(length int64, charset string) goja.Value {
		if length < 1 {
			length = 4
		}
		cs := []rune(charset)
		if len(cs) == 0 {
			return rt.ToValue("")
		}
		var b strings.Builder
		for range length {
			i, _ := rand.Int(rand.Reader, big.NewInt(int64(len(cs))))
			b.WriteRune(cs[i.Int64()])
		}
		return rt.ToValue(b.String())
	}
	withCase := func(base string, c goja.FunctionCall) goja.Value {
		cs := base
		if !c.Argument(1).ToBoolean() {
			cs += upperASCII
		}
		return random(c.Argument(0).ToInteger(), cs)
	}
	set(o, "toAlphanumeric", func(c goja.FunctionCall) goja.Value {
		return rt.ToValue(strings.Map(func(r rune) rune {
			if r == '_' || r < 128 && isAlnum(byte(r)) {
				return r
			}
			return -1
		}, c.Argument(0).String()))
	})
	set(o, "randomString", func(c goja.FunctionCall) goja.Value {
		return random(c.Argument(0).ToInteger(), c.Argument(1).String())
	})
	set(o, "alphanumeric", func(c goja.FunctionCall) goja.Value { return withCase(lowerASCII+numbers, c) })
	set(o, "alpha", func(c goja.FunctionCall) goja.Value { return withCase(lowerASCII, c) })
	set(o, "numeric", func(c goja.FunctionCall) goja.Value { return random(c.Argument(0).ToInteger(), numbers) })
	only := func(ok func(rune) bool) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			for _, r := range c.Argument(0).String() {
				if !ok(r) {
					return rt.ToValue(false)
				}
			}
			return rt.ToValue(true)
		}
	}
	set(o, "isNumeric", only(func(r rune) bool { return r >= '0' && r <= '9' }))
	set(o, "isAlphanumeric", only(func(r rune) bool { return r < 128 && isAlnum(byte(r)) }))
}
