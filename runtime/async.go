package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
	"testing"

	"github.com/dop251/goja"
)

// The async seam (DESIGN §7.2). Go work that completes later — an outbound
// request, a store call — reaches the script through one mechanism:
//
//  1. On the VM goroutine (in a function a script called), reserve a
//     completion with [VM.Async]. The run does not end while a
//     reservation is pending, up to its deadline.
//  2. Do the work on another goroutine under [Pending.Context]: the run's
//     context, which carries the script's deadline and is cancelled when
//     the run ends or the watchdog stops it.
//  3. Hand the result back with [Pending.Complete], exactly once: its
//     function runs on the VM goroutine, normally settling a promise. A
//     completion that arrives after its run ended is dropped.
//
// [VM.Promise] does the three steps for the common case of a promise, and
// turns every error (and a panic) of the work into a rejection. [VM.Await]
// blocks a synchronous JavaScript call until given completions have run
// (Dirigible's http/client-async execute()).
//
// Calling Complete twice is a programming error of the module: under
// `go test` (testing.Testing) it panics, so that tests catch it; in the
// server the second call is logged with its stack and ignored.

// errRunEnded is the cause of the run's context when the run ended.
var errRunEnded = errors.New("runtime: the script run ended")

// A Pending is one reserved completion of asynchronous Go work for a run
// in progress on a VM. Its methods are safe for concurrent use, except
// that [VM.Await] must run on the VM goroutine.
type Pending struct {
	vm   *VM
	gen  uint64
	ctx  context.Context
	done atomic.Bool
	// ran is set on the VM goroutine when the completion function ran.
	ran bool
}

// Async reserves a completion on the running VM. Call it on the VM
// goroutine, from a function a script called; it fails when no run is in
// progress.
func (vm *VM) Async() (*Pending, error) {
	c := vm.call
	if c == nil {
		return nil, errors.New("runtime: asynchronous work can only start while a script runs")
	}
	ctx := c.Context()
	l := &vm.loop
	l.mu.Lock()
	p := &Pending{vm: vm, gen: l.gen, ctx: ctx}
	l.pending++
	l.mu.Unlock()
	return p, nil
}

// Context returns the context to do the work under: the request's context
// with the script's deadline, cancelled when the run ends or is stopped.
func (p *Pending) Context() context.Context { return p.ctx }

// Complete hands fn to the VM: it runs on the VM goroutine after the
// completions that arrived before it, unless the run has ended, in which
// case it is dropped. An error fn returns (or a JavaScript exception it
// throws) is an uncaught error of the run, as an exception thrown by a
// timer's callback is. Complete may be called from any goroutine, once.
func (p *Pending) Complete(fn func() error) {
	if !p.done.CompareAndSwap(false, true) {
		p.vm.doubleCompletion()
		return
	}
	l := &p.vm.loop
	l.mu.Lock()
	if l.gen == p.gen {
		l.queue = append(l.queue, completion{p: p, fn: fn})
	}
	l.mu.Unlock()
	l.wakeUp()
}

// doubleCompletion reports a second Complete of one reservation.
func (vm *VM) doubleCompletion() {
	const msg = "runtime: Pending.Complete called twice"
	if testing.Testing() {
		panic(msg)
	}
	vm.h.logger.Error(msg, slog.String("go_stack", string(debug.Stack())))
}

// Promise reserves a completion and returns a new promise that it settles.
// work runs on a goroutine of its own under the run's context (see
// [Pending.Context]) and returns settle, which runs on the VM goroutine:
// the value it returns resolves the promise; an error rejects it (a
// *goja.Exception with the thrown value, any other error with an Error of
// its message), and so does a JavaScript value it panics with, as a Go
// function called by a script throws (panic(rt.NewTypeError(...))). A Go
// panic in work or settle rejects the promise with an internal error and
// is logged with its stack; it never reaches the VM. A promise whose run
// has ended is never settled.
func (vm *VM) Promise(work func(ctx context.Context) (settle func() (goja.Value, error))) (*goja.Promise, error) {
	p, err := vm.Async()
	if err != nil {
		return nil, err
	}
	rt := vm.rt
	promise, resolve, reject := rt.NewPromise()
	go func() {
		var settle func() (goja.Value, error)
		func() {
			defer func() {
				if r := recover(); r != nil {
					vm.logPanic("asynchronous work panicked", r)
					settle = func() (goja.Value, error) { return nil, fmt.Errorf("internal error: %v", r) }
				}
			}()
			settle = work(p.ctx)
		}()
		p.Complete(func() error {
			v, err := vm.callSettle(settle)
			if err != nil {
				return reject(vm.rejection(err))
			}
			return resolve(v)
		})
	}()
	return promise, nil
}

