package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/dirigo/dirigo/runtime/client"
	bolt "go.etcd.io/bbolt"
)

// The client store lives in the session store's file, in the bucket
// "client" and its sub-buckets, beside the session buckets: one file to
// configure, back up and lock, and one bbolt handle (a bbolt file can be
// open only once per process). Its writes are transactions of their own,
// batched with db.Batch so that concurrent tasks share commits; they do
// not go through the session store's flusher, whose in-memory, coalescing
// design suits sessions, not an event queue that must be durable before an
// event is delivered.
const (
	bucketClient    = "client"
	bucketCSessions = "sessions" // id → value
	bucketCTasks    = "tasks"    // taskKey(session, id) → value
	bucketCCounters = "counters" // session → next task id - 1 (uint64)
	bucketCEvents   = "events"   // eventKey(owner, session, seq) → value
	bucketCExpiry   = "expiry"   // indexKey(expiry, tag+key) → nothing
)

// Tags of the expiry index entries: which bucket the key is in.
const (
	tagSession = 's'
	tagTask    = 't'
	tagEvent   = 'e'
)

// A ClientStore keeps the background sessions, task records and listener
// queues of the outbound client (a client.Store and client.Outbox) in the
// session store's file. Get it with [Store.ClientStore]; it works until the
// Store is closed. It is safe for concurrent use.
type ClientStore struct {
	s *Store
}

var (
	_ client.Store        = (*ClientStore)(nil)
	_ client.Outbox       = (*ClientStore)(nil)
	_ client.StoreSweeper = (*ClientStore)(nil)
)

