package runtime

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// installConsole binds console on the base global. Over HTTP it logs through
// slog with the script's path; in batch mode it prints to stdout and stderr.
func (vm *VM) installConsole() {
	rt := vm.rt
	console := rt.NewObject()
	method := func(level slog.Level, toStderr bool) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			vm.print(level, toStderr, vm.format(c.Arguments))
			return goja.Undefined()
		}
	}
	_ = console.Set("log", method(slog.LevelInfo, false))
	_ = console.Set("info", method(slog.LevelInfo, false))
	_ = console.Set("debug", method(slog.LevelDebug, false))
	_ = console.Set("warn", method(slog.LevelWarn, true))
	_ = console.Set("error", method(slog.LevelError, true))
	_ = console.Set("trace", func(c goja.FunctionCall) goja.Value {
		msg := vm.format(c.Arguments)
		var b strings.Builder
		b.WriteString("Trace")
		if msg != "" {
			b.WriteString(": " + msg)
		}
		for _, f := range rt.CaptureCallStack(10, nil) {
			if p := f.Position(); p.Filename != "" {
				b.WriteString("\n    at " + f.FuncName() + " (" + p.Filename + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column) + ")")
			}
		}
		vm.print(slog.LevelDebug, true, b.String())
		return goja.Undefined()
	})
	_ = console.Set("assert", func(c goja.FunctionCall) goja.Value {
		if c.Argument(0).ToBoolean() {
			return goja.Undefined()
		}
		msg := "Assertion failed"
		if len(c.Arguments) > 1 {
			msg += ": " + vm.format(c.Arguments[1:])
		}
		vm.print(slog.LevelError, true, msg)
		return goja.Undefined()
	})
	_ = vm.base.Set("console", console)
}

func (vm *VM) print(level slog.Level, toStderr bool, msg string) {
	c := vm.call
	if c != nil && c.req == nil {
		w := vm.h.stdout
		if toStderr {
			w = vm.h.stderr
		}
		_, _ = io.WriteString(w, msg+"\n")
		return
	}
	logger := vm.h.logger
	if c != nil {
		logger = c.Logger()
	}
	logger.Log(context.Background(), level, msg, "source", "console")
}

// format renders console arguments like Node's util.format: a leading string
// may hold %s %d %i %f %j %o %O %c %% directives; other values are printed
// as JSON when they are objects, else as strings.
func (vm *VM) format(args []goja.Value) string {
	var b strings.Builder
	i := 0
	if len(args) > 0 {
		if s, ok := args[0].Export().(string); ok {
			i = 1
			for j := 0; j < len(s); j++ {
				if s[j] != '%' || j+1 == len(s) {
					b.WriteByte(s[j])
					continue
				}
				d := s[j+1]
				if d == '%' {
					b.WriteByte('%')
					j++
					continue
				}
				if !strings.ContainsRune("sdifjoOc", rune(d)) || i >= len(args) {
					b.WriteByte('%')
					continue
				}
				j++
				a := args[i]
				i++
				switch d {
				case 's':
					if _, isObj := a.(*goja.Object); isObj {
						b.WriteString(vm.inspect(a))
					} else {
						b.WriteString(a.String())
					}
				case 'd', 'i':
					n := a.ToFloat()
					if d == 'i' {
						n = float64(int64(n))
					}
					b.WriteString(vm.rt.ToValue(n).String())
				case 'f':
					b.WriteString(vm.rt.ToValue(a.ToFloat()).String())
				case 'j', 'o', 'O':
					b.WriteString(vm.inspect(a))
				case 'c':
				}
			}
		}
	}
	for ; i < len(args); i++ {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		if s, ok := args[i].Export().(string); ok {
			b.WriteString(s)
		} else {
			b.WriteString(vm.inspect(args[i]))
		}
	}
	return b.String()
}

// inspect renders a value for the console: errors by their stack, functions
// by name, other objects as JSON (falling back to String for cycles).
func (vm *VM) inspect(v goja.Value) (out string) {
	o, ok := v.(*goja.Object)
	if !ok {
		if v == nil {
			return "undefined"
		}
		if s, isStr := v.Export().(string); isStr {
			return strconv.Quote(s)
		}
		return v.String()
	}
	if st := o.Get("stack"); st != nil && !goja.IsUndefined(st) {
		if _, isErr := o.Get("message").Export().(string); isErr {
			return st.String()
		}
	}
	if _, isFn := goja.AssertFunction(o); isFn {
		return "[Function: " + o.Get("name").String() + "]"
	}
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok && isUncatchable(e) {
				panic(r)
			}
			out = o.String()
		}
	}()
	if s, ok := vm.JSON(o); ok {
		return s
	}
	return o.String()
}
