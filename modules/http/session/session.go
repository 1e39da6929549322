// Package session provides Dirigible's HTTP session module (http/session,
// http/v4/session, sdk/http/session, ...) and PROIV Active Web's session
// (the global createSession() and request.jsession), over the server's
// session manager.
package session

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/dirigible"
	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/sessions"
)

// Module returns the session module under name, in flavor f.
func Module(name string, f dirigible.Flavor) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) { return New(vm, f), nil }}
}

// CreateSession is PROIV's global createSession(): it makes sure the request
// has a session (nothing happens when it has one) and returns the session
// object, request.jsession's twin. That object is made once per VM and
// reaches the request in progress through the VM, so it is frozen: what one
// request put on it (a property, a replaced method) would reach every later
// request on the VM.
var CreateSession = runtime.Module{Global: "createSession", Load: func(vm *runtime.VM) (goja.Value, error) {
	var js *goja.Object
	return vm.Runtime().ToValue(func(goja.FunctionCall) goja.Value {
		if s := handle(vm); s != nil {
			check(vm, s.Create())
		}
		if js == nil {
			// Made on first use: globals load before the VM can freeze.
			o := NewJSession(vm)
			if err := vm.Harden(o); err != nil {
				panic(err)
			}
			js = o
		}
		return js
	}), nil
}}

// handle returns the session handle of the running request, or nil outside
// HTTP or when the server keeps no sessions.
func handle(vm *runtime.VM) *sessions.Session {
	if c := vm.Call(); c != nil {
		return c.Session()
	}
	return nil
}

func check(vm *runtime.VM, err error) {
	if err != nil {
		dirigible.Throw(vm, err)
	}
}

// New builds the session object of flavor f for vm. Without a session
// (outside HTTP, or no session manager) its functions answer null, 0, false,
// new Date(0) or [] and do nothing, as Dirigible's facade does.
func New(vm *runtime.VM, f dirigible.Flavor) *goja.Object {
	o := vm.Runtime().NewObject()
	addMethods(vm, o, f)
	if f == dirigible.Current {
		_ = o.Set("Session", o)
	}
	return o
}

