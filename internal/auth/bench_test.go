package auth_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/dirigo/dirigo/internal/auth"
	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// BenchmarkHello serves hello.js through the whole server (no network)
// without a users file, and with one: anonymous on a public URL, and with
// Basic credentials on a /services URL, remembered (the normal case of an
// API client) or checked with bcrypt (cost 10) on every request.
func BenchmarkHello(b *testing.B) {
	h, err := bcrypt.GenerateFromPassword([]byte("password"), bcrypt.DefaultCost)
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), "users")
	if err := os.WriteFile(file, []byte("user:"+string(h)+":ROLE\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	scripts := map[string]string{"hello.js": `require("http/response").print("Hello " + require("http/request").getRemoteUser());`}
	for _, bc := range []struct {
		name  string
		users bool
		ttl   time.Duration
		path  string
		basic bool
	}{
		{"no-users", false, 0, "/hello", false},
		{"anonymous", true, 0, "/hello", false},
		{"basic-remembered", true, 0, "/services/js/hello.js", true},
		{"basic-bcrypt", true, -1, "/services/js/hello.js", true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := moduletest.New(b, scripts, moduletest.Options{Runtime: func(c *runtime.Config) {
				c.Logger = discard
				c.AccessLog = nopLog{}
				if bc.users {
					a, err := auth.New(auth.Config{UsersFile: file, Logger: discard, BasicCacheTTL: bc.ttl})
					if err != nil {
						b.Fatal(err)
					}
					c.Auth = a
				}
			}})
			req := httptest.NewRequest(http.MethodGet, bc.path, nil)
			if bc.basic {
				req.SetBasicAuth("user", "password")
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w := httptest.NewRecorder()
				s.Runtime.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

type nopLog struct{}

func (nopLog) LogAccess(runtime.AccessEntry) {}
