package runtime

import (
	"errors"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
)

// An Observer is told what the server does, for metrics. The server calls it
// on the request's goroutine, some methods on every request: an
// implementation must be cheap (atomic counters, label values resolved in
// advance) and must never block. Config.Observer nil means [NopObserver].
//
// Implementations embed NopObserver, so that methods added later (outbound
// requests and tasks of the script client, when it lands) default to doing
// nothing instead of breaking them.
type Observer interface {
	// Request is called once per request served by the Server (the health
	// and metrics endpoints of cmd/dirigo are not), when its response is
	// done: how its path resolved (0 when it resolved to nothing: 400, 404),
	// the status sent and how long it took.
	Request(kind RouteKind, status int, elapsed time.Duration)
	// PoolWaited is called when a request found no idle VM and waited for
	// one: how long, and the error when it got none (the client then gets
	// 503; the error wraps ErrBusy). A request that found an idle VM at once
	// is not reported.
	PoolWaited(waited time.Duration, err error)
	// Unavailable is called for a 503 answer caused by the session store
	// (CauseStore) or the request's session (CauseSession), once per
	// request. 503s for want of a VM are reported by PoolWaited.
	Unavailable(cause Cause)
	// ScriptFailed is called when a script run fails with a server error
	// (500, 504): err is a *ScriptError, and errors.Is tells ErrTimeout,
	// ErrStackOverflow and ErrPanic from exceptions the script threw.
	ScriptFailed(err error)
}

// NopObserver is an Observer that does nothing; embed it in an Observer to
// implement only some methods.
type NopObserver struct{}

// Request implements Observer.
func (NopObserver) Request(RouteKind, int, time.Duration) {}

// PoolWaited implements Observer.
func (NopObserver) PoolWaited(time.Duration, error) {}

// Unavailable implements Observer.
func (NopObserver) Unavailable(Cause) {}

// ScriptFailed implements Observer.
func (NopObserver) ScriptFailed(error) {}

var _ Observer = NopObserver{}

// Cause tells why a request was answered 503 Service Unavailable.
type Cause uint8

// The causes of 503 answers.
const (
	// CauseQueue: no VM became free within Config.QueueTimeout.
	CauseQueue Cause = iota + 1
	// CauseStore: the session store failed, did not answer in time or is full.
	CauseStore
	// CauseSession: the request's session stayed locked by its other
	// requests (or changed under it).
	CauseSession
)

// NumCauses bounds the values of Cause, for tables indexed by it.
const NumCauses = int(CauseSession) + 1

// String returns the cause as metrics label it: "queue", "store", "session".
func (c Cause) String() string {
	switch c {
	case CauseQueue:
		return "queue"
	case CauseStore:
		return "store"
	case CauseSession:
		return "session"
	default:
		return "other"
	}
}

// causeOf classifies the error behind a 503.
func causeOf(err error) Cause {
	switch {
	case errors.Is(err, ErrBusy):
		return CauseQueue
	case errors.Is(err, sessions.ErrUnavailable), errors.Is(err, sessions.ErrFull):
		return CauseStore
	default: // sessions.ErrBusy, or a session that vanished or rotated under the request
		return CauseSession
	}
}

// NumRouteKinds bounds the values of RouteKind, for tables indexed by it.
const NumRouteKinds = int(RoutePage) + 1

// String returns the kind as logs and metrics show it: "script", "static",
// "redirect", "page", or "none" for a path that resolved to nothing.
func (k RouteKind) String() string {
	switch k {
	case RouteScript:
		return "script"
	case RouteStatic:
		return "static"
	case RouteRedirect:
		return "redirect"
	case RoutePage:
		return "page"
	default:
		return "none"
	}
}

// PoolStats is a snapshot of the VM pool.
type PoolStats struct {
	// Size is the configured number of VMs.
	Size int
	// Live is the number of VMs that exist: Size, less the broken VMs whose
	// replacements are still being made.
	Live int
	// InUse is the number of VMs running a request.
	InUse int
	// Waiting is the number of requests waiting for a VM.
	Waiting int
}

// PoolStats returns a snapshot of the VM pool, for metrics and readiness. It
// takes the pool's lock briefly: call it when scraped, not per request.
func (s *Server) PoolStats() PoolStats {
	p := s.pool
	p.mu.Lock()
	live := len(p.all)
	p.mu.Unlock()
	idle := len(p.idle)
	return PoolStats{Size: cap(p.idle), Live: live, InUse: max(0, live-idle), Waiting: int(p.waiting.Load())}
}
