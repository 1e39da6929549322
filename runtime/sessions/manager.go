package sessions

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Config.
const (
	DefaultCookieName      = "sid"
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultLifetime        = 24 * time.Hour
	DefaultLockTimeout     = 10 * time.Second
	DefaultMaxParallel     = 2
	DefaultSweepInterval   = time.Minute
	DefaultMaxValueBytes   = 64 << 10
	DefaultMaxSessionBytes = 1 << 20
	DefaultMaxAttributes   = 1000
	// maxCookieBytes bounds a cookie value before any decoding work.
	maxCookieBytes = 4096
	// idBytes is the entropy of a session ID.
	idBytes = 32
)

// Config configures a Manager. The zero value of every field means its default.
type Config struct {
	// CookieName names the session cookie (default "sid"). Over TLS the
	// cookie is named "__Host-" + CookieName and marked Secure.
	CookieName string
	// IdleTimeout is the default maxInactiveInterval of new sessions
	// (default 30m); negative means no idle limit.
	IdleTimeout time.Duration
	// Lifetime is the absolute lifetime of a session from its creation,
	// never extended (default 24h); negative means none.
	Lifetime time.Duration
	// Keys sign (and, with a block key, encrypt) the cookie. The first key
	// signs; every key verifies, so a new key can be put first and old
	// cookies still work (they are re-signed with the new key). Required.
	Keys []Key
	// LockTimeout bounds how long a request waits for another request of the
	// same session before ErrBusy (default 10s).
	LockTimeout time.Duration
	// MaxParallel bounds the requests of one session that Admit lets run at
	// once (default 2): one works on the session while the next waits for it
	// ready to go. The session's other requests wait in Admit, holding
	// nothing, so one client cannot take every VM of the server.
	MaxParallel int
	// TouchInterval is how stale the last-access time of a session may get
	// before a read-only request writes it (default: a tenth of the idle
	// timeout, at most a minute).
	TouchInterval time.Duration
	// SweepInterval is how often a Sweeper store is swept (default 1m).
	SweepInterval time.Duration
	// MaxValueBytes limits the JSON size of one attribute (default 64 KiB).
	MaxValueBytes int
	// MaxSessionBytes limits the total size of names and values (default 1 MiB).
	MaxSessionBytes int
	// MaxAttributes limits the number of attributes (default 1000).
	MaxAttributes int
	// Logger receives sweep and store errors (default slog.Default()).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// A Key is one signing key (32 or 64 bytes) with an optional AES key
// (16, 24 or 32 bytes) that also encrypts the cookie.
type Key struct {
	Hash  []byte
	Block []byte
}

// Manager keeps sessions in a Store and ties them to requests by a signed
// cookie. It is safe for concurrent use.
type Manager struct {
	store  Store
	locker Locker
	cfg    Config
	ring   atomic.Pointer[keyRing] // the cookie keys (SetKeys replaces them)
	locks  lockTable               // one holder per session key: the session lock
	admits lockTable               // Config.MaxParallel holders per session key: Admit
	now    func() time.Time
	log    *slog.Logger

	stop     chan struct{}
	stopOnce sync.Once
	swept    sync.WaitGroup

	// verified remembers cookie values that verified (value → verifiedCookie).
	verified  sync.Map
	nverified atomic.Int64
	// handles recycles Session handles (End puts them back).
	handles sync.Pool
}

// NewManager returns a manager over store. It starts a sweeper when store is
// a Sweeper; Close stops it.
func NewManager(store Store, cfg Config) (*Manager, error) {
	if store == nil {
		return nil, errors.New("sessions: nil store")
	}
	if len(cfg.Keys) == 0 {
		return nil, errors.New("sessions: no cookie keys")
	}
	if cfg.CookieName == "" {
		cfg.CookieName = DefaultCookieName
	}
	if !validCookieName(cfg.CookieName) {
		return nil, fmt.Errorf("sessions: invalid cookie name %q", cfg.CookieName)
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Lifetime == 0 {
		cfg.Lifetime = DefaultLifetime
	}
	if cfg.LockTimeout <= 0 {
		cfg.LockTimeout = DefaultLockTimeout
	}
	if cfg.MaxParallel <= 0 {
		cfg.MaxParallel = DefaultMaxParallel
	}
	if cfg.TouchInterval <= 0 {
		cfg.TouchInterval = time.Minute
		if cfg.IdleTimeout > 0 && cfg.IdleTimeout/10 < cfg.TouchInterval {
			cfg.TouchInterval = cfg.IdleTimeout / 10
		}
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = DefaultSweepInterval
	}
	if cfg.MaxValueBytes <= 0 {
		cfg.MaxValueBytes = DefaultMaxValueBytes
	}
	if cfg.MaxSessionBytes <= 0 {
		cfg.MaxSessionBytes = DefaultMaxSessionBytes
	}
	if cfg.MaxAttributes <= 0 {
		cfg.MaxAttributes = DefaultMaxAttributes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &Manager{store: store, cfg: cfg, now: cfg.Now, log: cfg.Logger, stop: make(chan struct{})}
	m.locker, _ = store.(Locker)
	m.locks.init(1)
	m.admits.init(cfg.MaxParallel)
	ring, err := newKeyRing(cfg.Keys, cfg.Lifetime)
	if err != nil {
		return nil, err
	}
	m.ring.Store(ring)
	if sw, ok := store.(Sweeper); ok {
		m.swept.Add(1)
		go m.sweep(sw)
	}
	return m, nil
}

// Close stops the sweeper. It does not close the store.
func (m *Manager) Close() error {
	m.stopOnce.Do(func() { close(m.stop) })
	m.swept.Wait()
	return nil
}

// Store returns the manager's store.
func (m *Manager) Store() Store { return m.store }

func (m *Manager) sweep(sw Sweeper) {
	defer m.swept.Done()
	t := time.NewTicker(m.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), m.cfg.SweepInterval)
			n, err := sw.Sweep(ctx, m.now())
			cancel()
			if err != nil {
				m.log.Error("sweeping expired sessions", "error", err)
			} else if n > 0 {
				m.log.Debug("swept expired sessions", "count", n)
			}
		}
	}
}