// addMethods binds the session functions on o.
func addMethods(vm *runtime.VM, o *goja.Object, f dirigible.Flavor) {
	rt := vm.Runtime()
	undef := goja.Undefined()
	date := func(t time.Time) goja.Value {
		d, err := rt.New(vm.Intrinsic("Date"), rt.ToValue(t.UnixMilli()))
		if err != nil {
			panic(err)
		}
		return d
	}
	zeroDate := func() goja.Value { return date(time.UnixMilli(0)) }
	values := valueCache{m: map[*byte]cachedValue{}}
	set := func(name string, fn func(goja.FunctionCall) goja.Value) { dirigible.Set(o, name, fn) }

	set("isValid", func(goja.FunctionCall) goja.Value { return rt.ToValue(handle(vm) != nil) })
	set("getAttribute", func(c goja.FunctionCall) goja.Value {
		s := handle(vm)
		if s == nil {
			return goja.Null()
		}
		b, ok, err := s.Get(c.Argument(0).String())
		check(vm, err)
		if !ok {
			return goja.Null()
		}
		return values.decode(vm, b)
	})
	set("getAttributeNames", func(goja.FunctionCall) goja.Value {
		s := handle(vm)
		if s == nil {
			if f == dirigible.Current {
				return rt.NewArray()
			}
			return goja.Null()
		}
		names, err := s.Names()
		check(vm, err)
		vals := make([]any, len(names))
		for i, n := range names {
			vals[i] = n
		}
		return rt.NewArray(vals...)
	})
	set("getCreationTime", func(goja.FunctionCall) goja.Value {
		s := handle(vm)
		if s == nil {
			return zeroDate()
		}
		t, err := s.Created()
		check(vm, err)
		return date(t)
	})
	set("getLastAccessedTime", func(goja.FunctionCall) goja.Value {
		s := handle(vm)
		if s == nil {
			return zeroDate()
		}
		t, err := s.LastAccessed()
		check(vm, err)
		return date(t)
	})
	set("getId", func(goja.FunctionCall) goja.Value {
		s := handle(vm)
		if s == nil {
			return goja.Null()
		}
		id, err := s.ID()
		check(vm, err)
		return rt.ToValue(id)
	})
	set("getMaxInactiveInterval", func(goja.FunctionCall) goja.Value {
		s := handle(vm)
		if s == nil {
			return rt.ToValue(0)
		}
		d, err := s.MaxInactive()
		check(vm, err)
		return rt.ToValue(int64(d / time.Second))
	})
	set("setMaxInactiveInterval", func(c goja.FunctionCall) goja.Value {
		if s := handle(vm); s != nil {
			secs := c.Argument(0).ToFloat()
			if math.IsNaN(secs) {
				panic(rt.NewTypeError("setMaxInactiveInterval: the interval must be a number of seconds"))
			}
			d := time.Duration(math.Trunc(math.Min(secs, math.MaxInt32))) * time.Second
			check(vm, s.SetMaxInactive(d))
		}
		return undef
	})
	set("invalidate", func(goja.FunctionCall) goja.Value {
		if s := handle(vm); s != nil {
			check(vm, s.Invalidate())
		}
		return undef
	})
	set("isNew", func(goja.FunctionCall) goja.Value {
		s := handle(vm)
		if s == nil {
			return rt.ToValue(false)
		}
		n, err := s.IsNew()
		check(vm, err)
		return rt.ToValue(n)
	})
	set("setAttribute", func(c goja.FunctionCall) goja.Value {
		s := handle(vm)
		if s == nil {
			return undef
		}
		name, v := c.Argument(0).String(), c.Argument(1)
		if goja.IsUndefined(v) || goja.IsNull(v) {
			check(vm, s.Remove(name)) // the servlet rule: a null value removes
			return undef
		}
		b, err := encode(vm, v)
		if err != nil {
			panic(rt.NewTypeError("setAttribute(" + sessions.Quote(name) + "): " + err.Error()))
		}
		check(vm, s.Set(name, b))
		return undef
	})
	set("removeAttribute", func(c goja.FunctionCall) goja.Value {
		if s := handle(vm); s != nil {
			check(vm, s.Remove(c.Argument(0).String()))
		}
		return undef
	})
	set("changeSessionId", func(goja.FunctionCall) goja.Value {
		s := handle(vm)
		if s == nil {
			return goja.Null()
		}
		id, err := s.ChangeID()
		check(vm, err)
		return rt.ToValue(id)
	})
}

// NewJSession builds PROIV's request.jsession: the session methods plus the
// read-only properties id, creationTime (milliseconds), isNew and
// DisplayType ("web" over HTTP, "batch" outside it). It is made once per VM
// and must be frozen before a script sees it (module exports are frozen by
// the VM; anything else with VM.Harden).
func NewJSession(vm *runtime.VM) *goja.Object {
	rt := vm.Runtime()
	o := rt.NewObject()
	addMethods(vm, o, dirigible.V4)
	getter := func(name string, fn func(s *sessions.Session) goja.Value, none goja.Value) {
		g := rt.ToValue(func(goja.FunctionCall) goja.Value {
			if s := handle(vm); s != nil {
				return fn(s)
			}
			return none
		})
		if err := o.DefineAccessorProperty(name, g, nil, goja.FLAG_FALSE, goja.FLAG_TRUE); err != nil {
			panic(err)
		}
	}
	getter("id", func(s *sessions.Session) goja.Value {
		id, err := s.ID()
		check(vm, err)
		return rt.ToValue(id)
	}, goja.Null())
	getter("creationTime", func(s *sessions.Session) goja.Value {
		t, err := s.Created()
		check(vm, err)
		return rt.ToValue(t.UnixMilli())
	}, rt.ToValue(0))
	getter("isNew", func(s *sessions.Session) goja.Value {
		n, err := s.IsNew()
		check(vm, err)
		return rt.ToValue(n)
	}, rt.ToValue(false))
	dt := rt.ToValue(func(goja.FunctionCall) goja.Value {
		if c := vm.Call(); c != nil && c.Request() != nil {
			return rt.ToValue("web")
		}
		return rt.ToValue("batch")
	})
	if err := o.DefineAccessorProperty("DisplayType", dt, nil, goja.FLAG_FALSE, goja.FLAG_TRUE); err != nil {
		panic(err)
	}
	return o
}

