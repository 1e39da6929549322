// Package auth authenticates the requests of a dirigo server against a
// users file: HTTP Basic credentials, a login form with the user kept in
// the server-side session, and role rules per path. It implements
// runtime.Auth; cmd/dirigo wires it from --users.
//
// The users file holds one user per line, htpasswd style with roles, and
// rules (see the README, "Users and roles"):
//
//	alice:$2y$10$...:ADMINISTRATOR,Developer
//	bob:$2y$10$...
//	/admin ADMINISTRATOR
//	/reports *
//
// It is read again when it changes (checked at most once a ReloadInterval,
// on a request). Passwords are bcrypt hashes; a successful Basic check is
// remembered for BasicCacheTTL, so API clients do not pay bcrypt on every
// request. Failed logins are rate-limited per client address.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/sessions"
)

// Defaults of Config.
const (
	DefaultRealm          = "dirigo"
	DefaultLoginPath      = "/login"
	DefaultLogoutPath     = "/logout"
	DefaultReloadInterval = time.Second
	DefaultBasicCacheTTL  = 5 * time.Minute
	DefaultFailureBurst   = 10
	DefaultFailureRefill  = 6 * time.Second
	// maxCachedBasic bounds the remembered Basic credentials.
	maxCachedBasic = 10000
	// maxLimitedClients bounds the clients the rate limiter tracks.
	maxLimitedClients = 100000
	// maxPassword bounds a password: longer ones fail without a bcrypt
	// comparison (bcrypt reads 72 bytes).
	maxPassword = 1024
)