// ClientStore returns the store of the outbound client's records in this
// file, creating its buckets when the file has none yet (a file written by
// an earlier dirigo).
func (s *Store) ClientStore() (*ClientStore, error) {
	err := s.update(func(tx *bolt.Tx) error {
		top, err := tx.CreateBucketIfNotExists([]byte(bucketClient))
		if err != nil {
			return err
		}
		for _, name := range []string{bucketCSessions, bucketCTasks, bucketCCounters, bucketCEvents, bucketCExpiry} {
			if _, err := top.CreateBucketIfNotExists([]byte(name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("opening the client store in %s: %w", s.cfg.Path, err)
	}
	return &ClientStore{s: s}, nil
}

// cb returns the client sub-bucket name of tx.
func cb(tx *bolt.Tx, name string) *bolt.Bucket {
	return tx.Bucket([]byte(bucketClient)).Bucket([]byte(name))
}

// micros returns t in µs, 0 for the zero time (no expiry).
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	if us := t.UnixMicro(); us != 0 {
		return us
	}
	return 1
}

// value encodes a record: its expiry (µs, 0: none) and data.
func value(exp int64, data []byte) []byte {
	b := make([]byte, 8+len(data))
	binary.BigEndian.PutUint64(b, uint64(exp))
	copy(b[8:], data)
	return b
}

// live returns the data of v when it has not expired at now (µs).
func live(v []byte, now int64) ([]byte, bool) {
	if len(v) < 8 {
		return nil, false
	}
	exp := int64(binary.BigEndian.Uint64(v))
	if exp != 0 && now >= exp {
		return nil, false
	}
	return v[8:], true
}

func expOf(v []byte) int64 {
	if len(v) < 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

// lp appends s with a 2-byte length prefix.
func lp(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

func taskPrefix(session string) []byte { return lp(nil, session) }

func taskKey(session string, id int64) []byte {
	return binary.BigEndian.AppendUint64(taskPrefix(session), uint64(id))
}

func queuePrefix(owner, session string) []byte { return lp(lp(nil, owner), session) }

func eventKey(owner, session string, seq int64) []byte {
	return binary.BigEndian.AppendUint64(queuePrefix(owner, session), uint64(seq))
}

// checkName refuses identifiers that do not fit a key.
func checkName(what, s string) error {
	if len(s) > 4096 {
		return fmt.Errorf("boltstore: client %s of %d bytes is too long (4096 at most)", what, len(s))
	}
	return nil
}

func (c *ClientStore) now() int64 { return c.s.cfg.Now().UnixMicro() }

// begin fails when ctx is done or the store is closed.
func (c *ClientStore) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.s.closed.Load() {
		return errClosed
	}
	return nil
}

// put stores v under key in bucket name, keeping the expiry index right.
func put(tx *bolt.Tx, name string, tag byte, key []byte, exp int64, data []byte) error {
	b, idx := cb(tx, name), cb(tx, bucketCExpiry)
	ik := append([]byte{tag}, key...)
	if old := b.Get(key); old != nil {
		if e := expOf(old); e != 0 {
			if err := idx.Delete(indexKey(e, string(ik))); err != nil {
				return err
			}
		}
	}
	if err := b.Put(key, value(exp, data)); err != nil {
		return err
	}
	if exp != 0 {
		return idx.Put(indexKey(exp, string(ik)), nil)
	}
	return nil
}

// del deletes key from bucket name with its index entry.
func del(tx *bolt.Tx, name string, tag byte, key []byte) error {
	b := cb(tx, name)
	old := b.Get(key)
	if old == nil {
		return nil
	}
	if e := expOf(old); e != 0 {
		if err := cb(tx, bucketCExpiry).Delete(indexKey(e, string(append([]byte{tag}, key...)))); err != nil {
			return err
		}
	}
	return b.Delete(key)
}

// get returns a copy of the unexpired data under key, or ErrNotFound.
func (c *ClientStore) get(ctx context.Context, name string, key []byte) ([]byte, error) {
	if err := c.begin(ctx); err != nil {
		return nil, err
	}
	now := c.now()
	var out []byte
	err := c.s.view(func(tx *bolt.Tx) error {
		d, ok := live(cb(tx, name).Get(key), now)
		if !ok {
			return client.ErrNotFound
		}
		out = bytes.Clone(d)
		return nil
	})
	return out, err
}

// batch runs fn in a batched write transaction.
func (c *ClientStore) batch(ctx context.Context, fn func(*bolt.Tx) error) (err error) {
	if err := c.begin(ctx); err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("writing %s: the file is corrupt (bbolt: %v)", c.s.cfg.Path, p)
		}
	}()
	return c.s.db.Batch(fn)
}

// SaveSession implements client.Store.
func (c *ClientStore) SaveSession(ctx context.Context, id string, data []byte, expires time.Time) error {
	if err := checkName("session identifier", id); err != nil {
		return err
	}
	return c.batch(ctx, func(tx *bolt.Tx) error {
		return put(tx, bucketCSessions, tagSession, []byte(id), micros(expires), data)
	})
}

// LoadSession implements client.Store.
func (c *ClientStore) LoadSession(ctx context.Context, id string) ([]byte, error) {
	return c.get(ctx, bucketCSessions, []byte(id))
}

// DeleteSession implements client.Store.
func (c *ClientStore) DeleteSession(ctx context.Context, id string) error {
	return c.batch(ctx, func(tx *bolt.Tx) error {
		return del(tx, bucketCSessions, tagSession, []byte(id))
	})
}

// ListSessions implements client.Store.
func (c *ClientStore) ListSessions(ctx context.Context) ([]string, error) {
	if err := c.begin(ctx); err != nil {
		return nil, err
	}
	now := c.now()
	var out []string
	err := c.s.view(func(tx *bolt.Tx) error {
		return cb(tx, bucketCSessions).ForEach(func(k, v []byte) error {
			if _, ok := live(v, now); ok {
				out = append(out, string(k))
			}
			return nil
		})
	})
	return out, err
}

// NextTaskID implements client.Store.
func (c *ClientStore) NextTaskID(ctx context.Context, session string) (int64, error) {
	if err := checkName("session identifier", session); err != nil {
		return 0, err
	}
	var id int64
	err := c.batch(ctx, func(tx *bolt.Tx) error {
		b := cb(tx, bucketCCounters)
		var n uint64
		if v := b.Get([]byte(session)); len(v) == 8 {
			n = binary.BigEndian.Uint64(v)
		}
		n++
		id = int64(n)
		return b.Put([]byte(session), binary.BigEndian.AppendUint64(nil, n))
	})
	return id, err
}

// SaveTask implements client.Store.
func (c *ClientStore) SaveTask(ctx context.Context, session string, id int64, data []byte, expires time.Time) error {
	if err := checkName("session identifier", session); err != nil {
		return err
	}
	return c.batch(ctx, func(tx *bolt.Tx) error {
		return put(tx, bucketCTasks, tagTask, taskKey(session, id), micros(expires), data)
	})
}

// LoadTask implements client.Store.
func (c *ClientStore) LoadTask(ctx context.Context, session string, id int64) ([]byte, error) {
	return c.get(ctx, bucketCTasks, taskKey(session, id))
}

// DeleteTask implements client.Store.
func (c *ClientStore) DeleteTask(ctx context.Context, session string, id int64) error {
	return c.batch(ctx, func(tx *bolt.Tx) error {
		return del(tx, bucketCTasks, tagTask, taskKey(session, id))
	})
}

// ListTasks implements client.Store.
func (c *ClientStore) ListTasks(ctx context.Context, session string) ([]int64, error) {
	if err := c.begin(ctx); err != nil {
		return nil, err
	}
	now := c.now()
	prefix := taskPrefix(session)
	var out []int64
	err := c.s.view(func(tx *bolt.Tx) error {
		cur := cb(tx, bucketCTasks).Cursor()
		for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
			if len(k) != len(prefix)+8 {
				continue
			}
			if _, ok := live(v, now); ok {
				out = append(out, int64(binary.BigEndian.Uint64(k[len(prefix):])))
			}
		}
		return nil
	})
	return out, err
}

// PushEvent implements client.Outbox.
func (c *ClientStore) PushEvent(ctx context.Context, owner, session string, data []byte, expires time.Time) (int64, error) {
	if err := errors.Join(checkName("instance", owner), checkName("session identifier", session)); err != nil {
		return 0, err
	}
	prefix := queuePrefix(owner, session)
	var seq int64
	err := c.batch(ctx, func(tx *bolt.Tx) error {
		// The next number follows the last record of the queue.
		cur := cb(tx, bucketCEvents).Cursor()
		seq = 1
		end := binary.BigEndian.AppendUint64(bytes.Clone(prefix), ^uint64(0))
		k, _ := cur.Seek(end)
		if k == nil || !bytes.Equal(k, end) {
			k, _ = cur.Prev()
		}
		if k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+8 {
			seq = int64(binary.BigEndian.Uint64(k[len(prefix):])) + 1
		}
		return put(tx, bucketCEvents, tagEvent, eventKey(owner, session, seq), micros(expires), data)
	})
	return seq, err
}

// PeekEvents implements client.Outbox.
func (c *ClientStore) PeekEvents(ctx context.Context, owner, session string, n int) ([]client.QueuedEvent, error) {
	if err := c.begin(ctx); err != nil {
		return nil, err
	}
	now := c.now()
	prefix := queuePrefix(owner, session)
	var out []client.QueuedEvent
	err := c.s.view(func(tx *bolt.Tx) error {
		cur := cb(tx, bucketCEvents).Cursor()
		for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < n; k, v = cur.Next() {
			if len(k) != len(prefix)+8 {
				continue
			}
			if d, ok := live(v, now); ok {
				out = append(out, client.QueuedEvent{Seq: int64(binary.BigEndian.Uint64(k[len(prefix):])), Data: bytes.Clone(d)})
			}
		}
		return nil
	})
	return out, err
}

// AckEvent implements client.Outbox.
func (c *ClientStore) AckEvent(ctx context.Context, owner, session string, seq int64) error {
	return c.batch(ctx, func(tx *bolt.Tx) error {
		return del(tx, bucketCEvents, tagEvent, eventKey(owner, session, seq))
	})
}

// EventQueues implements client.Outbox.
func (c *ClientStore) EventQueues(ctx context.Context, owner string) ([]string, error) {
	if err := c.begin(ctx); err != nil {
		return nil, err
	}
	now := c.now()
	prefix := lp(nil, owner)
	var out []string
	err := c.s.view(func(tx *bolt.Tx) error {
		cur := cb(tx, bucketCEvents).Cursor()
		last := ""
		for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
			rest := k[len(prefix):]
			if len(rest) < 2 {
				continue
			}
			n := int(binary.BigEndian.Uint16(rest))
			if len(rest) != 2+n+8 {
				continue
			}
			session := string(rest[2 : 2+n])
			if session == last {
				continue
			}
			if _, ok := live(v, now); ok {
				out = append(out, session)
				last = session
			}
		}
		return nil
	})
	return out, err
}

