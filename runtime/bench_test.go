package runtime_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dop251/goja"

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

// BenchmarkCartGojaFloor is what goja alone costs for the cart script: the
// same file, compiled once, run as a function on one warm runtime, with
// require("http/session") a map of strings and response.print a
// strings.Builder — no server, no session store, no isolation. The
// difference to BenchmarkCart is what dirigo adds around the script.
func BenchmarkCartGojaFloor(b *testing.B) {
	src, err := os.ReadFile("testdata/bench/cart.js")
	if err != nil {
		b.Fatal(err)
	}
	prog := goja.MustCompile("cart.js", "(function (require) {"+string(src)+"\n})", false)
	rt := goja.New()
	fnv, err := rt.RunProgram(prog)
	if err != nil {
		b.Fatal(err)
	}
	fn, _ := goja.AssertFunction(fnv)
	attrs := map[string]string{}
	var out strings.Builder
	undef := goja.Undefined()
	resp := rt.NewObject()
	resp.Set("setContentType", func(goja.FunctionCall) goja.Value { return undef })
	resp.Set("print", func(c goja.FunctionCall) goja.Value { out.WriteString(c.Argument(0).String()); return undef })
	sess := rt.NewObject()
	sess.Set("getAttribute", func(c goja.FunctionCall) goja.Value {
		if v, ok := attrs[c.Argument(0).String()]; ok {
			return rt.ToValue(v)
		}
		return goja.Null()
	})
	sess.Set("setAttribute", func(c goja.FunctionCall) goja.Value {
		attrs[c.Argument(0).String()] = c.Argument(1).String()
		return undef
	})
	require := rt.ToValue(func(c goja.FunctionCall) goja.Value {
		if c.Argument(0).String() == "http/response" {
			return resp
		}
		return sess
	})
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if _, err := fn(undef, require); err != nil {
			b.Fatal(err)
		}
		if !strings.HasPrefix(out.String(), `["item00",`) {
			b.Fatal(out.String())
		}
	}
}
