package runtime

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// ES modules.
//
// esbuild makes CommonJS of every module; what it cannot express is left to
// the runtime, which evaluates an ES module with imports or a top-level
// await (evalES) as Node links and evaluates a module graph:
//
//   - Its imports are evaluated first, in order, before its body, and every
//     name it imports is checked: a name the imported module does not
//     export fails the import at load, naming the module and the name, as
//     Node's SyntaxError does (for a CommonJS module, the names its exports
//     object has once it has run count; a module still being evaluated, in
//     a cycle, is not checked).
//   - A module with a top-level await is compiled as an async function; its
//     evaluation is the promise that function returns. A module that
//     imports an async module waits for it: its body runs once every async
//     import has finished (a synchronous import runs at once, as in Node),
//     so it never sees exports that are not there yet, and its own
//     evaluation is then a promise too.
//   - The request's script, when async, is waited for within the request's
//     event loop: the run ends when its promise settles and nothing else is
//     left to do; a rejection is the script's error, at the position it was
//     thrown.
//   - require() cannot wait: requiring a module with a top-level await from
//     CommonJS throws ERR_REQUIRE_ASYNC_MODULE (as Node 22 does), and so
//     does requiring one whose evaluation waits for an import.
//   - import() is esbuild's Promise.resolve().then(() => require(...)): it
//     gets a synchronous module, or one that has finished; an async module
//     not yet evaluated rejects with ERR_REQUIRE_ASYNC_MODULE.
//
// A module without imports or a top-level await (CommonJS, and an ES module
// that imports nothing) is evaluated exactly as before, by evalModule.

// errRequireAsync is the cause of a require of an async module.
var errRequireAsync = errors.New("require() cannot be used on an ES module graph with top-level await that has not finished: import it instead")

// loaderState is what the loader keeps on a VM besides its module cache:
// the views of native modules (per request), their shapes (per VM) and the
// request's script when it is evaluated asynchronously.
type loaderState struct {
	views       map[*goja.Object]*goja.Object // native exports → view
	viewer      map[*goja.Object]*moduleView  // view → its handler
	shapes      map[*goja.Object]*viewShape
	objectProto *goja.Object
	// entry is the request's script module when its evaluation is async.
	entry *moduleObject
	// afterAll is (promises, fn) => Promise.all(promises).then(fn), with
	// the VM's own Promise; has is Reflect.has; merge copies the own
	// properties of an object onto another.
	afterAll, has, merge goja.Callable
}

// resetLoader forgets the request's views and script.
func (vm *VM) resetLoader() {
	clear(vm.ld.views)
	clear(vm.ld.viewer)
	vm.ld.entry = nil
}

// evalES evaluates an ES module with imports or a top-level await: its
// imports first (waiting for async ones), then its body.
func (vm *VM) evalES(file string, c *compiled, mf *moduleFunc, entry, keep bool) (*moduleObject, error) {
	rt := vm.rt
	cache := vm.modules
	if keep {
		cache = vm.kept
	}
	var m *moduleObject
	exports, module := goja.Value(goja.Undefined()), goja.Value(goja.Undefined())
	if entry && c.plain && !c.async {
		// As in evalModule: the script needs no module object.
		m = vm.noExports
	} else {
		m = &moduleObject{rt: rt, id: mf.id, filename: mf.filename, exports: rt.NewObject(), evaluating: true,
			merge: c.esmExports, vm: vm, prog: c.prog}
		m.obj = rt.NewDynamicObject(m)
		exports, module = m.exports, m.obj
	}
	cache[file] = m
	dir := path.Dir(file)
	var waits []goja.Value
	var later []*importRecord // checked once the async imports are done
	for i := range c.imports {
		imp := &c.imports[i]
		v, dep, err := vm.load(dir, imp.spec, modeImport)
		if err != nil {
			delete(cache, file)
			return nil, linkFailure(file, imp, err)
		}
		if dep != nil && dep.promise != nil {
			switch dep.promise.State() {
			case goja.PromiseStatePending:
				waits = append(waits, dep.promiseVal)
				later = append(later, imp)
				continue
			case goja.PromiseStateRejected:
				delete(cache, file)
				return nil, vm.rejectionError(dep.promise.Result(), file)
			}
		}
		if dep == nil || !dep.evaluating {
			if err := vm.checkImport(file, imp, v); err != nil {
				delete(cache, file)
				return nil, err
			}
		}
	}
	if len(waits) > 0 && m == vm.noExports {
		// The script exports nothing, but its evaluation is a promise of
		// its own (the VM's noExports is shared by every request).
		m = &moduleObject{rt: rt, exports: m.exports, evaluating: true}
		cache[file] = m
	}
	if len(waits) == 0 {
		v, err := mf.fn(exports, exports, mf.require, module, mf.filename, mf.dirname)
		m.evaluating = false
		if err != nil {
			if keep {
				delete(cache, file)
			}
			return nil, err
		}
		if c.async {
			m.setPromise(v)
		}
	} else {
		p, err := vm.whenAll(waits, func(goja.FunctionCall) goja.Value {
			for _, imp := range later {
				if err := vm.checkImport(file, imp, vm.loaded(dir, imp.spec)); err != nil {
					panic(vm.throwable(err))
				}
			}
			v, err := mf.fn(exports, exports, mf.require, module, mf.filename, mf.dirname)
			m.evaluating = false
			if err != nil {
				panic(err)
			}
			return v
		})
		if err != nil {
			return nil, err
		}
		m.setPromise(p)
	}
	if m == vm.noExports {
		return m, nil
	}
	if m.promise == nil {
		m.loaded = true
	} else if entry {
		vm.ld.entry = m
	}
	return m, nil
}

