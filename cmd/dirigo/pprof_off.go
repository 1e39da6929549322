//go:build !pprof

package main

// startProfiler does nothing without -tags pprof.
func startProfiler() {}
