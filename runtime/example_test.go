package runtime_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/dirigo/dirigo/modules"
	"github.com/dirigo/dirigo/runtime"
)

func ExampleNewServer() {
	dir, _ := os.MkdirTemp("", "scripts")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "hello.ts"), []byte(`
import { request, response } from "sdk/http";
const name: string = request.getParameter("name") ?? "world";
response.print("Hello, " + name);
`), 0o644)

	srv, err := runtime.NewServer(runtime.Config{
		Root:   dir,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, modules.Builtin(modules.Config{})...)
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest("GET", "/hello?name=dirigo", nil))
	fmt.Println(w.Code, w.Body.String())
	// Output: 200 Hello, dirigo
}
