//go:build pprof

package main

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

// With -tags pprof, DIRIGO_PPROF=host:port serves net/http/pprof there (for
// profiling under load; never in release builds).
func init() {
	if addr := os.Getenv("DIRIGO_PPROF"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
