package runtime_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dirigo/dirigo/modules/moduletest"
)

func TestEncodedTraversal(t *testing.T) {
	s := moduletest.New(t, map[string]string{"hello.js": `require("http/response").print("hi")`, "docs/a.txt": "a"}, moduletest.Options{})
	outside := filepath.Join(filepath.Dir(s.Dir), "secret.txt")
	if err := os.WriteFile(outside, []byte("TOPSECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{
		"/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/docs/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt",
		"/docs%2f..%2f..%2fsecret.txt", "/%2e%2e%5csecret.txt", "/docs/..%5c..%5csecret.txt", "/hello%00.js",
		"/hello.js%00", "/%00", "/docs/a.txt%2f..%2f..%2f..%2fsecret.txt", "/services/js/%2e%2e/%2e%2e/secret.txt",
		"/%252e%252e/secret.txt", "/..", "/docs/../../secret.txt", "/.%2e/secret.txt",
	} {
		req, _ := http.NewRequest(http.MethodGet, s.URL, nil)
		req.URL.Opaque = raw
		resp, body := s.Do(t, req)
		if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 400 or 404", raw, resp.StatusCode)
		}
		if strings.Contains(body, "TOPSECRET") {
			t.Errorf("%s: served the file outside the root", raw)
		}
	}
}

func TestStaticFiles(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"site/style.css":  "body { color: red }",
		"site/index.html": "<h1>home</h1>",
		"data.json":       `{"a":1}`,
		"big.txt":         strings.Repeat("0123456789", 100),
	}, moduletest.Options{})
	resp, body := s.Get(t, "/site/style.css")
	if resp.StatusCode != 200 || body != "body { color: red }" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("css: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" || lm == "" {
		t.Fatalf("no ETag/Last-Modified: %v", resp.Header)
	}
	req, _ := http.NewRequest(http.MethodGet, "/site/style.css", nil)
	req.Header.Set("If-None-Match", etag)
	if resp, _ := s.Do(t, req); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodGet, "/site/style.css", nil)
	req.Header.Set("If-Modified-Since", lm)
	if resp, _ := s.Do(t, req); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-Modified-Since: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodGet, "/big.txt", nil)
	req.Header.Set("Range", "bytes=10-19")
	if resp, body := s.Do(t, req); resp.StatusCode != http.StatusPartialContent || body != "0123456789" {
		t.Fatalf("Range: %d %q", resp.StatusCode, body)
	}
	if resp, body := s.Get(t, "/site/"); resp.StatusCode != 200 || body != "<h1>home</h1>" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("index.html: %d %q", resp.StatusCode, body)
	}
	if resp, _ := s.Get(t, "/site?x=1"); resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/site/?x=1" {
		t.Fatalf("folder redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := s.Get(t, "/data.json"); resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("json: %d %v", resp.StatusCode, resp.Header)
	}
	req, _ = http.NewRequest(http.MethodPost, "/data.json", nil)
	if resp, _ := s.Do(t, req); resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST static: %d %v", resp.StatusCode, resp.Header)
	}
	req, _ = http.NewRequest(http.MethodHead, "/big.txt", nil)
	if resp, body := s.Do(t, req); resp.StatusCode != 200 || body != "" || resp.ContentLength != 1000 {
		t.Fatalf("HEAD: %d %q %d", resp.StatusCode, body, resp.ContentLength)
	}
	if resp, _ := s.Get(t, "/nothing-here"); resp.StatusCode != 404 {
		t.Fatalf("missing: %d", resp.StatusCode)
	}
}

func TestScriptsRunForEveryMethod(t *testing.T) {
	s := moduletest.New(t, map[string]string{"m.js": `var q = require("http/request"); require("http/response").print(q.getMethod() + ":" + q.getText());`}, moduletest.Options{})
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CUSTOM"} {
		req, _ := http.NewRequest(m, "/m", strings.NewReader("b"))
		resp, body := s.Do(t, req)
		if resp.StatusCode != 200 || body != m+":b" {
			t.Errorf("%s: %d %q", m, resp.StatusCode, body)
		}
	}
}