// callSettle runs settle, turning what it panics with into an error.
func (vm *VM) callSettle(settle func() (goja.Value, error)) (v goja.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			switch x := r.(type) {
			case *goja.Object:
				err = &thrown{x}
			case *goja.Exception:
				err = x
			default:
				if e, ok := r.(error); ok && isUncatchable(e) {
					panic(r)
				}
				vm.logPanic("settling a promise panicked", r)
				err = fmt.Errorf("internal error: %v", r)
			}
		}
	}()
	if settle == nil {
		return goja.Undefined(), nil
	}
	return settle()
}

// thrown carries a JavaScript value a settle function panicked with.
type thrown struct{ v goja.Value }

func (t *thrown) Error() string { return t.v.String() }

// rejection returns the value a promise is rejected with for err.
func (vm *VM) rejection(err error) goja.Value {
	var t *thrown
	var ex *goja.Exception
	switch {
	case errors.As(err, &t):
		return t.v
	case errors.As(err, &ex):
		return ex.Value()
	}
	return vm.NewError(err)
}

func (vm *VM) logPanic(msg string, r any) {
	vm.h.logger.Error(msg, slog.Any("panic", r), slog.String("go_stack", string(debug.Stack())))
}

// Await blocks the VM goroutine until every one of ps has completed and
// its completion function has run; it runs theirs (and only theirs) in the
// order they arrive; other completions wait for the event loop. Call it on
// the VM goroutine, from a function a script called. It returns the first
// error a completion function returns, or, when the watchdog stops the run
// (its deadline or the memory guard), the reason, at once: the other
// reservations are then dropped with the run.
func (vm *VM) Await(ps ...*Pending) error {
	l := &vm.loop
	left := 0
	for _, p := range ps {
		if !p.ran {
			left++
		}
	}
	var mine []completion
	for left > 0 {
		if cause := vm.stopCause(); cause != nil {
			return cause
		}
		l.mu.Lock()
		mine = mine[:0]
		rest := l.queue[:0]
		for _, c := range l.queue {
			if awaited(c.p, ps) {
				mine = append(mine, c)
			} else {
				rest = append(rest, c)
			}
		}
		clear(l.queue[len(rest):])
		l.queue = rest
		l.pending -= len(mine)
		others := len(rest) > 0
		l.mu.Unlock()
		for _, c := range mine {
			left--
			if err := vm.complete(c); err != nil {
				return err
			}
		}
		switch {
		case len(mine) == 0:
			<-l.wake
		case others:
			l.wakeUp() // the event loop has completions to run later
		}
	}
	return nil
}

func awaited(p *Pending, ps []*Pending) bool {
	for _, q := range ps {
		if p == q {
			return true
		}
	}
	return false
}

// Context returns the context of the run: the request's context (the
// caller's in batch mode) with the script's deadline, cancelled when the
// run ends or when the watchdog stops it. Outbound work runs under it. It
// is made on first use; call it on the VM goroutine while the script runs.
func (c *Call) Context() context.Context {
	vm := c.vm
	if vm == nil {
		return c.ctx
	}
	l := &vm.loop
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ctx != nil {
		return l.ctx
	}
	parent := c.ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancelCause(parent)
	if !c.deadline.IsZero() {
		var stop context.CancelFunc
		ctx, stop = context.WithDeadline(ctx, c.deadline)
		cancelCause := cancel
		cancel = func(err error) { cancelCause(err); stop() }
	}
	l.ctx, l.stop = ctx, cancel
	if cause := vm.stopCause(); cause != nil {
		cancel(cause)
	}
	return ctx
}

// stopContext cancels the run's context because the watchdog stopped the
// run (any goroutine).
func (l *loop) stopContext(cause error) {
	l.mu.Lock()
	cancel := l.stop
	l.mu.Unlock()
	if cancel != nil {
		cancel(cause)
	}
}
