package utils

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/runtime"
)

// jsonpath is Dirigible's utils/jsonpath: the JSONPath function of
// jsonpath-plus (as Dirigible forked it in 2019), written here in Go. It
// walks the script's values themselves (results are the same objects),
// parses paths without regular expressions and evaluates filter and script
// expressions with its own small interpreter, never eval: a path from a
// request can neither run code nor take unbounded time (see the max*
// bounds).
type jsonpath struct {
	vm     *runtime.VM
	rt     *goja.Runtime
	hasOwn goja.Callable
}

// A jpResult is one match of a trace, or a parent selection (^) to finish
// in the frame above.
type jpResult struct {
	path       []string
	value      goja.Value
	parent     goja.Value
	parentProp goja.Value
	property   bool // a ~ result: its value is a property name

	parentSel bool
	rest      []token
}

// A jpEval is one evaluation: its options and its step budget.
type jpEval struct {
	*jsonpath
	resultType  string
	preventEval bool
	sandbox     *goja.Object
	otherType   goja.Value
	steps       int // work done: trace steps, path elements copied
	ticks       int // trace steps, for checking the watchdog
	hasParent   bool
	out         []jpResult // the results so far
}

var resultTypes = map[string]bool{"value": true, "path": true, "pointer": true, "parent": true, "parentProperty": true, "all": true}

var errBudget = errors.New("jsonPath: the query takes too many steps")

