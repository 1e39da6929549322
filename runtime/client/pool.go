package client

import (
	"fmt"
	"sync"
)

// workerPool runs tasks on at most max goroutines; tasks beyond wait in a
// FIFO queue of at most maxQueued. A goroutine exists only while there is
// work: when the queue is empty it exits.
type workerPool struct {
	mu        sync.Mutex
	max       int
	maxQueued int
	running   int
	queue     []*Task
	idle      *sync.Cond
}

// submit runs t at once if a worker is free, or queues it; it fails with
// KindLimit when the queue is full.
func (p *workerPool) submit(t *Task) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running < p.max {
		p.running++
		go p.work(t)
		return nil
	}
	if len(p.queue) >= p.maxQueued {
		return newError(KindLimit, CodeUnknown, t.req.URL,
			fmt.Errorf("%w: %d tasks running and %d waiting", ErrLimit, p.running, len(p.queue)))
	}
	p.queue = append(p.queue, t)
	return nil
}

func (p *workerPool) work(t *Task) {
	for t != nil {
		t.drive()
		t = p.next()
	}
}

// next pops the next queued task, or retires the calling worker.
func (p *workerPool) next() *Task {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.queue) == 0 {
		p.running--
		if p.running == 0 && p.idle != nil {
			p.idle.Broadcast()
		}
		return nil
	}
	t := p.queue[0]
	p.queue[0] = nil
	p.queue = p.queue[1:]
	return t
}

// remove takes t out of the queue; it reports whether t was queued.
func (p *workerPool) remove(t *Task) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, q := range p.queue {
		if q == t {
			copy(p.queue[i:], p.queue[i+1:])
			p.queue[len(p.queue)-1] = nil
			p.queue = p.queue[:len(p.queue)-1]
			return true
		}
	}
	return false
}

// wait blocks until no worker runs.
func (p *workerPool) wait() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.idle == nil {
		p.idle = sync.NewCond(&p.mu)
	}
	for p.running > 0 {
		p.idle.Wait()
	}
}

// stats returns the running and queued counts.
func (p *workerPool) stats() (running, queued int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running, len(p.queue)
}
