package rs_test

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

// benchServer serves script as /s.js, logging nothing below warnings.
func benchServer(b *testing.B, script string) *runtime.Server {
	b.Helper()
	dir := b.TempDir()
	p := filepath.Join(dir, "s.js")
	if err := os.WriteFile(p, []byte(script), 0o644); err != nil {
		b.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	_ = os.Chtimes(p, old, old)
	srv, err := runtime.NewServer(runtime.Config{Root: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))}, modules.Builtin(modules.Config{})...)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	return srv
}

func benchGet(b *testing.B, srv *runtime.Server, path string) {
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

// BenchmarkRoute: a service of ten resources routes GET items/42 (a
// template with a parameter, after the exact ones); BenchmarkPlain is the
// same answer from a script that parses the path itself.
func BenchmarkRoute(b *testing.B) {
	srv := benchServer(b, `
var rs = require("http/rs"), response = require("http/response");
var svc = rs.service();
["a", "b", "c", "d", "e", "f", "g", "h"].forEach(function (r) { svc.resource(r).get(function () { response.print(r); }); });
svc.resource("items/{id}").get(function (ctx) { response.print("item " + ctx.pathParameters.id); }).produces(["text/plain"]);
svc.resource("items/{id}/parts/{part}").get(function (ctx) { response.print("part"); });
svc.execute();`)
	benchGet(b, srv, "/s/items/42")
}

func BenchmarkPlain(b *testing.B) {
	srv := benchServer(b, `
var request = require("http/request"), response = require("http/response");
var m = /^items\/([^/]+)$/.exec(request.getResourcePath());
response.print("item " + m[1]);`)
	benchGet(b, srv, "/s/items/42")
}
