package runtime

import (
	"io"
	"log/slog"
	"net/netip"
	"os"
	goruntime "runtime"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
)

// Defaults of Config.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultQueueTimeout     = 5 * time.Second
	DefaultMaxCallStackSize = 5000
	DefaultMaxBodyBytes     = 10 << 20
	DefaultResponseBuffer   = 64 << 10
	DefaultMaxOutput        = 256 << 20
	// DefaultMemoryFraction is the share of the memory available to the
	// process (its cgroup limit, else the machine's memory) that
	// Config.MaxMemory defaults to.
	DefaultMemoryFraction = 0.75
)

// Config configures a Server. The zero value of every field but Root means
// its default.
type Config struct {
	// Root is the folder of scripts and static files. Required.
	Root string
	// Sessions keeps the sessions of scripts. Nil means scripts have no
	// session: the session module answers as it does outside HTTP.
	Sessions *sessions.Manager
	// PoolSize is the number of VMs (default: one per CPU plus one, at least
	// 3). Each holds about 1.5 MiB of live heap (measured under the cart
	// workload of the load harness), which every GC cycle marks and the
	// GC goal multiplies (about 5 MiB of peak RSS per VM at GOGC=200); a request
	// keeps its VM while it waits (for timers, asynchronous work or its
	// session's lock), so scripts that wait a lot want more.
	PoolSize int
	// QueueTimeout bounds how long a request waits for a free VM before it is
	// answered 503 with Retry-After (default 5s).
	QueueTimeout time.Duration
	// Timeout is the wall-clock limit of one script run, its timers and
	// asynchronous work included; the script is interrupted and the client
	// gets 504 (default 30s; negative means no limit).
	Timeout time.Duration
	// MaxCallStackSize limits the JavaScript call depth (default 5000).
	// Ordinary recursion runs that deep at no cost, but goja unwinds a
	// recursion through built-ins (f.call, [].map(f)) in time quadratic in
	// the depth, and the timeout cannot cut that short: at 5000 one such
	// stack overflow takes about a second of CPU, at 10000 13 to 58 s
	// (docs/SECURITY.md, known limits).
	MaxCallStackSize int
	// MaxBodyBytes limits the request body a script can read (default 10 MiB).
	MaxBodyBytes int64
	// ResponseBuffer is the size of the response buffer; more output is
	// flushed (default 64 KiB).
	ResponseBuffer int
	// MaxOutput limits the body of one response, in bytes (default 256 MiB;
	// negative means no limit). A script that writes more gets an exception,
	// and the response fails: a 500, or an aborted connection when part of it
	// was already sent.
	MaxOutput int64
	// MaxMemory is the memory budget of the server's Go heap, in bytes.
	// Past it, the watchdog stops the longest-running scripts (503) until
	// the heap is back under it, and returns the memory to the system. It
	// also sizes the largest string, array and buffer a built-in may create
	// (see the README). Zero means DefaultMemoryFraction of the memory
	// available to the process (SystemMemory); negative turns the guard off.
	MaxMemory int64
	// Dev shows script errors (message, file, line, stack) in 500 responses.
	Dev bool
	// PackagesPerRequest evaluates the files of packages (under
	// node_modules) again in every request, as the script root's own files
	// are. By default a package is evaluated once per VM and file version
	// and keeps its module state for the VM's life, as in Node.
	PackagesPerRequest bool
	// Logger receives the request log (info), script console output and
	// errors (default slog.Default()).
	Logger *slog.Logger
	// Stdout and Stderr receive console output of batch runs (RunFile);
	// default os.Stdout and os.Stderr.
	Stdout, Stderr io.Writer
	// Observer is told what the server does, for metrics (default: nothing).
	Observer Observer
	// AccessLog receives an entry per request served (default: a "request"
	// line at info level on Logger, with the entry's attributes).
	AccessLog AccessLogger
	// TrustedProxies are the addresses of the reverse proxies in front of
	// the server: a request from one of them has its client address taken
	// from X-Forwarded-For (the access log's client).
	TrustedProxies []netip.Prefix
	// Auth authenticates requests and decides what they may reach (see
	// Auth). Nil means none: every request is anonymous, getRemoteUser()
	// is null and isUserInRole() false.
	Auth Auth
}

func (c Config) withDefaults() Config {
	if c.PoolSize <= 0 {
		c.PoolSize = max(3, goruntime.GOMAXPROCS(0)+1)
	}
	if c.QueueTimeout <= 0 {
		c.QueueTimeout = DefaultQueueTimeout
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Timeout < 0 {
		c.Timeout = 0
	}
	if c.MaxCallStackSize <= 0 {
		c.MaxCallStackSize = DefaultMaxCallStackSize
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.ResponseBuffer <= 0 {
		c.ResponseBuffer = DefaultResponseBuffer
	}
	if c.MaxOutput == 0 {
		c.MaxOutput = DefaultMaxOutput
	}
	if c.MaxOutput < 0 {
		c.MaxOutput = 0
	}
	if c.MaxMemory == 0 {
		c.MaxMemory = int64(float64(SystemMemory()) * DefaultMemoryFraction)
	}
	if c.MaxMemory < 0 {
		c.MaxMemory = 0
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Stdout == nil {
		c.Stdout = os.Stdout
	}
	if c.Stderr == nil {
		c.Stderr = os.Stderr
	}
	if c.Observer == nil {
		c.Observer = NopObserver{}
	}
	if c.AccessLog == nil {
		c.AccessLog = slogAccessLog{c.Logger}
	}
	return c
}
