package runtime

import "github.com/dop251/goja"

// A Module is JavaScript functionality implemented in Go: a module scripts
// load with require(Name) or import, a global binding, or both.
//
// Load builds the module's value for one VM. It runs at most once per VM, on
// the first require (or, for a global, when the VM is created), and its
// result is frozen and cached for the life of the VM, so it must not capture
// request data: exported functions reach the request in progress through
// [VM.Call] when they are called.
// Scripts get a plain-object result through a view made for their request,
// which takes their own properties (see [VM.View]).
type Module struct {
	// Name is the require specifier ("http/request"); empty for a global-only module.
	Name string
	// Global, when not empty, also binds the value to this global name on every VM.
	Global string
	// Page, when not empty, binds the value to this global name in server
	// pages only (PROIV Active Web's request, response and session).
	Page string
	// Load returns the module's exports (or the global's value) for vm.
	Load func(vm *VM) (goja.Value, error)
}
