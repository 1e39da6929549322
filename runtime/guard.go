package runtime

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/dop251/goja"
)

// The guards: goja's Interrupt stops a script between two instructions, not
// inside a built-in written in Go. A built-in that loops or allocates in
// proportion to a number the script (or a request) chose — "x".repeat(2**30),
// new Array(1e9).fill(0), JSON of a structure nested a million levels deep,
// Array.prototype.indexOf.call({length: 2**53 - 1}) — runs to its end or
// takes the process down. installGuards replaces those built-ins on the base
// global, before it is frozen, with Go functions that check the sizes against
// the host's limits before the original allocates (a RangeError beyond) and
// that stop with the run when the watchdog ends it.

// nativeFn is the Go form of a built-in function.
type nativeFn = func(goja.FunctionCall) goja.Value

// stopError ends a built-in whose run the watchdog stopped. It is not a
// JavaScript value, so no try/catch of the script sees it: it unwinds to
// VM.run like goja's own interrupt.
type stopError struct{ cause error }

func (e *stopError) Error() string { return e.cause.Error() }
func (e *stopError) Unwrap() error { return e.cause }

// checkStop ends the built-in in progress when the run has been stopped.
func (vm *VM) checkStop() {
	if cause := vm.stopCause(); cause != nil {
		panic(&stopError{cause: cause})
	}
}

// rangeError returns a RangeError of the VM (panic with it to throw).
func (vm *VM) rangeError(msg string) *goja.Object { return vm.newError(vm.rangeErr, msg) }

// syntaxError returns a SyntaxError of the VM.
func (vm *VM) syntaxError(msg string) *goja.Object { return vm.newError(vm.syntaxErr, msg) }

func (vm *VM) newError(ctor goja.Value, msg string) *goja.Object {
	o, err := vm.rt.New(ctor, vm.rt.ToValue(msg))
	if err != nil {
		panic(err)
	}
	return o
}

// throw throws a new error of kind ("RangeError" or "SyntaxError").
func (vm *VM) throw(kind, msg string) {
	if kind == "SyntaxError" {
		panic(vm.syntaxError(msg))
	}
	panic(vm.rangeError(msg))
}

// toLength is ECMAScript's ToLength of a number value.
func toLength(v goja.Value) int64 {
	if v == nil {
		return 0
	}
	f := v.ToFloat()
	switch {
	case math.IsNaN(f) || f <= 0:
		return 0
	case f >= 1<<53-1:
		return 1<<53 - 1
	}
	return int64(f)
}

// withArg returns args with args[i] replaced by v (a copy: the slice a
// built-in gets belongs to the VM's stack).
func withArg(args []goja.Value, i int, v goja.Value) []goja.Value {
	n := make([]goja.Value, max(len(args), i+1))
	copy(n, args)
	for j := len(args); j < i; j++ {
		n[j] = goja.Undefined()
	}
	n[i] = v
	return n
}

// number converts argument i to a number once, so that the built-in does not
// call a valueOf a second time.
func number(call *goja.FunctionCall, i int) goja.Value {
	v := call.Argument(i)
	if !goja.IsNumber(v) {
		v = v.ToNumber()
		call.Arguments = withArg(call.Arguments, i, v)
	}
	return v
}

// toStr is ECMAScript's ToString: an object's toString (or valueOf) is
// called once.
func (vm *VM) toStr(v goja.Value) goja.String {
	if s, ok := v.(goja.String); ok {
		return s
	}
	if _, ok := v.(*goja.Symbol); ok {
		panic(vm.rt.NewTypeError("Cannot convert a Symbol value to a string"))
	}
	p := v.ToString() // a primitive
	if s, ok := p.(goja.String); ok {
		return s
	}
	return vm.rt.ToValue(p.String()).(goja.String)
}

// str converts argument i to a string once.
func (vm *VM) str(call *goja.FunctionCall, i int) goja.String {
	v := call.Argument(i)
	s, ok := v.(goja.String)
	if !ok {
		s = vm.toStr(v)
		call.Arguments = withArg(call.Arguments, i, s)
	}
	return s
}

// thisString converts this to a string once; nil for null and undefined
// (the built-in throws its TypeError).
func (vm *VM) thisString(call *goja.FunctionCall) goja.String {
	if s, ok := call.This.(goja.String); ok {
		return s
	}
	if call.This == nil || goja.IsUndefined(call.This) || goja.IsNull(call.This) {
		return nil
	}
	s := vm.toStr(call.This)
	call.This = s
	return s
}

