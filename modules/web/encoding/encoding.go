// Package encoding provides TextEncoder and TextDecoder (WHATWG Encoding):
// UTF-8 both ways; UTF-16LE, UTF-16BE and windows-1252 (which the labels
// latin1, ascii and iso-8859-1 name) for decoding. fatal, ignoreBOM,
// streaming ({stream: true}) and encodeInto work as in browsers.
package encoding

import (
	"unicode/utf8"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/internal/jsmod"
	"github.com/dirigo/dirigo/runtime"
)

// Globals are the global TextEncoder and TextDecoder (Node's util exports
// the same classes).
var Globals = []runtime.Module{global("TextEncoder"), global("TextDecoder")}

func global(name string) runtime.Module {
	return runtime.Module{Global: name, Load: func(vm *runtime.VM) (goja.Value, error) {
		m, err := load(vm)
		if err != nil {
			return nil, err
		}
		return m.ToObject(vm.Runtime()).Get(name), nil
	}}
}

// load returns {TextEncoder, TextDecoder}.
func load(vm *runtime.VM) (goja.Value, error) {
	rt := vm.Runtime()
	natives := jsmod.Natives(vm, map[string]func(goja.FunctionCall) goja.Value{
		"encode": func(call goja.FunctionCall) goja.Value {
			s := call.Argument(0).String() // lone surrogates become U+FFFD
			vm.CheckBytes(int64(len(s)))
			return jsmod.WrapBytes(vm, []byte(s))
		},
		"encodeInto": func(call goja.FunctionCall) goja.Value {
			read, written := encodeInto(vm, call.Argument(0), call.Argument(1))
			return rt.NewArray(read, written)
		},
		"encodingOf": func(call goja.FunctionCall) goja.Value {
			return rt.ToValue(encodingOf(call.Argument(0).String()))
		},
		"newDecoder": func(call goja.FunctionCall) goja.Value {
			return rt.ToValue(&decoder{enc: call.Argument(0).String(), fatal: call.Argument(1).ToBoolean(), ignoreBOM: call.Argument(2).ToBoolean()})
		},
		"decode": func(call goja.FunctionCall) goja.Value {
			d, _ := call.Argument(0).Export().(*decoder)
			var p []byte
			if in := call.Argument(1); !goja.IsUndefined(in) {
				b, ok := jsmod.Bytes(vm, in)
				if !ok {
					jsmod.Throw(vm, "TypeError", "The \"input\" argument must be an instance of ArrayBuffer or ArrayBufferView")
				}
				p = b
			}
			s, ok := d.decode(p, call.Argument(2).ToBoolean())
			if !ok {
				jsmod.Throw(vm, "TypeError", "The encoded data was not valid for encoding %s", d.enc)
			}
			return rt.ToValue(s)
		},
	})
	return jsmod.Call(vm, program(), natives)
}

// encodeInto writes the UTF-8 of src into the bytes of dest, whole code
// points only, and returns the UTF-16 units read and the bytes written.
func encodeInto(vm *runtime.VM, src, dest goja.Value) (read, written int) {
	out, ok := jsmod.Bytes(vm, dest)
	if !ok {
		jsmod.Throw(vm, "TypeError", "The \"dest\" argument must be an instance of Uint8Array")
	}
	s := jsmod.String(vm, src)
	n := s.Length()
	var buf [4]byte
	for read < n {
		u := s.CharAt(read)
		r, units := rune(u), 1
		switch {
		case u >= 0xd800 && u <= 0xdbff && read+1 < n && s.CharAt(read+1) >= 0xdc00 && s.CharAt(read+1) <= 0xdfff:
			r, units = (rune(u)-0xd800)<<10+(rune(s.CharAt(read+1))-0xdc00)+0x10000, 2
		case u >= 0xd800 && u <= 0xdfff:
			r = utf8.RuneError
		}
		w := utf8.EncodeRune(buf[:], r)
		if written+w > len(out) {
			break
		}
		copy(out[written:], buf[:w])
		written += w
		read += units
		if read&8191 == 0 {
			vm.CheckStop()
		}
	}
	return read, written
}

var program = jsmod.Program("encoding", `(function (native) {
	"use strict";
	var defProp = Object.defineProperty;
	class TextEncoder {
		get encoding() { return "utf-8"; }
		encode(input) { return native.encode(input === undefined ? "" : String(input)); }
		encodeInto(source, destination) {
			var r = native.encodeInto(String(source), destination);
			return { read: r[0], written: r[1] };
		}
	}
	class TextDecoder {
		#enc; #fatal; #ignoreBOM; #state;
		constructor(label, options) {
			var enc = label === undefined ? "utf-8" : native.encodingOf(String(label));
			if (enc === "") throw new RangeError("The \"" + String(label) + "\" encoding is not supported");
			options = options == null ? {} : options;
			this.#enc = enc;
			this.#fatal = Boolean(options.fatal);
			this.#ignoreBOM = Boolean(options.ignoreBOM);
			this.#state = native.newDecoder(enc, this.#fatal, this.#ignoreBOM);
		}
		get encoding() { return this.#enc; }
		get fatal() { return this.#fatal; }
		get ignoreBOM() { return this.#ignoreBOM; }
		decode(input, options) {
			var stream = options != null && Boolean(options.stream);
			return native.decode(this.#state, input, stream);
		}
	}
	defProp(TextEncoder.prototype, Symbol.toStringTag, { value: "TextEncoder", configurable: true });
	defProp(TextDecoder.prototype, Symbol.toStringTag, { value: "TextDecoder", configurable: true });
	return { TextEncoder: TextEncoder, TextDecoder: TextDecoder };
})`)
