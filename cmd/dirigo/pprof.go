//go:build pprof

package main

import (
	"net/http"
	"net/http/pprof"
	"os"
)

// startProfiler serves net/http/pprof on DIRIGO_PPROF (host:port) in builds
// with -tags pprof, for profiling under load; release builds have none.
func startProfiler() {
	addr := os.Getenv("DIRIGO_PPROF")
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	go func() { _ = http.ListenAndServe(addr, mux) }()
}
