package utils

import (
	"fmt"
	"math"
	"strings"

	"github.com/dop251/goja"
)

// exprCtx is what an expression's @-names stand for.
type exprCtx struct {
	cur, property, parent, parentProp goja.Value
	path                              func() string
}

// blocked are property names an expression may not read: the ways from a
// value to a constructor, and so to code.
func blocked(name string) bool {
	switch name {
	case "constructor", "prototype", "caller", "callee", "arguments":
		return true
	}
	return strings.HasPrefix(name, "__")
}

// methods are the built-in methods an expression may call on a string or
// an array: none takes a regular expression or builds a string longer than
// its inputs.
var methods = map[string]bool{
	"indexOf": true, "lastIndexOf": true, "includes": true, "startsWith": true, "endsWith": true,
	"toLowerCase": true, "toUpperCase": true, "trim": true, "trimStart": true, "trimEnd": true,
	"charAt": true, "charCodeAt": true, "codePointAt": true, "substring": true, "substr": true,
	"slice": true, "at": true, "join": true, "toString": true, "toFixed": true,
}

// exprFail ends the evaluation with an error of an expression, worded as
// Dirigible words an eval error: "jsonPath: <message>: <code>".
func (e *jpEval) exprFail(loc token, format string, args ...any) {
	panic(&evalError{fmt.Sprintf("jsonPath: "+format+": ", args...) + clip(loc.name)})
}

// evalError is an error of an expression's evaluation.
type evalError struct{ msg string }

func (e *evalError) Error() string { return e.msg }

// truthy evaluates a filter.
func (e *jpEval) truthy(loc token, ctx exprCtx) bool { return e.eval(loc, ctx).ToBoolean() }

// eval evaluates the expression of a filter or script token.
func (e *jpEval) eval(loc token, ctx exprCtx) goja.Value {
	return e.evalNode(loc, loc.expr, ctx)
}

func (e *jpEval) evalNode(loc token, n node, ctx exprCtx) goja.Value {
	e.step(0)
	rt := e.rt
	switch n := n.(type) {
	case litNode:
		switch v := n.v.(type) {
		case nil:
			return goja.Null()
		case undefinedLit:
			return goja.Undefined()
		default:
			return rt.ToValue(v)
		}
	case currentNode:
		return ctx.cur
	case specialNode:
		switch n.name {
		case "property":
			return ctx.property
		case "parent":
			return ctx.parent
		case "parentProperty":
			return ctx.parentProp
		}
		return rt.ToValue(ctx.path())
	case identNode:
		if e.sandbox != nil {
			if v, ok := e.own(e.sandbox, n.name); ok {
				return v
			}
		}
		e.exprFail(loc, "%s is not defined", n.name)
	case memberNode:
		obj := e.evalNode(loc, n.obj, ctx)
		name := n.name
		if n.key != nil {
			name = e.evalNode(loc, n.key, ctx).String()
		}
		return e.member(loc, obj, name)
	case callNode:
		return e.callExpr(loc, n, ctx)
	case unaryNode:
		x := e.evalNode(loc, n.x, ctx)
		switch n.op {
		case "!":
			return rt.ToValue(!x.ToBoolean())
		case "-":
			return rt.ToValue(-x.ToFloat())
		case "+":
			return rt.ToValue(x.ToFloat())
		}
		return rt.ToValue(typeOf(x))
	case condNode:
		if e.evalNode(loc, n.cond, ctx).ToBoolean() {
			return e.evalNode(loc, n.then, ctx)
		}
		return e.evalNode(loc, n.els, ctx)
	case binaryNode:
		l := e.evalNode(loc, n.l, ctx)
		switch n.op {
		case "&&":
			if !l.ToBoolean() {
				return l
			}
			return e.evalNode(loc, n.r, ctx)
		case "||":
			if l.ToBoolean() {
				return l
			}
			return e.evalNode(loc, n.r, ctx)
		}
		r := e.evalNode(loc, n.r, ctx)
		return e.binary(n.op, l, r)
	}
	e.exprFail(loc, "cannot evaluate")
	return nil
}

// member reads obj[name] as JavaScript would, refusing the blocked names
// and any property of undefined or null (a TypeError in JavaScript).
func (e *jpEval) member(loc token, obj goja.Value, name string) goja.Value {
	if blocked(name) {
		e.exprFail(loc, "the property %s is not allowed", name)
	}
	if goja.IsUndefined(obj) || goja.IsNull(obj) {
		e.exprFail(loc, "Cannot read property '%s' of %s", name, obj.String())
	}
	if o, ok := obj.(*goja.Object); ok {
		if v := o.Get(name); v != nil {
			return v
		}
		return goja.Undefined()
	}
	if s, ok := obj.(goja.String); ok && name == "length" {
		return e.rt.ToValue(s.Length())
	}
	if v, ok := e.own(obj, name); ok { // a string's index
		return v
	}
	return goja.Undefined()
}

