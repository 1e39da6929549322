package runtime

import (
	"container/heap"
	"math"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// loop is a VM's event loop: the timers of the request in progress and the
// callbacks of its asynchronous Go work. Everything in it belongs to one
// request; reset drops what is left, so no timer or callback of one request
// ever runs in the next.
type loop struct {
	timers timerHeap
	byID   map[int64]*jsTimer
	nextID int64
	wait   *time.Timer

	mu      sync.Mutex
	gen     uint64   // bumped by reset; completions of older requests are dropped
	queue   []func() // callbacks to run on the VM goroutine
	pending int      // registered asynchronous operations not yet completed
	wake    chan struct{}
}

type jsTimer struct {
	id       int64
	when     time.Time
	interval time.Duration // 0 for a one-shot timer
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

// reset forgets every timer and pending operation.
func (l *loop) reset() {
	if len(l.timers) > 0 {
		clear(l.timers)
		l.timers = l.timers[:0]
		clear(l.byID)
	}
	l.mu.Lock()
	l.gen++
	l.queue = nil
	l.pending = 0
	l.mu.Unlock()
	select {
	case <-l.wake:
	default:
	}
}

func (l *loop) add(fn goja.Callable, delay time.Duration, interval bool, args []goja.Value) int64 {
	l.nextID++
	t := &jsTimer{id: l.nextID, when: time.Now().Add(delay), fn: fn, args: args}
	if interval {
		t.interval = max(delay, time.Millisecond)
	}
	heap.Push(&l.timers, t)
	l.byID[t.id] = t
	return t.id
}

func (l *loop) cancel(id int64) {
	if t, ok := l.byID[id]; ok {
		delete(l.byID, id)
		if t.index >= 0 {
			heap.Remove(&l.timers, t.index)
		}
	}
}

// Async registers one asynchronous operation of the request in progress and
// returns the function that completes it. The returned function may be called
// from any goroutine, exactly once; fn then runs on the VM goroutine (unless
// the request has ended, in which case it is dropped). The request does not
// finish while operations are pending (up to its timeout).
func (vm *VM) Async() (complete func(fn func())) {
	l := &vm.loop
	l.mu.Lock()
	gen := l.gen
	l.pending++
	l.mu.Unlock()
	var once sync.Once
	return func(fn func()) {
		once.Do(func() {
			l.mu.Lock()
			if l.gen == gen {
				l.queue = append(l.queue, fn)
			}
			l.mu.Unlock()
			l.wakeUp()
		})
	}
}

// settle runs timers and completions until none is left, or until the
// watchdog ends the run.
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
		for _, fn := range q {
			if err := vm.callback(fn); err != nil {
				return err
			}
		}
		if len(q) > 0 {
			continue
		}
		if len(l.timers) > 0 {
			t := l.timers[0]
			if d := time.Until(t.when); d <= 0 {
				if t.interval > 0 {
					t.when = time.Now().Add(t.interval)
					heap.Fix(&l.timers, 0)
				} else {
					heap.Pop(&l.timers)
					delete(l.byID, t.id)
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

// callback runs fn on the VM goroutine, turning a JavaScript exception it
// panics with into an error.
func (vm *VM) callback(fn func()) (err error) {
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
	fn()
	return nil
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
			return rt.ToValue(vm.loop.add(fn, delay, interval, args))
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
