package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/dop251/goja"
)

// errModuleNotFound is the cause of every failed resolution. (The messages
// that wrap it start like Node's, "Cannot find module", which scripts match.)
var errModuleNotFound = errors.New("module not found")

// moduleFunc is a module's wrapper function on one VM, with the values it
// is called with that do not change between requests.
type moduleFunc struct {
	prog              *goja.Program
	fn                goja.Callable
	id                goja.Value // the file, relative to the root
	filename, dirname goja.Value // absolute
	require           goja.Value
	emit              goja.Value // a server page's text emitter
}

// evalModule runs a compiled module (or returns the one this request already
// has) and returns its module object. Modules are evaluated once per request:
// nothing a required file keeps at its top level survives the request. The
// wrapper function itself is made once per VM and program: scripts cannot
// reach it (strict code has no arguments.callee). An ES module with imports
// or a top-level await is evaluated by evalES.
//
// With keep set the module is a package's (see packages_kept.go): it goes to
// the VM's kept modules instead of the request's.
func (vm *VM) evalModule(file string, c *compiled, entry, keep bool) (*moduleObject, error) {
	cache := vm.modules
	if keep {
		cache = vm.kept
	} else if m, ok := cache[file]; ok {
		return m, nil
	}
	if c.page != nil || c.static {
		if !entry {
			return nil, fmt.Errorf("Cannot find module '%s': an HTML file is not a module: %w", file, errModuleNotFound)
		}
		return vm.noExports, vm.evalPage(file, c)
	}
	mf, err := vm.moduleFunc(file, c)
	if err != nil {
		return nil, err
	}
	if c.async || len(c.imports) > 0 {
		return vm.evalES(file, c, mf, entry, keep)
	}
	rt := vm.rt
	if entry && c.plain {
		// The request's script never touches module, exports or this: it
		// exports nothing (a file that requires it gets a frozen {}).
		vm.modules[file] = vm.noExports
		undef := goja.Undefined()
		_, err := mf.fn(undef, undef, mf.require, undef, mf.filename, mf.dirname)
		return vm.noExports, err
	}
	m := &moduleObject{rt: rt, id: mf.id, filename: mf.filename, exports: rt.NewObject(), prog: c.prog}
	m.obj = rt.NewDynamicObject(m)
	cache[file] = m
	m.evaluating = true
	_, err = mf.fn(m.exports, m.exports, mf.require, m.obj, mf.filename, mf.dirname)
	m.evaluating = false
	if err != nil {
		if keep {
			delete(cache, file)
		}
		return nil, err
	}
	m.loaded = true
	return m, nil
}

// moduleFunc returns the wrapper function of the compiled module file on
// this VM, made on first use.
func (vm *VM) moduleFunc(file string, c *compiled) (*moduleFunc, error) {
	mf := vm.funcs[file]
	if mf != nil && mf.prog == c.prog {
		return mf, nil
	}
	rt := vm.rt
	fnv, err := rt.RunProgram(c.prog)
	if err != nil {
		return nil, err
	}
	fn, ok := goja.AssertFunction(fnv)
	if !ok {
		return nil, fmt.Errorf("runtime: %s did not compile to a module function", file)
	}
	mode := modeRequire
	if c.esm {
		mode = modeImport
	}
	abs := path.Join(vm.h.rootDir, file)
	mf = &moduleFunc{prog: c.prog, fn: fn, id: rt.ToValue(file), filename: rt.ToValue(abs),
		dirname: rt.ToValue(path.Dir(abs)), require: vm.requireFunc(path.Dir(file), mode)}
	vm.funcs[file] = mf
	return mf, nil
}

