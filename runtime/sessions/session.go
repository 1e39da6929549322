package sessions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

type state uint8

const (
	stNone   state = iota // no session: reads see an empty one, the first write creates it
	stNew                 // created by this request, not stored yet
	stLoaded              // loaded from the client's cookie (or stored by this request)
)

// Session is one request's handle on its session. The first call of any
// method reads the cookie and, when it names a stored session, waits for the
// other requests of that session (Config.LockTimeout) and loads it; the lock
// is held until End, so the requests of one session never interleave.
//
// A request that only reads creates nothing: without a cookie, reads see an
// empty new session (IsNew true, an ID that is stored only if something is
// written). Changes are kept in the handle and written by Commit, which the
// server calls before the first byte of the response.
//
// A Session is used by one goroutine at a time.
type Session struct {
	m   *Manager
	r   *http.Request
	ctx context.Context

	loaded  bool
	loadErr error
	held    heldLock // the in-process lock of the loaded session (zero if none)
	unlock  func()   // releases the store's lock (Locker stores), or nil
	locked  string   // the key whose locks are held ("" if none)
	final   bool     // the commit in progress is the request's last
	resign  bool     // the cookie verified with an old key: send it again signed with the first
	joined  bool     // the session was loaded from the client's cookie

	st        state
	id        string
	key       string
	storedKey string // key under which the session is stored now ("" if not stored)
	meta      Meta
	base      map[string]Attr   // attributes as loaded (shared with the store: never modified)
	changes   map[string]change // the request's changes over base, committed or not
	pendingN  int               // changes not committed yet
	metaDirty bool
	maxSeq    uint64
	size      int // bytes of names and values, -1 until computed

	deleteKeys  []string // invalidated sessions to delete at commit
	clearCookie bool     // send an expired cookie (invalidated, no new session)
	cookieSent  bool     // headers are out: cookie changes are no longer possible

	// Buffers of Commit, reused (stores keep neither the Change nor its maps).
	chg    Change
	setBuf map[string]Attr
	delBuf []string
}

// change is one attribute's change over the loaded attributes.
type change struct {
	attr      Attr
	deleted   bool
	committed bool
}

// load reads the cookie and loads the session it names, once.
func (s *Session) load() error {
	if s.loaded {
		return s.loadErr
	}
	s.loaded = true
	s.size = -1
	id, key, resign := s.m.readCookie(s.r)
	if id == "" {
		return nil
	}
	held, unlock, err := s.m.lock(s.ctx, key)
	if err != nil {
		s.loadErr = err
		return err
	}
	s.held, s.unlock, s.locked = held, unlock, key
	ctx := s.ctx
	rec, err := s.m.store.Load(ctx, key)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		s.loadErr = fmt.Errorf("%w: loading session: %w", ErrUnavailable, err)
		return s.loadErr
	}
	if rec.Expired(s.m.now()) {
		if err := s.m.store.Delete(ctx, key); err != nil {
			s.m.log.Warn("deleting expired session", "error", err)
		}
		return nil
	}
	s.st, s.id, s.key, s.storedKey = stLoaded, id, key, key
	s.meta, s.base, s.resign, s.joined = rec.Meta, rec.Attrs, resign, true
	return nil
}

// materialize makes sure a session exists to be written: in state stNone it
// starts a new one (stored at commit).
func (s *Session) materialize() error {
	if s.st != stNone {
		return nil
	}
	if s.cookieSent {
		return fmt.Errorf("%w: cannot create a session after the response has started; touch the session before flushing output", ErrCommitted)
	}
	s.pending()
	s.st = stNew
	return nil
}

// pending gives a not-yet-created session its ID and meta.
func (s *Session) pending() {
	if s.id != "" {
		return
	}
	now := s.m.now()
	s.id = newID()
	s.key = storeKey(s.id)
	s.meta = Meta{Created: now, Accessed: now, MaxIdle: s.m.cfg.IdleTimeout}
	if s.m.cfg.Lifetime > 0 {
		s.meta.Deadline = now.Add(s.m.cfg.Lifetime)
	}
	s.base, s.maxSeq, s.size = nil, 0, 0
	clear(s.changes)
	s.pendingN = 0
}

// ID returns the session ID. Without a session it is the ID the session will
// have if this request writes to it.
func (s *Session) ID() (string, error) {
	if err := s.load(); err != nil {
		return "", err
	}
	s.pending()
	return s.id, nil
}