// newJSONPath returns the JSONPath function of vm.
func newJSONPath(vm *runtime.VM) *goja.Object {
	rt := vm.Runtime()
	proto := rt.Get("Object").ToObject(rt).Get("prototype").ToObject(rt)
	hasOwn, ok := goja.AssertFunction(proto.Get("hasOwnProperty"))
	if !ok {
		panic("Object.prototype.hasOwnProperty is not a function")
	}
	j := &jsonpath{vm: vm, rt: rt, hasOwn: hasOwn}
	fn := rt.ToValue(func(c goja.FunctionCall) goja.Value { return j.call(c) }).ToObject(rt)
	_ = fn.DefineDataProperty("name", rt.ToValue("JSONPath"), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	set(fn, "toPathArray", func(c goja.FunctionCall) goja.Value {
		toks, err := parsePath(c.Argument(0).String())
		if err != nil {
			fail(vm, err)
		}
		out := make([]any, len(toks))
		for i, t := range toks {
			out[i] = t.text()
		}
		return rt.NewArray(out...)
	})
	set(fn, "toPathString", func(c goja.FunctionCall) goja.Value { return rt.ToValue(pathString(j.strings(c.Argument(0)))) })
	set(fn, "toPointer", func(c goja.FunctionCall) goja.Value { return rt.ToValue(pointer(j.strings(c.Argument(0)))) })
	_ = fn.Set("cache", rt.NewObject())
	_ = fn.Set("JSONPath", fn)
	_ = fn.Set("default", fn)
	return fn
}

// strings converts an array argument to strings.
func (j *jsonpath) strings(v goja.Value) []string {
	o, ok := v.(*goja.Object)
	if !ok {
		panic(j.rt.NewTypeError("JSONPath: expected an array of path elements"))
	}
	n := int(min(o.Get("length").ToInteger(), maxSegments*4))
	out := make([]string, n)
	for i := range out {
		out[i] = o.Get(strconv.Itoa(i)).String()
	}
	return out
}

// opts are the options of a call: JSONPath({path, json, ...}) or
// JSONPath(path, json, callback, otherTypeCallback).
type jpOpts struct {
	path, json, callback, otherType, parent, parentProp goja.Value
	resultType                                          string
	flatten, wrap, preventEval, autostart               bool
	sandbox                                             *goja.Object
}

func (j *jsonpath) options(c goja.FunctionCall) jpOpts {
	o := jpOpts{resultType: "value", wrap: true, autostart: true, path: goja.Undefined(), json: goja.Undefined(),
		callback: goja.Undefined(), otherType: goja.Undefined(), parent: goja.Null(), parentProp: goja.Null()}
	a0 := c.Argument(0)
	if _, isString := a0.(goja.String); isString {
		o.path, o.json, o.callback, o.otherType = a0, c.Argument(1), c.Argument(2), c.Argument(3)
		return o
	}
	obj, _ := a0.(*goja.Object)
	o.path, o.json, o.callback, o.otherType = c.Argument(1), c.Argument(2), c.Argument(3), c.Argument(4)
	if obj == nil {
		return o
	}
	get := func(name string) (goja.Value, bool) {
		v := obj.Get(name)
		return v, v != nil && !goja.IsUndefined(v)
	}
	if v, ok := get("json"); ok && v.ToBoolean() {
		o.json = v
	}
	if v, ok := get("path"); ok && v.ToBoolean() {
		o.path = v
	}
	if v, ok := get("resultType"); ok && v.ToBoolean() {
		o.resultType = v.String()
		if strings.EqualFold(o.resultType, "parentProperty") {
			o.resultType = "parentProperty"
		} else {
			o.resultType = strings.ToLower(o.resultType)
		}
	}
	if v, ok := get("flatten"); ok {
		o.flatten = v.ToBoolean()
	}
	if v, ok := get("wrap"); ok {
		o.wrap = v.ToBoolean()
	}
	if v, ok := get("preventEval"); ok {
		o.preventEval = v.ToBoolean()
	}
	if v, ok := get("autostart"); ok && v.StrictEquals(j.rt.ToValue(false)) {
		o.autostart = false
	}
	if v, ok := get("sandbox"); ok {
		o.sandbox, _ = v.(*goja.Object)
	}
	if v, ok := get("callback"); ok && v.ToBoolean() {
		o.callback = v
	}
	if v, ok := get("otherTypeCallback"); ok && v.ToBoolean() {
		o.otherType = v
	}
	if v, ok := get("parent"); ok && v.ToBoolean() {
		o.parent = v
	}
	if v, ok := get("parentProperty"); ok && v.ToBoolean() {
		o.parentProp = v
	}
	return o
}

// call is JSONPath(...): the evaluation's result, or with autostart:
// false an object whose evaluate(path, json, callback) runs it later.
func (j *jsonpath) call(c goja.FunctionCall) goja.Value {
	o := j.options(c)
	if !o.autostart {
		inst := j.rt.NewObject()
		set(inst, "evaluate", func(ec goja.FunctionCall) goja.Value {
			oo := o
			expr := ec.Argument(0)
			if eo, ok := expr.(*goja.Object); ok && !isArray(eo) {
				if v := eo.Get("path"); v == nil || !v.ToBoolean() {
					fail(j.vm, errors.New(`You must supply a "path" property when providing an object argument to JSONPath.evaluate().`))
				}
				oo = j.options(goja.FunctionCall{Arguments: []goja.Value{mergeOpts(j.rt, o, eo)}})
				return j.evaluate(oo)
			}
			if expr.ToBoolean() {
				oo.path = expr
			}
			if v := ec.Argument(1); v.ToBoolean() {
				oo.json = v
			}
			if v := ec.Argument(2); v.ToBoolean() {
				oo.callback = v
			}
			if v := ec.Argument(3); v.ToBoolean() {
				oo.otherType = v
			}
			return j.evaluate(oo)
		})
		return inst
	}
	return j.evaluate(o)
}

// mergeOpts returns an options object of o overridden by the properties
// of override (evaluate({path, ...}) on an instance).
func mergeOpts(rt *goja.Runtime, o jpOpts, override *goja.Object) *goja.Object {
	m := rt.NewObject()
	_ = m.Set("path", o.path)
	_ = m.Set("json", o.json)
	_ = m.Set("resultType", o.resultType)
	_ = m.Set("flatten", o.flatten)
	_ = m.Set("wrap", o.wrap)
	_ = m.Set("preventEval", o.preventEval)
	_ = m.Set("callback", o.callback)
	_ = m.Set("otherTypeCallback", o.otherType)
	_ = m.Set("parent", o.parent)
	_ = m.Set("parentProperty", o.parentProp)
	if o.sandbox != nil {
		_ = m.Set("sandbox", o.sandbox)
	}
	for _, k := range override.Keys() {
		_ = m.Set(k, override.Get(k))
	}
	return m
}

func isArray(o *goja.Object) bool { return o.ClassName() == "Array" }

func isObject(v goja.Value) bool {
	_, ok := v.(*goja.Object)
	return ok
}

// evaluate runs one query and shapes its result as Dirigible's evaluate.
func (j *jsonpath) evaluate(o jpOpts) goja.Value {
	rt := j.rt
	path := o.path
	if po, ok := path.(*goja.Object); ok && isArray(po) {
		path = rt.ToValue(pathString(j.strings(po)))
	}
	if !path.ToBoolean() || !o.json.ToBoolean() || !resultTypes[o.resultType] {
		return goja.Undefined()
	}
	toks, err := parsePath(path.String())
	if err != nil {
		fail(j.vm, err)
	}
	if len(toks) > 1 && toks[0].kind == tokRoot {
		toks = toks[1:]
	}
	e := &jpEval{jsonpath: j, resultType: o.resultType, preventEval: o.preventEval, sandbox: o.sandbox, otherType: o.otherType}
	func() {
		defer func() {
			if r := recover(); r != nil {
				var ee *evalError
				if err, ok := r.(error); ok && (errors.Is(err, errBudget) || errors.As(err, &ee)) {
					fail(j.vm, err)
				}
				panic(r)
			}
		}()
		e.trace(toks, o.json, []string{"$"}, o.parent, o.parentProp, 0)
	}()
	results := e.out
	kept := results[:0]
	for _, r := range results {
		if !r.parentSel {
			kept = append(kept, r)
		}
	}
	results = kept
	if fn, ok := goja.AssertFunction(o.callback); ok {
		for _, r := range results {
			kind := "value"
			if r.property {
				kind = "property"
			}
			full := e.all(r)
			if _, err := fn(goja.Undefined(), e.output(r), rt.ToValue(kind), full); err != nil {
				panic(err)
			}
		}
	}
	if len(results) == 0 {
		if o.wrap {
			return rt.NewArray()
		}
		return goja.Undefined()
	}
	if len(results) == 1 && !o.wrap {
		if vo, ok := results[0].value.(*goja.Object); !ok || !isArray(vo) {
			return e.output(results[0])
		}
	}
	out := make([]any, 0, len(results))
	for _, r := range results {
		v := e.output(r)
		if vo, ok := v.(*goja.Object); ok && o.flatten && isArray(vo) {
			n := vo.Get("length").ToInteger()
			for i := int64(0); i < n; i++ {
				out = append(out, vo.Get(strconv.FormatInt(i, 10)))
			}
			continue
		}
		out = append(out, v)
	}
	return rt.NewArray(out...)
}

// output is a result in the result type asked for.
func (e *jpEval) output(r jpResult) goja.Value {
	switch e.resultType {
	case "path":
		return e.rt.ToValue(pathString(r.path))
	case "pointer":
		return e.rt.ToValue(pointer(r.path))
	case "parent":
		return r.parent
	case "parentProperty":
		return r.parentProp
	case "all":
		return e.all(r)
	}
	return r.value
}

// all is a result as the object of result type "all" (and of callbacks).
func (e *jpEval) all(r jpResult) *goja.Object {
	o := e.rt.NewObject()
	_ = o.Set("path", pathString(r.path))
	_ = o.Set("value", r.value)
	_ = o.Set("parent", r.parent)
	_ = o.Set("parentProperty", r.parentProp)
	_ = o.Set("pointer", pointer(r.path))
	return o
}

// own reports whether v has the own property key (hasOwnProperty, so
// "length" of a string or an array counts), and its value.
func (e *jpEval) own(v goja.Value, key string) (goja.Value, bool) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, false
	}
	k := e.rt.ToValue(key)
	has, err := e.hasOwn(v, k)
	if err != nil {
		panic(err)
	}
	if !has.ToBoolean() {
		return nil, false
	}
	return v.ToObject(e.rt).Get(key), true
}