// valueCache remembers the script values of stored attribute values, per VM.
// Stored values never change (a new value is a new byte slice), so the same
// bytes always decode to the same primitive, which scripts cannot modify;
// objects are decoded afresh each time (getAttribute returns a copy). The
// cache holds the bytes it is keyed by, so their address cannot be reused.
type valueCache struct {
	m map[*byte]cachedValue
}

type cachedValue struct {
	n int
	v goja.Value
}

// maxCachedValues bounds a VM's value cache.
const maxCachedValues = 4096

func (c *valueCache) decode(vm *runtime.VM, b []byte) goja.Value {
	if len(b) == 0 {
		return decode(vm, b)
	}
	if e, ok := c.m[&b[0]]; ok && e.n == len(b) {
		return e.v
	}
	v := decode(vm, b)
	// Only values that own their bytes: a value sliced out of a larger
	// buffer (a whole stored record) would keep that buffer alive.
	if _, isObj := v.(*goja.Object); !isObj && cap(b)-len(b) <= 64 {
		if len(c.m) >= maxCachedValues {
			clear(c.m)
		}
		c.m[&b[0]] = cachedValue{n: len(b), v: v}
	}
	return v
}

// decode turns a stored JSON value back into a script value. Strings and
// numbers, the common case, skip JSON.parse.
func decode(vm *runtime.VM, b []byte) goja.Value {
	rt := vm.Runtime()
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && plainJSONString(b[1:n-1]) {
		// ToString turns goja's lazily scanned import of a long Go string
		// into a plain string value, cheaper for every later use.
		return rt.ToValue(string(b[1 : n-1])).ToString()
	}
	switch string(b) {
	case "true":
		return rt.ToValue(true)
	case "false":
		return rt.ToValue(false)
	case "null":
		return goja.Null()
	}
	if len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9') {
		if f, err := strconv.ParseFloat(string(b), 64); err == nil {
			return rt.ToValue(f)
		}
	}
	v, err := vm.ParseJSON(string(b))
	if err != nil {
		panic(err)
	}
	return v
}

// plainJSONString reports whether s, the inside of a JSON string, has no
// escapes (so it is its own value).
func plainJSONString(s []byte) bool {
	for _, c := range s {
		if c == '\\' || c == '"' || c < 0x20 {
			return false
		}
	}
	return utf8.Valid(s)
}

var errNotJSON = errors.New("the value cannot be stored: it is not JSON (a function, symbol, BigInt, NaN or Infinity)")

// encode returns the JSON text of a script value, or an error when the value
// has no JSON form. Objects go through JSON.stringify (Dates become their ISO
// string, as in JSON).
func encode(vm *runtime.VM, v goja.Value) ([]byte, error) {
	if o, ok := v.(*goja.Object); ok {
		if _, isFn := goja.AssertFunction(o); isFn {
			return nil, errNotJSON
		}
		s, ok := vm.JSON(o)
		if !ok {
			return nil, errNotJSON
		}
		return []byte(s), nil
	}
	switch x := v.Export().(type) {
	case string:
		return appendJSONString(make([]byte, 0, len(x)+2), x), nil
	case bool:
		return strconv.AppendBool(nil, x), nil
	case int64:
		return strconv.AppendInt(nil, x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, errNotJSON
		}
		return []byte(v.String()), nil
	}
	return nil, fmt.Errorf("%w (%s)", errNotJSON, v.ExportType())
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			switch c {
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