// replace puts a wrapper of the built-in method name of obj in its place,
// with the original's name and length.
func (vm *VM) replace(obj *goja.Object, name string, wrap func(orig nativeFn) nativeFn) error {
	fo, _ := obj.Get(name).(*goja.Object)
	if fo == nil {
		return nil // not in this goja version
	}
	orig, ok := fo.Export().(func(goja.FunctionCall) goja.Value)
	if !ok {
		return fmt.Errorf("runtime: %s is not a built-in function", name)
	}
	return vm.define(obj, name, fo.Get("length"), wrap(orig))
}

// define sets obj[name] to the Go function fn, named name, as a method
// (writable, configurable, not enumerable).
func (vm *VM) define(obj *goja.Object, name string, length goja.Value, fn nativeFn) error {
	f := vm.rt.ToValue(fn).(*goja.Object)
	if err := f.DefineDataProperty("name", vm.rt.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		return err
	}
	if length == nil {
		length = vm.rt.ToValue(0)
	}
	if err := f.DefineDataProperty("length", length, goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		return err
	}
	return obj.DefineDataProperty(name, f, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// installGuards installs the guarded built-ins on the base global.
func (vm *VM) installGuards() error {
	rt := vm.rt
	lim := vm.h.limits
	global := vm.base
	obj := func(v goja.Value) *goja.Object { o, _ := v.(*goja.Object); return o }
	proto := func(ctor string) *goja.Object { return obj(obj(global.Get(ctor)).Get("prototype")) }
	vm.rangeErr = global.Get("RangeError")
	vm.syntaxErr = global.Get("SyntaxError")
	tooLong := func() {
		panic(vm.rangeError("Invalid string length: more than " + strconv.FormatInt(lim.maxString, 10) + " characters"))
	}
	tooMany := func(n int64) {
		panic(vm.rangeError("Invalid array length: " + strconv.FormatInt(n, 10) + " is more than " + strconv.FormatInt(lim.maxArray, 10) + " elements"))
	}
	var errs []error
	add := func(err error) { errs = append(errs, err) }

	// Strings.
	sp := proto("String")
	add(vm.replace(sp, "repeat", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			if s := vm.thisString(&call); s != nil {
				n := number(&call, 0).ToFloat()
				if n >= 1 && !math.IsInf(n, 1) && float64(s.Length())*math.Trunc(n) > float64(lim.maxString) {
					tooLong()
				}
			}
			return orig(call)
		}
	}))
	pad := func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			if s := vm.thisString(&call); s != nil {
				if n := toLength(number(&call, 0)); n > int64(s.Length()) {
					if !goja.IsUndefined(call.Argument(1)) && vm.str(&call, 1).Length() == 0 {
						return orig(call)
					}
					if n > lim.maxString {
						tooLong()
					}
				}
			}
			return orig(call)
		}
	}
	add(vm.replace(sp, "padStart", pad))
	add(vm.replace(sp, "padEnd", pad))

	// Arrays: every method that walks its receiver index by index without
	// calling back into the script on each (or creates an array that long)
	// checks the length first. A real array is as long as its memory, but
	// a sparse one ([].length = 2**32 - 1) or an array-like ({length:
	// 2**53 - 1}) costs nothing to make.
	ap := proto("Array")
	lengthGuard := func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			o := call.This.ToObject(rt)
			call.This = o
			if n := toLength(o.Get("length")); n > lim.maxArray {
				tooMany(n)
			}
			return orig(call)
		}
	}
	add(vm.replace(ap, "concat", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			o := call.This.ToObject(rt)
			call.This = o
			n := toLength(o.Get("length"))
			for _, a := range call.Arguments {
				if ao, ok := a.(*goja.Object); ok && ao.ClassName() == "Array" {
					n += toLength(ao.Get("length"))
				}
			}
			if n > lim.maxArray {
				tooMany(n)
			}
			return orig(call)
		}
	}))
	for _, name := range []string{"copyWithin", "every", "fill", "filter", "flat", "flatMap",
		"forEach", "includes", "indexOf", "lastIndexOf", "map", "reduce", "reduceRight", "reverse",
		"shift", "slice", "some", "sort", "splice", "toLocaleString", "toReversed", "toSorted",
		"toSpliced", "unshift", "with"} {
		add(vm.replace(ap, name, lengthGuard))
	}
	add(vm.define(ap, "join", rt.ToValue(1), vm.join))
	arrayCtor := obj(global.Get("Array"))
	add(vm.replace(arrayCtor, "from", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value {
			switch items := call.Argument(0).(type) {
			case goja.String:
				if n := int64(items.Length()); n > lim.maxArray {
					tooMany(n)
				}
			case *goja.Object:
				if n := toLength(items.Get("length")); n > lim.maxArray {
					tooMany(n)
				}
			}
			return orig(call)
		}
	}))
	argList := func(v goja.Value) {
		if o, ok := v.(*goja.Object); ok {
			if n := toLength(o.Get("length")); n > maxArguments {
				panic(vm.rangeError("Too many arguments: " + strconv.FormatInt(n, 10) + " is more than " + strconv.Itoa(maxArguments)))
			}
		}
	}
	add(vm.replace(proto("Function"), "apply", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value { argList(call.Argument(1)); return orig(call) }
	}))
	reflect := obj(global.Get("Reflect"))
	add(vm.replace(reflect, "apply", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value { argList(call.Argument(2)); return orig(call) }
	}))
	add(vm.replace(reflect, "construct", func(orig nativeFn) nativeFn {
		return func(call goja.FunctionCall) goja.Value { argList(call.Argument(1)); return orig(call) }
	}))

	// A typed array's join: its elements are numbers, at most 25
	// characters each.
	if u8 := proto("Uint8Array"); u8 != nil {
		add(vm.replace(u8.Prototype(), "join", func(orig nativeFn) nativeFn {
			return func(call goja.FunctionCall) goja.Value {
				if o, ok := call.This.(*goja.Object); ok {
					n := toLength(o.Get("length"))
					sepLen := int64(1)
					if !goja.IsUndefined(call.Argument(0)) {
						sepLen = int64(vm.str(&call, 0).Length())
					}
					if n > 0 && (n-1)*sepLen+25*n > lim.maxString {
						tooLong()
					}
				}
				return orig(call)
			}
		}))
	}

	// Buffers: a typed array or ArrayBuffer is allocated whole, at once.
	add(vm.guardBuffers())

	// JSON.
	j := obj(global.Get("JSON"))
	add(vm.define(j, "parse", rt.ToValue(2), vm.jsonParse))
	add(vm.replace(j, "stringify", vm.jsonStringify))
	vm.stringify, _ = goja.AssertFunction(j.Get("stringify"))
	vm.parse, _ = goja.AssertFunction(j.Get("parse"))
	vm.isArray, _ = goja.AssertFunction(arrayCtor.Get("isArray"))
	return errors.Join(errs...)
}