func (e *jpEval) step(depth int) {
	e.steps++
	e.ticks++
	if e.ticks&0xfff == 0 {
		e.vm.CheckStop() // the request's timeout, the memory guard
	}
	if e.steps > maxSteps {
		panic(fmt.Errorf("%w (more than %d)", errBudget, maxSteps))
	}
	if depth > maxDataDepth {
		panic(fmt.Errorf("%w: the data is nested deeper than %d levels (or holds a cycle)", errBudget, maxDataDepth))
	}
}

// extend returns path and elem, a new slice: its length counts against
// the step budget, which so bounds the memory paths take too.
func (e *jpEval) extend(path []string, elem string) []string {
	e.steps += len(path)
	out := make([]string, len(path), len(path)+1)
	copy(out, path)
	return append(out, elem)
}

// trace follows toks from val, as Dirigible's _trace: it returns the
// matches and, for ^, parent selections the caller finishes.
func (e *jpEval) trace(toks []token, val goja.Value, path []string, parent, parentProp goja.Value, depth int) {
	e.step(depth)
	if len(toks) == 0 {
		e.add(jpResult{path: path, value: val, parent: parent, parentProp: parentProp})
		return
	}
	loc, rest := toks[0], toks[1:]
	start := len(e.out)
	follow := func(name string, key goja.Value) {
		if v, ok := e.own(val, name); ok {
			e.trace(rest, v, e.extend(path, name), val, key, depth+1)
		}
	}
	switch loc.kind {
	case tokName:
		follow(loc.name, e.rt.ToValue(loc.name))
	case tokWild:
		e.walk(val, func(name string, key goja.Value) {
			if v, ok := e.own(val, name); ok {
				e.trace(rest, v, e.extend(path, name), val, key, depth+1)
			}
		})
	case tokDescend:
		e.trace(rest, val, path, parent, parentProp, depth+1)
		e.walk(val, func(name string, key goja.Value) {
			if v, ok := e.own(val, name); ok {
				if _, isFn := goja.AssertFunction(v); !isFn && isObject(v) {
					e.trace(toks, v, e.extend(path, name), val, key, depth+1)
				}
			}
		})
	case tokParent:
		e.hasParent = true
		if len(path) > 0 {
			e.add(jpResult{path: path[:len(path)-1], parentSel: true, rest: rest})
		}
		return
	case tokProperty:
		e.add(jpResult{path: e.extend(path, "~"), value: parentProp, parent: parent, parentProp: goja.Null(), property: true})
		return
	case tokRoot:
		e.trace(rest, val, path, goja.Null(), goja.Null(), depth+1)
	case tokSlice:
		vo, ok := val.(*goja.Object)
		if !ok || !isArray(vo) {
			return
		}
		start, end, step := sliceBounds(loc.slice, int(vo.Get("length").ToInteger()))
		for i := start; i < end; i += step {
			name := strconv.Itoa(i)
			if v, ok := e.own(val, name); ok {
				e.trace(rest, v, e.extend(path, name), val, e.rt.ToValue(i), depth+1)
			}
		}
	case tokFilter:
		if e.preventEval {
			fail(e.vm, errors.New("Eval [?(expr)] prevented in JSONPath expression."))
		}
		e.walk(val, func(name string, key goja.Value) {
			child, _ := e.own(val, name)
			if child == nil {
				child = goja.Undefined()
			}
			if !child.ToBoolean() {
				return // Dirigible's _eval is false for a falsy value
			}
			ctx := exprCtx{cur: child, property: key, parent: parent, parentProp: parentProp,
				path: func() string { return pathString(e.extend(path, name)) }}
			if e.truthy(loc, ctx) {
				e.trace(rest, child, e.extend(path, name), val, key, depth+1)
			}
		})
	case tokScript:
		if e.preventEval {
			fail(e.vm, errors.New("Eval [(expr)] prevented in JSONPath expression."))
		}
		if !val.ToBoolean() {
			return
		}
		var last goja.Value = goja.Undefined()
		if len(path) > 0 {
			last = e.rt.ToValue(path[len(path)-1])
		}
		ctx := exprCtx{cur: val, property: last, parent: parent, parentProp: parentProp,
			path: func() string { return pathString(path) }}
		v := e.eval(loc, ctx)
		if goja.IsUndefined(v) || goja.IsNull(v) {
			return
		}
		name := v.String()
		follow(name, e.rt.ToValue(name))
	case tokType:
		if e.typeMatches(loc.name, val, path, parent, parentProp) {
			e.add(jpResult{path: path, value: val, parent: parent, parentProp: parentProp})
		}
		return
	case tokUnion:
		for _, part := range loc.parts {
			e.trace(append([]token{part}, rest...), val, path, parent, parentProp, depth+1)
		}
	}
	if e.hasParent && len(e.out) > start {
		// Parent selections of this frame's matches continue from val.
		frame := append([]jpResult(nil), e.out[start:]...)
		e.steps += len(frame)
		e.out = e.out[:start]
		for _, r := range frame {
			if !r.parentSel {
				e.out = append(e.out, r)
				continue
			}
			e.trace(r.rest, val, r.path, parent, parentProp, depth+1)
		}
	}
}

