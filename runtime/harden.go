package runtime

// hardenJS runs once per VM, after the globals are installed. It returns a
// function that deep-freezes a value and everything reachable from it.
//
// Before freezing, a few prototype properties that ordinary code assigns on
// its own objects (obj.toString = ..., this.name = ... in an Error subclass,
// Child.prototype.constructor = Child) become accessors whose setter defines
// the property on the receiver. Without that, a frozen Object.prototype makes
// such assignments throw in strict code (the "override mistake"); SES tames
// the same list.
const hardenJS = `(function () {
	"use strict";
	var getProto = Object.getPrototypeOf, ownKeys = Reflect.ownKeys, freeze = Object.freeze,
		getDesc = Object.getOwnPropertyDescriptor, defProp = Object.defineProperty;

	function tame(obj, name) {
		var d = getDesc(obj, name);
		if (!d || !("value" in d) || !d.configurable) return;
		var value = d.value;
		defProp(obj, name, {
			get: function () { return value; },
			set: function (v) {
				if (this === obj) throw new TypeError("Cannot assign to read only property '" + String(name) + "' of a built-in object");
				defProp(this, name, { value: v, writable: true, enumerable: true, configurable: true });
			},
			enumerable: d.enumerable,
			configurable: false
		});
	}
	var errors = [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError];
	["constructor", "toString", "valueOf", "toLocaleString", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable"]
		.forEach(function (n) { tame(Object.prototype, n); });
	["constructor", "toString"].forEach(function (n) { tame(Function.prototype, n); });
	["toString"].forEach(function (n) { tame(Array.prototype, n); });
	errors.forEach(function (E) {
		["constructor", "name", "message", "toString"].forEach(function (n) { tame(E.prototype, n); });
	});
	tame(Promise.prototype, "constructor");

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

	// An object is frozen only by harden, which freezes everything it reaches,
	// so a frozen object needs no second visit (and no set of visited objects
	// has to live as long as the VM).
	var isFrozen = Object.isFrozen;
	function harden(root) {
		var todo = [root];
		while (todo.length > 0) {
			var o = todo.pop();
			if (o === null || (typeof o !== "object" && typeof o !== "function") || isFrozen(o)) continue;
			freeze(o);
			todo.push(getProto(o));
			var keys = ownKeys(o);
			for (var i = 0; i < keys.length; i++) {
				var d = getDesc(o, keys[i]);
				if ("value" in d) {
					rename(d.value, keys[i], "");
					todo.push(d.value);
				} else {
					rename(d.get, keys[i], "get ");
					rename(d.set, keys[i], "set ");
					todo.push(d.get);
					todo.push(d.set);
				}
			}
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
})()`