// Config configures an Auth. The zero value of every field but UsersFile
// means its default.
type Config struct {
	// UsersFile is the users file. Required.
	UsersFile string
	// Root is the script root; the users file must not be under it (it
	// would be served as a static file).
	Root string
	// Realm is the realm of the Basic challenge (default "dirigo").
	Realm string
	// LoginPath and LogoutPath are the paths of the login form and of
	// logout (default /login and /logout). They are answered before any
	// script: a script cannot shadow them.
	LoginPath, LogoutPath string
	// ReloadInterval is how often, at most, a request checks whether the
	// users file changed (default 1s).
	ReloadInterval time.Duration
	// BasicCacheTTL is how long a verified Basic user name and password
	// are trusted without bcrypt (default 5m; negative: never remembered).
	BasicCacheTTL time.Duration
	// FailureBurst is how many failed logins a client address may make in
	// a row (default 10); FailureRefill is how long it takes to earn one
	// more try (default 6s: 10 a minute once the burst is spent).
	FailureBurst  int
	FailureRefill time.Duration
	// Logger receives failed and successful logins (never a password) and
	// reload errors (default slog.Default()).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Auth authenticates requests against a users file. It implements
// runtime.Auth and is safe for concurrent use.
type Auth struct {
	cfg Config
	log *slog.Logger
	now func() time.Time

	tbl       atomic.Pointer[table]
	lastCheck atomic.Int64 // unix nanoseconds of the last look at the file
	badSig    atomic.Pointer[fileSig]

	limit  *limiter
	bcrypt chan struct{} // bounds the bcrypt comparisons at once
	origin *http.CrossOriginProtection

	cacheKey [32]byte  // HMAC key of the Basic cache (random per process)
	macs     sync.Pool // of HMAC-SHA256 hashes under cacheKey
	cacheMu  sync.Mutex
	cache    map[[32]byte]cachedBasic
}

// cachedBasic is a Basic user name and password that verified.
type cachedBasic struct {
	acct    *account
	tbl     *table // the table it verified against: stale after a reload
	expires time.Time
}

var _ runtime.Auth = (*Auth)(nil)

// New reads the users file and returns an Auth over it.
func New(cfg Config) (*Auth, error) {
	if cfg.UsersFile == "" {
		return nil, errors.New("auth: no users file")
	}
	if cfg.Realm == "" {
		cfg.Realm = DefaultRealm
	}
	if strings.ContainsAny(cfg.Realm, "\"\\\r\n") {
		return nil, fmt.Errorf("auth: invalid realm %q", cfg.Realm)
	}
	if cfg.LoginPath == "" {
		cfg.LoginPath = DefaultLoginPath
	}
	if cfg.LogoutPath == "" {
		cfg.LogoutPath = DefaultLogoutPath
	}
	if cfg.ReloadInterval <= 0 {
		cfg.ReloadInterval = DefaultReloadInterval
	}
	if cfg.BasicCacheTTL == 0 {
		cfg.BasicCacheTTL = DefaultBasicCacheTTL
	}
	if cfg.FailureBurst <= 0 {
		cfg.FailureBurst = DefaultFailureBurst
	}
	if cfg.FailureRefill <= 0 {
		cfg.FailureRefill = DefaultFailureRefill
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Root != "" {
		if err := outsideRoot(cfg.UsersFile, cfg.Root); err != nil {
			return nil, err
		}
	}
	t, err := loadTable(cfg.UsersFile)
	if err != nil {
		return nil, fmt.Errorf("auth: users file: %w", err)
	}
	a := &Auth{
		cfg: cfg, log: cfg.Logger, now: cfg.Now,
		limit:  newLimiter(cfg.FailureBurst, cfg.FailureRefill, maxLimitedClients),
		bcrypt: make(chan struct{}, max(2, goruntime.GOMAXPROCS(0))),
		origin: http.NewCrossOriginProtection(),
		cache:  map[[32]byte]cachedBasic{},
	}
	_, _ = rand.Read(a.cacheKey[:])
	a.macs.New = func() any { return hmac.New(sha256.New, a.cacheKey[:]) }
	a.tbl.Store(t)
	a.lastCheck.Store(cfg.Now().UnixNano())
	if fi, err := os.Stat(cfg.UsersFile); err == nil && fi.Mode().Perm()&0o004 != 0 {
		a.log.Warn("the users file can be read by every user of this machine; chmod o-r it", "path", cfg.UsersFile)
	}
	return a, nil
}

// outsideRoot fails when file is the script root or under it: the users
// file must never be reachable as a static file.
func outsideRoot(file, root string) error {
	real := func(p string) string {
		abs, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			return r
		}
		return abs
	}
	f, r := real(file), real(root)
	rel, err := filepath.Rel(r, f)
	if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("auth: the users file %s is under the script root %s: move it out (it could be served)", file, root)
	}
	return nil
}

// Users returns the number of users of the file as last read.
func (a *Auth) Users() int { return len(a.table().users) }

// table returns the users table, reading the file again first when it may
// have changed: at most once a ReloadInterval, a stat.
func (a *Auth) table() *table {
	now := a.now().UnixNano()
	last := a.lastCheck.Load()
	if now-last >= int64(a.cfg.ReloadInterval) && a.lastCheck.CompareAndSwap(last, now) {
		a.Reload()
	}
	return a.tbl.Load()
}

// Reload reads the users file again if it changed. A file that cannot be
// read or parsed is reported once and the users read before stay in force.
func (a *Auth) Reload() {
	fi, err := os.Stat(a.cfg.UsersFile)
	if err != nil {
		if bad := a.badSig.Load(); bad == nil || !bad.mod.IsZero() {
			a.log.Error("users file: keeping the users read before", "path", a.cfg.UsersFile, "error", err)
			a.badSig.Store(&fileSig{})
		}
		return
	}
	sig := statSig(fi)
	cur := a.tbl.Load()
	if sig == cur.sig {
		return
	}
	if bad := a.badSig.Load(); bad != nil && *bad == sig {
		return // reported already
	}
	t, err := loadTable(a.cfg.UsersFile)
	if err != nil {
		a.badSig.Store(&sig)
		a.log.Error("users file: keeping the users read before", "path", a.cfg.UsersFile, "error", err)
		return
	}
	a.badSig.Store(nil)
	a.tbl.Store(t)
	a.log.Info("users file read again", "path", a.cfg.UsersFile, "users", len(t.users), "rules", len(t.rules))
}

