package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// A DeliverFunc delivers one event of a background session to the
// session's listener (SessionConfig.Listener: for the Titanium facade, a
// script run in a fresh pooled VM through runtime.Server.Run). cfg is the
// configuration of the session the event belongs to (its Listener is not
// empty); ev is the event as handlers saw it, or EventEventsDelivered.
//
// The contract, kept by the client:
//   - Every event of a background session whose Listener is set is queued
//     durably in the Store (see [Outbox]) before any DeliverFunc call,
//     unless a handler added with [Session.Attach] received it: a request
//     was listening.
//   - Events are delivered in order per session, hence per task: the next
//     event is delivered only once the previous one returned nil.
//   - At least once: an event is removed from the queue only after the
//     DeliverFunc returned nil for it. An error (the listener threw, no VM
//     was free...) is logged and the same event is tried again after a
//     backoff (Config.DeliverBackoff doubling up to
//     Config.DeliverMaxBackoff), until it is delivered or older than
//     Config.Retention (then it is dropped and that is logged as an
//     error). A crash or a stop between a successful call and the removal
//     delivers the event again after the restart.
//   - ctx is cancelled when the client shuts down; the DeliverFunc should
//     return promptly then (the event stays queued).
//   - Calls for different sessions may run concurrently (at most
//     Config.DeliverWorkers at once); a DeliverFunc must be safe for that.
//     It must not wait for tasks of the session whose event it delivers.
//
// A DeliverFunc that has nothing to do for an event (no listener for that
// type) returns nil.
type DeliverFunc func(ctx context.Context, cfg SessionConfig, ev Event) error

// An Outbox is a [Store] that also keeps the queues of events waiting for
// delivery to session listeners. The client uses the Store's outbox when
// it has one, else one in memory (events then survive neither a restart
// nor reach another process; MemStore, the bolt store and the Redis store
// are Outboxes).
//
// The contract:
//   - A queue is named by (owner, session): owner is the Config.Instance
//     of the process whose tasks made the events; it delivers them.
//   - PushEvent appends a record and returns its sequence number,
//     strictly greater than the number of every record still in that
//     queue (across processes and restarts): push order is queue order.
//   - PeekEvents returns at most n unexpired records from the head of the
//     queue, in push order, without removing them.
//   - AckEvent removes the record seq from the queue; removing a missing
//     record is not an error.
//   - EventQueues returns the sessions that have unexpired records in a
//     queue of owner, in any order.
//   - A record whose expiry time has passed is never returned; a zero
//     expiry means it does not expire. Every method is safe for
//     concurrent use and returns promptly once ctx is done.
//
// clienttest.RunOutbox checks an implementation against this contract.
type Outbox interface {
	PushEvent(ctx context.Context, owner, session string, data []byte, expires time.Time) (int64, error)
	PeekEvents(ctx context.Context, owner, session string, n int) ([]QueuedEvent, error)
	AckEvent(ctx context.Context, owner, session string, seq int64) error
	EventQueues(ctx context.Context, owner string) ([]string, error)
}

// A QueuedEvent is a record of an [Outbox] queue.
type QueuedEvent struct {
	Seq  int64
	Data []byte
}

// queuedEvent is what the client keeps in an outbox record.
type queuedEvent struct {
	Config SessionConfig `json:"config"`
	Event  Event         `json:"event"`
	At     time.Time     `json:"at"`
}

// peekBatch is how many records a delivery worker reads at once.
const peekBatch = 16

// delivery runs the DeliverFunc over the outbox queues of this instance.
type delivery struct {
	c      *Client
	outbox Outbox

	mu      sync.Mutex
	f       DeliverFunc
	active  map[string]bool // sessions a worker drains
	again   map[string]bool // kicked while being drained
	waiting []string        // sessions waiting for a worker
	queued  map[string]bool // in waiting
	workers int
	wg      sync.WaitGroup
}

func newDelivery(c *Client) *delivery {
	d := &delivery{c: c, active: make(map[string]bool), again: make(map[string]bool), queued: make(map[string]bool)}
	if o, ok := c.cfg.Store.(Outbox); ok {
		d.outbox = o
	} else {
		d.outbox = NewMemStore()
	}
	return d
}

