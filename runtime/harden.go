package runtime

import (
	"errors"
	"fmt"

	"github.com/dop251/goja"
)

// hardenJS runs once per VM, after the globals are installed. It is a
// function of tame (see VM.tamer) that returns the function that deep-freezes
// a value and everything reachable from it.
//
// Before freezing an object, harden turns each of its writable data
// properties into an accessor pair (tame): the getter returns the value, the
// setter defines an own property on the object assigned to. Without that,
// a frozen Object.prototype makes obj.toString = ... throw in strict code,
// and so do fn.bind = ..., err.stack = ..., Child.prototype.constructor =
// Child (JavaScript's "override mistake"); hardened JavaScript (SES) tames
// the intrinsics the same way. Assigning to the frozen object itself still
// throws (the setter cannot define a property on a frozen object), and
// non-writable properties stay as they are, as in any engine.
//
// Not tamed: the global object, whose properties are read by every global
// name a script uses (a script adds names to its own global object, which
// inherits from the frozen one, or defines them with Object.defineProperty),
// and the prototypes of primitive values (String.prototype's methods are
// read on every call on a string, and a string cannot have own properties).
const hardenJS = `(function (tame) {
	"use strict";
	var getProto = Object.getPrototypeOf, ownKeys = Reflect.ownKeys, freeze = Object.freeze,
		getDesc = Object.getOwnPropertyDescriptor, defProp = Object.defineProperty,
		isFrozen = Object.isFrozen;

	// goja names a Go-backed function after its Go symbol ("github.com/…/
	// runtime.(*VM).installTimers.func1"), which String(fn) and stacks would
	// show: harden names it after the property that holds it instead.
	var goName = /[\/(]|\.func\d|-fm$/;
	function rename(f, key, prefix) {
		if (typeof f === "function" && !isFrozen(f) && goName.test(f.name)) {
			// A symbol-keyed method is named "[description]", as in JavaScript.
			var name = typeof key === "symbol" ? "[" + (key.description || "") + "]" : key;
			defProp(f, "name", { value: prefix + name });
		}
	}

	// Not tamed: the global object, and the prototypes of primitive values
	// (a string's methods are read on every call, and a string cannot have
	// own properties to shadow them with).
	var untamed = [globalThis, String.prototype, Number.prototype, Boolean.prototype, Symbol.prototype, BigInt.prototype];

	// An object is frozen only by harden, which freezes everything it reaches,
	// so a frozen object needs no second visit (and no set of visited objects
	// has to live as long as the VM).
	function harden(root) {
		var todo = [root];
		while (todo.length > 0) {
			var o = todo.pop();
			if (o === null || (typeof o !== "object" && typeof o !== "function") || isFrozen(o)) continue;
			var keys = ownKeys(o), own = untamed.indexOf(o) < 0;
			for (var i = 0; i < keys.length; i++) {
				var k = keys[i], d = getDesc(o, k);
				if ("value" in d) {
					rename(d.value, k, "");
					if (own && d.writable && d.configurable) tame(o, k, d.value, d.enumerable);
					todo.push(d.value);
				} else {
					rename(d.get, k, "get ");
					rename(d.set, k, "set ");
					todo.push(d.get);
					todo.push(d.set);
				}
			}
			// A Go value wrapped for scripts (goja_nodejs hangs one on Buffer)
			// refuses to make its methods read-only, which they are anyway:
			// it counts as frozen when Object.isFrozen says so.
			try { freeze(o); } catch (e) { if (!isFrozen(o)) throw e; }
			todo.push(getProto(o));
		}
		return root;
	}
	// Intrinsics reachable only through syntax or iteration.
	harden(getProto(function* () {}));
	harden(getProto(async function () {}));
	harden(getProto([][Symbol.iterator]()));
	harden(getProto(new Map()[Symbol.iterator]()));
	harden(getProto(new Set()[Symbol.iterator]()));
	harden(getProto(""[Symbol.iterator]()));
	harden(getProto(/x/[Symbol.matchAll]("")));
	harden(getProto(Int8Array));
	harden(globalThis);
	return harden;
})`