// Serve implements runtime.Auth.
func (a *Auth) Serve(w http.ResponseWriter, r *http.Request, ar *runtime.AuthRequest) (*runtime.User, bool) {
	switch r.URL.Path {
	case a.cfg.LoginPath:
		a.serveLogin(w, r, ar)
		return nil, true
	case a.cfg.LogoutPath:
		a.serveLogout(w, r, ar)
		return nil, true
	}
	t := a.table()
	var user *runtime.User
	if h := r.Header.Get("Authorization"); h != "" {
		name, pass, ok := r.BasicAuth()
		if !ok && strings.HasPrefix(strings.ToLower(h), "basic ") {
			a.challenge(w, r, false) // malformed Basic credentials
			return nil, true
		}
		if ok {
			acct, wait := a.verify(r.Context(), t, name, pass, ar, "Basic")
			switch {
			case wait > 0:
				tooMany(w, wait)
				return nil, true
			case acct == nil:
				a.challenge(w, r, false)
				return nil, true
			}
			user = acct.basic
		}
	}
	file := ""
	if ar.Route.Kind == runtime.RouteScript || ar.Route.Kind == runtime.RoutePage || ar.Route.Kind == runtime.RouteStatic {
		file = ar.Route.File
	}
	need, roles := t.requirement(r.URL.Path, file)
	if need == needNone {
		return user, false // a session user is looked up when a script asks
	}
	if user == nil {
		sess := ar.Session() // nil when the server keeps no sessions
		if sess != nil {
			u, err := a.sessionUser(t, sess)
			if err != nil {
				a.log.Warn("loading the session to authenticate", "path", r.URL.Path, "error", err)
				w.Header().Set("Retry-After", "1")
				plain(w, http.StatusServiceUnavailable)
				return nil, true
			}
			user = u
		}
		if user == nil {
			a.challenge(w, r, sess != nil)
			return nil, true
		}
	}
	for _, list := range roles {
		if !hasAny(user, list) {
			plain(w, http.StatusForbidden)
			return nil, true
		}
	}
	return user, false
}

func hasAny(u *runtime.User, roles []string) bool {
	for _, r := range roles {
		if u.InRole(r) {
			return true
		}
	}
	return false
}

// SessionUser implements runtime.Auth: the user the login form put in the
// session, if that user still exists with the same password.
func (a *Auth) SessionUser(s *sessions.Session) (*runtime.User, error) {
	return a.sessionUser(a.table(), s)
}

// sessionLogin is what a session remembers of its login, in the reserved
// attribute sessions.ReservedPrefix + sessionUserAttr.
type sessionLogin struct {
	Name string `json:"name"`
	Key  string `json:"key"`
	At   int64  `json:"at"`
}

const sessionUserAttr = "user"

func (a *Auth) sessionUser(t *table, s *sessions.Session) (*runtime.User, error) {
	b, ok, err := s.Private(sessionUserAttr)
	if err != nil || !ok {
		return nil, err
	}
	var l sessionLogin
	if json.Unmarshal(b, &l) != nil {
		return nil, nil
	}
	acct := t.users[l.Name]
	if acct == nil || !hmac.Equal([]byte(acct.key), []byte(l.Key)) {
		return nil, nil // removed, or the password changed: logged out
	}
	return acct.form, nil
}