// StartDelivery starts delivering the events of background sessions that
// have a Listener to f, following the [DeliverFunc] contract: the events
// queued before (by this process before a restart, or before this call)
// first, in order. The server calls it once, when the runtime that runs
// the listener scripts is ready; events are queued from the start, so that
// none is missed meanwhile. Calling it again replaces f.
func (c *Client) StartDelivery(ctx context.Context, f DeliverFunc) error {
	d := c.delivery
	d.mu.Lock()
	d.f = f
	d.mu.Unlock()
	if f == nil {
		return nil
	}
	var ids []string
	_, err := c.storeCall(ctx, func(ctx context.Context) ([]byte, error) {
		var err error
		ids, err = d.outbox.EventQueues(ctx, c.cfg.Instance)
		return nil, err
	})
	for _, id := range ids {
		d.kick(id)
	}
	return err
}

// enqueue queues ev for the listener of the session cfg describes.
func (d *delivery) enqueue(cfg SessionConfig, ev Event) {
	c := d.c
	now := time.Now()
	data, err := json.Marshal(queuedEvent{Config: cfg, Event: ev, At: now})
	if err == nil {
		_, err = c.storeCall(context.Background(), func(ctx context.Context) ([]byte, error) {
			_, err := d.outbox.PushEvent(ctx, c.cfg.Instance, cfg.Identifier, data, now.Add(c.cfg.Retention))
			return nil, err
		})
	}
	if err != nil {
		c.cfg.Logger.Error("client: an event for the session's listener is lost", "session", cfg.Identifier,
			"task", ev.Task, "event", ev.Type.String(), "listener", cfg.Listener, "err", err)
		return
	}
	d.kick(cfg.Identifier)
}

// kick makes sure a worker drains the queue of session.
func (d *delivery) kick(session string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.f == nil || d.c.root.Err() != nil {
		return
	}
	switch {
	case d.active[session]:
		d.again[session] = true
	case d.queued[session]:
	case d.workers < d.c.cfg.DeliverWorkers:
		d.workers++
		d.active[session] = true
		d.wg.Add(1)
		go d.work(session)
	default:
		d.queued[session] = true
		d.waiting = append(d.waiting, session)
	}
}

// work drains queues until none waits.
func (d *delivery) work(session string) {
	defer d.wg.Done()
	for session != "" {
		d.drain(session)
		session = d.next(session)
	}
}

// next ends the drain of done and returns the next session to drain, or ""
// when the worker retires.
func (d *delivery) next(done string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.again[done] && d.c.root.Err() == nil {
		delete(d.again, done)
		return done
	}
	delete(d.again, done)
	delete(d.active, done)
	if len(d.waiting) == 0 || d.c.root.Err() != nil {
		d.workers--
		return ""
	}
	s := d.waiting[0]
	d.waiting = d.waiting[1:]
	delete(d.queued, s)
	d.active[s] = true
	return s
}

// drain delivers the queued events of session, in order, until the queue
// is empty or the client stops.
func (d *delivery) drain(session string) {
	c := d.c
	ctx := c.root
	owner := c.cfg.Instance
	var last *queuedEvent
	for ctx.Err() == nil {
		var recs []QueuedEvent
		if _, err := c.storeCall(ctx, func(sctx context.Context) ([]byte, error) {
			var err error
			recs, err = d.outbox.PeekEvents(sctx, owner, session, peekBatch)
			return nil, err
		}); err != nil {
			c.cfg.Logger.Warn("client: reading the listener queue", "session", session, "err", err)
			if !d.sleep(ctx, c.cfg.DeliverBackoff) {
				return
			}
			continue
		}
		if len(recs) == 0 {
			if last != nil && last.Event.Type != EventEventsDelivered && d.settled(session) {
				ev := Event{Type: EventEventsDelivered, Session: session, SessionKind: Background}
				d.enqueueQuiet(last.Config, ev)
				last = nil
				continue
			}
			return
		}
		for _, rec := range recs {
			var q queuedEvent
			if err := json.Unmarshal(rec.Data, &q); err != nil {
				c.cfg.Logger.Error("client: dropping a bad listener queue record", "session", session, "seq", rec.Seq, "err", err)
				d.ack(session, rec.Seq)
				continue
			}
			if !d.deliverOne(ctx, session, rec.Seq, &q) {
				return
			}
			last = &q
		}
	}
}

