package client

import (
	"context"
	"sort"
	"sync"
	"time"
)

// A Store keeps the records of background sessions and of their tasks, so
// that other processes sharing it, and this process after a restart, can
// find them. The client encodes the records; a store keeps opaque bytes
// (the bolt file or Redis of the session store is the intended backend).
//
// The contract:
//   - Session records are keyed by the session identifier, task records by
//     (session identifier, task identifier). Saving replaces the record.
//   - A record whose expiry time has passed is never returned by a Load or
//     a List; the store may delete it at any time. A zero expiry means the
//     record does not expire.
//   - Load returns ErrNotFound (errors.Is) for a missing or expired record;
//     any other error means the store failed. Deleting a missing record is
//     not an error.
//   - DeleteSession deletes the session record only (DeleteTask deletes a
//     task record): its task records
//     stay until they expire, so results stay readable after the session
//     is invalidated.
//   - NextTaskID returns 1, 2, 3... for a session, atomically across every
//     process sharing the store; a number is never returned twice for the
//     same identifier, DeleteSession notwithstanding (the counter may be
//     dropped once no record of that identifier is left).
//   - ListTasks returns the identifiers of the session's unexpired task
//     records in ascending order; ListSessions the identifiers of the
//     unexpired session records, in any order.
//   - The store may keep the data slices it is given (the client does not
//     modify them) and the client does not modify the slices it gets.
//   - Every method is safe for concurrent use and returns promptly once
//     ctx is done.
//
// clienttest.RunStore checks an implementation against this contract.
type Store interface {
	SaveSession(ctx context.Context, id string, data []byte, expires time.Time) error
	LoadSession(ctx context.Context, id string) ([]byte, error)
	DeleteSession(ctx context.Context, id string) error
	ListSessions(ctx context.Context) ([]string, error)

	NextTaskID(ctx context.Context, session string) (int64, error)
	SaveTask(ctx context.Context, session string, id int64, data []byte, expires time.Time) error
	LoadTask(ctx context.Context, session string, id int64) ([]byte, error)
	DeleteTask(ctx context.Context, session string, id int64) error
	ListTasks(ctx context.Context, session string) ([]int64, error)
}

// A StoreSweeper is a Store that deletes expired records when asked;
// Client.Sweep calls it. Stores with their own expiry (Redis TTLs) need
// not implement it.
type StoreSweeper interface {
	// Sweep deletes the records expired at now and returns how many.
	Sweep(now time.Time) int
}

var _ StoreSweeper = (*MemStore)(nil)

// MemStore is a Store in memory: background sessions survive neither a
// restart nor reach another process. It is the default Store.
type MemStore struct {
	mu       sync.Mutex
	now      func() time.Time
	sessions map[string]memRecord
	tasks    map[string]map[int64]memRecord
	counters map[string]int64
	queues   map[queueKey]*memQueue
}

type queueKey struct{ owner, session string }

type memQueue struct {
	seq  int64
	recs []memEvent
}

type memEvent struct {
	seq int64
	memRecord
}

type memRecord struct {
	data    []byte
	expires time.Time
}

func (r memRecord) live(now time.Time) bool {
	return r.expires.IsZero() || now.Before(r.expires)
}

var (
	_ Store  = (*MemStore)(nil)
	_ Outbox = (*MemStore)(nil)
)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{
		now:      time.Now,
		sessions: make(map[string]memRecord),
		tasks:    make(map[string]map[int64]memRecord),
		counters: make(map[string]int64),
		queues:   make(map[queueKey]*memQueue),
	}
}

// SaveSession implements Store.
func (m *MemStore) SaveSession(ctx context.Context, id string, data []byte, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[id] = memRecord{data: data, expires: expires}
	return nil
}

// LoadSession implements Store.
func (m *MemStore) LoadSession(ctx context.Context, id string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.sessions[id]
	if !ok || !r.live(m.now()) {
		return nil, ErrNotFound
	}
	return r.data, nil
}

// DeleteSession implements Store.
func (m *MemStore) DeleteSession(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, id)
	return nil
}

