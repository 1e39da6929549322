package client

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"time"
)

// Defaults of [Config] and [SessionConfig] fields left zero.
const (
	DefaultMaxBody          = 64 << 20
	DefaultMemoryBody       = 1 << 20
	DefaultUserAgent        = "dirigo/dev"
	DefaultMaxSessions      = 1024
	DefaultMaxBackground    = 256
	DefaultMaxTasks         = 64
	DefaultMaxQueued        = 4096
	DefaultMaxSpool         = 1 << 30
	DefaultRetention        = time.Hour
	DefaultSessionIdle      = 30 * time.Minute
	DefaultProgressInterval = 250 * time.Millisecond
	DefaultProgressBytes    = 64 << 10
	DefaultConnectTimeout   = 30 * time.Second
	DefaultStoreTimeout     = 5 * time.Second
	DefaultRequestTimeout   = 60 * time.Second
	DefaultResourceTimeout  = 7 * 24 * time.Hour
	DefaultMaxConnsPerHost  = 6
	DefaultMaxRedirects     = 20
	DefaultDeliverBackoff   = time.Second
	DefaultDeliverMaxWait   = time.Minute
	DefaultDeliverWorkers   = 4
)

// DefaultDeny returns the destinations denied when [Config.Deny] is nil:
// the IPv4 and IPv6 link-local ranges, where cloud metadata services live.
func DefaultDeny() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("169.254.0.0/16"),
		netip.MustParsePrefix("fe80::/10"),
	}
}

// A Resolver resolves host names; *net.Resolver is one. Tests give a fake
// one to make a name resolve to any address without a network.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Config configures a [Client]. The zero value is ready to use; every
// field documents its default.
type Config struct {
	// Deny lists the destination ranges a request may not connect to,
	// checked on the resolved address of every connection (every redirect
	// hop included) before connecting. Nil means DefaultDeny(); an empty,
	// non-nil slice denies nothing. Loopback and private ranges are not
	// denied by default.
	Deny []netip.Prefix
	// Allow lists ranges that are reachable even when Deny contains them.
	Allow []netip.Prefix
	// MaxBody caps the decoded size of a response body (and of a
	// download); a larger one fails with KindBodyTooLarge. 0 means
	// DefaultMaxBody (64 MiB); < 0 means no cap.
	MaxBody int64
	// MemoryBody is how much of a task's response body is kept in memory;
	// beyond it the body is spilled to a file in DataDir. 0 means
	// DefaultMemoryBody (1 MiB).
	MemoryBody int64
	// DataDir is the data folder: spilled bodies and downloads go to its
	// "client" subfolder. "" means a folder in os.TempDir().
	DataDir string
	// UserAgent is sent when neither the request nor the session sets one.
	// "" means DefaultUserAgent; the server sets "dirigo/<version>".
	UserAgent string
	// MaxSessions caps the open sessions of all kinds; 0 means
	// DefaultMaxSessions.
	MaxSessions int
	// MaxBackground caps the open background sessions of this process
	// (within MaxSessions); 0 means DefaultMaxBackground.
	MaxBackground int
	// MaxTasks is the size of the worker pool: how many tasks transfer at
	// once. 0 means DefaultMaxTasks.
	MaxTasks int
	// MaxQueued caps the tasks waiting for a worker; a task beyond it is
	// refused with KindLimit. 0 means DefaultMaxQueued.
	MaxQueued int
	// MaxSpool caps the bytes of spilled bodies and downloads on disk; a
	// task that would go over it fails with KindLimit. 0 means
	// DefaultMaxSpool (1 GiB); < 0 means no cap.
	MaxSpool int64
	// Retention is how long a completed task's result (snapshot, body,
	// download file) is kept. 0 means DefaultRetention.
	Retention time.Duration
	// SessionIdle is how long a default or background session without
	// unfinished tasks lives after its last use before Sweep invalidates
	// it (background records expire from the store after it too). 0 means
	// DefaultSessionIdle.
	SessionIdle time.Duration
	// ProgressInterval and ProgressBytes throttle progress events: one is
	// sent when either has passed since the last one. A final progress
	// event is always sent. 0 means the defaults (250 ms, 64 KiB).
	ProgressInterval time.Duration
	ProgressBytes    int64
	// ConnectTimeout bounds establishing a connection when the request
	// does not set its own. 0 means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// Store keeps background sessions and their task records. Nil means a
	// fresh in-memory store (nothing survives a restart).
	Store Store
	// StoreTimeout bounds each store call. 0 means DefaultStoreTimeout.
	StoreTimeout time.Duration
	// Instance names this process in the task records it writes, so that
	// Recover only takes over its own tasks when several processes share
	// a store. It must stay the same across restarts of the process.
	Instance string
	// OnEvent, when set, receives every event of every session after the
	// task's and the session's handlers (see [Handler]). The background
	// listener machinery subscribes here.
	OnEvent Handler
	// DeliverBackoff is the wait before the first retry of a listener
	// delivery that failed; it doubles on each failure up to
	// DeliverMaxBackoff (see [DeliverFunc]). 0 means the defaults (1 s,
	// 1 min).
	DeliverBackoff    time.Duration
	DeliverMaxBackoff time.Duration
	// DeliverWorkers caps the sessions whose listener events are delivered
	// at once. 0 means DefaultDeliverWorkers.
	DeliverWorkers int
	// Resolver resolves host names. Nil means net.DefaultResolver.
	Resolver Resolver
	// TLSConfig is cloned for every connection pool; nil means the system
	// roots. Certificates are always verified.
	TLSConfig *tls.Config
	// Logger receives store failures and other events the caller cannot
	// see. Nil means no logging.
	Logger *slog.Logger
}

// withDefaults returns c with zero fields replaced by their defaults.
func (c Config) withDefaults() Config {
	if c.Deny == nil {
		c.Deny = DefaultDeny()
	}
	if c.MaxBody == 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.MemoryBody <= 0 {
		c.MemoryBody = DefaultMemoryBody
	}
	if c.DataDir == "" {
		c.DataDir = filepath.Join(os.TempDir(), "dirigo-client")
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.MaxSessions <= 0 {
		c.MaxSessions = DefaultMaxSessions
	}
	if c.MaxBackground <= 0 {
		c.MaxBackground = DefaultMaxBackground
	}
	if c.MaxTasks <= 0 {
		c.MaxTasks = DefaultMaxTasks
	}
	if c.MaxQueued <= 0 {
		c.MaxQueued = DefaultMaxQueued
	}
	if c.MaxSpool == 0 {
		c.MaxSpool = DefaultMaxSpool
	}
	if c.Retention <= 0 {
		c.Retention = DefaultRetention
	}
	if c.SessionIdle <= 0 {
		c.SessionIdle = DefaultSessionIdle
	}
	if c.ProgressInterval <= 0 {
		c.ProgressInterval = DefaultProgressInterval
	}
	if c.ProgressBytes <= 0 {
		c.ProgressBytes = DefaultProgressBytes
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.StoreTimeout <= 0 {
		c.StoreTimeout = DefaultStoreTimeout
	}
	if c.DeliverBackoff <= 0 {
		c.DeliverBackoff = DefaultDeliverBackoff
	}
	if c.DeliverMaxBackoff <= 0 {
		c.DeliverMaxBackoff = DefaultDeliverMaxWait
	}
	if c.DeliverMaxBackoff < c.DeliverBackoff {
		c.DeliverMaxBackoff = c.DeliverBackoff
	}
	if c.DeliverWorkers <= 0 {
		c.DeliverWorkers = DefaultDeliverWorkers
	}
	if c.Store == nil {
		c.Store = NewMemStore()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