func (m *moduleObject) setPromise(v goja.Value) {
	if p, ok := v.Export().(*goja.Promise); ok {
		m.promise, m.promiseVal = p, v
	}
}

// mergeExports defines the properties of exports (esbuild's exports object
// of an ES module: __esModule and a getter per export) on target, the
// exports object a module in a cycle already holds. Live bindings work
// across the cycle as they do in Node.
func (vm *VM) mergeExports(target, exports goja.Value) {
	if vm.ld.merge == nil {
		f, err := vm.rt.RunString(`(function (O) {
			var define = O.defineProperties, describe = O.getOwnPropertyDescriptors;
			return function (t, s) { define(t, describe(s)); };
		})`)
		if err != nil {
			panic(err)
		}
		mk, _ := goja.AssertFunction(f)
		helper, err := mk(goja.Undefined(), vm.Intrinsic("Object"))
		if err != nil {
			panic(err)
		}
		vm.ld.merge, _ = goja.AssertFunction(helper)
	}
	if _, err := vm.ld.merge(goja.Undefined(), target, exports); err != nil {
		panic(err)
	}
}

// loaded returns the exports spec names from dir once it has been loaded
// in this request (by the import that waited for it).
func (vm *VM) loaded(dir, spec string) goja.Value {
	v, _, err := vm.load(dir, spec, modeImport)
	if err != nil {
		return nil
	}
	return v
}

// whenAll returns Promise.all(promises).then(fn) with the VM's own Promise.
func (vm *VM) whenAll(promises []goja.Value, fn func(goja.FunctionCall) goja.Value) (goja.Value, error) {
	if vm.ld.afterAll == nil {
		f, err := vm.rt.RunString(`(function (P) {
			return function (ps, fn) { return P.all(ps).then(fn); };
		})`)
		if err != nil {
			return nil, err
		}
		mk, _ := goja.AssertFunction(f)
		helper, err := mk(goja.Undefined(), vm.Intrinsic("Promise"))
		if err != nil {
			return nil, err
		}
		vm.ld.afterAll, _ = goja.AssertFunction(helper)
	}
	return vm.ld.afterAll(goja.Undefined(), vm.rt.NewArray(anySlice(promises)...), vm.rt.ToValue(fn))
}

func anySlice(vs []goja.Value) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// checkImport checks that exports has every name imp imports.
func (vm *VM) checkImport(file string, imp *importRecord, exports goja.Value) error {
	o, ok := exports.(*goja.Object)
	if !ok || len(imp.names) == 0 {
		return nil
	}
	if w := vm.ld.viewer[o]; w != nil {
		// A native module: its own properties and the script's; its
		// default export is the module itself.
		for _, name := range imp.names {
			if !w.Has(name) && (name != "default" || !imp.toESM) {
				return missingExport(file, imp, name)
			}
		}
		return nil
	}
	if vm.ld.has == nil {
		vm.ld.has, _ = goja.AssertFunction(vm.Intrinsic("Reflect").ToObject(vm.rt).Get("has"))
	}
	esm := false
	if imp.toESM {
		if v := o.Get("__esModule"); v != nil {
			esm = v.ToBoolean()
		}
	}
	for _, name := range imp.names {
		if name == "default" && imp.toESM && !esm {
			continue // a CommonJS module's default export is its exports
		}
		if found, err := vm.ld.has(goja.Undefined(), o, vm.rt.ToValue(name)); err != nil || found.ToBoolean() {
			continue
		}
		return missingExport(file, imp, name)
	}
	return nil
}