// maxArguments bounds the argument list apply, Reflect.apply and
// Reflect.construct build from an array-like (V8 fails at about 120,000).
const maxArguments = 1 << 17

// join is Array.prototype.join, built in Go so that it can bound the string
// as it grows and stop with the run.
func (vm *VM) join(call goja.FunctionCall) goja.Value {
	rt := vm.rt
	lim := vm.h.limits
	o := call.This.ToObject(rt)
	n := toLength(o.Get("length"))
	sep := goja.String(nil)
	if s := call.Argument(0); !goja.IsUndefined(s) {
		sep = vm.toStr(s)
	}
	if n > lim.maxArray {
		panic(vm.rangeError("Invalid array length: " + strconv.FormatInt(n, 10) + " is more than " + strconv.FormatInt(lim.maxArray, 10) + " elements"))
	}
	if n == 0 {
		return rt.ToValue("")
	}
	// An array that contains itself joins to "" where it recurs (as V8).
	if slices.Contains(vm.joining, o) {
		return rt.ToValue("")
	}
	vm.joining = append(vm.joining, o)
	defer func() { vm.joining = vm.joining[:len(vm.joining)-1] }()
	sepLen := int64(1)
	if sep != nil {
		sepLen = int64(sep.Length())
	}
	if (n-1)*sepLen > lim.maxString {
		panic(vm.rangeError("Invalid string length: more than " + strconv.FormatInt(lim.maxString, 10) + " characters"))
	}
	var b goja.StringBuilder
	size := int64(0)
	for k := int64(0); k < n; k++ {
		if k > 0 {
			if sep == nil {
				b.WriteUTF8String(",")
			} else {
				b.WriteString(sep)
			}
			size += sepLen
		}
		if k&4095 == 4095 {
			vm.checkStop()
		}
		e := o.Get(strconv.FormatInt(k, 10))
		if e == nil || goja.IsUndefined(e) || goja.IsNull(e) {
			continue
		}
		s := vm.toStr(e)
		if size += int64(s.Length()); size > lim.maxString {
			panic(vm.rangeError("Invalid string length: more than " + strconv.FormatInt(lim.maxString, 10) + " characters"))
		}
		b.WriteString(s)
	}
	return b.String()
}