// Begin returns the session handle of request r. It does no I/O: the cookie
// is read and the session loaded (and locked) on the handle's first use. The
// caller must call End when the request is done, and not use the handle after.
func (m *Manager) Begin(r *http.Request) *Session {
	s, _ := m.handles.Get().(*Session)
	if s == nil {
		s = &Session{}
	}
	s.m, s.r, s.ctx = m, r, r.Context()
	return s
}

// cookieName returns the session cookie's name for r.
func (m *Manager) cookieName(secure bool) string {
	if secure {
		return "__Host-" + m.cfg.CookieName
	}
	return m.cfg.CookieName
}

// readCookie returns the session ID of the first cookie of r that verifies,
// and whether it was signed with a key other than the first. It makes no
// store call: a cookie that does not verify, is oversized or expired, or
// does not hold a well-formed ID, is ignored.
func (m *Manager) readCookie(r *http.Request) (id, key string, resign bool) {
	name := m.cookieName(r.TLS != nil)
	for _, line := range r.Header["Cookie"] {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || k != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if id, key, i := m.decode(name, v); id != "" {
				return id, key, i > 0
			}
		}
	}
	return "", "", false
}

// decode verifies a cookie value and returns the ID it carries, the ID's
// store key and the index of the key that verified it, or "" when no key
// does. Verified values are remembered (bounded), so a session's cookie is
// verified once, not on every request; a remembered value still expires
// with its timestamp.
func (m *Manager) decode(name, value string) (id, key string, keyIndex int) {
	if len(value) == 0 || len(value) > maxCookieBytes {
		return "", "", -1
	}
	now := m.now().Unix()
	ring := m.ring.Load()
	if v, ok := m.verified.Load(value); ok {
		e := v.(*verifiedCookie)
		if e.name == name && e.ring == ring && (e.expires == 0 || now < e.expires) {
			return e.id, e.storeKey, e.keyIndex
		}
		if _, deleted := m.verified.LoadAndDelete(value); deleted {
			m.nverified.Add(-1)
		}
	}
	for i, c := range ring.codecs {
		var raw []byte
		if c.Decode(name, value, &raw) == nil && validID(raw) {
			e := m.remember(name, value, string(raw), i, ring)
			return e.id, e.storeKey, i
		}
	}
	return "", "", -1
}

// verifiedCookie is a cookie value that verified.
type verifiedCookie struct {
	name, id string
	storeKey string
	keyIndex int      // index of the key that verified it
	ring     *keyRing // the key ring it verified with: stale once SetKeys replaced it
	expires  int64    // Unix seconds after which its timestamp is too old (0: never)
}

// maxVerifiedCookies bounds the verified-cookie memory.
const maxVerifiedCookies = 10000

func (m *Manager) remember(name, value, id string, keyIndex int, ring *keyRing) *verifiedCookie {
	e := &verifiedCookie{name: name, id: id, storeKey: storeKey(id), keyIndex: keyIndex, ring: ring}
	if m.cfg.Lifetime > 0 {
		ts, ok := cookieTimestamp(value)
		if !ok {
			return e
		}
		e.expires = ts + int64((m.cfg.Lifetime+time.Minute)/time.Second)
	}
	if _, had := m.verified.Swap(value, e); !had && m.nverified.Add(1) > maxVerifiedCookies {
		m.verified.Clear()
		m.nverified.Store(0)
	}
	return e
}

