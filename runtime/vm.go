package runtime

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
)

// host is what every VM of a server shares: configuration, the script root,
// the compile cache and the modules.
type host struct {
	cfg     Config
	root    *os.Root
	rootDir string // absolute path of the root, for __filename
	loader  *loader
	natives map[string]*Module // by require name
	globals []*Module
	pages   []*Module // globals of server pages
	logger  *slog.Logger
	harden  *goja.Program
	limits  limits
	pkgs    pkgCache
	// resolved caches require() resolutions (resolveKey → resolvedFile).
	resolved sync.Map
	// stdout and stderr receive console output in batch mode.
	stdout, stderr io.Writer
}

func newHost(cfg Config, root *os.Root, rootDir string, modules []Module) (*host, error) {
	h := &host{
		cfg:     cfg,
		root:    root,
		rootDir: rootDir,
		loader:  newLoader(root),
		natives: make(map[string]*Module, len(modules)),
		logger:  cfg.Logger,
		limits:  newLimits(cfg.MaxMemory),
		stdout:  cfg.Stdout,
		stderr:  cfg.Stderr,
	}
	for i := range modules {
		m := &modules[i]
		if m.Load == nil {
			return nil, fmt.Errorf("runtime: module %q has no Load", m.Name)
		}
		if m.Name != "" {
			if _, dup := h.natives[m.Name]; dup {
				return nil, fmt.Errorf("runtime: module %q registered twice", m.Name)
			}
			h.natives[m.Name] = m
		}
		if m.Global != "" {
			h.globals = append(h.globals, m)
		}
		if m.Page != "" {
			h.pages = append(h.pages, m)
		}
	}
	prog, err := goja.Compile("harden.js", hardenJS, true)
	if err != nil {
		return nil, fmt.Errorf("compiling harden.js: %w", err)
	}
	h.harden = prog
	return h, nil
}

// A VM is one goja runtime with the host's globals and modules. It serves one
// request at a time; the pool hands it out. Modules reach the request in
// progress through Call.
type VM struct {
	h      *host
	rt     *goja.Runtime
	base   *goja.Object // the frozen global object every request's global inherits from
	harden goja.Callable
	// natives caches the frozen exports of native modules, per VM.
	natives map[string]goja.Value
	// shared holds what modules share across their globals (Shared).
	shared map[any]goja.Value
	// setters are the setters of tamed properties, by name (see tamer).
	setters map[any]goja.Value
	// tamedObjects maps the getter of a tamed property that holds a plain
	// object (not a function) to that object: views see through it.
	tamedObjects map[*goja.Object]*goja.Object
	// globalObjects are the exports bound to a global name (URL, process):
	// frozen for good, with no per-request view.
	globalObjects map[*goja.Object]struct{}
	freeze        goja.Callable
	// requires caches the (frozen) require function of each folder.
	requires  map[string]goja.Value
	stringify goja.Callable
	parse     goja.Callable
	isArray   goja.Callable
	rangeErr  goja.Value // the RangeError and SyntaxError constructors
	syntaxErr goja.Value
	// joining are the arrays Array.prototype.join is joining (for cycles);
	// jsonStates the JSON.stringify calls in progress.
	joining    []*goja.Object
	jsonStates []*stringifyState

	// funcs caches the wrapper function of each module file run on this VM.
	funcs map[string]*moduleFunc
	// scratch is the Call the server reuses for each request on this VM.
	scratch Call
	// noExports is the module of a script that exports nothing: frozen.
	noExports *moduleObject
	// pageBase is what a server page's global inherits from (built on the
	// VM's first page).
	pageBase *goja.Object

	call     *Call
	modules  map[string]*moduleObject // this request's module cache, by file
	rejected map[*goja.Promise]struct{}
	loop     loop
	ld       loaderState // views of native modules, async ES modules (esm.go)

	// deadline is when the running script times out (Unix nanoseconds), or 0
	// when none runs; the pool's watchdog interrupts it past that time.
	deadline atomic.Int64
	// started is when the running script started (Unix nanoseconds), or 0
	// between runs: the memory guard stops the longest-running first.
	started atomic.Int64
	// stop is why the watchdog stopped the run (stopTimeout, stopMemory),
	// or 0.
	stop atomic.Int32
	// broken marks a VM that must not be reused: it was interrupted, panicked
	// or overflowed its stack.
	broken bool
	// memVictim marks a VM whose run the memory guard stopped (under pool.mu).
	memVictim bool
}

