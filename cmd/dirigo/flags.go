package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/dirigo/dirigo/runtime"
	outbound "github.com/dirigo/dirigo/runtime/client"
)

// defaultAddr is where dirigo listens unless told otherwise: this machine
// only. ":8080" (every interface) is one flag away; the container image uses it.
const defaultAddr = "127.0.0.1:8080"

// flags are the command line of serve, run and health.
type flags struct {
	fs *flag.FlagSet

	addr            string
	adminAddr       string
	scripts         string
	data            string
	sessions        string
	sessionTimeout  time.Duration
	sessionLifetime time.Duration
	sessionKeys     string
	sessionKeysFile string
	sessionCookie   string
	sessionSync     string
	sessionMax      int
	pool            int
	timeout         time.Duration
	queueTimeout    time.Duration
	shutdownDelay   time.Duration
	maxBody         int64
	dev             bool
	logLevel        string
	logFormat       string
	logFile         string
	accessLog       string
	accessLogFile   string
	trustedProxies  string
	tlsCert         string
	tlsKey          string
	redisPassword   string
	redisPrefix     string
	sessionParallel int
	maxMemory       byteSize
	maxOutput       byteSize
	clientDeny      string
	clientAllow     string
	clientMaxBody   byteSize
	users           string
	config          string

	clientMaxBackground int
	clientMaxTasks      int
	clientMaxSpool      byteSize
	clientRetention     time.Duration
	clientGrace         time.Duration
	clientInstance      string
}