// moduleObject is the `module` a script sees: exports, id, filename and
// loaded, plus whatever the script adds. It is a Go-backed object, cheaper
// to make per request than a JavaScript one.
type moduleObject struct {
	rt           *goja.Runtime
	obj          *goja.Object
	exports      goja.Value
	id, filename goja.Value
	loaded       bool
	extra        map[string]goja.Value
	// evaluating is set while the module's body runs, and for an ES module
	// from the evaluation of its first import (a cycle sees it so).
	evaluating bool
	// promise is the evaluation of an async module (a top-level await in
	// it or in a module it imports), nil for a synchronous one.
	promise    *goja.Promise
	promiseVal goja.Value
	// shared is set once the exports object was handed out while the
	// module was evaluating (to a module in a cycle with it); merge is set
	// for an ES module, whose exports then go into that object instead of
	// replacing it, so the other module sees them (see esm.go).
	shared, merge bool
	vm            *VM
	// prog is the program the module was evaluated from: a kept module is
	// dropped when its file changed.
	prog *goja.Program
}

// Get implements goja.DynamicObject.
func (m *moduleObject) Get(key string) goja.Value {
	switch key {
	case "exports":
		return m.exports
	case "id":
		return m.id
	case "filename":
		return m.filename
	case "loaded":
		return m.rt.ToValue(m.loaded)
	}
	return m.extra[key]
}

// Set implements goja.DynamicObject.
func (m *moduleObject) Set(key string, v goja.Value) bool {
	switch key {
	case "exports":
		if m.shared && m.merge {
			m.vm.mergeExports(m.exports, v)
			return true
		}
		m.exports = v
	case "id", "filename", "loaded":
		return false
	default:
		if m.extra == nil {
			m.extra = map[string]goja.Value{}
		}
		m.extra[key] = v
	}
	return true
}

// Has implements goja.DynamicObject.
func (m *moduleObject) Has(key string) bool {
	switch key {
	case "exports", "id", "filename", "loaded":
		return true
	}
	_, ok := m.extra[key]
	return ok
}

// Delete implements goja.DynamicObject.
func (m *moduleObject) Delete(key string) bool {
	switch key {
	case "exports", "id", "filename", "loaded":
		return false
	}
	delete(m.extra, key)
	return true
}

// Keys implements goja.DynamicObject.
func (m *moduleObject) Keys() []string {
	keys := []string{"id", "filename", "loaded", "exports"}
	for k := range m.extra {
		keys = append(keys, k)
	}
	return keys
}

// requireFunc returns the require function of modules in dir, loading in
// mode (an ES module's require is its imports). It is built once per VM,
// folder and mode, and frozen: it keeps no request state itself.
func (vm *VM) requireFunc(dir string, mode requireMode) goja.Value {
	key := dir
	if mode == modeImport {
		key += "\x00import"
	}
	if f, ok := vm.requires[key]; ok {
		return f
	}
	f := vm.rt.ToValue(func(c goja.FunctionCall) goja.Value {
		spec := c.Argument(0)
		if _, ok := spec.(goja.String); !ok && goja.IsUndefined(spec) {
			panic(vm.rt.NewTypeError("require: the module name must be a string"))
		}
		v, err := vm.require(dir, spec.String(), mode)
		if err != nil {
			panic(vm.throwable(err))
		}
		return v
	}).(*goja.Object)
	if err := nameFunc(vm.rt, f, "require", 1); err != nil {
		panic(err)
	}
	if _, err := vm.harden(goja.Undefined(), f); err != nil {
		panic(err)
	}
	vm.requires[key] = f
	return f
}