func newVM(h *host) (*VM, error) {
	rt := goja.New()
	if n := h.cfg.MaxCallStackSize; n > 0 {
		rt.SetMaxCallStackSize(n)
	}
	vm := &VM{
		h:             h,
		rt:            rt,
		base:          rt.GlobalObject(),
		natives:       map[string]goja.Value{},
		setters:       map[any]goja.Value{},
		tamedObjects:  map[*goja.Object]*goja.Object{},
		globalObjects: map[*goja.Object]struct{}{},
		shared:        map[any]goja.Value{},
		requires:      map[string]goja.Value{},
		funcs:         map[string]*moduleFunc{},
		modules:       map[string]*moduleObject{},
		rejected:      map[*goja.Promise]struct{}{},
	}
	vm.loop.init()
	vm.freeze, _ = goja.AssertFunction(vm.base.Get("Object").ToObject(rt).Get("freeze"))
	rt.SetPromiseRejectionTracker(vm.trackRejection)
	if err := vm.installGuards(); err != nil {
		return nil, fmt.Errorf("guarding built-ins: %w", err)
	}
	if err := vm.base.DefineAccessorProperty("globalThis",
		rt.ToValue(func(goja.FunctionCall) goja.Value { return rt.GlobalObject() }), nil,
		goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		return nil, fmt.Errorf("defining globalThis: %w", err)
	}
	vm.installConsole()
	vm.installTimers()
	if err := vm.guardSymbolFor(); err != nil {
		return nil, fmt.Errorf("guarding Symbol.for: %w", err)
	}
	for _, m := range h.globals {
		if err := vm.lazyGlobal(m); err != nil {
			return nil, fmt.Errorf("setting global %s: %w", m.Global, err)
		}
	}
	hv, err := rt.RunProgram(h.harden)
	if err != nil {
		return nil, fmt.Errorf("hardening VM: %w", err)
	}
	mk, ok := goja.AssertFunction(hv)
	if !ok {
		return nil, errHardenNotFunction
	}
	hv, err = mk(goja.Undefined(), vm.tamer())
	if err != nil {
		return nil, fmt.Errorf("hardening VM: %w", err)
	}
	harden, ok := goja.AssertFunction(hv)
	if !ok {
		return nil, errHardenNotFunction
	}
	vm.harden = harden
	empty := rt.NewObject()
	if _, err := harden(goja.Undefined(), empty); err != nil {
		return nil, fmt.Errorf("freezing: %w", err)
	}
	vm.noExports = &moduleObject{rt: rt, exports: empty, loaded: true}
	return vm, nil
}

// lazyGlobal binds the global m.Global on the base global as an accessor
// that loads (and freezes) the module on first use, so that a global costs
// nothing to a VM whose scripts never touch it. Assigning the name defines
// it on the script's own global object, as assigning a built-in's property
// does (see tamer). A global's object is frozen and has no per-request view
// (see View): require gives the global itself.
func (vm *VM) lazyGlobal(m *Module) error {
	rt := vm.rt
	var cached goja.Value
	get := rt.ToValue(func(goja.FunctionCall) goja.Value {
		if cached != nil {
			return cached
		}
		if vm.harden == nil {
			panic(rt.NewTypeError("%s is not available before the VM is ready", m.Global))
		}
		v, err := vm.native(m, true)
		if err != nil {
			panic(vm.NewError(err))
		}
		cached = v
		return v
	})
	return vm.base.DefineAccessorProperty(m.Global, get, vm.ownSetter(rt.ToValue(m.Global)), goja.FLAG_FALSE, goja.FLAG_FALSE)
}

