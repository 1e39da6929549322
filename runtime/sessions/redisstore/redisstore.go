// Package redisstore is a sessions.Store in Redis, shared by every dirigo
// process that uses the same server and prefix.
//
// Each session is one hash under Prefix + key (the manager's keys are a
// hash of the session ID, so Redis never holds an ID). The hash has the meta
// fields and one field per attribute, and writes send only the attributes a
// commit changed. Every write is one Lua script that checks the session's
// existence, writes and sets the relative TTL in one atomic step: no key is
// ever left without its TTL, an update never recreates a deleted or rotated
// session, and Rotate renames the hash only if the new key is free.
//
// The store is a sessions.Locker: Lock takes a lock key (Prefix + "lock:" +
// key) with SET NX, a random token and a short lease (Config.LockTTL, 2s),
// so the requests of one session are serialized across processes. The
// holder renews the lease while its request runs, so a lock outlives a
// holder that died, or lost Redis, by at most the lease; a holder whose
// lease ended writes nothing (every write under the lock checks its token
// in the same script), so no update is lost and no session comes back.
// unlock deletes the key only if it still holds the token. Lock reads the
// session in the same round trip, and the last write releases the lock, so
// a request costs two round trips: lock and read, write and unlock.
//
// The session path runs on rueidis (auto-pipelining: the commands of
// concurrent requests share a few connections and go out in batches), or on
// go-redis when Config.Client says so; see conn.
//
// Every Redis failure comes back within the configured timeouts as an error
// wrapping sessions.ErrUnavailable (the manager answers 503). The store keeps
// no "down" state: the next call after Redis is back succeeds.
//
// The store does not support Redis Cluster: Rotate touches two keys that
// would live in different slots. It never enumerates keys (no KEYS or SCAN).
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/dirigo/dirigo/runtime/sessions"
)

// Defaults of Config.
const (
	DefaultPrefix       = "dirigo:session:"
	DefaultDialTimeout  = time.Second
	DefaultReadTimeout  = 500 * time.Millisecond
	DefaultWriteTimeout = 500 * time.Millisecond
	DefaultMaxRetries   = 1
	DefaultLockTTL      = 2 * time.Second
)

// Config configures a Store. The zero value of every field but URL means its
// default. Timeouts and pool settings given as URL query parameters (as
// go-redis reads them, e.g. ?dial_timeout=2s) apply when the field is zero.
type Config struct {
	// URL locates the server: redis://[user:password@]host:port/db, or
	// rediss://... for TLS. Required.
	URL string
	// Password is used when the URL has none (DIRIGO_REDIS_PASSWORD).
	Password string
	// Prefix starts every key of the store (default "dirigo:session:").
	Prefix string
	// DialTimeout bounds connecting (default 1s).
	DialTimeout time.Duration
	// ReadTimeout bounds waiting for a reply (default 500ms).
	ReadTimeout time.Duration
	// WriteTimeout bounds sending a command (default 500ms).
	WriteTimeout time.Duration
	// PoolSize is the number of connections (default: go-redis's, 10 per CPU).
	PoolSize int
	// MaxRetries is how often a command that failed on the network is
	// retried (default 1; negative means never), so a failing Redis answers
	// within about (MaxRetries+1) × the timeouts.
	MaxRetries int
	// LockTTL is the lease of a session lock (default 2s). The holder renews
	// it every third of it while its request runs, so the lock outlives a
	// holder that died, or lost Redis, by at most this long, and a request
	// whose lease ended cannot write (ErrUnavailable). Keep it above the
	// time Redis may take to answer (the timeouts times the retries).
	LockTTL time.Duration
	// Client names the Redis client library of the session path:
	// "rueidis" (the default: one group of auto-pipelined connections,
	// which costs about half the CPU per request under load, see
	// docs/PERFORMANCE.md) or "go-redis" (a pool of PoolSize connections,
	// one command per connection at a time). The URL parameter client=NAME
	// sets it too. PoolSize applies to go-redis only.
	Client string
	// Logger receives warnings: Redis not answering at Open, malformed
	// sessions, failed unlocks (default slog.Default()).
	Logger *slog.Logger
}

// Store keeps sessions in Redis. It is safe for concurrent use.
type Store struct {
	// client is a go-redis client on the server. It connects on first
	// use: the session path goes through conn, which is this client only
	// when Config.Client is "go-redis".
	client        *redis.Client
	conn          conn
	addr          string // host:port of the server
	prefix        string
	lockTTL       time.Duration
	unlockTimeout time.Duration // bounds an unlock, which has no caller context
	log           *slog.Logger
	scripts       scripts

	// prefetch maps a session key to its hash as read by the Lock that
	// holds its lock (map[string]string). The next Load of the key takes it
	// instead of reading again, which saves one round trip per request.
	// It is exact: while the lock is held no other process writes the
	// session, and every write and the unlock by this store drop the entry.
	prefetch sync.Map
	// held maps a session key to the *heldLock this process holds on it
	// (the manager lets one request per process hold it).
	held sync.Map

	epoch      time.Time     // origin of clock
	renewEvery time.Duration // how often a held lock's lease is renewed
	releasing  chan struct{} // a token per running releaseSoon
	closing    chan struct{} // closed by Close
	closeOnce  sync.Once
}

var (
	_ sessions.Store            = (*Store)(nil)
	_ sessions.Locker           = (*Store)(nil)
	_ sessions.UnlockingUpdater = (*Store)(nil)
)