// tamer returns the tame function of harden.js: tame(obj, key, value,
// enumerable) replaces the data property key of obj by an accessor pair.
// Both halves are Go functions (a JavaScript getter would make every read
// of a built-in method several times slower): the getter returns value, the
// setter is ownSetter's.
func (vm *VM) tamer() goja.Value {
	rt := vm.rt
	return rt.ToValue(func(call goja.FunctionCall) goja.Value {
		obj, ok := call.Argument(0).(*goja.Object)
		if !ok {
			return goja.Undefined()
		}
		key, value := call.Argument(1), call.Argument(2)
		enumerable := goja.FLAG_FALSE
		if call.Argument(3).ToBoolean() {
			enumerable = goja.FLAG_TRUE
		}
		getter := rt.ToValue(func(goja.FunctionCall) goja.Value { return value }).(*goja.Object)
		// The getter's originalValue is the value, as SES's are: get-intrinsic
		// (qs, and much of npm through it) reads a method through it instead
		// of taking the getter for an accessor intrinsic.
		_ = getter.DefineDataProperty("originalValue", value, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
		get := vm.sealFunc(getter, "get "+propertyName(key))
		set := vm.ownSetter(key)
		if o, ok := value.(*goja.Object); ok {
			if _, callable := goja.AssertFunction(o); !callable {
				vm.tamedObjects[get.(*goja.Object)] = o
			}
		}
		if sym, ok := key.(*goja.Symbol); ok {
			_ = obj.DefineAccessorPropertySymbol(sym, get, set, goja.FLAG_FALSE, enumerable)
		} else {
			// A host object may refuse (harden then decides whether it is frozen).
			_ = obj.DefineAccessorProperty(key.String(), get, set, goja.FLAG_FALSE, enumerable)
		}
		return goja.Undefined()
	})
}

// ownSetter returns the setter of the tamed properties named key, one per
// key and VM: it defines an own, writable, enumerable property on the object
// it is called on (the receiver of the assignment), and throws a TypeError
// when that object is frozen, as the built-in that holds the accessor is.
func (vm *VM) ownSetter(key goja.Value) goja.Value {
	rt := vm.rt
	var id any = key.String()
	sym, isSym := key.(*goja.Symbol)
	if isSym {
		id = sym
	}
	if s, ok := vm.setters[id]; ok {
		return s
	}
	name := propertyName(key)
	s := vm.sealFunc(rt.ToValue(func(call goja.FunctionCall) goja.Value {
		o, ok := call.This.(*goja.Object)
		if !ok {
			panic(rt.NewTypeError("Cannot create property '%s' on %s", name, describeThis(call.This)))
		}
		var err error
		if isSym {
			err = o.DefineDataPropertySymbol(sym, call.Argument(0), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
		} else {
			err = o.DefineDataProperty(name, call.Argument(0), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
		}
		if err != nil {
			panic(rt.NewTypeError("Cannot assign to read only property '%s' of object", name))
		}
		return goja.Undefined()
	}), "set "+name)
	vm.setters[id] = s
	return s
}

// sealFunc names the Go-backed function f (goja names it after its Go
// symbol) and freezes it.
func (vm *VM) sealFunc(f goja.Value, name string) goja.Value {
	if err := f.(*goja.Object).DefineDataProperty("name", vm.rt.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		panic(err)
	}
	if _, err := vm.freeze(goja.Undefined(), f); err != nil {
		panic(err)
	}
	return f
}

// propertyName is how an error message or a function name shows key.
func propertyName(key goja.Value) string {
	if sym, ok := key.(*goja.Symbol); ok {
		return "[" + sym.String() + "]"
	}
	return key.String()
}

// describeThis names a primitive receiver in an error message.
func describeThis(v goja.Value) string {
	switch {
	case v == nil || goja.IsUndefined(v):
		return "undefined"
	case goja.IsNull(v):
		return "null"
	case goja.IsString(v):
		return "string '" + v.String() + "'"
	}
	return fmt.Sprintf("%s", v.String())
}

// errHardenNotFunction is returned when harden.js does not evaluate to a function.
var errHardenNotFunction = errors.New("runtime: harden.js did not return a function")
