package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dirigo/dirigo/runtime/client"
)

// A ClientStore keeps the background sessions, task records and listener
// queues of the outbound client (a client.Store and client.Outbox) in the
// session store's Redis, under Prefix + "client:", so that every dirigo
// process sharing the server reads them. Get it with [Store.ClientStore];
// it shares the store's connections and works until the store is closed.
//
// The keys (P is Prefix + "client:"):
//
//	P s:<id>                  session record (a string with its expiry)
//	P sessions                sorted set: session id → expiry (ms, +inf: none)
//	P t:<session>:<task>      task record (a string with its expiry)
//	P ti:<session>            sorted set: task id → expiry of its record
//	P tc:<session>            task counter (INCR); kept, a few bytes
//	P q:<len(owner)>:<owner>:<session>
//	                          listener queue: sorted set, score = sequence,
//	                          member "<seq>:<expiry ms>:<data>"
//	P qs:<len(owner)>:<owner> set of the sessions with a queue of owner
//
// Records expire through Redis TTLs; the sorted sets drop expired members
// as they are written and read. Writes touching two keys are one Lua
// script or one MULTI, so no index ever lacks its record for long.
type ClientStore struct {
	s *Store
	p string
}

var (
	_ client.Store  = (*ClientStore)(nil)
	_ client.Outbox = (*ClientStore)(nil)
)

// ClientStore returns the store of the outbound client's records in this
// Redis.
func (s *Store) ClientStore() *ClientStore {
	return &ClientStore{s: s, p: s.prefix + "client:"}
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// score is the expiry score of a record: +inf for none.
func score(expires time.Time) float64 {
	if expires.IsZero() {
		return math.Inf(1)
	}
	return float64(ms(expires))
}

func clientErr(doing string, err error) error {
	return fmt.Errorf("redisstore: client %s: %w", doing, err)
}

func (c *ClientStore) sessionKey(id string) string { return c.p + "s:" + id }
func (c *ClientStore) taskKey(s string, id int64) string {
	return c.p + "t:" + s + ":" + strconv.FormatInt(id, 10)
}
func (c *ClientStore) taskIndex(s string) string { return c.p + "ti:" + s }
func (c *ClientStore) counter(s string) string   { return c.p + "tc:" + s }
func (c *ClientStore) owner(o string) string     { return strconv.Itoa(len(o)) + ":" + o }
func (c *ClientStore) queue(o, s string) string  { return c.p + "q:" + c.owner(o) + ":" + s }
func (c *ClientStore) queues(o string) string    { return c.p + "qs:" + c.owner(o) }

// set writes a record string with its expiry, and its index entry, in one
// MULTI; a record already expired is deleted.
func (c *ClientStore) set(ctx context.Context, key, index, member string, data []byte, expires time.Time, doing string) error {
	now := time.Now()
	_, err := c.s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if !expires.IsZero() && !expires.After(now) {
			p.Del(ctx, key)
			p.ZRem(ctx, index, member)
			return nil
		}
		if expires.IsZero() {
			p.Set(ctx, key, data, 0) // SET drops an earlier TTL
		} else {
			p.SetArgs(ctx, key, data, redis.SetArgs{ExpireAt: expires})
		}
		p.ZAdd(ctx, index, redis.Z{Score: score(expires), Member: member})
		p.ZRemRangeByScore(ctx, index, "-inf", "("+strconv.FormatInt(ms(now), 10))
		return nil
	})
	if err != nil {
		return clientErr(doing, err)
	}
	return nil
}

// get reads a record string.
func (c *ClientStore) get(ctx context.Context, key, doing string) ([]byte, error) {
	b, err := c.s.client.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, client.ErrNotFound
	}
	if err != nil {
		return nil, clientErr(doing, err)
	}
	return b, nil
}

// live returns the members of index whose expiry is after now.
func (c *ClientStore) live(ctx context.Context, index string) ([]string, error) {
	return c.s.client.ZRangeByScore(ctx, index, &redis.ZRangeBy{
		Min: "(" + strconv.FormatInt(ms(time.Now()), 10), Max: "+inf",
	}).Result()
}

// SaveSession implements client.Store.
func (c *ClientStore) SaveSession(ctx context.Context, id string, data []byte, expires time.Time) error {
	return c.set(ctx, c.sessionKey(id), c.p+"sessions", id, data, expires, "saving session")
}

// LoadSession implements client.Store.
func (c *ClientStore) LoadSession(ctx context.Context, id string) ([]byte, error) {
	return c.get(ctx, c.sessionKey(id), "loading session")
}

// DeleteSession implements client.Store.
func (c *ClientStore) DeleteSession(ctx context.Context, id string) error {
	_, err := c.s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, c.sessionKey(id))
		p.ZRem(ctx, c.p+"sessions", id)
		return nil
	})
	if err != nil {
		return clientErr("deleting session", err)
	}
	return nil
}

// ListSessions implements client.Store.
func (c *ClientStore) ListSessions(ctx context.Context) ([]string, error) {
	ids, err := c.live(ctx, c.p+"sessions")
	if err != nil {
		return nil, clientErr("listing sessions", err)
	}
	return ids, nil
}

