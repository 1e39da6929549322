package runtime

import (
	"strings"

	"github.com/dop251/goja"
)

// Packages kept per VM.
//
// The script root's own files are evaluated in every request (Dirigible's
// semantics: nothing a script keeps at its top level survives the request).
// The files of packages, under node_modules, are evaluated once per VM and
// file version and kept for the VM's life, as Node, Deno and Cloudflare
// Workers do: requiring ajv or zod costs its evaluation once per VM, not per
// request. Config.PackagesPerRequest turns this off.
//
// A kept module outlives the request that evaluated it, so no request's
// data may reach it by construction:
//
//   - It is evaluated against the VM's package global, an object made once
//     per VM that inherits the frozen built-ins and is never a request's
//     global: a package that captures globalThis (or `this` of a sloppy
//     function) at load time captures that object, and what it writes on it
//     stays there, out of the scripts' sight. Code of a package that runs
//     later looks global names up on the running request's global, like
//     any script.
//   - It gets the native modules' own frozen exports from require, not the
//     per-request views the scripts get (which hold what a script added).
//   - Its module object and the modules it requires (a file of the script
//     root required by a package included) are kept with it, never the
//     request's: the request's module cache is not consulted.
//   - A package file (or a file it requires) that has or awaits a top-level
//     await is not kept: its body would run later, against the request's
//     global. Such modules, and every kept module when one of them was
//     pulled in by a kept one, are evaluated per request.
//
// What a package can still do, as in Node: keep in its module state what
// scripts hand it (arguments, callbacks) or what it reads from the request
// APIs when called, and scripts can write to a package's exports; both are
// seen by the later requests on the same VM. A changed package file (any
// kept file) drops every kept module of the VM at the next request that
// requires a package.

// keepPackages reports whether packages are kept per VM.
func (vm *VM) keepPackages() bool { return !vm.h.cfg.PackagesPerRequest }

// isPackageFile reports whether file (relative to the root) is a package's.
func isPackageFile(file string) bool {
	return strings.HasPrefix(file, "node_modules/") || strings.Contains(file, "/node_modules/")
}

// keepFrom reports whether what a module in dir requires is kept: it is
// when that module is a package's, or is being evaluated as a kept one.
func (vm *VM) keepFrom(dir string, inPackage bool) bool {
	return vm.keepPackages() && (inPackage || vm.keeping > 0)
}

// checkKept drops the kept modules when one of their files changed. With a
// watcher the files are checked once per generation; without one, once per
// request.
func (vm *VM) checkKept() {
	if len(vm.kept) == 0 || vm.keeping > 0 {
		return
	}
	gen := vm.call.gen
	if gen != 0 && gen == vm.keptGen || gen == 0 && vm.keptChecked {
		return
	}
	vm.keptGen, vm.keptChecked = gen, true
	for file, m := range vm.kept {
		if c, err := vm.h.loader.program(file, gen); err != nil || c.prog != m.prog {
			clear(vm.kept)
			return
		}
	}
}

// evalKept evaluates the package file as a kept module, against the
// package global.
func (vm *VM) evalKept(file string, c *compiled) (*moduleObject, error) {
	if vm.keeping == 0 {
		g := vm.rt.GlobalObject()
		vm.rt.SetGlobalObject(vm.packageGlobal())
		defer vm.rt.SetGlobalObject(g)
		if len(vm.kept) == 0 {
			// The first kept module of a generation: nothing to check.
			vm.keptGen, vm.keptChecked = vm.call.gen, true
		}
	}
	vm.keeping++
	defer func() { vm.keeping-- }()
	return vm.evalModule(file, c, false, true)
}

// packageGlobal returns the global object kept modules are evaluated
// against, made on first use.
func (vm *VM) packageGlobal() *goja.Object {
	if vm.keptGlobal == nil {
		vm.keptGlobal = vm.rt.CreateObject(vm.base)
	}
	return vm.keptGlobal
}

// resetKept ends a request for the kept modules: a module whose
// evaluation did not finish synchronously and cleanly (a top-level await
// in what it imports, an error) is not kept, nor is anything that may hold
// its exports.
func (vm *VM) resetKept() {
	vm.keptChecked = false
	vm.keeping = 0
	for _, m := range vm.kept {
		if m.evaluating || m.promise != nil || !m.loaded {
			clear(vm.kept)
			return
		}
	}
}