// IsNew reports whether the client does not know the session yet: true
// until a request presents its cookie.
func (s *Session) IsNew() (bool, error) {
	if err := s.load(); err != nil {
		return false, err
	}
	return !s.joined, nil
}

// Exists reports whether the request has a stored session or has created one.
func (s *Session) Exists() (bool, error) {
	if err := s.load(); err != nil {
		return false, err
	}
	return s.st != stNone, nil
}

// Created returns the creation time.
func (s *Session) Created() (time.Time, error) {
	if err := s.load(); err != nil {
		return time.Time{}, err
	}
	s.pending()
	return s.meta.Created, nil
}

// LastAccessed returns the start of the previous request of the session (the
// creation time for a new one).
func (s *Session) LastAccessed() (time.Time, error) {
	if err := s.load(); err != nil {
		return time.Time{}, err
	}
	s.pending()
	return s.meta.Accessed, nil
}

// MaxInactive returns the idle timeout; ≤ 0 means none.
func (s *Session) MaxInactive() (time.Duration, error) {
	if err := s.load(); err != nil {
		return 0, err
	}
	s.pending()
	return s.meta.MaxIdle, nil
}

// SetMaxInactive sets the idle timeout; ≤ 0 means no idle limit (the
// absolute lifetime still applies). It creates the session if needed.
func (s *Session) SetMaxInactive(d time.Duration) error {
	if err := s.load(); err != nil {
		return err
	}
	if err := s.materialize(); err != nil {
		return err
	}
	if d < 0 {
		d = 0
	}
	if s.meta.MaxIdle != d {
		s.meta.MaxIdle = d
		s.metaDirty = true
	}
	return nil
}

// ReservedPrefix begins the names of the attributes the server keeps in a
// session for itself (such as the user a login form authenticated). Get,
// Set, Remove and Names treat them as none of the script's business: Get
// and Names do not see them, Set and Remove fail with ErrReserved. So no
// script can read, forge or drop them; the server reaches them with
// Private, SetPrivate and RemovePrivate. Invalidate ends them with the rest
// of the session, and ChangeID keeps them.
const ReservedPrefix = "dirigo."

// ErrReserved means a script named an attribute of the server (see
// ReservedPrefix).
var ErrReserved = errors.New("sessions: the attribute name is reserved for the server")

// Reserved reports whether name is the name of a server attribute.
func Reserved(name string) bool { return strings.HasPrefix(name, ReservedPrefix) }

// Get returns the JSON value of attribute name, and false when it is not
// set. A reserved name (ReservedPrefix) is never set, as far as Get tells.
func (s *Session) Get(name string) ([]byte, bool, error) {
	if err := s.load(); err != nil {
		return nil, false, err
	}
	if Reserved(name) {
		return nil, false, nil
	}
	a, ok := s.current(name)
	return a.Value, ok, nil
}

// Private returns the JSON value of the server attribute name (stored under
// ReservedPrefix + name), and false when it is not set.
func (s *Session) Private(name string) ([]byte, bool, error) {
	if err := s.load(); err != nil {
		return nil, false, err
	}
	a, ok := s.current(ReservedPrefix + name)
	return a.Value, ok, nil
}

// SetPrivate sets the server attribute name (ReservedPrefix + name), as Set
// sets a script's.
func (s *Session) SetPrivate(name string, value []byte) error {
	return s.set(ReservedPrefix+name, value)
}

// RemovePrivate removes the server attribute name.
func (s *Session) RemovePrivate(name string) error { return s.remove(ReservedPrefix + name) }

// Set sets attribute name to the JSON text value, creating the session if
// needed. It fails with ErrLimit when the value, the session or the number of
// attributes would go over the configured limits, and with ErrReserved for a
// reserved name (ReservedPrefix).
func (s *Session) Set(name string, value []byte) error {
	if Reserved(name) {
		return fmt.Errorf("%w: %s", ErrReserved, Quote(name))
	}
	return s.set(name, value)
}

