package runtime_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dirigo/dirigo/modules"
	"github.com/dirigo/dirigo/runtime"
)

// benchScripts serves files and measures GET path on them.
func benchScripts(b *testing.B, files map[string]string, path string) {
	dir := b.TempDir()
	old := time.Now().Add(-time.Hour)
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(src), 0o644)
		os.Chtimes(p, old, old)
	}
	srv, err := runtime.NewServer(runtime.Config{Root: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))}, modules.Builtin(modules.Config{})...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	req := httptest.NewRequest("GET", path, nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}

// BenchmarkHelloESM is hello as an ES module importing sdk/http.
func BenchmarkHelloESM(b *testing.B) {
	benchScripts(b, map[string]string{"hello.mjs": `import { response } from "sdk/http";
response.setContentType("text/plain");
response.print("Hello World");`}, "/hello")
}

// BenchmarkImportChain is an ES module importing a local ES module that
// imports sdk/http.
func BenchmarkImportChain(b *testing.B) {
	benchScripts(b, map[string]string{
		"main.mjs": `import { greet } from "./lib/greet.mjs";
import { response } from "sdk/http";
response.print(greet("World"));`,
		"lib/greet.mjs": `import { request } from "sdk/http";
export function greet(name) { return "Hello " + name + " " + request.getMethod(); }`,
	}, "/main")
}
