package metrics_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dirigo/dirigo/internal/metrics"
	"github.com/dirigo/dirigo/modules"
	"github.com/dirigo/dirigo/runtime"
)

// BenchmarkHello serves hello.js without and with the Prometheus observer:
// the difference is what metrics cost a request. Compare the two with
// go test ./internal/metrics -run '^$' -bench Hello -count 10 | benchstat -col /metrics -
func BenchmarkHello(b *testing.B) {
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "hello.js"), []byte(`require("http/response").print("Hello World")`), 0o644)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(dir, "hello.js"), old, old)
	for _, on := range []bool{false, true} {
		name := "metrics=off"
		if on {
			name = "metrics=on"
		}
		b.Run(name, func(b *testing.B) {
			cfg := runtime.Config{Root: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))}
			if on {
				m := metrics.New(metrics.Build{})
				cfg.Observer = m
			}
			srv, err := runtime.NewServer(cfg, modules.Builtin(modules.Config{})...)
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			req := httptest.NewRequest("GET", "/hello", nil)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
