// Package benchcpu reports the CPU time of a benchmark beside its wall time.
// On a busy machine (two cores, other jobs) the wall time of a benchmark
// swings by a factor of two from run to run; the CPU time it consumed swings
// much less, so before/after comparisons read it instead.
package benchcpu

import (
	goruntime "runtime"
	"testing"
)

// Thread starts measuring the CPU time of the calling goroutine's thread
// (which it locks to it) and returns the function that stops and reports it
// as cpu-ns/op. For code that allocates little: the garbage collector works
// on other threads.
func Thread(b *testing.B) (stop func()) {
	goruntime.LockOSThread()
	b.ResetTimer()
	t0 := threadTime()
	return func() {
		t := threadTime() - t0
		b.StopTimer()
		goruntime.UnlockOSThread()
		report(b, t)
	}
}

// Process starts measuring the CPU time of the whole process (the garbage
// collector's too) and returns the function that stops and reports it as
// cpu-ns/op. The benchmark must be the only thing the process runs.
func Process(b *testing.B) (stop func()) {
	b.ResetTimer()
	t0 := processTime()
	return func() {
		t := processTime() - t0
		b.StopTimer()
		report(b, t)
	}
}

func report(b *testing.B, ns int64) {
	if ns >= 0 {
		b.ReportMetric(float64(ns)/float64(b.N), "cpu-ns/op")
	}
}