// Runtime returns the goja runtime. It may only be used from the goroutine
// running the VM (inside Module.Load or a function called by a script).
func (vm *VM) Runtime() *goja.Runtime { return vm.rt }

// Call returns the request in progress, or nil between requests.
func (vm *VM) Call() *Call { return vm.call }

// Require returns the exports of the native module name, loading it for this
// VM on first use. Modules use it to share objects (sdk/http re-exports the
// request module).
func (vm *VM) Require(name string) (goja.Value, error) {
	m := vm.h.natives[name]
	if m == nil {
		return nil, fmt.Errorf("runtime: no native module %q", name)
	}
	return vm.native(m, true)
}

// JSON returns the JSON text of v as JSON.stringify gives it, and false when
// JSON.stringify gives undefined (functions, symbols, undefined). It panics
// with the script's exception for cycles and BigInt, like JSON.stringify.
func (vm *VM) JSON(v goja.Value) (string, bool) {
	res, err := vm.stringify(goja.Undefined(), v)
	if err != nil {
		panic(err)
	}
	if goja.IsUndefined(res) {
		return "", false
	}
	return res.String(), true
}

// ParseJSON parses JSON text like JSON.parse (nesting is bounded: a
// RangeError beyond 1000 levels).
func (vm *VM) ParseJSON(text string) (goja.Value, error) {
	return vm.parse(goja.Undefined(), vm.rt.ToValue(text))
}

// Shared returns the value a module keeps under key on this VM, made by
// make on first use: what several globals of one module share (fetch,
// Headers, Request... come from one evaluation of fetch.js). key is a
// comparable value of the module's own (an unexported type). The value is
// deep-frozen (see [VM.Harden]) before it is kept, whole, so that a part a
// script reaches through one global (the Response class of a fetched
// response) is as frozen as the global that binds it. It lives as long as
// the VM, so, as a Load result, it must not capture request data. Call it
// from a global's Load or a function a script called, once the VM is ready.
func (vm *VM) Shared(key any, make func() (goja.Value, error)) (goja.Value, error) {
	if v, ok := vm.shared[key]; ok {
		return v, nil
	}
	v, err := make()
	if err != nil {
		return nil, err
	}
	if err := vm.Harden(v); err != nil {
		return nil, fmt.Errorf("freezing a shared value: %w", err)
	}
	vm.shared[key] = v
	return v, nil
}

// ReadFile reads the file name, a path relative to the script root that
// may not leave it (Dirigible's http/client sends files by path).
func (vm *VM) ReadFile(name string) ([]byte, error) {
	return vm.h.root.ReadFile(name)
}

// Intrinsic returns the built-in global name ("Date", "Uint8Array") as the VM
// was created with it, whatever the running script did to its own global.
func (vm *VM) Intrinsic(name string) goja.Value { return vm.base.Get(name) }

