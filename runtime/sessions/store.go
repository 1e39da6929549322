package sessions

import (
	"context"
	"errors"
	"time"
)

// Errors of stores and of the manager. Stores return the first four; the
// manager wraps every other store failure in ErrUnavailable.
var (
	// ErrNotFound means no session is stored under the key (never created,
	// deleted, rotated away or expired).
	ErrNotFound = errors.New("sessions: session not found")
	// ErrExists means Create or Rotate found the target key taken.
	ErrExists = errors.New("sessions: session already exists")
	// ErrFull means the store is at its configured capacity.
	ErrFull = errors.New("sessions: store is full")
	// ErrUnavailable means the store failed or did not answer in time.
	ErrUnavailable = errors.New("sessions: store unavailable")
	// ErrBusy means the session stayed locked by other requests for longer
	// than Config.LockTimeout.
	ErrBusy = errors.New("sessions: session busy")
	// ErrCommitted means a change needs a new cookie but the response has
	// already started.
	ErrCommitted = errors.New("sessions: response already committed")
	// ErrLimit means a value, the session or its attribute count would go over
	// a configured limit.
	ErrLimit = errors.New("sessions: limit exceeded")
)

// Meta is the bookkeeping of a session.
type Meta struct {
	// Created is when the session was created; rotation keeps it.
	Created time.Time
	// Accessed is the start of the last request that used the session.
	Accessed time.Time
	// MaxIdle is the idle timeout; ≤ 0 means no idle limit.
	MaxIdle time.Duration
	// Deadline is the absolute end of the session; zero means none.
	Deadline time.Time
}

// Expires returns when the session expires if it is not used again: the
// earlier of Accessed+MaxIdle and Deadline, or the zero time for never.
func (m Meta) Expires() time.Time {
	var e time.Time
	if m.MaxIdle > 0 {
		e = m.Accessed.Add(m.MaxIdle)
	}
	if !m.Deadline.IsZero() && (e.IsZero() || m.Deadline.Before(e)) {
		e = m.Deadline
	}
	return e
}

// Expired reports whether the session has expired at now.
func (m Meta) Expired(now time.Time) bool {
	e := m.Expires()
	return !e.IsZero() && !now.Before(e)
}

// An Attr is one session attribute.
type Attr struct {
	// Seq orders attributes by their first setting (getAttributeNames order).
	Seq uint64
	// Value is the attribute's JSON text.
	Value []byte
}

// A Record is a stored session.
type Record struct {
	Meta
	Attrs map[string]Attr
}

// A Change is what one commit does to a stored session: replace the meta,
// set the attributes in Set and remove those in Delete.
type Change struct {
	Meta
	Set    map[string]Attr
	Delete []string
}

// A Store keeps sessions under opaque keys. The manager derives keys from
// session IDs (a hash), so a store never sees an ID. The manager serializes
// the requests of one session, so a store sees at most one write per key at
// a time from one process; it must still be safe for concurrent use across
// keys, and a store shared by several processes must make Update and Rotate
// atomic with their existence check.
//
// Create, Update and Rotate may keep the byte slices of the attribute
// values they are given; the caller never modifies them afterwards. They
// must not keep the maps.
//
// A store enforces expiry at least on Load and may forget expired sessions
// at any time (TTLs, sweeping). Errors other than the ones below mean the
// store failed; the manager answers them with 503, never with a new session.
// Every method must return promptly once ctx is done.
type Store interface {
	// Load returns the session stored under key, or ErrNotFound when there is
	// none or it has expired. The caller must not modify the record, and the
	// store must not modify it after returning it.
	Load(ctx context.Context, key string) (*Record, error)
	// Create stores a new session. It returns ErrExists when key is taken and
	// ErrFull when the store is at its capacity.
	Create(ctx context.Context, key string, rec *Record) error
	// Update applies c to the session under key, all or nothing. It returns
	// ErrNotFound, and writes nothing, when no session is stored under key:
	// an update never recreates a deleted or rotated session.
	Update(ctx context.Context, key string, c *Change) error
	// Rotate moves the session from oldKey to newKey and applies c, all or
	// nothing; afterwards oldKey is gone. It returns ErrNotFound when nothing
	// is stored under oldKey and ErrExists when newKey is taken.
	Rotate(ctx context.Context, oldKey, newKey string, c *Change) error
	// Delete removes the session under key. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// A Sweeper is a Store that removes expired sessions when asked; the manager
// calls Sweep periodically. Stores with their own expiry (Redis TTLs) do not
// implement it.
type Sweeper interface {
	// Sweep deletes the sessions expired at now and returns how many it deleted.
	Sweep(ctx context.Context, now time.Time) (int, error)
}

// A Locker is a Store shared by several processes that can serialize the
// requests of one session across them. The manager always serializes the
// requests of one process itself and then, for a Locker, also takes the
// store's lock.
type Locker interface {
	// Lock blocks until it holds the lock of key or ctx is done (then it
	// returns ErrBusy, or ErrUnavailable when the store failed). The lock
	// must expire by itself if its holder dies. unlock releases it.
	Lock(ctx context.Context, key string) (unlock func(), err error)
}

// An UnlockingUpdater is a Locker that can release a session's lock in the
// same step as the request's last update, saving a round trip. The manager
// uses it for the final commit of a request that holds the lock.
type UnlockingUpdater interface {
	// UpdateAndUnlock is Update followed, in the same atomic step, by the
	// release of the lock this process took on key with Lock. On success
	// the lock is released and the unlock function Lock returned does
	// nothing; on failure the caller still calls it.
	UpdateAndUnlock(ctx context.Context, key string, c *Change) error
}
