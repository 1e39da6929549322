package runtime

import (
	"container/heap"
	"context"
	"math"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// loop is a VM's event loop: the timers of the run in progress and the
// completions of its asynchronous Go work (see Pending). Everything in it
// belongs to one run; reset drops what is left, so no timer or completion
// of one run ever runs in the next.
type loop struct {
	timers timerHeap
	byID   map[int64]*jsTimer
	nextID int64
	strong int // timers that keep the run alive (not weak)
	wait   *time.Timer

	mu      sync.Mutex
	gen     uint64       // bumped by reset; completions of older runs are dropped
	queue   []completion // completions to run on the VM goroutine
	pending int          // reservations of this run not yet completed
	wake    chan struct{}
	// ctx is the run's context, made on first use (Call.Context), and
	// stop ends it: at the end of the run, or when the watchdog stops it.
	ctx  context.Context
	stop context.CancelCauseFunc
}

// A completion is a completed reservation waiting for the VM goroutine.
type completion struct {
	p  *Pending
	fn func() error
}

type jsTimer struct {
	id       int64
	when     time.Time
	interval time.Duration // 0 for a one-shot timer
	weak     bool          // does not keep the run alive
	fn       goja.Callable
	args     []goja.Value
	index    int
}

type timerHeap []*jsTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].id < h[j].id
	}
	return h[i].when.Before(h[j].when)
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *timerHeap) Push(x any)   { t := x.(*jsTimer); t.index = len(*h); *h = append(*h, t) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	t.index = -1
	return t
}

func (l *loop) init() {
	l.byID = map[int64]*jsTimer{}
	l.wake = make(chan struct{}, 1)
}

func (l *loop) wakeUp() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// reset forgets every timer and pending completion, and ends the run's
// context.
func (l *loop) reset() {
	if len(l.timers) > 0 {
		clear(l.timers)
		l.timers = l.timers[:0]
		clear(l.byID)
	}
	l.strong = 0
	l.mu.Lock()
	l.gen++
	l.queue = nil
	l.pending = 0
	cancel := l.stop
	l.ctx, l.stop = nil, nil
	l.mu.Unlock()
	if cancel != nil {
		cancel(errRunEnded)
	}
	select {
	case <-l.wake:
	default:
	}
}

func (l *loop) add(fn goja.Callable, delay time.Duration, interval, weak bool, args []goja.Value) int64 {
	l.nextID++
	t := &jsTimer{id: l.nextID, when: time.Now().Add(delay), fn: fn, args: args, weak: weak}
	if interval {
		t.interval = max(delay, time.Millisecond)
	}
	heap.Push(&l.timers, t)
	l.byID[t.id] = t
	if !weak {
		l.strong++
	}
	return t.id
}

func (l *loop) cancel(id int64) {
	if t, ok := l.byID[id]; ok {
		l.forget(t)
		if t.index >= 0 {
			heap.Remove(&l.timers, t.index)
		}
	}
}

// forget drops t from the index of timers.
func (l *loop) forget(t *jsTimer) {
	delete(l.byID, t.id)
	if !t.weak {
		l.strong--
	}
}

// SetTimer arms a one-shot timer of the run in progress that calls fn after
// delay, as setTimeout does, and returns its ID (clearTimeout cancels it).
// A weak timer does not keep the run alive: the run ends when only weak
// timers are left, and they are dropped (Node's unref'd timers; AbortSignal.timeout
// uses one). Call it on the VM goroutine while a run is in progress.
func (vm *VM) SetTimer(fn goja.Callable, delay time.Duration, weak bool) int64 {
	return vm.loop.add(fn, max(delay, 0), false, weak, nil)
}

// ClearTimer cancels the timer id, as clearTimeout does.
func (vm *VM) ClearTimer(id int64) { vm.loop.cancel(id) }