// throwable turns the failure of a require into what the script catches:
// a script's own exception as it is, else an Error with Node's code
// (MODULE_NOT_FOUND, ERR_REQUIRE_ASYNC_MODULE) or a SyntaxError for an
// import of a name the module does not export.
func (vm *VM) throwable(err error) any {
	var ex *goja.Exception
	if errors.As(err, &ex) || isUncatchable(err) {
		return err
	}
	obj := vm.NewError(err)
	var ie *importError
	switch {
	case errors.As(err, &ie) && ie.missing != "":
		_ = obj.DefineDataProperty("name", vm.rt.ToValue("SyntaxError"), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	case errors.Is(err, errRequireAsync):
		_ = obj.Set("code", "ERR_REQUIRE_ASYNC_MODULE")
	case errors.Is(err, errModuleNotFound):
		_ = obj.Set("code", "MODULE_NOT_FOUND")
	}
	return obj
}

// require resolves spec from a module in dir and returns its exports. The
// exports of a module whose asynchronous evaluation has not finished
// cannot be had synchronously: ERR_REQUIRE_ASYNC_MODULE, as in Node.
func (vm *VM) require(dir, spec string, mode requireMode) (goja.Value, error) {
	v, m, err := vm.load(dir, spec, mode)
	if err != nil {
		return nil, err
	}
	if m != nil && m.promise != nil {
		switch m.promise.State() {
		case goja.PromiseStatePending:
			return nil, fmt.Errorf("require('%s'): %w", spec, errRequireAsync)
		case goja.PromiseStateRejected:
			return nil, vm.rethrow(m.promise.Result())
		}
	}
	return v, nil
}

// load resolves spec from a module in dir and evaluates what it names (once
// per request). It returns the exports, and the module object of a file.
// Native modules come first, under their names and, for Node's, with the
// node: prefix; then a package's "browser" map for its own requires,
// relative and absolute paths, node_modules, and Dirigible-style paths from
// the script root.
func (vm *VM) load(dir, spec string, mode requireMode) (goja.Value, *moduleObject, error) {
	inPackage := strings.Contains(dir, "node_modules")
	keep := vm.keepFrom(dir, inPackage)
	view := vm.nativeView
	if keep {
		// A kept module gets the native exports themselves (frozen, with
		// no request's additions): a view ends with the request.
		view = func(v goja.Value) goja.Value { return v }
	}
	if !inPackage {
		if m := vm.h.natives[spec]; m != nil {
			v, err := vm.native(m, true)
			return view(v), nil, err
		}
	}
	gen := vm.call.gen
	key := resolveKey{dir, spec, mode}
	if gen != 0 {
		if v, ok := vm.h.resolved.Load(key); ok && v.(resolvedFile).gen == gen {
			r := v.(resolvedFile)
			if r.native != nil {
				v, err := vm.native(r.native, true)
				return view(v), nil, err
			}
			if r.empty {
				return vm.noExports.exports, nil, nil
			}
			return vm.requireFile(spec, r.file, mode, keep)
		}
	}
	r, err := vm.h.resolve(dir, spec, mode)
	if err != nil {
		return nil, nil, err
	}
	if gen != 0 {
		r.gen = gen
		vm.h.resolved.Store(key, r)
	}
	switch {
	case r.native != nil:
		v, err := vm.native(r.native, true)
		return view(v), nil, err
	case r.empty:
		return vm.noExports.exports, nil, nil
	}
	return vm.requireFile(spec, r.file, mode, keep)
}

// resolve finds what spec names from a module in dir: a native module, a
// file, or nothing (a module a package's "browser" map turns off).
func (h *host) resolve(dir, spec string, mode requireMode) (resolvedFile, error) {
	if strings.Contains(dir, "node_modules") {
		if to, empty, ok := h.browserModule(dir, spec); ok {
			if empty {
				return resolvedFile{empty: true}, nil
			}
			spec = to
		}
		if m := h.natives[spec]; m != nil {
			return resolvedFile{native: m}, nil
		}
	}
	var file string
	var empty bool
	var err error
	switch {
	case spec == "." || spec == ".." || strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../"):
		file, err = h.resolveFile(path.Join(dir, spec), spec)
	case strings.HasPrefix(spec, "/"):
		// Absolute specifiers are taken from the script root.
		file, err = h.resolveFile(path.Clean(strings.TrimLeft(spec, "/")), spec)
	case strings.HasPrefix(spec, "node:"):
		name := strings.TrimPrefix(spec, "node:")
		if m := h.natives[name]; m != nil {
			return resolvedFile{native: m}, nil
		}
		if isNodeBuiltin(name) {
			return resolvedFile{}, &builtinError{name}
		}
		return resolvedFile{}, fmt.Errorf("Cannot find module '%s': %w", spec, errModuleNotFound)
	default:
		// A package from node_modules, else (Dirigible's convention) a path
		// from the script root: require("project/lib/util"); else a Node
		// built-in dirigo does not have.
		file, empty, err = h.resolvePackage(dir, spec, mode)
		if errors.Is(err, errNoPackage) {
			file, err = h.resolveFile(path.Clean(spec), spec)
			if errors.Is(err, errModuleNotFound) && isNodeBuiltin(spec) {
				err = &builtinError{spec}
			}
		}
		if err != nil || empty {
			return resolvedFile{empty: empty}, err
		}
		return resolvedFile{file: file}, nil
	}
	if err != nil {
		return resolvedFile{}, err
	}
	if strings.Contains(file, "node_modules/") {
		file, empty, err = h.browserFile(file)
	}
	return resolvedFile{file: file, empty: empty}, err
}

// resolveKey and resolvedFile cache where a specifier leads from a folder,
// for one watcher generation.
type resolveKey struct {
	dir, spec string
	mode      requireMode
}

type resolvedFile struct {
	gen    uint64
	file   string
	native *Module // a native module (from a package, by its browser map or node: name)
	empty  bool    // a module the package's browser map turns off
}

// requireFile evaluates file (once per request, or once per VM for a
// package's file, see packages_kept.go) and returns its exports and module.
// keep tells that the module requiring it is kept. A module with a
// top-level await is not even started for a require() from CommonJS, which
// could not wait for it.
func (vm *VM) requireFile(spec, file string, mode requireMode, keep bool) (goja.Value, *moduleObject, error) {
	keep = keep || (vm.keepPackages() && isPackageFile(file))
	if keep {
		vm.checkKept()
		if m, ok := vm.kept[file]; ok {
			if m.evaluating {
				m.shared = true
			}
			return m.exports, m, nil
		}
	}
	if m, ok := vm.modules[file]; ok {
		if m.evaluating {
			m.shared = true
		}
		return m.exports, m, nil
	}
	c, err := vm.h.loader.program(file, vm.call.gen)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("Cannot find module '%s': %w", spec, errModuleNotFound)
	}
	if err != nil {
		return nil, nil, err
	}
	if c.async && mode == modeRequire {
		return nil, nil, fmt.Errorf("require('%s'): %w", spec, errRequireAsync)
	}
	if keep && !c.async {
		m, err := vm.evalKept(file, c)
		if err != nil {
			return nil, nil, err
		}
		return m.exports, m, nil
	}
	m, err := vm.evalModule(file, c, false, false)
	if err != nil {
		return nil, nil, err
	}
	return m.exports, m, nil
}

