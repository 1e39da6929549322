package dirigo_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/dirigo/dirigo/modules"
	"github.com/dirigo/dirigo/runtime"
)

// BenchmarkNPMRequest measures one request of a script of the npm suite
// that requires a package (after the first request of the VM), beside
// hello, on one VM. With packages kept per VM (the default) a request runs
// only the script; with PackagesPerRequest it evaluates the package again:
//
//	go test -run '^$' -bench NPMRequest -benchmem .
func BenchmarkNPMRequest(b *testing.B) {
	root := npmRoot(b)
	for _, perRequest := range []bool{false, true} {
		mode := "kept"
		if perRequest {
			mode = "per-request"
		}
		srv, err := runtime.NewServer(runtime.Config{Root: root, PoolSize: 1, Timeout: 20 * time.Second, PackagesPerRequest: perRequest,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard, Stderr: io.Discard}, modules.Builtin(modules.Config{})...)
		if err != nil {
			b.Fatal(err)
		}
		for _, script := range []string{"hello.js", "ajv.js", "ajv-kept.js", "zod.mjs", "zod-kept.js", "date-fns.js"} {
			path := "/scripts/" + script
			b.Run(mode+"/"+script, func(b *testing.B) {
				serve := func() {
					w := httptest.NewRecorder()
					srv.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
					if w.Code != 200 {
						b.Fatalf("%s: %d %s", path, w.Code, w.Body)
					}
				}
				serve() // the VM's first request
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					serve()
				}
			})
		}
		srv.Close()
	}
}