// settle runs timers and completions until none is left that keeps the run
// alive, or until the watchdog ends the run.
func (vm *VM) settle() error {
	l := &vm.loop
	for {
		switch cause := vm.stopCause(); cause {
		case nil:
		case ErrTimeout:
			return &ScriptError{Message: "Error: script timed out", Err: ErrTimeout}
		default:
			return &ScriptError{Message: "Error: " + cause.Error(), Err: cause}
		}
		// Completions first, then due timers.
		l.mu.Lock()
		q := l.queue
		l.queue = nil
		l.pending -= len(q)
		pending := l.pending
		l.mu.Unlock()
		for _, c := range q {
			if err := vm.complete(c); err != nil {
				return err
			}
		}
		if len(q) > 0 {
			continue
		}
		if len(l.timers) > 0 && (l.strong > 0 || pending > 0) {
			t := l.timers[0]
			if d := time.Until(t.when); d <= 0 {
				if t.interval > 0 {
					t.when = time.Now().Add(t.interval)
					heap.Fix(&l.timers, 0)
				} else {
					heap.Pop(&l.timers)
					l.forget(t)
				}
				if _, err := t.fn(goja.Undefined(), t.args...); err != nil {
					return err
				}
				continue
			} else {
				vm.sleep(d)
				continue
			}
		}
		if pending == 0 {
			return nil
		}
		<-l.wake
	}
}

// sleep waits d, or less when a completion or the watchdog wakes the loop.
func (vm *VM) sleep(d time.Duration) {
	l := &vm.loop
	if l.wait == nil {
		l.wait = time.NewTimer(d)
	} else {
		l.wait.Reset(d)
	}
	select {
	case <-l.wait.C:
	case <-l.wake:
		l.wait.Stop()
	}
}

// complete runs a completion on the VM goroutine, turning a JavaScript
// exception it panics with into an error.
func (vm *VM) complete(c completion) (err error) {
	c.p.ran = true
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				if _, isJS := r.(*goja.Exception); isJS || isUncatchable(e) {
					err = e
					return
				}
			}
			panic(r)
		}
	}()
	return c.fn()
}

// installTimers binds setTimeout, setInterval, setImmediate, their clear
// functions and queueMicrotask on the base global.
func (vm *VM) installTimers() {
	rt := vm.rt
	timer := func(interval bool, hasDelay bool) func(goja.FunctionCall) goja.Value {
		return func(c goja.FunctionCall) goja.Value {
			fn, ok := goja.AssertFunction(c.Argument(0))
			if !ok {
				panic(rt.NewTypeError("The \"callback\" argument must be of type function"))
			}
			var delay time.Duration
			var args []goja.Value
			if hasDelay {
				if ms := c.Argument(1).ToFloat(); ms > 0 && !math.IsInf(ms, 1) {
					delay = time.Duration(ms * float64(time.Millisecond))
				}
				if len(c.Arguments) > 2 {
					args = append(args, c.Arguments[2:]...)
				}
			} else if len(c.Arguments) > 1 {
				args = append(args, c.Arguments[1:]...)
			}
			if vm.call == nil {
				panic(rt.NewTypeError("timers can only be set while a request runs"))
			}
			return rt.ToValue(vm.loop.add(fn, delay, interval, false, args))
		}
	}
	clearTimer := func(c goja.FunctionCall) goja.Value {
		if id := c.Argument(0).ToInteger(); id > 0 {
			vm.loop.cancel(id)
		}
		return goja.Undefined()
	}
	g := vm.base
	_ = g.Set("setTimeout", timer(false, true))
	_ = g.Set("setInterval", timer(true, true))
	_ = g.Set("setImmediate", timer(false, false))
	_ = g.Set("clearTimeout", clearTimer)
	_ = g.Set("clearInterval", clearTimer)
	_ = g.Set("clearImmediate", clearTimer)
	if v, err := rt.RunString(`(function (P) { return function queueMicrotask(fn) {
		if (typeof fn !== "function") throw new TypeError("The \"callback\" argument must be of type function");
		P.resolve().then(function () { fn(); });
	}; })(Promise)`); err == nil {
		_ = g.Set("queueMicrotask", v)
	}
}
