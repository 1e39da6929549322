package dirigible

import (
	"bufio"
	"io"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/runtime"
)

// InputStream returns an sdk/io/streams-like InputStream (read, readBytes,
// readBytesNative, readText, close, isValid) over what open returns. The
// source is opened on the first read and closed by close(), at its end, or
// when the request ends (the call's Cleanup), whichever comes first.
func InputStream(vm *runtime.VM, open func() (io.ReadCloser, error)) *goja.Object {
	rt := vm.Runtime()
	s := rt.NewObject()
	var src io.ReadCloser
	var br *bufio.Reader
	closed := false
	closeSrc := func() {
		closed = true
		if src != nil {
			_ = src.Close()
			src, br = nil, nil
		}
	}
	reader := func() *bufio.Reader {
		if closed {
			return nil
		}
		if br == nil {
			rc, err := open()
			if err != nil {
				Throw(vm, err)
			}
			src, br = rc, bufio.NewReader(rc)
			if c := vm.Call(); c != nil {
				c.Cleanup(closeSrc)
			}
		}
		return br
	}
	rest := func() []byte {
		r := reader()
		if r == nil {
			return nil
		}
		b, err := io.ReadAll(r)
		if err != nil {
			Throw(vm, err)
		}
		closeSrc()
		return b
	}
	Set(s, "read", func(goja.FunctionCall) goja.Value {
		r := reader()
		if r == nil {
			return rt.ToValue(-1)
		}
		c, err := r.ReadByte()
		if err == io.EOF {
			closeSrc()
			return rt.ToValue(-1)
		}
		if err != nil {
			Throw(vm, err)
		}
		return rt.ToValue(int(c))
	})
	Set(s, "readBytes", func(goja.FunctionCall) goja.Value { return SignedBytes(rt, rest()) })
	Set(s, "readBytesNative", func(goja.FunctionCall) goja.Value { return rt.ToValue(rt.NewArrayBuffer(rest())) })
	Set(s, "readText", func(goja.FunctionCall) goja.Value { return rt.ToValue(string(rest())) })
	Set(s, "close", func(goja.FunctionCall) goja.Value { closeSrc(); return goja.Undefined() })
	Set(s, "isValid", func(goja.FunctionCall) goja.Value { return rt.ToValue(true) })
	return s
}