func (s *Session) set(name string, value []byte) error {
	if err := s.load(); err != nil {
		return err
	}
	cfg := &s.m.cfg
	if len(value) > cfg.MaxValueBytes {
		return fmt.Errorf("%w: the value of %s is %d bytes, more than the %d allowed", ErrLimit, Quote(name), len(value), cfg.MaxValueBytes)
	}
	if err := s.materialize(); err != nil {
		return err
	}
	s.computeSize()
	old, had := s.current(name)
	size := s.size + len(value) - len(old.Value)
	if !had {
		size += len(name)
		if s.count() >= cfg.MaxAttributes {
			return fmt.Errorf("%w: the session already has %d attributes, the most allowed", ErrLimit, cfg.MaxAttributes)
		}
	}
	if size > cfg.MaxSessionBytes {
		return fmt.Errorf("%w: setting %s would make the session %d bytes, more than the %d allowed", ErrLimit, Quote(name), size, cfg.MaxSessionBytes)
	}
	seq := old.Seq
	if !had {
		s.maxSeq++
		seq = s.maxSeq
	}
	s.put(name, change{attr: Attr{Seq: seq, Value: value}})
	s.size = size
	return nil
}

// put records a change of name not committed yet.
func (s *Session) put(name string, c change) {
	if s.changes == nil {
		s.changes = make(map[string]change, 4)
	}
	if old, ok := s.changes[name]; !ok || old.committed {
		s.pendingN++
	}
	s.changes[name] = c
}

// Remove removes attribute name. Removing a missing attribute does nothing;
// a reserved name (ReservedPrefix) fails with ErrReserved.
func (s *Session) Remove(name string) error {
	if Reserved(name) {
		return fmt.Errorf("%w: %s", ErrReserved, Quote(name))
	}
	return s.remove(name)
}

func (s *Session) remove(name string) error {
	if err := s.load(); err != nil {
		return err
	}
	old, had := s.current(name)
	if !had {
		return nil
	}
	s.computeSize()
	s.size -= len(name) + len(old.Value)
	c, changed := s.changes[name]
	if _, stored := s.base[name]; stored || changed && c.committed {
		s.put(name, change{deleted: true})
	} else {
		delete(s.changes, name) // never stored: forget the uncommitted set
		s.pendingN--
	}
	return nil
}

// Names returns the attribute names in the order they were first set,
// without the server's (ReservedPrefix).
func (s *Session) Names() ([]string, error) {
	if err := s.load(); err != nil {
		return nil, err
	}
	type named struct {
		name string
		seq  uint64
	}
	all := make([]named, 0, len(s.base)+len(s.changes))
	for n, a := range s.base {
		if _, changed := s.changes[n]; !changed && !Reserved(n) {
			all = append(all, named{n, a.Seq})
		}
	}
	for n, c := range s.changes {
		if !c.deleted && !Reserved(n) {
			all = append(all, named{n, c.attr.Seq})
		}
	}
	slices.SortFunc(all, func(a, b named) int {
		if a.seq != b.seq {
			if a.seq < b.seq {
				return -1
			}
			return 1
		}
		if a.name < b.name {
			return -1
		}
		return 1
	})
	names := make([]string, len(all))
	for i, a := range all {
		names[i] = a.name
	}
	return names, nil
}

// Invalidate ends the session: it is deleted at commit and the client gets
// an expired cookie. Later calls in the same request see a fresh, empty
// session (Dirigible's behaviour), which a write creates.
func (s *Session) Invalidate() error {
	if err := s.load(); err != nil {
		return err
	}
	if s.storedKey != "" {
		if s.cookieSent {
			return fmt.Errorf("%w: cannot invalidate the session after the response has started", ErrCommitted)
		}
		s.deleteKeys = append(s.deleteKeys, s.storedKey)
		s.clearCookie = true
	}
	s.st, s.id, s.key, s.storedKey = stNone, "", "", ""
	s.base, s.metaDirty, s.maxSeq, s.size = nil, false, 0, 0
	clear(s.changes)
	s.pendingN = 0
	s.resign, s.joined = false, false
	return nil
}

// ChangeID gives the session a new ID, keeping its data, creation time and
// lifetime; the old ID stops working at commit. It creates the session if
// needed and returns the new ID.
func (s *Session) ChangeID() (string, error) {
	if err := s.load(); err != nil {
		return "", err
	}
	if s.cookieSent {
		return "", fmt.Errorf("%w: cannot change the session ID after the response has started", ErrCommitted)
	}
	if err := s.materialize(); err != nil {
		return "", err
	}
	s.id = newID()
	s.key = storeKey(s.id)
	return s.id, nil
}

// Create makes sure the session exists (stored at commit), like PROIV's
// createSession(): nothing happens when there is one already.
func (s *Session) Create() error {
	if err := s.load(); err != nil {
		return err
	}
	return s.materialize()
}

