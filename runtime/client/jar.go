package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Limits of a [Jar], in the spirit of RFC 6265 §6.1 (which asks for at
// least these).
const (
	maxCookieSize      = 4096 // name + value
	maxCookiesPerSite  = 50   // per registrable domain (eTLD+1)
	maxCookiesInJar    = 3000
	maxCookieAttribute = 1024
)

// A Cookie is a cookie kept in a [Jar], in the form it is serialized.
type Cookie struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Quoted reports whether the value was sent in double quotes.
	Quoted bool `json:"quoted,omitempty"`
	// Domain is the canonical host (HostOnly) or the domain the cookie
	// was set for, without a leading dot.
	Domain   string `json:"domain"`
	HostOnly bool   `json:"hostOnly,omitempty"`
	Path     string `json:"path"`
	Secure   bool   `json:"secure,omitempty"`
	HttpOnly bool   `json:"httpOnly,omitempty"`
	SameSite string `json:"sameSite,omitempty"`
	// Expires is the expiry time; zero means a session cookie, which lives
	// as long as the jar.
	Expires time.Time `json:"expires,omitzero"`
	// Created orders cookies of equal path length (RFC 6265 §5.4).
	Created time.Time `json:"created"`
	// Seq breaks ties between cookies created at the same instant.
	Seq uint64 `json:"seq,omitempty"`
}

func (c *Cookie) id() string { return c.Name + ";" + c.Domain + ";" + c.Path }

func (c *Cookie) expired(now time.Time) bool {
	return !c.Expires.IsZero() && !now.Before(c.Expires)
}

// A Jar is an RFC 6265 cookie jar that can be listed, serialized and
// restored, which net/http/cookiejar cannot. Domain attributes naming a
// public suffix (golang.org/x/net/publicsuffix) are refused, host-only and
// domain cookies, path matching, Secure, Max-Age and Expires, and the
// __Secure- and __Host- prefixes follow RFC 6265 and its revision. Cookies
// without an expiry live as long as the jar. It implements
// http.CookieJar and is safe for concurrent use.
type Jar struct {
	mu    sync.Mutex
	now   func() time.Time
	sites map[string]map[string]*Cookie // registrable domain → id → cookie
	n     int
	seq   uint64
	gen   uint64 // counts changes, so a caller can tell whether to persist
}

// NewJar returns an empty jar.
func NewJar() *Jar {
	return &Jar{now: time.Now, sites: make(map[string]map[string]*Cookie)}
}

// canonicalHost returns the lowercase ASCII host of u, without port.
func canonicalHost(u *url.URL) (string, error) {
	h := strings.ToLower(u.Hostname())
	if h == "" {
		return "", fmt.Errorf("no host in %q", u.String())
	}
	for i := 0; i < len(h); i++ {
		if h[i] >= 0x80 {
			a, err := idna.Lookup.ToASCII(h)
			if err != nil {
				return "", err
			}
			return a, nil
		}
	}
	return h, nil
}

func isIP(host string) bool {
	_, err := netip.ParseAddr(host)
	return err == nil
}

// siteKey returns the registrable domain of host, which scopes the
// lookups: every cookie host can see shares it.
func siteKey(host string) string {
	if isIP(host) || strings.HasSuffix(host, ".") {
		return host
	}
	k, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return k
}

// domainMatch is RFC 6265 §5.1.3.
func domainMatch(host, domain string) bool {
	if host == domain {
		return true
	}
	return !isIP(host) && strings.HasSuffix(host, domain) && host[len(host)-len(domain)-1] == '.'
}

// pathMatch is RFC 6265 §5.1.4.
func pathMatch(reqPath, cookiePath string) bool {
	if reqPath == cookiePath {
		return true
	}
	if strings.HasPrefix(reqPath, cookiePath) {
		return strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/'
	}
	return false
}

// defaultPath is RFC 6265 §5.1.4's default-path of a request path.
func defaultPath(p string) string {
	if p == "" || p[0] != '/' {
		return "/"
	}
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/"
	}
	return p[:i]
}

func requestPath(u *url.URL) string {
	if u.Path == "" {
		return "/"
	}
	return u.Path
}

func isSecure(u *url.URL) bool { return strings.EqualFold(u.Scheme, "https") }

// SetCookies stores the cookies a response from u set (RFC 6265 §5.3).
func (j *Jar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	host, err := canonicalHost(u)
	if err != nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	for _, hc := range cookies {
		j.set(u, host, hc, now)
	}
}