// cookieTimestamp reads the issue time securecookie put in a value it signed
// (base64url of "timestamp|payload|mac").
func cookieTimestamp(value string) (int64, bool) {
	b, err := base64.URLEncoding.DecodeString(value)
	if err != nil {
		return 0, false
	}
	ts, _, ok := strings.Cut(string(b), "|")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	return n, err == nil
}

// encode signs id with the first key.
func (m *Manager) encode(name, id string) (string, error) {
	return m.ring.Load().codecs[0].Encode(name, []byte(id))
}

// newID returns a fresh session ID: 32 bytes from crypto/rand, base64url.
func newID() string {
	var b [idBytes]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// validID reports whether b has the form of an ID made by newID.
func validID(b []byte) bool {
	if len(b) != base64.RawURLEncoding.EncodedLen(idBytes) {
		return false
	}
	for _, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// storeKey derives the store key of a session ID, so a store (or its
// backup) never holds an ID a client could present.
func storeKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func validCookieName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '=' || c == ';' || c == ',' || c == '"' || c == '\\' {
			return false
		}
	}
	return s != ""
}

// lock serializes the requests of the session under key: first in this
// process, then across processes when the store is a Locker (whose unlock
// it returns). It waits at most Config.LockTimeout.
func (m *Manager) lock(ctx context.Context, key string) (heldLock, func(), error) {
	held, ok := m.locks.tryLock(key)
	if ok && m.locker == nil {
		return held, nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.LockTimeout)
	defer cancel()
	if !ok {
		var err error
		if held, err = m.locks.lock(ctx, key); err != nil {
			return heldLock{}, nil, err
		}
	}
	if m.locker == nil {
		return held, nil, nil
	}
	sunlock, err := m.locker.Lock(ctx, key)
	if err != nil {
		held.release()
		return heldLock{}, nil, err
	}
	return held, sunlock, nil
}

// lockTable holds a semaphore (of n holders) per session key in use, in
// shards; a key's entry lives only while a request holds or waits for it.
type lockTable struct {
	shards [64]lockShard
	n      int
}

type lockShard struct {
	mu   sync.Mutex
	m    map[string]*keyLock
	free []*keyLock // released locks, reused
}

type keyLock struct {
	sem  chan struct{}
	refs int
}

func (t *lockTable) init(n int) {
	t.n = n
	for i := range t.shards {
		t.shards[i].m = map[string]*keyLock{}
	}
}

func (t *lockTable) shard(key string) *lockShard {
	var h uint32 = 2166136261
	for i := 0; i < len(key); i++ {
		h = (h ^ uint32(key[i])) * 16777619
	}
	return &t.shards[h%uint32(len(t.shards))]
}

// acquire registers interest in the lock of key.
func (t *lockTable) acquire(key string) (*lockShard, *keyLock) {
	s := t.shard(key)
	s.mu.Lock()
	l := s.m[key]
	if l == nil {
		if n := len(s.free); n > 0 {
			l, s.free = s.free[n-1], s.free[:n-1]
		} else {
			l = &keyLock{sem: make(chan struct{}, t.n)}
		}
		s.m[key] = l
	}
	l.refs++
	s.mu.Unlock()
	return s, l
}

// release drops the interest taken by acquire.
func (s *lockShard) release(key string, l *keyLock) {
	s.mu.Lock()
	if l.refs--; l.refs == 0 {
		delete(s.m, key)
		if len(s.free) < 16 {
			s.free = append(s.free, l)
		}
	}
	s.mu.Unlock()
}

// heldLock is a held lock of the table; the zero value holds nothing.
type heldLock struct {
	s   *lockShard
	l   *keyLock
	key string
}

// release releases the lock, once.
func (h *heldLock) release() {
	if h.l != nil {
		<-h.l.sem
		h.s.release(h.key, h.l)
		*h = heldLock{}
	}
}

// tryLock takes a place in the lock of key if one is free.
func (t *lockTable) tryLock(key string) (heldLock, bool) {
	s, l := t.acquire(key)
	select {
	case l.sem <- struct{}{}:
		return heldLock{s, l, key}, true
	default:
		s.release(key, l)
		return heldLock{}, false
	}
}

// lock waits for a place in the lock of key until ctx is done (then ErrBusy).
func (t *lockTable) lock(ctx context.Context, key string) (heldLock, error) {
	s, l := t.acquire(key)
	select {
	case l.sem <- struct{}{}:
		return heldLock{s, l, key}, nil
	case <-ctx.Done():
		s.release(key, l)
		return heldLock{}, fmt.Errorf("%w: gave up waiting for other requests of the same session: %w", ErrBusy, context.Cause(ctx))
	}
}
