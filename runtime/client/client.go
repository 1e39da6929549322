package client

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// A Client makes outbound HTTP requests under the server's outbound policy
// and owns the client sessions, the worker pool that runs their tasks and
// the spool folder of their bodies. It is safe for concurrent use. Create
// it with [New] and stop it with [Client.Shutdown].
type Client struct {
	cfg       Config
	policy    policy
	dialer    dialer
	transport *http.Transport // sessionless requests: a pool, no jar
	spoolDir  string
	root      context.Context
	stop      context.CancelCauseFunc
	workers   workerPool
	spooled   atomic.Int64
	bufs      sync.Pool
	delivery  *delivery

	mu     sync.Mutex
	named  map[string]*Session   // default and background sessions
	all    map[*Session]struct{} // every open session
	live   map[string]struct{}   // spool files being written
	nbg    int                   // open background sessions
	closed bool
}

// New returns a client configured by cfg (see [Config] for the defaults).
func New(cfg Config) *Client {
	cfg = cfg.withDefaults()
	c := &Client{
		cfg:      cfg,
		policy:   policy{deny: cfg.Deny, allow: cfg.Allow},
		spoolDir: filepath.Join(cfg.DataDir, "client"),
		named:    make(map[string]*Session),
		all:      make(map[*Session]struct{}),
		live:     make(map[string]struct{}),
	}
	c.dialer = dialer{policy: &c.policy, resolver: cfg.Resolver, timeout: cfg.ConnectTimeout}
	c.root, c.stop = context.WithCancelCause(context.Background())
	c.workers = workerPool{max: cfg.MaxTasks, maxQueued: cfg.MaxQueued}
	c.transport = c.newTransport(0)
	c.bufs.New = func() any { b := make([]byte, 32<<10); return &b }
	c.delivery = newDelivery(c)
	return c
}

// Config returns the effective configuration, defaults filled in.
func (c *Client) Config() Config { return c.cfg }

// SpoolDir returns the folder of spilled bodies and downloads (the
// "client" folder of the data folder).
func (c *Client) SpoolDir() string { return c.spoolDir }

// newTransport returns a connection pool that dials through the policy.
func (c *Client) newTransport(maxConnsPerHost int) *http.Transport {
	var tc *tls.Config
	if c.cfg.TLSConfig != nil {
		tc = c.cfg.TLSConfig.Clone()
	} else {
		tc = &tls.Config{}
	}
	tc.InsecureSkipVerify = false
	if tc.MinVersion == 0 {
		tc.MinVersion = tls.VersionTLS12
	}
	idlePerHost := maxConnsPerHost
	if idlePerHost <= 0 {
		idlePerHost = 16
	}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           c.dialer.dialContext,
		TLSClientConfig:       tc,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   idlePerHost,
		MaxConnsPerHost:       maxConnsPerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   c.cfg.ConnectTimeout,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
	}
}

// Do sends a request outside any session: no cookies are kept, only
// connections are pooled. ctx bounds the whole request, body included
// (it carries the script's deadline). Redirects follow r.Redirect. The
// returned error is an *Error.
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	if c.root.Err() != nil {
		return nil, newError(KindAbort, CodeCancelled, r.URL, errClosed)
	}
	return c.exchange(ctx, r, &exchangeOpts{transport: c.transport})
}

// Shutdown stops the client: it refuses new sessions and tasks, waits for
// running tasks until ctx is done (the grace period), then cancels the
// rest. Tasks of background sessions cancelled this way stay unfinished in
// the store, so that [Client.Recover] takes them over after a restart;
// others complete with CodeCancelled. Connection pools are closed.
func (c *Client) Shutdown(ctx context.Context) error {
	c.mu.Lock()
	c.closed = true
	sessions := make([]*Session, 0, len(c.all))
	for s := range c.all {
		sessions = append(sessions, s)
	}
	c.mu.Unlock()
	for _, s := range sessions {
		if err := s.Wait(ctx); err != nil {
			break
		}
	}
	c.stop(errClosed)
	for _, s := range sessions {
		_ = s.Wait(context.Background())
		s.persistSession()
		s.transport.CloseIdleConnections()
	}
	c.workers.wait()
	c.delivery.wait()
	c.transport.CloseIdleConnections()
	return ctx.Err()
}

// Sweep drops what has outlived its time at now: completed tasks older
// than the retention time (their bodies and files removed), idle default
// and background sessions (invalidated; background records stay in the
// store until they expire there), files in the spool folder that no task
// refers to and that are older than the retention time (left by an
// earlier process), and expired store records when the Store is a
// StoreSweeper. The server calls it periodically.
func (c *Client) Sweep(now time.Time) {
	c.mu.Lock()
	sessions := make([]*Session, 0, len(c.all))
	for s := range c.all {
		sessions = append(sessions, s)
	}
	c.mu.Unlock()
	used := make(map[string]bool)
	for _, s := range sessions {
		s.sweep(now, used)
	}
	c.sweepSpool(now, used)
	if sw, ok := c.cfg.Store.(StoreSweeper); ok {
		sw.Sweep(now)
	}
}

// sessionID returns a random session identifier.
func sessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// reserveSpool accounts n more spooled bytes, or fails when over the cap.
func (c *Client) reserveSpool(n int64) error {
	if c.cfg.MaxSpool < 0 {
		c.spooled.Add(n)
		return nil
	}
	for {
		cur := c.spooled.Load()
		if cur+n > c.cfg.MaxSpool {
			return newError(KindLimit, CodeCannotWriteToFile, "",
				fmt.Errorf("%w: the spool folder holds %d of %d bytes", ErrLimit, cur, c.cfg.MaxSpool))
		}
		if c.spooled.CompareAndSwap(cur, cur+n) {
			return nil
		}
	}
}

func (c *Client) releaseSpool(n int64) {
	if n > 0 {
		c.spooled.Add(-n)
	}
}

// Spooled returns the bytes currently held in spool files.
func (c *Client) Spooled() int64 { return c.spooled.Load() }