// native returns the cached exports of m, loading (and, when freeze is set,
// deep-freezing) them on first use.
func (vm *VM) native(m *Module, freeze bool) (goja.Value, error) {
	key := m.Name
	if key == "" {
		key = "global:" + m.Global
	}
	if v, ok := vm.natives[key]; ok {
		return v, nil
	}
	// Load against the base global: what a script put on its own global must
	// not end up in a module that outlives the request.
	g := vm.rt.GlobalObject()
	vm.rt.SetGlobalObject(vm.base)
	v, err := m.Load(vm)
	vm.rt.SetGlobalObject(g)
	if err != nil {
		return nil, fmt.Errorf("loading module %s: %w", key, err)
	}
	// A global function goja named after its Go symbol is named after the
	// global (harden names the functions it finds in properties).
	if f, ok := v.(*goja.Object); ok && m.Global != "" {
		if _, isFn := goja.AssertFunction(f); isFn && goSymbolName.MatchString(f.Get("name").String()) {
			_ = f.DefineDataProperty("name", vm.rt.ToValue(m.Global), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
		}
	}
	if freeze && vm.harden != nil {
		if _, err := vm.harden(goja.Undefined(), v); err != nil {
			return nil, fmt.Errorf("freezing module %s: %w", key, err)
		}
	}
	if o, ok := v.(*goja.Object); ok && m.Global != "" {
		vm.globalObjects[o] = struct{}{}
	}
	vm.natives[key] = v
	return v, nil
}

// Reasons the watchdog stops a run.
const (
	stopTimeout = 1 + iota
	stopMemory
)

// expire interrupts the running script if its deadline d has passed: the
// watchdog takes the deadline (so run knows) and then interrupts.
func (vm *VM) expire(now int64) {
	if d := vm.deadline.Load(); d != 0 && now >= d && vm.deadline.CompareAndSwap(d, 0) {
		vm.interrupt(stopTimeout)
	}
}

// interrupt stops the script for reason: at the next instruction, at the
// next check of a guarded built-in, or when the event loop wakes.
func (vm *VM) interrupt(reason int32) {
	if !vm.stop.CompareAndSwap(0, reason) {
		return
	}
	cause := vm.stopCause()
	vm.rt.Interrupt(cause)
	vm.loop.stopContext(cause)
	vm.loop.wakeUp()
}

// stopCause returns ErrTimeout or ErrMemory when the watchdog stopped the
// run, else nil.
func (vm *VM) stopCause() error {
	switch vm.stop.Load() {
	case stopTimeout:
		return ErrTimeout
	case stopMemory:
		return ErrMemory
	}
	return nil
}

func (vm *VM) trackRejection(p *goja.Promise, op goja.PromiseRejectionOperation) {
	switch op {
	case goja.PromiseRejectionReject:
		vm.rejected[p] = struct{}{}
	case goja.PromiseRejectionHandle:
		delete(vm.rejected, p)
	}
}

// run runs the module file (compiled as prog) for call c and waits until its
// timers and asynchronous work have settled. It returns a *ScriptError.
func (vm *VM) run(c *Call, file string, prog *compiled) (err error) {
	vm.call = c
	c.vm = vm
	// The request's own global object inherits the frozen base: built-ins
	// read through, and what the script adds is gone with the object.
	// (globalThis is an accessor on the base that returns the current global.)
	g := vm.rt.CreateObject(vm.base)
	if c.req == nil {
		vm.installProcess(g, c)
	}
	vm.rt.SetGlobalObject(g)
	var deadline int64
	now := time.Now()
	start := now.UnixNano()
	vm.started.Store(start)
	if t := vm.h.cfg.Timeout; t > 0 {
		dl := now.Add(t)
		c.deadline = dl
		deadline = dl.UnixNano()
		vm.deadline.Store(deadline)
	}
	defer func() {
		if r := recover(); r != nil {
			vm.broken = true
			var st *stopError
			if ue, ok := r.(error); ok && errors.As(ue, &st) {
				err = stoppedError(st, file)
			} else if ok && isUncatchable(ue) {
				err = scriptError(ue, file)
			} else {
				err = vm.panicError(c, file, r)
			}
		}
		if !vm.started.CompareAndSwap(start, 0) {
			vm.broken = true // the memory guard stopped the run
		}
		if deadline != 0 {
			late := false
			if !vm.deadline.CompareAndSwap(deadline, 0) {
				vm.broken = true // the watchdog fired: the interrupt flag may be set
				late = true
			} else {
				late = time.Now().UnixNano() > deadline
			}
			// A run that ends after its limit did not succeed, even when
			// the script got to its end before the watchdog looked: a
			// backtracking regular expression that gave up at its match
			// timeout reads as "no match" (see setRegexpTimeout), and
			// outbound work under the run's context fails at the deadline
			// with an error of its own (an uncaught TimeoutError of fetch).
			// An error with a status of its own (408: the client sent its
			// body too slowly) stays.
			if late && (err == nil || statusOf(err) == http.StatusInternalServerError) {
				err = &ScriptError{File: file, Message: "Error: script timed out", Err: ErrTimeout}
			}
		}
		if vm.stop.Load() != 0 {
			vm.broken = true
		}
		if err != nil {
			var se *ScriptError
			if errors.As(err, &se) && (errors.Is(se.Err, ErrTimeout) || errors.Is(se.Err, ErrMemory) || errors.Is(se.Err, ErrStackOverflow)) {
				vm.broken = true
			}
		}
		vm.reset()
	}()
	m, err := vm.evalModule(file, prog, true)
	if err != nil {
		return vm.runError(err, file)
	}
	var ret goja.Value
	if c.job != nil && c.job.Export != "" {
		if ret, err = vm.callExport(m, c.job); err != nil {
			return vm.runError(err, file)
		}
	}
	if err := vm.settle(); err != nil {
		se := vm.runError(err, file)
		if se.File == "" {
			se.File = file
		}
		return se
	}
	if err := vm.awaitEntry(file); err != nil {
		return err
	}
	for p := range vm.rejected {
		return &ScriptError{File: file, Message: "Uncaught (in promise) " + describeReason(p.Result())}
	}
	if ret != nil {
		if c.result, err = jobResult(ret); err != nil {
			se := vm.runError(err, file)
			if se.File == "" {
				se.File = file
			}
			return se
		}
	}
	return nil
}

// runError converts the error a run ended with into a *ScriptError; a run
// the watchdog stopped reports why, whatever the script made of it.
func (vm *VM) runError(err error, file string) *ScriptError {
	var st *stopError
	if errors.As(err, &st) {
		return stoppedError(st, file)
	}
	se := scriptError(err, file)
	if cause := vm.stopCause(); cause != nil && !errors.Is(se.Err, cause) {
		se.Err, se.Message = cause, cause.Error()
	}
	return se
}

// stoppedError is the *ScriptError of a run a guarded built-in ended.
func stoppedError(st *stopError, file string) *ScriptError {
	return &ScriptError{File: file, Message: st.cause.Error(), Err: st.cause}
}

func describeReason(v goja.Value) string {
	if o, ok := v.(*goja.Object); ok {
		if s := o.Get("stack"); s != nil && !goja.IsUndefined(s) {
			return s.String()
		}
	}
	if v == nil {
		return "undefined"
	}
	return v.String()
}

func isUncatchable(err error) bool {
	var ie *goja.InterruptedError
	var so *goja.StackOverflowError
	var st *stopError
	return errors.As(err, &ie) || errors.As(err, &so) || errors.As(err, &st)
}

// reset returns the VM to its state between requests.
func (vm *VM) reset() {
	vm.resetLoader()
	vm.loop.reset()
	clear(vm.modules)
	clear(vm.rejected)
	vm.joining = vm.joining[:0]
	clear(vm.jsonStates)
	vm.jsonStates = vm.jsonStates[:0]
	vm.rt.SetGlobalObject(vm.base)
	if vm.call != nil {
		vm.call.vm = nil
	}
	vm.call = nil
}

// drop lets go of what a discarded VM holds (its runtime and every value a
// script left in it), so that the memory is free as soon as the pool lets
// go of the VM, whoever still points at it.
func (vm *VM) drop() {
	vm.rt, vm.base, vm.harden = nil, nil, nil
	vm.natives, vm.requires, vm.funcs, vm.modules, vm.rejected = nil, nil, nil, nil, nil
	vm.setters, vm.tamedObjects, vm.globalObjects, vm.freeze = nil, nil, nil, nil
	vm.shared = nil
	vm.stringify, vm.parse, vm.isArray, vm.rangeErr, vm.syntaxErr = nil, nil, nil, nil, nil
	vm.joining, vm.jsonStates, vm.noExports = nil, nil, nil
	vm.loop.timers = nil
	vm.loop.byID = nil
}
