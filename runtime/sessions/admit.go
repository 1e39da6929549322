package sessions

import (
	"context"
	"net/http"
	"time"
)

// An Admission is a request's place among the requests of its session that
// run at once (see Manager.Admit). The zero value holds no place.
type Admission struct {
	held heldLock
}

// Release gives the place up. It may be called more than once.
func (a *Admission) Release() { a.held.release() }

// Admit bounds the requests of one session that run at once to
// Config.MaxParallel. The server calls it before it gives the request the
// resources a run holds (a VM): the session's requests are serialized from
// their first session call anyway, so more of them at once would only hold
// resources while they wait, and one client could starve the others.
//
// When r carries a session cookie that verifies (a cheap check: no store
// call, and a cookie seen before is remembered), Admit waits for a place
// among that session's requests until wait passes or r's context is done,
// then fails with ErrBusy (at once when wait ≤ 0 and no place is free). A
// request without such a cookie, or a nil Manager, takes no place and is
// admitted at once. The caller must Release the admission when the request
// is done.
func (m *Manager) Admit(r *http.Request, wait time.Duration) (Admission, error) {
	if m == nil {
		return Admission{}, nil
	}
	_, key, _ := m.readCookie(r)
	if key == "" {
		return Admission{}, nil
	}
	if held, ok := m.admits.tryLock(key); ok {
		return Admission{held}, nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), max(wait, 0))
	defer cancel()
	held, err := m.admits.lock(ctx, key)
	if err != nil {
		return Admission{}, err
	}
	return Admission{held}, nil
}