// jsonParse is JSON.parse (see jsonParser), with the reviver applied in Go.
func (vm *VM) jsonParse(call goja.FunctionCall) goja.Value {
	v := vm.parseJSON(vm.toStr(call.Argument(0)).String())
	if reviver, ok := goja.AssertFunction(call.Argument(1)); ok {
		root := vm.rt.NewObject()
		_ = root.DefineDataProperty("", v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
		return vm.revive(reviver, root, "", 0)
	}
	return v
}

// revive is the spec's InternalizeJSONProperty: children first, then the
// reviver on the value. Its depth is bounded like the parser's (a reviver
// may hang new structures on the values it has not reached yet).
func (vm *VM) revive(reviver goja.Callable, holder *goja.Object, name string, depth int) goja.Value {
	rt := vm.rt
	val := holder.Get(name)
	if o, ok := val.(*goja.Object); ok {
		if depth >= vm.h.limits.jsonDepth {
			panic(vm.rangeError("JSON.parse: nesting deeper than " + strconv.Itoa(vm.h.limits.jsonDepth) + " levels"))
		}
		each := func(k string) {
			nv := vm.revive(reviver, o, k, depth+1)
			if goja.IsUndefined(nv) {
				_ = o.Delete(k)
			} else {
				_ = o.DefineDataProperty(k, nv, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
			}
		}
		if isArr, err := vm.isArray(goja.Undefined(), o); err != nil {
			panic(err)
		} else if isArr.ToBoolean() {
			n := toLength(o.Get("length"))
			for i := int64(0); i < n; i++ {
				each(strconv.FormatInt(i, 10))
			}
		} else {
			for _, k := range o.Keys() {
				each(k)
			}
		}
	}
	if val == nil {
		val = goja.Undefined()
	}
	res, err := reviver(holder, rt.ToValue(name), val)
	if err != nil {
		panic(err)
	}
	return res
}

// jsonStringify wraps goja's JSON.stringify with a replacer that follows the
// serialization: goja calls it for every value with the value's holder as
// this, depth first, so a stack of the open containers gives the depth at
// each call. Past limits.jsonDepth it throws a RangeError (goja's
// stringify is quadratic in the depth and recurses in Go), and every few
// thousand values it checks whether the run was stopped. A replacer
// function of the script is called inside it; a replacer array (a property
// list) is applied by it, as the spec does.
func (vm *VM) jsonStringify(orig nativeFn) nativeFn {
	// One replacer function per VM; the state of the call in progress is the
	// last of vm.jsonStates (a toJSON or replacer may stringify again).
	replacer := vm.rt.ToValue(func(call goja.FunctionCall) goja.Value {
		return vm.jsonStates[len(vm.jsonStates)-1].replace(call)
	})
	return func(call goja.FunctionCall) goja.Value {
		v := call.Argument(0)
		repl := call.Argument(1)
		_, isObj := v.(*goja.Object)
		replObj, hasRepl := repl.(*goja.Object)
		if !isObj && !hasRepl {
			return orig(call) // a primitive has no depth (its prototypes are frozen: no toJSON)
		}
		s := &stringifyState{vm: vm}
		if hasRepl {
			if fn, ok := goja.AssertFunction(replObj); ok {
				s.user = fn
			} else if isArr, err := vm.isArray(goja.Undefined(), replObj); err == nil && isArr.ToBoolean() {
				s.props = vm.propertyList(replObj)
				s.hasProps = true
			}
		}
		vm.jsonStates = append(vm.jsonStates, s)
		defer func() {
			vm.jsonStates[len(vm.jsonStates)-1] = nil
			vm.jsonStates = vm.jsonStates[:len(vm.jsonStates)-1]
		}()
		return orig(goja.FunctionCall{This: call.This, Arguments: []goja.Value{v, replacer, call.Argument(2)}})
	}
}

// stringifyState is the state of one JSON.stringify call.
type stringifyState struct {
	vm       *VM
	user     goja.Callable // the script's replacer function
	props    []string      // the script's property list
	hasProps bool
	open     []*goja.Object // the containers being serialized, outermost first
	orig     []*goja.Object // with a property list: the objects open[i] stands for
	count    int
}

// replace is called by goja's stringify for each value, with its holder as
// this.
func (s *stringifyState) replace(call goja.FunctionCall) goja.Value {
	vm := s.vm
	holder, _ := call.This.(*goja.Object)
	key, val := call.Argument(0), call.Argument(1)
	// The containers opened after holder are done.
	for len(s.open) > 0 && s.open[len(s.open)-1] != holder {
		s.open = s.open[:len(s.open)-1]
		if s.hasProps {
			s.orig = s.orig[:len(s.orig)-1]
		}
	}
	if s.count++; s.count&4095 == 0 {
		vm.checkStop()
	}
	if s.user != nil {
		v, err := s.user(holder, key, val)
		if err != nil {
			panic(err)
		}
		val = v
	}
	o, ok := val.(*goja.Object)
	if !ok {
		return val
	}
	switch o.ClassName() {
	case "Function", "AsyncFunction", "GeneratorFunction", "AsyncGeneratorFunction":
		return val // not serialized
	}
	if len(s.open) >= vm.h.limits.jsonDepth {
		panic(vm.rangeError("JSON.stringify: nesting deeper than " + strconv.Itoa(vm.h.limits.jsonDepth) + " levels"))
	}
	if s.hasProps {
		if isArr, err := vm.isArray(goja.Undefined(), o); err == nil && !isArr.ToBoolean() && isPlainForJSON(o) {
			if slices.Contains(s.orig, o) {
				panic(vm.rt.NewTypeError("Converting circular structure to JSON"))
			}
			// The properties of the list, in its order, each read once.
			p := vm.rt.NewObject()
			for _, k := range s.props {
				if pv := o.Get(k); pv != nil && !goja.IsUndefined(pv) {
					_ = p.DefineDataProperty(k, pv, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
				}
			}
			s.open = append(s.open, p)
			s.orig = append(s.orig, o)
			return p
		}
		s.orig = append(s.orig, o)
	}
	s.open = append(s.open, o)
	return val
}

// isPlainForJSON reports whether stringify serializes o by its properties
// (not a boxed primitive).
func isPlainForJSON(o *goja.Object) bool {
	switch o.ClassName() {
	case "Number", "String", "Boolean", "BigInt":
		return false
	}
	return true
}

// propertyList is the spec's PropertyList of a replacer array: its strings
// and numbers (boxed or not) as keys, without repeats.
func (vm *VM) propertyList(arr *goja.Object) []string {
	n := toLength(arr.Get("length"))
	if n > vm.h.limits.maxArray {
		panic(vm.rangeError("Invalid array length"))
	}
	var keys []string
	seen := map[string]bool{}
	for i := int64(0); i < n; i++ {
		e := arr.Get(strconv.FormatInt(i, 10))
		var k string
		switch x := e.(type) {
		case goja.String:
			k = x.String()
		case *goja.Object:
			switch x.ClassName() {
			case "Number", "String":
				k = x.String()
			default:
				continue
			}
		default:
			if !goja.IsNumber(e) {
				continue
			}
			k = e.String()
		}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// guardBuffers bounds the ArrayBuffer and typed array constructors by
// limits.maxBytes. Each is replaced by a constructor that checks the size,
// then calls the original with the same new.target, so instances,
// subclasses, instanceof and species work as before.
func (vm *VM) guardBuffers() error {
	rt := vm.rt
	lim := vm.h.limits
	tooBig := func(n float64) {
		panic(vm.rangeError(fmt.Sprintf("Array buffer allocation failed: %.0f bytes is more than %d", n, lim.maxBytes)))
	}
	var errs []error
	wrapCtor := func(name string, elem float64, buffer bool) {
		orig, _ := vm.base.Get(name).(*goja.Object)
		if orig == nil {
			return
		}
		construct, ok := goja.AssertConstructor(orig)
		if !ok {
			errs = append(errs, fmt.Errorf("runtime: %s is not a constructor", name))
			return
		}
		var self *goja.Object
		self = rt.ToValue(func(call goja.ConstructorCall) *goja.Object {
			newTarget := call.NewTarget
			if newTarget == nil { // new on the function itself
				newTarget = self
			}
			args := call.Arguments
			if len(args) > 0 {
				if src, isObj := args[0].(*goja.Object); isObj && !buffer {
					// From an array-like or iterable: its length (an
					// ArrayBuffer has none and allocates nothing).
					if n := toLength(src.Get("length")); float64(n)*elem > float64(lim.maxBytes) {
						tooBig(float64(n) * elem)
					}
				} else {
					// A length, converted once.
					n := args[0]
					if !goja.IsNumber(n) {
						n = n.ToNumber()
						args = withArg(args, 0, n)
					}
					if f := n.ToFloat(); f*elem > float64(lim.maxBytes) {
						tooBig(f * elem)
					}
				}
			}
			res, err := construct(newTarget, args...)
			if err != nil {
				panic(err)
			}
			return res
		}).(*goja.Object)
		// The same shape as the original: prototype, statics, [[Prototype]].
		p := orig.Get("prototype").(*goja.Object)
		for _, err := range []error{
			self.DefineDataProperty("prototype", p, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE),
			self.DefineDataProperty("name", rt.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE),
			self.DefineDataProperty("length", orig.Get("length"), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE),
			self.SetPrototype(orig.Prototype()),
			p.DefineDataProperty("constructor", self, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE),
			vm.base.DefineDataProperty(name, self, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE),
		} {
			if err != nil {
				errs = append(errs, fmt.Errorf("runtime: guarding %s: %w", name, err))
			}
		}
		if v := orig.Get("BYTES_PER_ELEMENT"); v != nil && !goja.IsUndefined(v) {
			_ = self.DefineDataProperty("BYTES_PER_ELEMENT", v, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
		}
		if v := orig.Get("isView"); v != nil && !goja.IsUndefined(v) {
			_ = self.DefineDataProperty("isView", v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
		}
		if buffer { // its own get [Symbol.species]() { return this }
			getter := rt.ToValue(func(call goja.FunctionCall) goja.Value { return call.This })
			_ = self.DefineAccessorPropertySymbol(goja.SymSpecies, getter, nil, goja.FLAG_TRUE, goja.FLAG_FALSE)
		}
	}
	// An ArrayBuffer's argument is a byte count.
	wrapCtor("ArrayBuffer", 1, true)
	for _, t := range []struct {
		name string
		size float64
	}{
		{"Int8Array", 1}, {"Uint8Array", 1}, {"Uint8ClampedArray", 1}, {"Int16Array", 2}, {"Uint16Array", 2},
		{"Int32Array", 4}, {"Uint32Array", 4}, {"Float16Array", 2}, {"Float32Array", 4}, {"Float64Array", 8},
		{"BigInt64Array", 8}, {"BigUint64Array", 8},
	} {
		wrapCtor(t.name, t.size, false)
	}
	return errors.Join(errs...)
}

// CheckStop ends the native function in progress when the watchdog has
// stopped the run (its timeout passed, or the memory guard chose it). A Go
// module that loops over script data calls it every few thousand steps:
// goja's interrupt only acts between two script instructions.
func (vm *VM) CheckStop() { vm.checkStop() }

// CheckLength throws a RangeError into the script when n, the length of an
// array-like a native module is about to walk or copy, is more than the
// built-ins may walk (the bound of Array.prototype's methods; see
// Config.MaxMemory). Check before allocating.
func (vm *VM) CheckLength(n int64) {
	if n > vm.h.limits.maxArray {
		panic(vm.rangeError("Invalid array length: " + strconv.FormatInt(n, 10) + " is more than " + strconv.FormatInt(vm.h.limits.maxArray, 10) + " elements"))
	}
}

// CheckBytes throws a RangeError into the script when n bytes are more than
// a buffer may hold (the bound of the ArrayBuffer and typed array
// constructors; see Config.MaxMemory). A native module that allocates a
// buffer of a size the script chose checks it before allocating.
func (vm *VM) CheckBytes(n int64) {
	if n > vm.h.limits.maxBytes {
		panic(vm.rangeError(fmt.Sprintf("Array buffer allocation failed: %d bytes is more than %d", n, vm.h.limits.maxBytes)))
	}
}