func (j *Jar) set(u *url.URL, host string, hc *http.Cookie, now time.Time) {
	if hc.Name == "" || len(hc.Name)+len(hc.Value) > maxCookieSize ||
		len(hc.Domain) > maxCookieAttribute || len(hc.Path) > maxCookieAttribute {
		return
	}
	secure := isSecure(u)
	if hc.Secure && !secure {
		return // RFC 6265bis §5.7 step 8: only secure origins set Secure cookies
	}
	c := &Cookie{
		Name: hc.Name, Value: hc.Value, Quoted: hc.Quoted,
		Secure: hc.Secure, HttpOnly: hc.HttpOnly,
	}
	switch hc.SameSite {
	case http.SameSiteLaxMode:
		c.SameSite = "Lax"
	case http.SameSiteStrictMode:
		c.SameSite = "Strict"
	case http.SameSiteNoneMode:
		c.SameSite = "None"
	}

	// Expiry: Max-Age wins over Expires (§5.3 step 3).
	remove := false
	switch {
	case hc.MaxAge < 0:
		remove = true
	case hc.MaxAge > 0:
		c.Expires = now.Add(time.Duration(hc.MaxAge) * time.Second)
	case !hc.Expires.IsZero():
		if !hc.Expires.After(now) {
			remove = true
		} else {
			c.Expires = hc.Expires
		}
	}

	// Domain (§5.3 steps 4-6).
	domain := strings.ToLower(strings.TrimPrefix(hc.Domain, "."))
	if domain != "" {
		if a, err := idna.Lookup.ToASCII(domain); err == nil {
			domain = a
		} else {
			return
		}
		if ps, _ := publicsuffix.PublicSuffix(domain); ps == domain && !isIP(domain) {
			if domain != host {
				return // a public suffix as Domain: ignored
			}
			domain = ""
		}
	}
	if domain != "" {
		if strings.HasSuffix(host, ".") || !domainMatch(host, domain) || isIP(host) && host != domain {
			return
		}
		if host == domain && isIP(host) {
			domain = ""
		}
	}
	if domain == "" {
		c.HostOnly = true
		c.Domain = host
	} else {
		c.Domain = domain
	}

	// Path (§5.3 step 7, §5.2.4).
	if hc.Path == "" || hc.Path[0] != '/' {
		c.Path = defaultPath(requestPath(u))
	} else {
		c.Path = hc.Path
	}

	// Prefixes (RFC 6265bis §4.1.3).
	if strings.HasPrefix(c.Name, "__Secure-") && !c.Secure {
		return
	}
	if strings.HasPrefix(c.Name, "__Host-") && (!c.Secure || !c.HostOnly || c.Path != "/") {
		return
	}

	site := siteKey(host)
	bucket := j.sites[site]
	id := c.id()
	old := bucket[id]
	if remove || c.expired(now) {
		if old != nil {
			delete(bucket, id)
			j.n--
			j.gen++
		}
		return
	}
	if old != nil {
		c.Created, c.Seq = old.Created, old.Seq
		bucket[id] = c
		j.gen++
		return
	}
	c.Created = now
	j.seq++
	c.Seq = j.seq
	if bucket == nil {
		bucket = make(map[string]*Cookie)
		j.sites[site] = bucket
	}
	bucket[id] = c
	j.n++
	j.gen++
	j.evict(site, now)
}

// evict keeps the jar within its limits: expired cookies go first, then
// the oldest of the site, then the oldest of the jar.
func (j *Jar) evict(site string, now time.Time) {
	bucket := j.sites[site]
	if len(bucket) > maxCookiesPerSite {
		for id, c := range bucket {
			if c.expired(now) {
				delete(bucket, id)
				j.n--
			}
		}
		for len(bucket) > maxCookiesPerSite {
			delete(bucket, oldest(bucket).id())
			j.n--
		}
	}
	for j.n > maxCookiesInJar {
		var victim *Cookie
		var vsite string
		for s, b := range j.sites {
			if o := oldest(b); o != nil && (victim == nil || o.Seq < victim.Seq) {
				victim, vsite = o, s
			}
		}
		delete(j.sites[vsite], victim.id())
		j.n--
	}
}

func oldest(b map[string]*Cookie) *Cookie {
	var o *Cookie
	for _, c := range b {
		if o == nil || c.Seq < o.Seq {
			o = c
		}
	}
	return o
}

// Cookies returns the cookies to send to u (RFC 6265 §5.4): longer paths
// first, then older cookies first.
func (j *Jar) Cookies(u *url.URL) []*http.Cookie {
	matched := j.matching(u)
	if len(matched) == 0 {
		return nil
	}
	out := make([]*http.Cookie, len(matched))
	for i, c := range matched {
		out[i] = &http.Cookie{Name: c.Name, Value: c.Value, Quoted: c.Quoted}
	}
	return out
}

