package auth

import (
	"net/netip"
	"sync"
	"time"
)

// limiter rate-limits failed logins per client: a token bucket per client
// address (an IPv6 client by its /64, which one host usually has whole)
// that holds burst failures and gains one back every refill. A client
// whose bucket is empty is refused before its password is checked. The
// map is bounded: past max clients, full buckets (clients that have not
// failed lately) are dropped first, then arbitrary ones.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	burst   float64
	refill  time.Duration
	max     int
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was computed
}

func newLimiter(burst int, refill time.Duration, maxClients int) *limiter {
	return &limiter{buckets: map[string]*bucket{}, burst: float64(burst), refill: refill, max: maxClients}
}

// clientKey is the bucket of a client address.
func clientKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// level returns the tokens of b at now.
func (l *limiter) level(b *bucket, now time.Time) float64 {
	t := b.tokens + float64(now.Sub(b.at))/float64(l.refill)
	return min(t, l.burst)
}

// wait returns how long the client must wait before its next try: zero
// when it may try now.
func (l *limiter) wait(client string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[clientKey(client)]
	if b == nil {
		return 0
	}
	t := l.level(b, now)
	if t >= 1 {
		return 0
	}
	return time.Duration((1 - t) * float64(l.refill))
}

// fail takes a token from the client's bucket.
func (l *limiter) fail(client string, now time.Time) {
	key := clientKey(client)
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = max(l.level(b, now)-1, 0)
	b.at = now
}

// evict makes room in a full map: it drops the buckets that are full
// again, and when that frees too little, a tenth of the others.
func (l *limiter) evict(now time.Time) {
	for k, b := range l.buckets {
		if l.level(b, now) >= l.burst {
			delete(l.buckets, k)
		}
	}
	drop := l.max / 10
	for k := range l.buckets {
		if len(l.buckets) < l.max-drop {
			break
		}
		delete(l.buckets, k)
	}
}