// Sweep implements client.StoreSweeper: it deletes the records expired at
// now, and the task counters of identifiers no record is left of.
func (c *ClientStore) Sweep(now time.Time) int {
	if c.s.closed.Load() {
		return 0
	}
	us := now.UnixMicro()
	n := 0
	for {
		var m int
		more := false
		err := c.s.update(func(tx *bolt.Tx) error {
			m, more = 0, false
			idx := cb(tx, bucketCExpiry)
			cur := idx.Cursor()
			var done [][]byte
			touched := map[string]bool{}
			for k, _ := cur.First(); k != nil; k, _ = cur.Next() {
				if len(done) >= sweepChunk {
					more = true
					break
				}
				exp, ok := indexExpiry(k)
				if ok && exp > us {
					break
				}
				done = append(done, bytes.Clone(k))
				if !ok || len(k) < 9 {
					continue
				}
				tag, key := k[8], k[9:]
				var name string
				switch tag {
				case tagSession:
					name = bucketCSessions
					touched[string(key)] = true
				case tagTask:
					name = bucketCTasks
					if len(key) >= 2 {
						if l := int(binary.BigEndian.Uint16(key)); len(key) >= 2+l {
							touched[string(key[2:2+l])] = true
						}
					}
				case tagEvent:
					name = bucketCEvents
				default:
					continue
				}
				b := cb(tx, name)
				if v := b.Get(key); v != nil && expOf(v) == exp {
					if err := b.Delete(key); err != nil {
						return err
					}
					m++
				}
			}
			for _, k := range done {
				if err := idx.Delete(k); err != nil {
					return err
				}
			}
			// Drop the counters no record refers to any more.
			for session := range touched {
				if cb(tx, bucketCSessions).Get([]byte(session)) != nil {
					continue
				}
				prefix := taskPrefix(session)
				if k, _ := cb(tx, bucketCTasks).Cursor().Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) {
					continue
				}
				if err := cb(tx, bucketCCounters).Delete([]byte(session)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			c.s.log.Error("sweeping the client store", "path", c.s.cfg.Path, "err", err)
			return n
		}
		n += m
		if !more {
			return n
		}
	}
}