func (s *Session) current(name string) (Attr, bool) {
	if c, ok := s.changes[name]; ok {
		return c.attr, !c.deleted
	}
	a, ok := s.base[name]
	return a, ok
}

func (s *Session) count() int {
	n := len(s.base)
	for name, c := range s.changes {
		_, stored := s.base[name]
		switch {
		case c.deleted && stored:
			n--
		case !c.deleted && !stored:
			n++
		}
	}
	return n
}

// computeSize sums the stored attributes once, with their highest Seq.
func (s *Session) computeSize() {
	if s.size >= 0 {
		return
	}
	s.size = 0
	for n, a := range s.base {
		s.size += len(n) + len(a.Value)
		s.maxSeq = max(s.maxSeq, a.Seq)
	}
}

// Commit writes the request's session changes to the store and their cookie
// to h: a new session is created, a changed one updated (only the changed
// attributes), a rotated one moved, an invalidated one deleted, and an
// unchanged one has its last-access time refreshed when it is stale. It is
// called before the first byte of the response; after it, changes that need
// a new cookie fail with ErrCommitted, and others are written by the next
// Commit. A failed commit writes no cookie and wraps ErrUnavailable, ErrFull
// or ErrNotFound (the session vanished under a parallel request).
func (s *Session) Commit(h http.Header) error {
	defer func() { s.cookieSent = true }()
	if !s.loaded || s.loadErr != nil {
		return nil
	}
	now := s.m.now()
	ctx := s.ctx
	for len(s.deleteKeys) > 0 {
		if err := s.m.store.Delete(ctx, s.deleteKeys[0]); err != nil {
			return fmt.Errorf("%w: deleting session: %w", ErrUnavailable, err)
		}
		s.deleteKeys = s.deleteKeys[1:]
	}
	setCookie := false
	switch s.st {
	case stNew:
		s.meta.Accessed = now
		rec := &Record{Meta: s.meta, Attrs: s.merged()}
		if err := s.m.store.Create(ctx, s.key, rec); err != nil {
			return storeErr("creating session", err)
		}
		s.st, s.storedKey, s.base, s.metaDirty = stLoaded, s.key, rec.Attrs, false
		clear(s.changes)
		s.pendingN = 0
		setCookie = true
	case stLoaded:
		if s.storedKey == s.key && s.locked != s.key && (s.pendingN > 0 || s.metaDirty) {
			// Created or rotated by an earlier commit of this request, whose
			// cookie is out: other requests may use the session now.
			if err := s.relock(); err != nil {
				return err
			}
		}
		c := s.change()
		if s.storedKey != s.key {
			c.Accessed = now
			if err := s.m.store.Rotate(ctx, s.storedKey, s.key, c); err != nil {
				return storeErr("rotating session ID", err)
			}
			setCookie = true
		} else if s.pendingN > 0 || s.metaDirty || now.Sub(s.meta.Accessed) >= s.touchInterval() {
			c.Accessed = now
			if err := s.update(ctx, c); err != nil {
				return storeErr("updating session", err)
			}
		} else {
			break
		}
		s.storedKey, s.meta, s.metaDirty = s.key, c.Meta, false
		// The committed changes stay as an overlay on the loaded attributes.
		for name, ch := range s.changes {
			if !ch.committed {
				ch.committed = true
				s.changes[name] = ch
			}
		}
		s.pendingN = 0
	}
	if s.resign && s.st == stLoaded {
		setCookie = true
	}
	s.resign = false
	switch {
	case setCookie:
		if err := s.writeCookie(h, s.id); err != nil {
			return err
		}
		s.clearCookie = false
	case s.clearCookie:
		s.writeCookie(h, "")
		s.clearCookie = false
	}
	return nil
}

func storeErr(what string, err error) error {
	switch {
	case errors.Is(err, ErrFull), errors.Is(err, ErrNotFound), errors.Is(err, ErrExists):
		return fmt.Errorf("%s: %w", what, err)
	default:
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, what, err)
	}
}