// NextTaskID implements client.Store.
func (c *ClientStore) NextTaskID(ctx context.Context, session string) (int64, error) {
	n, err := c.s.client.Incr(ctx, c.counter(session)).Result()
	if err != nil {
		return 0, clientErr("numbering a task", err)
	}
	return n, nil
}

// SaveTask implements client.Store.
func (c *ClientStore) SaveTask(ctx context.Context, session string, id int64, data []byte, expires time.Time) error {
	return c.set(ctx, c.taskKey(session, id), c.taskIndex(session), strconv.FormatInt(id, 10), data, expires, "saving task")
}

// LoadTask implements client.Store.
func (c *ClientStore) LoadTask(ctx context.Context, session string, id int64) ([]byte, error) {
	return c.get(ctx, c.taskKey(session, id), "loading task")
}

// DeleteTask implements client.Store.
func (c *ClientStore) DeleteTask(ctx context.Context, session string, id int64) error {
	_, err := c.s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, c.taskKey(session, id))
		p.ZRem(ctx, c.taskIndex(session), strconv.FormatInt(id, 10))
		return nil
	})
	if err != nil {
		return clientErr("deleting task", err)
	}
	return nil
}

// ListTasks implements client.Store.
func (c *ClientStore) ListTasks(ctx context.Context, session string) ([]int64, error) {
	members, err := c.live(ctx, c.taskIndex(session))
	if err != nil {
		return nil, clientErr("listing tasks", err)
	}
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		if n, err := strconv.ParseInt(m, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// pushScript appends ARGV[1] ("<expiry ms>:<data>") to the queue KEYS[1]
// under the number after its last one, and adds ARGV[2] (the session) to
// the owner's set KEYS[2]. It returns the number.
var pushScript = redis.NewScript(`
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local seq = 1
if last[2] then seq = tonumber(last[2]) + 1 end
redis.call('ZADD', KEYS[1], seq, seq .. ':' .. ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return seq
`)

// ackScript removes the record ARGV[1] from the queue KEYS[1], and the
// session ARGV[2] from the owner's set KEYS[2] once the queue is empty.
var ackScript = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[2]) end
return 0
`)

// PushEvent implements client.Outbox.
func (c *ClientStore) PushEvent(ctx context.Context, owner, session string, data []byte, expires time.Time) (int64, error) {
	exp := int64(0)
	if !expires.IsZero() {
		exp = max(ms(expires), 1)
	}
	arg := make([]byte, 0, 24+len(data))
	arg = strconv.AppendInt(arg, exp, 10)
	arg = append(arg, ':')
	arg = append(arg, data...)
	seq, err := pushScript.Run(ctx, c.s.client, []string{c.queue(owner, session), c.queues(owner)}, arg, session).Int64()
	if err != nil {
		return 0, clientErr("queuing an event", err)
	}
	return seq, nil
}

// PeekEvents implements client.Outbox. Expired records met at the head
// are removed.
func (c *ClientStore) PeekEvents(ctx context.Context, owner, session string, n int) ([]client.QueuedEvent, error) {
	key := c.queue(owner, session)
	now := ms(time.Now())
	var out []client.QueuedEvent
	for start := int64(0); len(out) < n; {
		members, err := c.s.client.ZRange(ctx, key, start, start+int64(n-len(out))-1).Result()
		if err != nil {
			return nil, clientErr("reading an event queue", err)
		}
		if len(members) == 0 {
			break
		}
		var expired []any
		for _, m := range members {
			seqS, rest, ok1 := strings.Cut(m, ":")
			expS, data, ok2 := strings.Cut(rest, ":")
			seq, err1 := strconv.ParseInt(seqS, 10, 64)
			exp, err2 := strconv.ParseInt(expS, 10, 64)
			if !ok1 || !ok2 || err1 != nil || err2 != nil {
				expired = append(expired, m) // malformed: never deliverable
				continue
			}
			if exp != 0 && now >= exp {
				expired = append(expired, m)
				continue
			}
			out = append(out, client.QueuedEvent{Seq: seq, Data: []byte(data)})
		}
		if len(expired) > 0 {
			if err := c.s.client.ZRem(ctx, key, expired...).Err(); err != nil {
				return nil, clientErr("dropping expired events", err)
			}
			start += int64(len(members) - len(expired))
			continue
		}
		start += int64(len(members))
	}
	return out, nil
}

// AckEvent implements client.Outbox.
func (c *ClientStore) AckEvent(ctx context.Context, owner, session string, seq int64) error {
	err := ackScript.Run(ctx, c.s.client, []string{c.queue(owner, session), c.queues(owner)}, seq, session).Err()
	if err != nil {
		return clientErr("removing a delivered event", err)
	}
	return nil
}

// EventQueues implements client.Outbox.
func (c *ClientStore) EventQueues(ctx context.Context, owner string) ([]string, error) {
	sessions, err := c.s.client.SMembers(ctx, c.queues(owner)).Result()
	if err != nil {
		return nil, clientErr("listing event queues", err)
	}
	var out []string
	for _, s := range sessions {
		evs, err := c.PeekEvents(ctx, owner, s, 1)
		if err != nil {
			return nil, err
		}
		if len(evs) > 0 {
			out = append(out, s)
		}
	}
	return out, nil
}
