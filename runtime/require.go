package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

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
// reach it (strict code has no arguments.callee).
func (vm *VM) evalModule(file string, c *compiled, entry bool) (*moduleObject, error) {
	if m, ok := vm.modules[file]; ok {
		return m, nil
	}
	if c.page != nil || c.static {
		if !entry {
			return nil, fmt.Errorf("Cannot find module '%s': an HTML file is not a module: %w", file, errModuleNotFound)
		}
		return vm.noExports, vm.evalPage(file, c)
	}
	rt := vm.rt
	prog := c.prog
	mf := vm.funcs[file]
	if mf == nil || mf.prog != prog {
		fnv, err := rt.RunProgram(prog)
		if err != nil {
			return nil, err
		}
		fn, ok := goja.AssertFunction(fnv)
		if !ok {
			return nil, fmt.Errorf("runtime: %s did not compile to a module function", file)
		}
		abs := path.Join(vm.h.rootDir, file)
		mf = &moduleFunc{prog: prog, fn: fn, id: rt.ToValue(file), filename: rt.ToValue(abs),
			dirname: rt.ToValue(path.Dir(abs)), require: vm.requireFunc(path.Dir(file))}
		vm.funcs[file] = mf
	}
	if entry && c.plain {
		// The request's script never touches module, exports or this: it
		// exports nothing (a file that requires it gets a frozen {}).
		vm.modules[file] = vm.noExports
		undef := goja.Undefined()
		_, err := mf.fn(undef, undef, mf.require, undef, mf.filename, mf.dirname)
		return vm.noExports, err
	}
	m := &moduleObject{rt: rt, id: mf.id, filename: mf.filename, exports: rt.NewObject()}
	m.obj = rt.NewDynamicObject(m)
	vm.modules[file] = m
	if _, err := mf.fn(m.exports, m.exports, mf.require, m.obj, mf.filename, mf.dirname); err != nil {
		return nil, err
	}
	m.loaded = true
	return m, nil
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

// requireFunc returns the require function of modules in dir. It is built
// once per VM and folder, and frozen: it keeps no request state itself.
func (vm *VM) requireFunc(dir string) goja.Value {
	if f, ok := vm.requires[dir]; ok {
		return f
	}
	f := vm.rt.ToValue(func(c goja.FunctionCall) goja.Value {
		spec := c.Argument(0)
		if _, ok := spec.(goja.String); !ok && goja.IsUndefined(spec) {
			panic(vm.rt.NewTypeError("require: the module name must be a string"))
		}
		v, err := vm.require(dir, spec.String())
		if err != nil {
			var ex *goja.Exception
			if errors.As(err, &ex) || isUncatchable(err) {
				panic(err)
			}
			obj := vm.NewError(err)
			if errors.Is(err, errModuleNotFound) {
				_ = obj.Set("code", "MODULE_NOT_FOUND")
			}
			panic(obj)
		}
		return v
	}).(*goja.Object)
	if err := nameFunc(vm.rt, f, "require", 1); err != nil {
		panic(err)
	}
	if _, err := vm.harden(goja.Undefined(), f); err != nil {
		panic(err)
	}
	vm.requires[dir] = f
	return f
}

// require resolves spec from a module in dir and returns its exports.
func (vm *VM) require(dir, spec string) (goja.Value, error) {
	if m := vm.h.natives[spec]; m != nil {
		return vm.native(m, true)
	}
	gen := vm.call.gen
	key := resolveKey{dir, spec}
	if gen != 0 {
		if v, ok := vm.h.resolved.Load(key); ok && v.(resolvedFile).gen == gen {
			return vm.requireFile(spec, v.(resolvedFile).file)
		}
	}
	var file string
	var err error
	switch {
	case spec == "." || spec == ".." || strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../"):
		file, err = vm.h.resolveFile(path.Join(dir, spec), spec)
	case strings.HasPrefix(spec, "/"):
		// Absolute specifiers are taken from the script root.
		file, err = vm.h.resolveFile(path.Clean(strings.TrimLeft(spec, "/")), spec)
	default:
		// A package from node_modules, else (Dirigible's convention) a path
		// from the script root: require("project/lib/util").
		file, err = vm.h.resolvePackage(dir, spec)
		if errors.Is(err, errModuleNotFound) {
			file, err = vm.h.resolveFile(path.Clean(spec), spec)
		}
	}
	if err != nil {
		return nil, err
	}
	if gen != 0 {
		vm.h.resolved.Store(key, resolvedFile{gen: gen, file: file})
	}
	return vm.requireFile(spec, file)
}

// resolveKey and resolvedFile cache where a specifier leads from a folder,
// for one watcher generation.
type resolveKey struct{ dir, spec string }

type resolvedFile struct {
	gen  uint64
	file string
}

// requireFile evaluates file (once per request) and returns its exports.
func (vm *VM) requireFile(spec, file string) (goja.Value, error) {
	if m, ok := vm.modules[file]; ok {
		return m.exports, nil
	}
	c, err := vm.h.loader.program(file, vm.call.gen)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("Cannot find module '%s': %w", spec, errModuleNotFound)
	}
	if err != nil {
		return nil, err
	}
	m, err := vm.evalModule(file, c, false)
	if err != nil {
		return nil, err
	}
	return m.exports, nil
}