// Matching returns copies of the cookies a request to u would carry, with
// all their attributes (Volt MX getCookies).
func (j *Jar) Matching(u *url.URL) []Cookie {
	matched := j.matching(u)
	out := make([]Cookie, len(matched))
	for i, c := range matched {
		out[i] = *c
	}
	return out
}

func (j *Jar) matching(u *url.URL) []*Cookie {
	host, err := canonicalHost(u)
	if err != nil {
		return nil
	}
	secure := isSecure(u)
	path := requestPath(u)
	j.mu.Lock()
	defer j.mu.Unlock()
	bucket := j.sites[siteKey(host)]
	if len(bucket) == 0 {
		return nil
	}
	now := j.now()
	var matched []*Cookie
	for id, c := range bucket {
		if c.expired(now) {
			delete(bucket, id)
			j.n--
			j.gen++
			continue
		}
		if c.Secure && !secure {
			continue
		}
		if c.HostOnly && host != c.Domain || !c.HostOnly && !domainMatch(host, c.Domain) {
			continue
		}
		if !pathMatch(path, c.Path) {
			continue
		}
		matched = append(matched, c)
	}
	sort.Slice(matched, func(a, b int) bool {
		x, y := matched[a], matched[b]
		if len(x.Path) != len(y.Path) {
			return len(x.Path) > len(y.Path)
		}
		if !x.Created.Equal(y.Created) {
			return x.Created.Before(y.Created)
		}
		return x.Seq < y.Seq
	})
	return matched
}

// All returns copies of every unexpired cookie, ordered by domain, path
// and name.
func (j *Jar) All() []Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	out := make([]Cookie, 0, j.n)
	for _, b := range j.sites {
		for _, c := range b {
			if !c.expired(now) {
				out = append(out, *c)
			}
		}
	}
	sort.Slice(out, func(a, b int) bool {
		x, y := &out[a], &out[b]
		if x.Domain != y.Domain {
			return x.Domain < y.Domain
		}
		if x.Path != y.Path {
			return x.Path < y.Path
		}
		return x.Name < y.Name
	})
	return out
}

// Len returns the number of cookies held, expired ones not yet dropped
// included.
func (j *Jar) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.n
}

// Clear removes every cookie.
func (j *Jar) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.sites = make(map[string]map[string]*Cookie)
	j.n = 0
	j.gen++
}

// Remove removes the cookies a request to u would carry; with names, only
// those of these names (Volt MX clearCookies).
func (j *Jar) Remove(u *url.URL, names ...string) int {
	matched := j.matching(u)
	host, _ := canonicalHost(u)
	j.mu.Lock()
	defer j.mu.Unlock()
	removed := 0
	for _, c := range matched {
		if len(names) > 0 && !contains(names, c.Name) {
			continue
		}
		if b := j.sites[siteKey(host)]; b != nil && b[c.id()] == c {
			delete(b, c.id())
			j.n--
			j.gen++
			removed++
		}
	}
	return removed
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// generation counts the changes to the jar.
func (j *Jar) generation() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.gen
}

// MarshalJSON serializes the unexpired cookies (session cookies included:
// they live as long as the client session, which is what is persisted).
func (j *Jar) MarshalJSON() ([]byte, error) {
	return json.Marshal(j.All())
}

// UnmarshalJSON replaces the jar's content with serialized cookies,
// dropping expired and malformed entries; the jar's limits apply.
func (j *Jar) UnmarshalJSON(data []byte) error {
	var list []Cookie
	if err := json.Unmarshal(data, &list); err != nil {
		return fmt.Errorf("client: decoding cookie jar: %w", err)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.now == nil {
		j.now = time.Now
	}
	j.sites = make(map[string]map[string]*Cookie)
	j.n = 0
	j.gen++
	now := j.now()
	sort.SliceStable(list, func(a, b int) bool { return list[a].Seq < list[b].Seq })
	j.seq = 0
	for i := range list {
		c := list[i]
		if c.Name == "" || c.Domain == "" || c.Path == "" || c.Path[0] != '/' || c.expired(now) ||
			len(c.Name)+len(c.Value) > maxCookieSize {
			continue
		}
		c.Domain = strings.ToLower(c.Domain)
		j.seq++
		c.Seq = j.seq // renumbered in the same order
		site := siteKey(c.Domain)
		b := j.sites[site]
		if b == nil {
			b = make(map[string]*Cookie)
			j.sites[site] = b
		}
		if _, dup := b[c.id()]; !dup {
			j.n++
		}
		b[c.id()] = &c
		j.evict(site, now)
	}
	return nil
}
