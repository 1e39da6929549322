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

	"github.com/dirigo/dirigo/internal/benchcpu"
	"github.com/dirigo/dirigo/modules"
	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/sessions"
	"github.com/dirigo/dirigo/runtime/sessions/memstore"
)

func BenchmarkHello(b *testing.B) {
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "hello.js"), []byte(`var response = require("http/response");
response.setContentType("text/plain");
response.print("Hello World");`), 0o644)
	old := time.Now().Add(-time.Hour)
	os.Chtimes(filepath.Join(dir, "hello.js"), old, old)
	srv, err := runtime.NewServer(runtime.Config{Root: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: benchLevel}))}, modules.Builtin(modules.Config{})...)
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/hello", nil)
	b.ReportAllocs()
	stop := benchcpu.Process(b)
	for b.Loop() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
	stop()
}

var benchLevel = func() slog.Level {
	if os.Getenv("BENCH_NOLOG") != "" {
		return slog.LevelWarn
	}
	return slog.LevelInfo
}()

func benchSessionScript(b *testing.B, name string) {
	dir := "testdata/bench" // the scripts of the shared wrk harness
	keys := []sessions.Key{sessions.GenerateKey()}
	mgr, err := sessions.NewManager(memstore.New(memstore.Config{}), sessions.Config{Keys: keys})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := runtime.NewServer(runtime.Config{Root: dir, Sessions: mgr, Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: benchLevel}))}, modules.Builtin(modules.Config{})...)
	if err != nil {
		b.Fatal(err)
	}
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest("GET", "/"+name, nil))
	cookie := w.Result().Cookies()[0]
	req := httptest.NewRequest("GET", "/"+name, nil)
	req.AddCookie(cookie)
	// One writer for every request, as a connection is: a recorder per
	// request would allocate (and the GC then scan) each body, which
	// weighs on larger answers (page) more than on small ones (counter).
	bw := &benchWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		bw.reset()
		srv.ServeHTTP(bw, req)
		if bw.code != http.StatusOK || bw.n == 0 {
			b.Fatal(bw.code, bw.n)
		}
	}
}

// benchWriter is an http.ResponseWriter that counts the body and keeps
// nothing of it.
type benchWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *benchWriter) reset()              { clear(w.h); w.code, w.n = 0, 0 }
func (w *benchWriter) Header() http.Header { return w.h }
func (w *benchWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *benchWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += len(p)
	return len(p), nil
}

func BenchmarkCounter(b *testing.B) { benchSessionScript(b, "counter") }
func BenchmarkCart(b *testing.B)    { benchSessionScript(b, "cart") }

// BenchmarkPage is counter as a server page: 4 KiB of HTML around two
// server blocks that read (and, the first, increment) a session attribute.
func BenchmarkPage(b *testing.B) { benchSessionScript(b, "page") }