// Open returns a store for cfg. It fails only on a bad configuration: when
// Redis does not answer, it logs a warning and returns the store, which
// works as soon as Redis does.
func Open(cfg Config) (*Store, error) {
	opt, err := options(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Client == "" {
		cfg.Client = clientOf(cfg.URL)
	}
	client := redis.NewClient(opt)
	var c conn
	switch cfg.Client {
	case "go-redis":
		c = goRedis{client}
	case "", "rueidis":
		if c, err = newRueidis(opt); err != nil {
			_ = client.Close()
			return nil, err
		}
	default:
		return nil, fmt.Errorf("redisstore: unknown client %q (go-redis or rueidis)", cfg.Client)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.LockTTL == 0 {
		cfg.LockTTL = DefaultLockTTL
	}
	if cfg.LockTTL < time.Millisecond {
		return nil, errors.New("redisstore: LockTTL must be at least 1ms")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Store{
		client:        client,
		conn:          c,
		addr:          opt.Addr,
		prefix:        cfg.Prefix,
		lockTTL:       cfg.LockTTL,
		unlockTimeout: opt.DialTimeout + opt.WriteTimeout + opt.ReadTimeout,
		log:           cfg.Logger,
		scripts:       newScripts(),
		epoch:         time.Now(),
		renewEvery:    max(cfg.LockTTL/3, time.Millisecond),
		releasing:     make(chan struct{}, maxReleasing),
		closing:       make(chan struct{}),
	}
	ctx, cancel := context.WithTimeout(context.Background(), opt.DialTimeout+opt.ReadTimeout)
	defer cancel()
	if err := s.conn.ping(ctx); err != nil {
		s.log.Warn("redis session store is not answering; session requests fail with 503 until it does",
			"addr", opt.Addr, "error", err)
	}
	return s, nil
}

// options turns cfg into go-redis options.
func options(cfg Config) (*redis.Options, error) {
	if cfg.URL == "" {
		return nil, errors.New("redisstore: no URL")
	}
	opt, err := redis.ParseURL(withoutClient(cfg.URL))
	if err != nil {
		// A url.Error quotes the URL, and with it the password.
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("redisstore: parsing URL: %w", err)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"DialTimeout", cfg.DialTimeout}, {"ReadTimeout", cfg.ReadTimeout}, {"WriteTimeout", cfg.WriteTimeout}, {"LockTTL", cfg.LockTTL}} {
		if d.v < 0 {
			return nil, fmt.Errorf("redisstore: %s must not be negative", d.name)
		}
	}
	if cfg.PoolSize < 0 {
		return nil, errors.New("redisstore: PoolSize must not be negative")
	}
	if opt.Password == "" {
		opt.Password = cfg.Password
	}
	opt.DialTimeout = pick(cfg.DialTimeout, opt.DialTimeout, DefaultDialTimeout)
	opt.ReadTimeout = pick(cfg.ReadTimeout, opt.ReadTimeout, DefaultReadTimeout)
	opt.WriteTimeout = pick(cfg.WriteTimeout, opt.WriteTimeout, DefaultWriteTimeout)
	opt.PoolSize = pick(cfg.PoolSize, opt.PoolSize, 0)
	switch {
	case cfg.MaxRetries < 0:
		opt.MaxRetries = -1 // go-redis: -1 disables retries
	default:
		opt.MaxRetries = pick(cfg.MaxRetries, opt.MaxRetries, DefaultMaxRetries)
	}
	// One dial per attempt (the default is 5 with backoff): retries are
	// MaxRetries, and a refused connection must fail fast.
	opt.DialerRetries = 1
	// The request's context and the manager's lock deadline bound the
	// socket waits too.
	opt.ContextTimeoutEnabled = true
	return opt, nil
}

// pick returns the first non-zero value.
func pick[T comparable](vs ...T) T {
	var zero T
	for _, v := range vs {
		if v != zero {
			return v
		}
	}
	return zero
}

// Close stops the lease renewals and background releases and closes the
// connections to Redis. Locks still held end with their leases.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	err := s.conn.close()
	if _, ok := s.conn.(goRedis); !ok {
		err = errors.Join(err, s.client.Close())
	}
	return err
}

// clock returns the monotonic time since the store was opened, in
// nanoseconds: leases are measured with it, immune to wall-clock jumps.
func (s *Store) clock() int64 { return int64(time.Since(s.epoch)) }

// hashKey returns the Redis key of the session hash under key.
func (s *Store) hashKey(key string) string { return s.prefix + key }

// lockKey returns the Redis key of the lock of key. Keys are URL-safe (no
// colon), so no session key looks like a lock key.
func (s *Store) lockKey(key string) string { return s.prefix + "lock:" + key }

// unavailable wraps a Redis failure: the store failed or did not answer.
func unavailable(doing string, err error) error {
	return fmt.Errorf("%w: %s: %w", sessions.ErrUnavailable, doing, err)
}

// clientOf returns the URL parameter client, or "".
func clientOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return u.Query().Get("client")
}

// withoutClient returns rawURL without its client parameter, which go-redis
// would refuse.
func withoutClient(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || !u.Query().Has("client") {
		return rawURL
	}
	q := u.Query()
	q.Del("client")
	u.RawQuery = q.Encode()
	return u.String()
}
