package runtime

import (
	"math"
	"sync"
	"time"

	"github.com/dlclark/regexp2/v2"
)

// Backtracking regular expressions (lookaround, backreferences) run in
// regexp2, which goja cannot interrupt: /^(?=a)(a+)+$/ on 29 "a"s and a "!"
// takes minutes in one call. regexp2 has a match timeout, read from its
// package variable DefaultMatchTimeout when a pattern is compiled (goja
// compiles a script's literals with the script, and new RegExp when it
// runs), and goja reads a match that timed out as "no match".
//
// So the match timeout is the script timeout plus regexpGrace. A match
// starts after its run started, so by the time one gives up, its run is past
// its limit by at least regexpGrace: the watchdog (which looks every 50 ms at
// most) has interrupted the script, which stops at its next instruction
// without seeing the false "no match". Two backstops cover a watchdog that
// is late: a run that ends after its limit is a timeout even if the script
// reached its end (VM.run), and a response started after the limit sends
// nothing and commits no session (Response.start). The cost is the bound:
// a run ends at most --timeout + regexpGrace + regexp2's clock period
// (100 ms, twice) after the start of its last backtracking match.
//
// The variable is process-wide: with several servers in one process, it is
// the largest timeout plus the grace (a server without a limit lifts it).
// A change to goja that checks its interrupt flag in the match loop (or
// passes a per-runtime deadline to regexp2) would make the bound as tight as
// for the rest; see the README.
const regexpGrace = 250 * time.Millisecond

var regexpTimeout struct {
	mu  sync.Mutex
	set time.Duration // the largest value set so far
}

// setRegexpTimeout raises regexp2's match timeout to scriptTimeout plus
// regexpGrace (no limit when scriptTimeout <= 0). It never lowers it: a
// server in the same process with a longer timeout must not see false "no
// match" results within its limit.
func setRegexpTimeout(scriptTimeout time.Duration) {
	want := time.Duration(math.MaxInt64)
	if scriptTimeout > 0 && scriptTimeout < want-regexpGrace {
		want = scriptTimeout + regexpGrace
	}
	regexpTimeout.mu.Lock()
	defer regexpTimeout.mu.Unlock()
	if want > regexpTimeout.set {
		regexpTimeout.set = want
		regexp2.DefaultMatchTimeout = want
	}
}