// verify checks a user name and password: from the Basic cache, else with
// bcrypt. It returns the account, or nil; a client over its failure limit
// gets how long to wait instead, and no comparison.
func (a *Auth) verify(ctx context.Context, t *table, name, pass string, ar *runtime.AuthRequest, how string) (*account, time.Duration) {
	var key [32]byte
	ttl := a.cfg.BasicCacheTTL
	if how == "Basic" && ttl > 0 {
		m := a.macs.Get().(hash.Hash)
		m.Reset()
		_, _ = io.WriteString(m, name)
		_, _ = m.Write([]byte{0})
		_, _ = io.WriteString(m, pass)
		m.Sum(key[:0])
		a.macs.Put(m)
		a.cacheMu.Lock()
		e, ok := a.cache[key]
		a.cacheMu.Unlock()
		if ok && e.tbl == t && a.now().Before(e.expires) {
			return e.acct, 0
		}
	}
	now := a.now()
	client := ar.Client()
	if wait := a.limit.wait(client, now); wait > 0 {
		a.log.Warn("login refused: too many failures", "how", how, "client", client)
		return nil, wait
	}
	acct := t.users[name]
	ok := false
	if len(pass) <= maxPassword {
		hash := t.dummy
		if acct != nil {
			hash = acct.hash
		}
		select {
		case a.bcrypt <- struct{}{}:
		case <-ctx.Done():
			return nil, 0
		}
		ok = bcrypt.CompareHashAndPassword(hash, []byte(pass)) == nil && acct != nil
		<-a.bcrypt
	}
	if !ok {
		a.limit.fail(client, a.now())
		attrs := []any{"how", how, "client", client}
		if acct != nil {
			attrs = append(attrs, "user", name)
		} else {
			attrs = append(attrs, "known_user", false)
		}
		a.log.Warn("login failed", attrs...)
		return nil, 0
	}
	if how == "Basic" && ttl > 0 {
		a.cacheMu.Lock()
		if len(a.cache) >= maxCachedBasic {
			clear(a.cache)
		}
		a.cache[key] = cachedBasic{acct: acct, tbl: t, expires: a.now().Add(ttl)}
		a.cacheMu.Unlock()
	}
	return acct, 0
}

// challenge answers a request that needs a user and has none: a browser
// navigating to a page is sent to the login form (when there are
// sessions), a script's fetch or XHR gets a plain 401 (a Basic challenge
// would make the browser pop up its own dialog), and any other client a
// 401 with a Basic challenge.
func (a *Auth) challenge(w http.ResponseWriter, r *http.Request, form bool) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	switch {
	case programmatic(r):
	case form && (r.Method == http.MethodGet || r.Method == http.MethodHead) && acceptsHTML(r):
		target := r.URL.EscapedPath()
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		loc := a.cfg.LoginPath
		if len(target) <= maxReturn {
			loc += "?return=" + url.QueryEscape(target)
		}
		h.Set("Location", loc)
		w.WriteHeader(http.StatusFound)
		return
	default:
		h.Set("WWW-Authenticate", `Basic realm="`+a.cfg.Realm+`", charset="UTF-8"`)
	}
	plain(w, http.StatusUnauthorized)
}

// programmatic reports whether a browser's script (fetch, XHR) sent r, as
// Dirigible tells: Sec-Fetch-Mode other than navigate, or the
// X-Requested-With header of XHR libraries.
func programmatic(r *http.Request) bool {
	if m := r.Header.Get("Sec-Fetch-Mode"); m != "" {
		return !strings.EqualFold(m, "navigate")
	}
	return strings.EqualFold(r.Header.Get("X-Requested-With"), "XMLHttpRequest")
}

func acceptsHTML(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		if strings.Contains(strings.ToLower(v), "text/html") {
			return true
		}
	}
	return false
}

// plain answers status with its text.
func plain(w http.ResponseWriter, status int) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(strconv.Itoa(status) + " " + http.StatusText(status) + "\n"))
}

// tooMany answers a client over its failure limit.
func tooMany(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", retryAfter(wait))
	plain(w, http.StatusTooManyRequests)
}

// retryAfter is a Retry-After value: whole seconds, rounded up.
func retryAfter(wait time.Duration) string {
	return strconv.Itoa(int((wait + time.Second - 1) / time.Second))
}