// ListSessions implements Store.
func (m *MemStore) ListSessions(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	var out []string
	for id, r := range m.sessions {
		if r.live(now) {
			out = append(out, id)
		}
	}
	return out, nil
}

// NextTaskID implements Store.
func (m *MemStore) NextTaskID(ctx context.Context, session string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counters[session]++
	return m.counters[session], nil
}

// SaveTask implements Store.
func (m *MemStore) SaveTask(ctx context.Context, session string, id int64, data []byte, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.tasks[session]
	if t == nil {
		t = make(map[int64]memRecord)
		m.tasks[session] = t
	}
	t[id] = memRecord{data: data, expires: expires}
	return nil
}

// LoadTask implements Store.
func (m *MemStore) LoadTask(ctx context.Context, session string, id int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.tasks[session][id]
	if !ok || !r.live(m.now()) {
		return nil, ErrNotFound
	}
	return r.data, nil
}

// DeleteTask implements Store.
func (m *MemStore) DeleteTask(ctx context.Context, session string, id int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tasks[session], id)
	return nil
}

// ListTasks implements Store.
func (m *MemStore) ListTasks(ctx context.Context, session string) ([]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	var out []int64
	for id, r := range m.tasks[session] {
		if r.live(now) {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out, nil
}

// PushEvent implements Outbox.
func (m *MemStore) PushEvent(ctx context.Context, owner, session string, data []byte, expires time.Time) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := queueKey{owner, session}
	q := m.queues[k]
	if q == nil {
		q = &memQueue{}
		m.queues[k] = q
	}
	q.seq++
	q.recs = append(q.recs, memEvent{seq: q.seq, memRecord: memRecord{data: data, expires: expires}})
	return q.seq, nil
}

// PeekEvents implements Outbox.
func (m *MemStore) PeekEvents(ctx context.Context, owner, session string, n int) ([]QueuedEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.queues[queueKey{owner, session}]
	if q == nil {
		return nil, nil
	}
	now := m.now()
	var out []QueuedEvent
	for _, r := range q.recs {
		if len(out) >= n {
			break
		}
		if r.live(now) {
			out = append(out, QueuedEvent{Seq: r.seq, Data: r.data})
		}
	}
	return out, nil
}

// AckEvent implements Outbox.
func (m *MemStore) AckEvent(ctx context.Context, owner, session string, seq int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.queues[queueKey{owner, session}]
	if q == nil {
		return nil
	}
	for i, r := range q.recs {
		if r.seq == seq {
			q.recs = append(q.recs[:i:i], q.recs[i+1:]...)
			break
		}
	}
	if len(q.recs) == 0 {
		delete(m.queues, queueKey{owner, session})
	}
	return nil
}

// EventQueues implements Outbox.
func (m *MemStore) EventQueues(ctx context.Context, owner string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	var out []string
	for k, q := range m.queues {
		if k.owner != owner {
			continue
		}
		for _, r := range q.recs {
			if r.live(now) {
				out = append(out, k.session)
				break
			}
		}
	}
	return out, nil
}

// Sweep deletes the records expired at now and returns how many.
func (m *MemStore) Sweep(now time.Time) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, q := range m.queues {
		kept := q.recs[:0]
		for _, r := range q.recs {
			if r.live(now) {
				kept = append(kept, r)
			} else {
				n++
			}
		}
		clear(q.recs[len(kept):])
		q.recs = kept
	}
	for k, q := range m.queues {
		if len(q.recs) == 0 {
			delete(m.queues, k)
		}
	}
	for id, r := range m.sessions {
		if !r.live(now) {
			delete(m.sessions, id)
			n++
		}
	}
	for s, t := range m.tasks {
		for id, r := range t {
			if !r.live(now) {
				delete(t, id)
				n++
			}
		}
		if len(t) == 0 {
			delete(m.tasks, s)
			if _, ok := m.sessions[s]; !ok {
				delete(m.counters, s)
			}
		}
	}
	return n
}
