package runtime

import (
	"context"
	"fmt"
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
}

func newPool(h *host, size int, timeout time.Duration) (*pool, error) {
	p := &pool{h: h, idle: make(chan *VM, size), timeout: timeout, all: map[*VM]struct{}{},
		stop: make(chan struct{}), done: make(chan struct{})}
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

// watchdog interrupts scripts that run past their deadline. It looks at the
// VMs a few times per timeout (every timeout/10, between 5 ms and 250 ms),
// so a run ends at most that much after its limit. One ticker for the pool
// costs far less than arming a timer per request.
func (p *pool) watchdog(timeout time.Duration) {
	defer close(p.done)
	if timeout <= 0 {
		<-p.stop
		return
	}
	t := time.NewTicker(min(max(timeout/10, 5*time.Millisecond), 250*time.Millisecond))
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
		}
	}
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
func (p *pool) put(vm *VM) {
	if !vm.broken {
		p.idle <- vm
		return
	}
	p.mu.Lock()
	delete(p.all, vm)
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
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
