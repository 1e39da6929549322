package runtime

import (
	"errors"
	"runtime/metrics"
)

// ErrMemory means the server's heap passed Config.MaxMemory and the
// watchdog stopped this run to bring it back under (the client gets 503).
var ErrMemory = errors.New("runtime: server memory limit reached")

// ErrOutputLimit means a script wrote more than Config.MaxOutput bytes to its
// response.
var ErrOutputLimit = errors.New("runtime: response larger than the output limit")

// heapMetrics reads the Go heap through runtime/metrics, which costs a few
// hundred nanoseconds and stops nothing (runtime.ReadMemStats stops the
// world). It is used by one goroutine, the pool's watchdog.
type heapMetrics struct {
	s [2]metrics.Sample
}

func newHeapMetrics() *heapMetrics {
	m := &heapMetrics{}
	// Bytes in heap objects, reachable or not yet swept: what the heap holds now.
	m.s[0].Name = "/memory/classes/heap/objects:bytes"
	// Bytes the last garbage collection found reachable.
	m.s[1].Name = "/gc/heap/live:bytes"
	return m
}

// read returns the bytes in heap objects now and the live bytes found by the
// last collection.
func (m *heapMetrics) read() (objects, live int64) {
	metrics.Read(m.s[:])
	return int64(m.s[0].Value.Uint64()), int64(m.s[1].Value.Uint64())
}

// limits are the sizes built-ins may reach before they allocate, derived
// from the memory budget (or, without one, from the memory available).
type limits struct {
	// maxString is the longest string repeat, padStart, padEnd and join
	// may build, in UTF-16 code units.
	maxString int64
	// maxArray is the longest array-like a built-in may walk or create
	// (Array.from, fill, join, indexOf..., apply's argument list).
	maxArray int64
	// maxBytes is the largest ArrayBuffer or typed array a constructor may
	// allocate, in bytes.
	maxBytes int64
	// jsonDepth is the deepest nesting of arrays and objects JSON.parse
	// accepts and JSON.stringify writes.
	jsonDepth int
}

// Bounds of the limits, whatever the memory: V8's longest string; an
// array-like walk or a typed array of about two seconds' work in goja at
// most (an element of a sparse array costs about 200 ns, of a typed array
// about 10 ns), and enough for any array a 10 MiB JSON body holds.
const (
	maxStringCap = 1<<29 - 24
	maxArrayCap  = 1 << 23
	maxBytesCap  = 1 << 28
	minLimit     = 1 << 20
	// maxJSONDepth bounds JSON nesting (MySQL allows 100, Go's encoding/json
	// 10000; goja's stringify is quadratic in the depth).
	maxJSONDepth = 1000
	// assumedMemory sizes the limits when the memory is unknown.
	assumedMemory = 4 << 30
)

// newLimits derives the limits from mem, the memory budget in bytes (0:
// none, then the memory available is used).
func newLimits(mem int64) limits {
	if mem <= 0 {
		mem = SystemMemory()
	}
	if mem <= 0 {
		mem = assumedMemory
	}
	clamp := func(v, hi int64) int64 { return min(max(v, minLimit), hi) }
	return limits{
		// A string of n units can take 2n bytes, and growing it holds the
		// old and the new one at once.
		maxString: clamp(mem/8, maxStringCap),
		// An element is a 16-byte interface, often with a value behind it.
		maxArray:  clamp(mem/64, maxArrayCap),
		maxBytes:  clamp(mem/4, maxBytesCap),
		jsonDepth: maxJSONDepth,
	}
}