func missingExport(file string, imp *importRecord, name string) error {
	return &importError{missing: name, se: &ScriptError{File: file, Line: imp.line, Column: imp.col,
		Message: fmt.Sprintf("SyntaxError: The requested module '%s' does not provide an export named '%s'", imp.spec, name)}}
}

// importError is the failure of an import of an ES module, at the position
// of the import statement: a name the module does not export, or a module
// that cannot be found.
type importError struct {
	se      *ScriptError
	missing string // the name not exported, or ""
}

func (e *importError) Error() string {
	_, msg, _ := strings.Cut(e.se.Message, ": ")
	return msg
}

func (e *importError) Unwrap() error { return e.se }

// linkFailure is err, the failure to load the module imp names, at the
// position of the import when the module could not be found; a module that
// failed on its own reports its own position.
func linkFailure(file string, imp *importRecord, err error) error {
	var ex *goja.Exception
	var se *ScriptError
	if errors.As(err, &ex) || errors.As(err, &se) || isUncatchable(err) || !errors.Is(err, errModuleNotFound) {
		return err
	}
	return &importError{se: &ScriptError{File: file, Line: imp.line, Column: imp.col, Message: "Error: " + err.Error(), Err: err}}
}

// rethrow returns the exception that throws v.
func (vm *VM) rethrow(v goja.Value) error {
	return vm.rt.Try(func() { panic(v) })
}

// awaitEntry ends the run of a request whose script is an async module:
// after the event loop has settled, its evaluation must have too. A
// rejection is the script's error.
func (vm *VM) awaitEntry(file string) error {
	m := vm.ld.entry
	if m == nil {
		return nil
	}
	switch m.promise.State() {
	case goja.PromiseStateFulfilled:
		return nil
	case goja.PromiseStateRejected:
		delete(vm.rejected, m.promise)
		return vm.rejectionError(m.promise.Result(), file)
	}
	return &ScriptError{File: file, Message: "Error: the top-level await of the script never finished (nothing was left to wait for)"}
}

// goStackFrame matches a frame of goja's Error stack:
// "\tat name (file:line:col(pc))" or "\tat file:line:col(pc)".
var goStackFrame = regexp.MustCompile(`^\s*at (?:(.*) \()?(.*):(\d+):(\d+)(?:\(\d+\))?\)?$`)

// rejectionError is the *ScriptError of a module evaluation that rejected
// with v, at the position the error was made (from its stack).
func (vm *VM) rejectionError(v goja.Value, file string) *ScriptError {
	o, isObj := v.(*goja.Object)
	if isObj {
		if gv := o.Get("value"); gv != nil {
			if err, ok := gv.Export().(error); ok {
				var se *ScriptError
				if errors.As(err, &se) {
					return se
				}
			}
		}
	}
	se := &ScriptError{File: file, Message: describeReason(v)}
	if !isObj {
		return se
	}
	se.Message = v.String()
	stack := o.Get("stack")
	if stack == nil || goja.IsUndefined(stack) {
		return se
	}
	var sb strings.Builder
	located := false
	for _, line := range strings.Split(stack.String(), "\n") {
		f := goStackFrame.FindStringSubmatch(line)
		if f == nil {
			continue
		}
		name, fname := f[1], f[2]
		ln, _ := strconv.Atoi(f[3])
		col, _ := strconv.Atoi(f[4])
		if !located && fname != "" && ln > 0 {
			se.File, se.Line, se.Column = fname, ln, col
			located = true
		}
		if name == "" {
			name = "<anonymous>"
		}
		fmt.Fprintf(&sb, "    at %s (%s:%d:%d)\n", name, fname, ln, col)
	}
	se.Stack = sb.String()
	return se
}
