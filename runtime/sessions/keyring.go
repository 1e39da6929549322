package sessions

import (
	"fmt"
	"time"

	"github.com/gorilla/securecookie"
)

// keyRing is the manager's cookie codecs, one per key; the first signs.
type keyRing struct {
	codecs []*securecookie.SecureCookie
}

func newKeyRing(keys []Key, lifetime time.Duration) (*keyRing, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("sessions: no cookie keys")
	}
	r := &keyRing{}
	for i, k := range keys {
		if n := len(k.Hash); n < 32 {
			return nil, fmt.Errorf("sessions: key %d: signing key is %d bytes, want at least 32", i+1, n)
		}
		switch len(k.Block) {
		case 0, 16, 24, 32:
		default:
			return nil, fmt.Errorf("sessions: key %d: encryption key is %d bytes, want 16, 24 or 32", i+1, len(k.Block))
		}
		c := securecookie.New(k.Hash, k.Block)
		c.SetSerializer(securecookie.NopEncoder{})
		c.MaxLength(maxCookieBytes)
		if lifetime > 0 {
			// A cookie is (re)signed whenever its session is created or
			// rotated, so it can never be older than the session's lifetime.
			c.MaxAge(int((lifetime + time.Minute) / time.Second))
		} else {
			c.MaxAge(0)
		}
		r.codecs = append(r.codecs, c)
	}
	return r, nil
}

// SetKeys replaces the cookie key ring while the manager serves (key
// rotation without a restart, on SIGHUP in cmd/dirigo): the first key signs
// from now on, every key verifies, and a cookie signed with a key that is no
// longer in the ring stops verifying at once (its client gets a new
// session). On error the ring in use is kept.
func (m *Manager) SetKeys(keys []Key) error {
	ring, err := newKeyRing(keys, m.cfg.Lifetime)
	if err != nil {
		return err
	}
	m.ring.Store(ring)
	return nil
}