func newFlags(out io.Writer) *flags {
	f := &flags{fs: flag.NewFlagSet("dirigo", flag.ContinueOnError)}
	fs := f.fs
	fs.SetOutput(out)
	fs.Usage = func() { usage(fs.Output(), fs) }
	fs.StringVar(&f.addr, "addr", defaultAddr, "listen address: this machine only by default; :8080 listens on every interface (127.0.0.1:0 picks a free port; the bound address is logged)")
	fs.StringVar(&f.adminAddr, "admin-addr", "", "serve /healthz, /readyz and /metrics on this address instead of under /_dirigo/ on --addr")
	fs.StringVar(&f.scripts, "scripts", "./scripts", "script root: the folder served")
	fs.StringVar(&f.data, "data", "./data", "data folder: embedded session store and generated cookie keys")
	fs.StringVar(&f.sessions, "sessions", "bolt", "session store: memory, bolt (file in --data), bolt:PATH or redis://host:port/db")
	fs.DurationVar(&f.sessionTimeout, "session-timeout", 30*time.Minute, "default maxInactiveInterval of a session (<= 0: no idle limit)")
	fs.DurationVar(&f.sessionLifetime, "session-lifetime", 24*time.Hour, "absolute lifetime of a session, never extended (<= 0: none)")
	fs.StringVar(&f.sessionKeys, "session-keys", "", "cookie keys, newest first, comma-separated (HASH[:BLOCK] in base64, or hex.HEX); default: generated once into --data")
	fs.StringVar(&f.sessionKeysFile, "session-keys-file", "", "file holding the cookie keys (one per line or comma-separated, newest first), read again on SIGHUP")
	fs.StringVar(&f.sessionCookie, "session-cookie", "sid", "session cookie name (\"__Host-\" is prefixed over TLS)")
	fs.StringVar(&f.sessionSync, "session-sync", "interval", "bolt durability: always (a commit is on disk before the response) or interval (at most 1s of commits lost on a crash)")
	fs.IntVar(&f.sessionMax, "session-max", 1000000, "most sessions the embedded store keeps (then new sessions get 503)")
	fs.IntVar(&f.pool, "pool", 0, "number of VMs (0: one per CPU plus one, at least 3; more for scripts that wait on timers or I/O)")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "wall-clock limit of one script run (<= 0: none)")
	fs.DurationVar(&f.queueTimeout, "queue-timeout", 5*time.Second, "how long a request waits for a free VM before 503")
	fs.DurationVar(&f.shutdownDelay, "shutdown-delay", 0, "on SIGTERM, answer /readyz 503 and keep serving this long before draining, so a load balancer stops sending requests first (a second signal skips it)")
	fs.Int64Var(&f.maxBody, "max-body", 10<<20, "largest request body a script can read, in bytes")
	fs.BoolVar(&f.dev, "dev", false, "show script errors (file, line, stack) in 500 responses")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&f.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&f.logFile, "log-file", "", "write the log to this file instead of stderr (reopened on SIGHUP, for logrotate)")
	fs.StringVar(&f.accessLog, "access-log", "", "request log: text, json, combined (Apache) or off; default: the --log-format")
	fs.StringVar(&f.accessLogFile, "access-log-file", "", "write the request log to this file instead of the log (reopened on SIGHUP)")
	fs.StringVar(&f.trustedProxies, "trusted-proxies", "", "addresses of the reverse proxies in front (CIDRs or IPs, comma-separated): the client address of their requests is taken from X-Forwarded-For")
	fs.StringVar(&f.tlsCert, "tls-cert", "", "TLS certificate file (serve HTTPS; session cookies become Secure and __Host-)")
	fs.StringVar(&f.tlsKey, "tls-key", "", "TLS key file")
	fs.StringVar(&f.redisPassword, "redis-password", "", "Redis password, when not in the --sessions URL")
	f.maxMemory = byteSize{percent: runtime.DefaultMemoryFraction * 100, allowPercent: true}
	fs.Var(&f.maxMemory, "max-memory", "memory budget of the Go heap: bytes (512MiB, 2GiB) or a percentage of the cgroup limit or the machine's memory; past it the longest-running scripts are stopped (503); 0 or off: no guard")
	f.maxOutput = byteSize{n: runtime.DefaultMaxOutput}
	fs.Var(&f.maxOutput, "max-output", "largest response body a script may write (256MiB, 1GB, bytes); 0 or off: no limit")
	fs.StringVar(&f.redisPrefix, "redis-prefix", "dirigo:session:", "prefix of the Redis keys of sessions (timeouts and pool: URL parameters such as ?read_timeout=1s&pool_size=20&max_retries=2)")
	fs.IntVar(&f.sessionParallel, "session-parallel", 2, "most requests of one session that run at once; the others wait for their turn without a VM (up to --queue-timeout, then 503)")
	fs.StringVar(&f.clientDeny, "client-deny", "169.254.0.0/16,fe80::/10", "destinations scripts may not connect to (fetch, http/client): CIDRs or addresses, comma-separated, checked after DNS and on every redirect; empty: none")
	fs.StringVar(&f.clientAllow, "client-allow", "", "destinations reachable even when --client-deny covers them (CIDRs or addresses, comma-separated)")
	f.clientMaxBody = byteSize{n: outbound.DefaultMaxBody}
	fs.Var(&f.clientMaxBody, "client-max-body", "largest response body a script's outbound request may read (64MiB, bytes); larger is an error; 0 or off: no limit")
	fs.StringVar(&f.users, "users", "", "users file (NAME:BCRYPT-HASH[:ROLES] lines and /PATH ROLES rules; outside --scripts): turns on HTTP Basic, the /login form and role rules; /services/ then needs a user. Read again when it changes")
	fs.StringVar(&f.config, "config", "", "configuration file of the scripts (Java properties, as Dirigible's dirigible.properties; outside --scripts): values for core/configurations, after the environment; read again on SIGHUP")
	fs.IntVar(&f.clientMaxBackground, "client-max-background", outbound.DefaultMaxBackground, "most background client sessions (Titanium URLSession, Volt MX backgroundTransfer) open at once; one more is an exception in the script")
	fs.IntVar(&f.clientMaxTasks, "client-max-tasks", outbound.DefaultMaxTasks, "worker pool of client session tasks: how many transfer at once (up to 4096 more wait; beyond, an exception in the script)")
	f.clientMaxSpool = byteSize{n: outbound.DefaultMaxSpool}
	fs.Var(&f.clientMaxSpool, "client-max-spool", "most bytes of downloads and large response bodies kept in the data folder (1GiB, bytes); a task that would go over it fails; 0 or off: no limit")
	fs.DurationVar(&f.clientRetention, "client-retention", outbound.DefaultRetention, "how long a finished client task's result (record, body, download file) and an undelivered listener event are kept")
	fs.DurationVar(&f.clientGrace, "client-grace", 10*time.Second, "on shutdown, how long running client tasks may go on before they are cancelled (background downloads are then restarted by the next start)")
	fs.StringVar(&f.clientInstance, "client-instance", "", "name of this process in the client task records it writes, stable across restarts and unique among the processes sharing a Redis; default: host name and --addr port")
	return f
}

// envName is the environment variable of a flag.
func envName(flagName string) string {
	return "DIRIGO_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse reads the command line, then DIRIGO_<FLAG> variables for the flags
// the command line did not set.
func (f *flags) parse(args []string, getenv func(string) string) error {
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	var errs []error
	f.fs.VisitAll(func(fl *flag.Flag) {
		if set[fl.Name] {
			return
		}
		env := envName(fl.Name)
		if v := getenv(env); v != "" {
			if err := fl.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", env, v, err))
			}
		}
	})
	return errors.Join(errs...)
}

func (f *flags) level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(f.logLevel)); err != nil {
		return 0, fmt.Errorf("--log-level: %w", err)
	}
	return l, nil
}

// tls reports whether the main listener serves HTTPS.
func (f *flags) tls() bool { return f.tlsCert != "" || f.tlsKey != "" }