// callExpr calls a sandbox function, an object's own function, or an
// allowed method of a string, number or array.
func (e *jpEval) callExpr(loc token, n callNode, ctx exprCtx) goja.Value {
	var fn goja.Callable
	this := goja.Undefined()
	switch c := n.callee.(type) {
	case identNode:
		v := e.evalNode(loc, c, ctx)
		f, ok := goja.AssertFunction(v)
		if !ok {
			e.exprFail(loc, "%s is not a function", c.name)
		}
		fn = f
	case memberNode:
		obj := e.evalNode(loc, c.obj, ctx)
		name := c.name
		if c.key != nil {
			name = e.evalNode(loc, c.key, ctx).String()
		}
		if blocked(name) {
			e.exprFail(loc, "the property %s is not allowed", name)
		}
		if goja.IsUndefined(obj) || goja.IsNull(obj) {
			e.exprFail(loc, "Cannot read property '%s' of %s", name, obj.String())
		}
		o, isObj := obj.(*goja.Object)
		var v goja.Value
		switch own, ok := e.own(obj, name); {
		case ok && isObj && !isArray(o):
			v = own // the object's own function (a script's)
		case methods[name] && (!isObj || isArray(o)):
			v = obj.ToObject(e.rt).Get(name)
		default:
			e.exprFail(loc, "calling %s is not allowed in a JSONPath expression", name)
		}
		f, ok := goja.AssertFunction(v)
		if !ok {
			e.exprFail(loc, "%s is not a function", name)
		}
		fn, this = f, obj
	default:
		e.exprFail(loc, "only functions of the sandbox and a few string and array methods can be called")
	}
	args := make([]goja.Value, len(n.args))
	for i, a := range n.args {
		args[i] = e.evalNode(loc, a, ctx)
	}
	v, err := fn(this, args...)
	if err != nil {
		panic(err)
	}
	return v
}

// binary applies an arithmetic, relational or equality operator with
// JavaScript's conversions.
func (e *jpEval) binary(op string, l, r goja.Value) goja.Value {
	rt := e.rt
	switch op {
	case "===":
		return rt.ToValue(l.StrictEquals(r))
	case "!==":
		return rt.ToValue(!l.StrictEquals(r))
	case "==":
		return rt.ToValue(l.Equals(r))
	case "!=":
		return rt.ToValue(!l.Equals(r))
	case "+":
		_, ls := l.(goja.String)
		_, rs := r.(goja.String)
		if ls || rs || isObject(l) || isObject(r) {
			return rt.ToValue(l.String() + r.String())
		}
		return rt.ToValue(l.ToFloat() + r.ToFloat())
	case "-":
		return rt.ToValue(l.ToFloat() - r.ToFloat())
	case "*":
		return rt.ToValue(l.ToFloat() * r.ToFloat())
	case "/":
		return rt.ToValue(l.ToFloat() / r.ToFloat())
	case "%":
		return rt.ToValue(math.Mod(l.ToFloat(), r.ToFloat()))
	}
	// <, <=, >, >=: strings compare as strings, anything else as numbers
	// (NaN compares false).
	ls, lok := l.(goja.String)
	rs, rok := r.(goja.String)
	var less, equal, nan bool
	if lok && rok {
		a, b := ls.String(), rs.String()
		less, equal = a < b, a == b
	} else {
		a, b := l.ToFloat(), r.ToFloat()
		nan = math.IsNaN(a) || math.IsNaN(b)
		less, equal = a < b, a == b
	}
	if nan {
		return rt.ToValue(false)
	}
	switch op {
	case "<":
		return rt.ToValue(less)
	case "<=":
		return rt.ToValue(less || equal)
	case ">":
		return rt.ToValue(!less && !equal)
	}
	return rt.ToValue(!less)
}

// typeOf is JavaScript's typeof.
func typeOf(v goja.Value) string {
	switch {
	case goja.IsUndefined(v):
		return "undefined"
	case goja.IsNull(v):
		return "object"
	}
	if _, ok := goja.AssertFunction(v); ok {
		return "function"
	}
	if isObject(v) {
		return "object"
	}
	if _, ok := v.(goja.String); ok {
		return "string"
	}
	if _, ok := number(v); ok {
		return "number"
	}
	switch v.Export().(type) {
	case bool:
		return "boolean"
	}
	return "object"
}
