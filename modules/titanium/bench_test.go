package titanium_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dirigo/dirigo/internal/benchcpu"
	"github.com/dirigo/dirigo/modules"
	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/client"
)

// benchProxy serves bench/proxy/<script> against a local upstream and
// measures one request (one outbound call) per iteration.
func benchProxy(b *testing.B, script string) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "Hello World")
	}))
	defer up.Close()
	dir := b.TempDir()
	src, err := os.ReadFile("../../bench/proxy/" + script)
	if err != nil {
		b.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "proxy.js"), []byte(strings.ReplaceAll(string(src), "UPSTREAM", up.URL)), 0o644)
	c := client.New(client.Config{DataDir: b.TempDir()})
	srv, err := runtime.NewServer(runtime.Config{Root: dir, Logger: slog.New(slog.DiscardHandler)}, modules.Builtin(modules.Config{Client: c})...)
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	req := httptest.NewRequest("GET", "/proxy", nil)
	b.ReportAllocs()
	stop := benchcpu.Process(b) // the upstream runs in this process too
	for b.Loop() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK || w.Body.String() != "Hello World" {
			b.Fatal(w.Code, w.Body.String())
		}
	}
	stop()
}

// BenchmarkDataTask is one data task of a default session per request
// (bench/proxy/session.js); BenchmarkFetch the same call with fetch
// (bench/proxy/proxy.js), for the ratio.
func BenchmarkDataTask(b *testing.B) { benchProxy(b, "session.js") }
func BenchmarkFetch(b *testing.B)    { benchProxy(b, "proxy.js") }