// change returns the uncommitted changes as a store Change, in buffers the
// handle reuses (stores keep neither the Change nor its maps).
func (s *Session) change() *Change {
	clear(s.setBuf)
	s.delBuf = s.delBuf[:0]
	for name, ch := range s.changes {
		switch {
		case ch.committed:
		case ch.deleted:
			s.delBuf = append(s.delBuf, name)
		default:
			if s.setBuf == nil {
				s.setBuf = make(map[string]Attr, len(s.changes))
			}
			s.setBuf[name] = ch.attr
		}
	}
	s.chg = Change{Meta: s.meta}
	if len(s.setBuf) > 0 {
		s.chg.Set = s.setBuf
	}
	if len(s.delBuf) > 0 {
		s.chg.Delete = s.delBuf
	}
	return &s.chg
}

// merged returns a new map of the loaded attributes with the changes applied.
func (s *Session) merged() map[string]Attr {
	m := make(map[string]Attr, len(s.base)+len(s.changes))
	for n, a := range s.base {
		m[n] = a
	}
	for n, c := range s.changes {
		if c.deleted {
			delete(m, n)
		} else {
			m[n] = c.attr
		}
	}
	return m
}

// writeCookie adds the session cookie for id to h, or an expired cookie when
// id is empty, with the headers that keep shared caches from storing it.
func (s *Session) writeCookie(h http.Header, id string) error {
	secure := s.r.TLS != nil
	name := s.m.cookieName(secure)
	c := &http.Cookie{Name: name, Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
	if id == "" {
		c.MaxAge = -1
		c.Expires = time.Unix(0, 0)
	} else {
		v, err := s.m.encode(name, id)
		if err != nil {
			return fmt.Errorf("sessions: signing cookie: %w", err)
		}
		c.Value = v
	}
	h.Add("Set-Cookie", c.String())
	if !slices.Contains(h.Values("Vary"), "Cookie") {
		h.Add("Vary", "Cookie")
	}
	h.Set("Cache-Control", "no-store")
	return nil
}

// update writes c, releasing the store's lock in the same step when this is
// the request's last commit and the store can.
func (s *Session) update(ctx context.Context, c *Change) error {
	if uu, ok := s.m.store.(UnlockingUpdater); ok && s.final && s.unlock != nil && s.locked == s.key {
		if err := uu.UpdateAndUnlock(ctx, s.key, c); err != nil {
			return err
		}
		s.unlock = nil
		return nil
	}
	return s.m.store.Update(ctx, s.key, c)
}

// CommitLast is the request's last Commit, followed by Release: the
// session's other requests may go on while the body is sent.
func (s *Session) CommitLast(h http.Header) error {
	s.final = true
	err := s.Commit(h)
	s.final = false
	s.Release()
	return err
}

// touchInterval is how stale the last-access time may get before a
// read-only request writes it: the configured interval, or less for a
// session with a shorter idle timeout (a tenth of it).
func (s *Session) touchInterval() time.Duration {
	t := s.m.cfg.TouchInterval
	if s.meta.MaxIdle > 0 && s.meta.MaxIdle/10 < t {
		t = s.meta.MaxIdle / 10
	}
	return t
}

// relock takes the locks of the session's current key in place of any held.
func (s *Session) relock() error {
	s.Release()
	held, unlock, err := s.m.lock(s.ctx, s.key)
	if err != nil {
		return err
	}
	s.held, s.unlock, s.locked = held, unlock, s.key
	return nil
}

// Release lets the other requests of the session in: it releases the locks
// the handle holds. Call it once the session is committed for good; the
// handle must not change the session afterwards.
func (s *Session) Release() {
	if s.unlock != nil {
		s.unlock()
		s.unlock = nil
	}
	s.held.release()
	s.locked = ""
}

// ResponseStarted tells a handle begun after the response started that no
// cookie can be sent any more: changes that need one fail with ErrCommitted.
func (s *Session) ResponseStarted() { s.cookieSent = true }

// End releases the session's lock. Uncommitted changes are dropped. The
// handle must not be used afterwards.
func (s *Session) End() {
	s.Release()
	m := s.m
	*s = Session{changes: s.changes, setBuf: s.setBuf, delBuf: s.delBuf[:0], deleteKeys: s.deleteKeys[:0]}
	clear(s.changes)
	m.handles.Put(s)
}

// LogID returns a short hash of the session ID for logs, "" when the request
// has no stored session: the first 12 characters of the session's store
// key. It ties the requests of one session (and its stored record) together
// without showing the ID, which the hash cannot be turned back into. It does
// no I/O and never loads the session.
func (s *Session) LogID() string {
	const n = 12
	if len(s.storedKey) < n {
		return ""
	}
	return s.storedKey[:n]
}
