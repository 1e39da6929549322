// Package dom provides DOMException, the error the Web APIs throw
// (InvalidCharacterError from atob, DataCloneError from structuredClone,
// QuotaExceededError from crypto.getRandomValues...).
package dom

import (
	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/internal/jsmod"
	"github.com/dirigo/dirigo/runtime"
)

// Module is the global DOMException.
var Module = runtime.Module{Global: "DOMException", Load: func(vm *runtime.VM) (goja.Value, error) {
	return jsmod.Call(vm, program())
}}

// Throw panics with a new DOMException named name (a script receives it as
// the exception).
func Throw(vm *runtime.VM, name, message string) {
	rt := vm.Runtime()
	e, err := rt.New(vm.Intrinsic("DOMException"), rt.ToValue(message), rt.ToValue(name))
	if err != nil {
		panic(err)
	}
	panic(e)
}

var program = jsmod.Program("DOMException", `(function () {
	"use strict";
	// The legacy codes (WebIDL's table).
	var codes = Object.assign(Object.create(null), { IndexSizeError: 1, HierarchyRequestError: 3, WrongDocumentError: 4,
		InvalidCharacterError: 5, NoModificationAllowedError: 7, NotFoundError: 8,
		NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12,
		InvalidModificationError: 13, NamespaceError: 14, InvalidAccessError: 15,
		TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20,
		URLMismatchError: 21, QuotaExceededError: 22, TimeoutError: 23,
		InvalidNodeTypeError: 24, DataCloneError: 25 });
	var constants = { INDEX_SIZE_ERR: 1, DOMSTRING_SIZE_ERR: 2, HIERARCHY_REQUEST_ERR: 3,
		WRONG_DOCUMENT_ERR: 4, INVALID_CHARACTER_ERR: 5, NO_DATA_ALLOWED_ERR: 6,
		NO_MODIFICATION_ALLOWED_ERR: 7, NOT_FOUND_ERR: 8, NOT_SUPPORTED_ERR: 9,
		INUSE_ATTRIBUTE_ERR: 10, INVALID_STATE_ERR: 11, SYNTAX_ERR: 12,
		INVALID_MODIFICATION_ERR: 13, NAMESPACE_ERR: 14, INVALID_ACCESS_ERR: 15,
		VALIDATION_ERR: 16, TYPE_MISMATCH_ERR: 17, SECURITY_ERR: 18, NETWORK_ERR: 19,
		ABORT_ERR: 20, URL_MISMATCH_ERR: 21, QUOTA_EXCEEDED_ERR: 22, TIMEOUT_ERR: 23,
		INVALID_NODE_TYPE_ERR: 24, DATA_CLONE_ERR: 25 };
	var defProp = Object.defineProperty;
	class DOMException extends Error {
		constructor(message, options) {
			super(message === undefined ? "" : String(message));
			var name = "Error";
			if (options !== null && typeof options === "object") {
				if (options.name !== undefined) name = String(options.name);
				if ("cause" in options) defProp(this, "cause", { value: options.cause, writable: true, configurable: true });
			} else if (options !== undefined) {
				name = String(options);
			}
			defProp(this, "name", { value: name, writable: true, configurable: true });
		}
		get code() { var c = codes[this.name]; return c === undefined ? 0 : c; }
	}
	defProp(DOMException.prototype, Symbol.toStringTag, { value: "DOMException", configurable: true });
	for (var k in constants) {
		defProp(DOMException, k, { value: constants[k], enumerable: true });
		defProp(DOMException.prototype, k, { value: constants[k], enumerable: true });
	}
	return DOMException;
})`)