// resolveFile finds the file a path names, Node style: the file itself, the
// path plus a script or JSON extension (in the order of the table of file
// kinds), or a folder's package.json "main" or index.
func (h *host) resolveFile(p, spec string) (string, error) {
	if p == ".." || strings.HasPrefix(p, "../") || !fs.ValidPath(p) {
		return "", fmt.Errorf("Cannot find module '%s': outside the script root: %w", spec, errModuleNotFound)
	}
	if p != "." {
		if fi, err := h.root.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
		for _, k := range fileKinds {
			if k.kind != kindScript && k.kind != kindJSON {
				continue
			}
			if fi, err := h.root.Stat(p + k.ext); err == nil && fi.Mode().IsRegular() {
				return p + k.ext, nil
			}
		}
	}
	if fi, err := h.root.Stat(p); err == nil && fi.IsDir() {
		if pk := h.pkgs.pkg(h, p); pk != nil && pk.main != "" && path.Join(p, pk.main) != p {
			if f, err := h.resolveFile(path.Join(p, pk.main), spec); err == nil {
				return f, nil
			}
		}
		for _, k := range fileKinds {
			if k.kind != kindScript && k.kind != kindJSON {
				continue
			}
			index := path.Join(p, "index"+k.ext)
			if fi, err := h.root.Stat(index); err == nil && fi.Mode().IsRegular() {
				return index, nil
			}
		}
	}
	return "", fmt.Errorf("Cannot find module '%s': %w", spec, errModuleNotFound)
}