// deliverOne calls the DeliverFunc until it succeeds, the event is too
// old or the client stops; it reports whether to go on.
func (d *delivery) deliverOne(ctx context.Context, session string, seq int64, q *queuedEvent) bool {
	c := d.c
	wait := c.cfg.DeliverBackoff
	for attempt := 1; ; attempt++ {
		d.mu.Lock()
		f := d.f
		d.mu.Unlock()
		err := callDeliver(ctx, f, q)
		if err == nil {
			d.ack(session, seq)
			return true
		}
		if ctx.Err() != nil {
			return false // stopping: the event stays queued
		}
		if time.Since(q.At) >= c.cfg.Retention {
			c.cfg.Logger.Error("client: listener never took the event; dropped after the retention time",
				"session", session, "task", q.Event.Task, "event", q.Event.Type.String(), "listener", q.Config.Listener,
				"attempts", attempt, "err", err)
			d.ack(session, seq)
			return true
		}
		c.cfg.Logger.Warn("client: listener failed; retrying", "session", session, "task", q.Event.Task,
			"event", q.Event.Type.String(), "listener", q.Config.Listener, "attempt", attempt, "retry_in", wait, "err", err)
		if !d.sleep(ctx, wait) {
			return false
		}
		wait = min(wait*2, c.cfg.DeliverMaxBackoff)
	}
}

// callDeliver calls f, turning a panic into an error.
func callDeliver(ctx context.Context, f DeliverFunc, q *queuedEvent) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("client: listener delivery panicked: %v", r)
		}
	}()
	return f(ctx, q.Config, q.Event)
}

func (d *delivery) ack(session string, seq int64) {
	c := d.c
	if _, err := c.storeCall(context.Background(), func(ctx context.Context) ([]byte, error) {
		return nil, d.outbox.AckEvent(ctx, c.cfg.Instance, session, seq)
	}); err != nil {
		c.cfg.Logger.Warn("client: removing a delivered event from the listener queue (it will be delivered again)",
			"session", session, "seq", seq, "err", err)
	}
}

// enqueueQuiet queues ev without kicking (the caller is the drainer).
func (d *delivery) enqueueQuiet(cfg SessionConfig, ev Event) {
	c := d.c
	now := time.Now()
	data, err := json.Marshal(queuedEvent{Config: cfg, Event: ev, At: now})
	if err == nil {
		_, err = c.storeCall(context.Background(), func(ctx context.Context) ([]byte, error) {
			_, err := d.outbox.PushEvent(ctx, c.cfg.Instance, cfg.Identifier, data, now.Add(c.cfg.Retention))
			return nil, err
		})
	}
	if err != nil {
		c.cfg.Logger.Warn("client: queuing the events-delivered event", "session", cfg.Identifier, "err", err)
	}
}

// settled reports whether session has no unfinished task in this process.
func (d *delivery) settled(session string) bool {
	c := d.c
	c.mu.Lock()
	s := c.named[session]
	c.mu.Unlock()
	if s == nil {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unfinished == 0
}

// sleep waits for dur or the end of ctx; it reports whether dur passed.
func (d *delivery) sleep(ctx context.Context, dur time.Duration) bool {
	t := time.NewTimer(dur)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// wait waits for the delivery workers to retire (after the client stopped).
func (d *delivery) wait() { d.wg.Wait() }

// PendingEvents returns the number of events of this instance queued for
// the listener of session (for tests and metrics).
func (c *Client) PendingEvents(ctx context.Context, session string) (int, error) {
	var n int
	_, err := c.storeCall(ctx, func(ctx context.Context) ([]byte, error) {
		recs, err := c.delivery.outbox.PeekEvents(ctx, c.cfg.Instance, session, 1<<20)
		n = len(recs)
		return nil, err
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		return 0, err
	}
	return n, nil
}