// resolveFile finds the file a path names, Node style: the file itself, the
// path plus a script or JSON extension (in the order of the table of file
// kinds), or a folder's package.json main or index.
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
		if main := h.pkgs.entry(h, path.Join(p, "package.json")); main != "" {
			if f, err := h.resolveFile(path.Join(p, main), spec); err == nil {
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

// resolvePackage finds a bare specifier ("lodash", "@scope/pkg/sub") in the
// node_modules folders from dir up to the root.
func (h *host) resolvePackage(dir, spec string) (string, error) {
	name, sub := spec, ""
	parts := strings.SplitN(spec, "/", 3)
	switch {
	case strings.HasPrefix(spec, "@") && len(parts) >= 2:
		name = parts[0] + "/" + parts[1]
		if len(parts) == 3 {
			sub = parts[2]
		}
	case len(parts) >= 2:
		name, sub = parts[0], strings.Join(parts[1:], "/")
	}
	if name == "" || strings.HasPrefix(name, ".") || strings.Contains(name, "..") {
		return "", fmt.Errorf("Cannot find module '%s': %w", spec, errModuleNotFound)
	}
	for d := dir; ; d = path.Dir(d) {
		pkg := path.Join(d, "node_modules", name)
		if fi, err := h.root.Stat(pkg); err == nil && fi.IsDir() {
			if sub != "" {
				return h.resolveFile(path.Join(pkg, sub), spec)
			}
			return h.resolveFile(pkg, spec)
		}
		if d == "." || d == "/" || d == "" {
			break
		}
	}
	return "", fmt.Errorf("Cannot find module '%s': %w", spec, errModuleNotFound)
}

// pkgCache keeps the entry point of each package.json, per file version.
type pkgCache struct {
	m sync.Map // path → pkgEntry
}

type pkgEntry struct {
	ver  fileVersion
	main string
}

// entry returns the entry point a package.json names ("exports" for require,
// then "main"), or "" when it has none or cannot be read.
func (c *pkgCache) entry(h *host, file string) string {
	fi, err := h.root.Stat(file)
	if err != nil {
		return ""
	}
	ver := versionOf(fi)
	if v, ok := c.m.Load(file); ok && v.(pkgEntry).ver == ver {
		return v.(pkgEntry).main
	}
	data, err := h.root.ReadFile(file)
	if err != nil {
		return ""
	}
	var pkg struct {
		Main    string          `json:"main"`
		Exports json.RawMessage `json:"exports"`
	}
	main := ""
	if json.Unmarshal(data, &pkg) == nil {
		main = exportsEntry(pkg.Exports)
		if main == "" {
			main = pkg.Main
		}
	}
	c.m.Store(file, pkgEntry{ver: ver, main: main})
	return main
}

// exportsEntry reads the "." entry of a package.json "exports" field for a
// require() caller: a string, or the "require", "node" or "default" condition.
func exportsEntry(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	if dot, ok := m["."]; ok {
		return exportsEntry(dot)
	}
	for _, cond := range []string{"require", "node", "default"} {
		if v, ok := m[cond]; ok {
			return exportsEntry(v)
		}
	}
	return ""
}