// proxies parses --trusted-proxies: CIDRs or single addresses.
func (f *flags) proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(f.trustedProxies, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %q is not an address or a CIDR", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// clientConfig returns the configuration of the scripts' outbound client:
// --client-deny, --client-allow, --client-max-body, the User-Agent
// dirigo/<version> and the data folder.
func (f *flags) clientConfig(version string, logger *slog.Logger) (outbound.Config, error) {
	deny, err := outbound.ParsePrefixes(f.clientDeny)
	if err != nil {
		return outbound.Config{}, fmt.Errorf("--client-deny: %w", err)
	}
	allow, err := outbound.ParsePrefixes(f.clientAllow)
	if err != nil {
		return outbound.Config{}, fmt.Errorf("--client-allow: %w", err)
	}
	switch {
	case f.clientMaxBackground < 1:
		return outbound.Config{}, errors.New("--client-max-background: must be at least 1")
	case f.clientMaxTasks < 1:
		return outbound.Config{}, errors.New("--client-max-tasks: must be at least 1")
	case f.clientRetention <= 0:
		return outbound.Config{}, errors.New("--client-retention: must be positive")
	case f.clientGrace < 0:
		return outbound.Config{}, errors.New("--client-grace: must not be negative")
	}
	return outbound.Config{
		Deny:          deny,
		Allow:         allow,
		MaxBody:       f.clientMaxBody.bytes(),
		DataDir:       f.data,
		UserAgent:     "dirigo/" + version,
		Logger:        logger,
		MaxBackground: f.clientMaxBackground,
		MaxTasks:      f.clientMaxTasks,
		MaxSpool:      f.clientMaxSpool.bytes(),
		Retention:     f.clientRetention,
	}, nil
}

// usage prints the help: the commands, then every flag with its variable.
func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, `dirigo serves a folder of JavaScript and TypeScript files as HTTP endpoints.

Usage:
  dirigo [serve] [flags]              serve the script root (the default command)
  dirigo run [flags] FILE [ARGS...]   run one script outside HTTP; the exit code is the script's
  dirigo health [flags] [URL]         ask the server these flags describe whether it is ready:
                                      exit 0 if it is, 1 if not (a container health check)
  dirigo version                      print the version and VCS revision (also --version)
  dirigo help                         print this help

Flags (each also read from the environment variable shown; the command line wins):
`)
	fs.VisitAll(func(fl *flag.Flag) {
		name, text := flag.UnquoteUsage(fl)
		left := "  --" + fl.Name
		if name != "" {
			left += " " + name
		}
		fmt.Fprintf(w, "%-34s %s\n", left, envName(fl.Name))
		fmt.Fprintf(w, "        %s", text)
		if fl.DefValue != "" && fl.DefValue != "0" && fl.DefValue != "false" && fl.DefValue != "0s" {
			fmt.Fprintf(w, " (default %s)", fl.DefValue)
		}
		fmt.Fprintln(w)
	})
	fmt.Fprint(w, `
Signals: SIGINT and SIGTERM drain the requests in flight, commit their sessions and stop
(a second one stops waiting); SIGHUP reopens --log-file and --access-log-file and reloads
the cookie keys from their file, the users file (--users) and the configuration file (--config).
`)
}

// byteSize is a size flag: bytes with an optional unit (KiB, MiB, GiB, TiB
// are powers of 1024, KB, MB, GB, TB of 1000, K, M, G, T binary), "0" or
// "off" for none, and, when allowPercent is set, a percentage of the memory
// available to the process ("50%").
type byteSize struct {
	n            int64   // bytes; 0 with percent unset: none
	percent      float64 // > 0: a share of runtime.SystemMemory()
	allowPercent bool
}

func (b *byteSize) String() string {
	switch {
	case b == nil:
		return ""
	case b.percent > 0:
		return strconv.FormatFloat(b.percent, 'f', -1, 64) + "%"
	case b.n == 0:
		return "off"
	case b.n%(1<<30) == 0:
		return strconv.FormatInt(b.n>>30, 10) + "GiB"
	case b.n%(1<<20) == 0:
		return strconv.FormatInt(b.n>>20, 10) + "MiB"
	}
	return strconv.FormatInt(b.n, 10)
}

var sizeUnits = []struct {
	suffix string
	mult   float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1},
}

func (b *byteSize) Set(s string) error {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		b.n, b.percent = 0, 0
		return nil
	}
	if p, ok := strings.CutSuffix(s, "%"); ok {
		if !b.allowPercent {
			return errors.New("a percentage is not allowed here")
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || v <= 0 || v > 100 {
			return fmt.Errorf("invalid percentage %q", s)
		}
		b.n, b.percent = 0, v
		return nil
	}
	mult := 1.0
	for _, u := range sizeUnits {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(num), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v*mult >= math.MaxInt64 {
		return fmt.Errorf("invalid size %q (bytes, or a number with KiB, MiB, GiB, KB, MB, GB)", s)
	}
	b.n, b.percent = int64(v*mult), 0
	return nil
}

// bytes returns the size for a runtime.Config field: -1 for none (the
// configs' zero means their default).
func (b *byteSize) bytes() int64 {
	if b.percent > 0 {
		n := int64(float64(runtime.SystemMemory()) * b.percent / 100)
		if n <= 0 {
			return -1 // memory unknown: no guard
		}
		return n
	}
	if b.n <= 0 {
		return -1
	}
	return b.n
}
