// Package base64 provides atob and btoa (HTML's forgiving base64), which
// throw an InvalidCharacterError DOMException for bad input.
package base64

import (
	"encoding/base64"
	"strings"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/internal/jsmod"
	"github.com/dirigo/dirigo/modules/web/dom"
	"github.com/dirigo/dirigo/runtime"
)

// Globals are atob and btoa.
var Globals = []runtime.Module{
	{Global: "atob", Load: func(vm *runtime.VM) (goja.Value, error) { return fn(vm, "atob", atob), nil }},
	{Global: "btoa", Load: func(vm *runtime.VM) (goja.Value, error) { return fn(vm, "btoa", btoa), nil }},
}

func fn(vm *runtime.VM, name string, f func(*runtime.VM, goja.String) (string, bool)) goja.Value {
	rt := vm.Runtime()
	return rt.ToValue(func(call goja.FunctionCall) goja.Value {
		if len(call.Arguments) == 0 {
			jsmod.Throw(vm, "TypeError", "The \"data\" argument must be specified")
		}
		out, ok := f(vm, jsmod.String(vm, call.Argument(0)))
		if !ok {
			if name == "atob" {
				dom.Throw(vm, "InvalidCharacterError", "The string to be decoded is not correctly encoded.")
			}
			dom.Throw(vm, "InvalidCharacterError", "Invalid character")
		}
		return rt.ToValue(out)
	})
}

// btoa encodes the code units of s, each a byte (Latin-1).
func btoa(vm *runtime.VM, s goja.String) (string, bool) {
	n := s.Length()
	b := make([]byte, n)
	for i := 0; i < n; i++ {
		u := s.CharAt(i)
		if u > 0xff {
			return "", false
		}
		b[i] = byte(u)
	}
	return base64.StdEncoding.EncodeToString(b), true
}

// atob is the forgiving-base64 decode: ASCII whitespace is ignored,
// padding is optional, trailing bits need not be zero; each byte of the
// result is one code unit.
func atob(vm *runtime.VM, s goja.String) (string, bool) {
	n := s.Length()
	in := make([]byte, 0, n)
	for i := 0; i < n; i++ {
		u := s.CharAt(i)
		switch {
		case u == '\t' || u == '\n' || u == '\f' || u == '\r' || u == ' ':
			continue
		case u >= 'A' && u <= 'Z', u >= 'a' && u <= 'z', u >= '0' && u <= '9', u == '+', u == '/', u == '=':
			in = append(in, byte(u))
		default:
			return "", false
		}
	}
	if len(in)%4 == 0 {
		if len(in) > 0 && in[len(in)-1] == '=' {
			in = in[:len(in)-1]
			if len(in) > 0 && in[len(in)-1] == '=' {
				in = in[:len(in)-1]
			}
		}
	}
	if len(in)%4 == 1 {
		return "", false
	}
	for _, c := range in {
		if c == '=' {
			return "", false
		}
	}
	out, err := base64.RawStdEncoding.DecodeString(string(in))
	if err != nil {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(out) * 2)
	for _, c := range out {
		b.WriteRune(rune(c))
	}
	return b.String(), true
}