// add adds a result.
func (e *jpEval) add(r jpResult) { e.out = append(e.out, r) }

// walk calls f with each index of an array or own enumerable key of an
// object (the key as Dirigible passes it on: a number for an index).
func (e *jpEval) walk(val goja.Value, f func(name string, key goja.Value)) {
	o, ok := val.(*goja.Object)
	if !ok {
		return
	}
	if isArray(o) {
		n := o.Get("length").ToInteger()
		for i := int64(0); i < n; i++ {
			e.step(0)
			f(strconv.FormatInt(i, 10), e.rt.ToValue(i))
		}
		return
	}
	for _, k := range o.Keys() {
		e.step(0)
		f(k, e.rt.ToValue(k))
	}
}

// typeMatches is the @type() selector.
func (e *jpEval) typeMatches(typ string, val goja.Value, path []string, parent, parentProp goja.Value) bool {
	_, isFn := goja.AssertFunction(val)
	o, isObj := val.(*goja.Object)
	num, isNum := number(val)
	switch typ {
	case "scalar":
		return !val.ToBoolean() || !isObj
	case "boolean":
		_, ok := val.Export().(bool)
		return ok && !isObj
	case "string":
		_, ok := val.(goja.String)
		return ok
	case "undefined":
		return goja.IsUndefined(val)
	case "function":
		return isFn
	case "number":
		return isNum && !math.IsInf(num, 0) && !math.IsNaN(num)
	case "nonFinite":
		return isNum && (math.IsInf(num, 0) || math.IsNaN(num))
	case "object":
		return isObj && !isFn
	case "array":
		return isObj && isArray(o)
	case "integer":
		return isNum && !math.IsInf(num, 0) && num == math.Trunc(num)
	case "null":
		return goja.IsNull(val)
	case "other":
		fn, ok := goja.AssertFunction(e.otherType)
		if !ok {
			fail(e.vm, errors.New("You must supply an otherTypeCallback callback option with the @other() operator."))
		}
		elems := make([]any, len(path))
		for i, p := range path {
			elems[i] = p
		}
		r, err := fn(goja.Undefined(), val, e.rt.NewArray(elems...), parent, parentProp)
		if err != nil {
			panic(err)
		}
		return r.ToBoolean()
	}
	panic(e.rt.NewTypeError("Unknown value type " + typ))
}

// number reports whether v is a number primitive, and its value.
func number(v goja.Value) (float64, bool) {
	switch x := v.Export().(type) {
	case int64:
		if _, isObj := v.(*goja.Object); isObj {
			return 0, false
		}
		return float64(x), true
	case float64:
		if _, isObj := v.(*goja.Object); isObj {
			return 0, false
		}
		return x, true
	}
	return 0, false
}

// jsonpathModule returns the jsonpath module under name: the JSONPath
// function, also as its JSONPath and default properties.
func jsonpathModule(name string) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) {
		return newJSONPath(vm), nil
	}}
}
