package runtime

import (
	"context"
	"fmt"
	"log/slog"
	goruntime "runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// pool is a bounded set of warm VMs. A request takes one, waiting at most the
// queue timeout; a VM that was interrupted or panicked is replaced by a new
// one instead of going back.
type pool struct {
	h       *host
	idle    chan *VM
	timeout time.Duration
	wg      sync.WaitGroup // replacements in progress

	mu   sync.Mutex
	all  map[*VM]struct{} // every live VM, for the watchdog
	stop chan struct{}
	done chan struct{}

	// waiting counts the requests waiting in get (PoolStats).
	waiting atomic.Int64

	// The memory guard (run by the watchdog when maxMemory > 0).
	maxMemory  int64
	heap       *heapMetrics
	victims    int       // runs it stopped whose VM is not yet dropped (under mu)
	quietTill  time.Time // no check before this, after finding nothing to stop
	collecting atomic.Bool
}

func newPool(h *host, size int, timeout time.Duration) (*pool, error) {
	p := &pool{h: h, idle: make(chan *VM, size), timeout: timeout, all: map[*VM]struct{}{},
		stop: make(chan struct{}), done: make(chan struct{}),
		maxMemory: h.cfg.MaxMemory, heap: newHeapMetrics()}
	for i := 0; i < size; i++ {
		vm, err := p.newVM()
		if err != nil {
			return nil, fmt.Errorf("creating VM: %w", err)
		}
		p.idle <- vm
	}
	go p.watchdog(h.cfg.Timeout)
	return p, nil
}

func (p *pool) newVM() (*VM, error) {
	vm, err := newVM(p.h)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.all[vm] = struct{}{}
	p.mu.Unlock()
	return vm, nil
}

// watchdog interrupts scripts that run past their deadline, and guards the
// memory budget (checkMemory). It looks at the VMs every timeout/10,
// between 5 ms and 50 ms, so a run ends at most that much after its limit.
// One ticker for the pool costs far less than arming a timer per request.
func (p *pool) watchdog(timeout time.Duration) {
	defer close(p.done)
	if timeout <= 0 && p.maxMemory <= 0 {
		<-p.stop
		return
	}
	tick := watchdogTick
	if timeout > 0 {
		tick = min(max(timeout/10, 5*time.Millisecond), watchdogTick)
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case now := <-t.C:
			n := now.UnixNano()
			p.mu.Lock()
			for vm := range p.all {
				vm.expire(n)
			}
			p.mu.Unlock()
			if p.maxMemory > 0 && now.After(p.quietTill) {
				p.checkMemory(now)
			}
		}
	}
}

// watchdogTick is the longest time between two looks of the watchdog.
const watchdogTick = 50 * time.Millisecond

// checkMemory keeps the Go heap under the budget. Reading the heap costs a
// few hundred nanoseconds. When it holds more than the budget but the last
// collection found less live, the excess may be garbage: the guard starts a
// collection (on its own goroutine, since a collection waits for every
// goroutine to reach a safe point, and a built-in copying a large string
// is not one) and looks again at the next tick. When the live heap is over
// the budget, it stops the longest-running script (503) and waits until its
// VM is dropped and the memory returned to the system before it looks
// again. Which run allocated is not known; the longest-running one is the
// likeliest, and the one the others have waited on longest.
func (p *pool) checkMemory(now time.Time) {
	objects, live := p.heap.read()
	if objects <= p.maxMemory {
		return
	}
	p.mu.Lock()
	waiting := p.victims > 0
	p.mu.Unlock()
	if waiting {
		return
	}
	if live <= p.maxMemory {
		if p.collecting.CompareAndSwap(false, true) {
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				goruntime.GC()
				p.collecting.Store(false)
			}()
		}
		return
	}
	p.mu.Lock()
	var oldest *VM
	var at int64
	for vm := range p.all {
		if s := vm.started.Load(); s != 0 && (oldest == nil || s < at) {
			oldest, at = vm, s
		}
	}
	// Taking the start (as the watchdog takes a deadline) tells the run it
	// was stopped, even when it ends before the interrupt is seen.
	if oldest != nil && oldest.started.CompareAndSwap(at, 0) {
		oldest.memVictim = true
		oldest.interrupt(stopMemory)
		p.victims++
	}
	p.mu.Unlock()
	if oldest == nil {
		p.quietTill = now.Add(time.Second)
		p.h.logger.Warn("memory over the budget with no script running",
			slog.Int64("live", live), slog.Int64("budget", p.maxMemory))
		return
	}
	p.h.logger.Warn("memory over the budget: stopping the longest-running script",
		slog.Int64("live", live), slog.Int64("budget", p.maxMemory),
		slog.Duration("running", now.Sub(time.Unix(0, at))))
}

// get returns an idle VM, waiting until one is free, ctx is done or the
// queue timeout passes (ErrBusy).
func (p *pool) get(ctx context.Context) (*VM, error) {
	select {
	case vm := <-p.idle:
		return vm, nil
	default:
	}
	start := time.Now()
	p.waiting.Add(1)
	vm, err := p.wait(ctx)
	p.waiting.Add(-1)
	p.h.cfg.Observer.PoolWaited(time.Since(start), err)
	return vm, err
}

// wait is get when no VM is idle.
func (p *pool) wait(ctx context.Context) (*VM, error) {
	t := time.NewTimer(p.timeout)
	defer t.Stop()
	select {
	case vm := <-p.idle:
		return vm, nil
	case <-t.C:
		return nil, fmt.Errorf("%w: no VM free after %v", ErrBusy, p.timeout)
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrBusy, context.Cause(ctx))
	}
}

// put returns vm to the pool, or a fresh VM in its place when vm is broken.
// A VM the memory guard stopped is dropped and the memory returned to the
// system before the guard looks again.
func (p *pool) put(vm *VM) {
	if !vm.broken {
		p.idle <- vm
		return
	}
	p.mu.Lock()
	delete(p.all, vm)
	victim := vm.memVictim
	p.mu.Unlock()
	vm.drop()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if victim {
			debug.FreeOSMemory()
			p.mu.Lock()
			p.victims--
			p.mu.Unlock()
		}
		for {
			nvm, err := p.newVM()
			if err == nil {
				p.idle <- nvm
				return
			}
			p.h.logger.Error("replacing a VM", "error", err)
			select {
			case <-p.stop:
				return
			case <-time.After(time.Second):
			}
		}
	}()
}

// close stops the watchdog and waits for replacements in progress.
func (p *pool) close() {
	close(p.stop)
	p.wg.Wait()
	<-p.done
}
