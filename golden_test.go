package dirigo_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/dirigo/dirigo/internal/auth"
	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

var update = flag.Bool("update", false, "rewrite the responses of testdata/golden with what the server answers")

// TestGolden runs the end-to-end cases in testdata/golden. Each case is a
// txtar archive: files named scripts/... make the script root, and
// "request N" / "response N" pairs are sent in order with one cookie jar.
// A response lists the status line, the headers to check ("*" matches any
// non-empty value, "-" requires the header to be absent) and the exact body
// (the final newline of the section is not part of it). A body too large to
// read is given as its digest, one line "sha256:HEX LEN bytes". A scripts/...
// file after a request is written before the next one (an edit). A file
// named "users" is a users file (internal/auth): the server then
// authenticates requests with it, as dirigo --users does. Files named
// upstream/... are served by a local upstream server (for http/client and
// fetch): GET /<path> answers the file upstream/<path> with a Content-Type
// by its extension and no Date header, anything else 404; "$UPSTREAM" in a
// script is replaced by that server's URL (http://127.0.0.1:PORT).
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			runGolden(t, file)
		})
	}
}

func runGolden(t *testing.T, file string) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	scripts := map[string]string{}
	users := ""                     // a users file: the server authenticates (see internal/auth)
	var steps []int                 // indexes of request sections
	edits := map[int][]txtar.File{} // files to write before a request
	var pending []txtar.File
	upstream := map[string][]byte{} // path → content
	for i, f := range ar.Files {
		switch {
		case strings.HasPrefix(f.Name, "upstream/"):
			upstream[strings.TrimPrefix(f.Name, "upstream")] = f.Data
		case f.Name == "users":
			users = string(f.Data)
		case strings.HasPrefix(f.Name, "scripts/") && len(steps) == 0:
			scripts[strings.TrimPrefix(f.Name, "scripts/")] = string(f.Data)
		case strings.HasPrefix(f.Name, "scripts/"):
			pending = append(pending, f)
		case strings.HasPrefix(f.Name, "request"):
			steps = append(steps, i)
			edits[i], pending = pending, nil
		}
	}
	if len(upstream) > 0 {
		url := serveUpstream(t, upstream)
		for name, text := range scripts {
			scripts[name] = strings.ReplaceAll(text, "$UPSTREAM", url)
		}
		for _, fs := range edits {
			for i := range fs {
				fs[i].Data = bytes.ReplaceAll(fs[i].Data, []byte("$UPSTREAM"), []byte(url))
			}
		}
	}
	s := moduletest.New(t, scripts, moduletest.Options{Runtime: func(c *runtime.Config) {
		c.Dev = true
		if users != "" {
			file := filepath.Join(t.TempDir(), "users")
			if err := os.WriteFile(file, []byte(users), 0o600); err != nil {
				t.Fatal(err)
			}
			a, err := auth.New(auth.Config{UsersFile: file, Root: c.Root, Logger: c.Logger})
			if err != nil {
				t.Fatal(err)
			}
			c.Auth = a
		}
	}})
	changed := false
	for _, i := range steps {
		for _, f := range edits[i] {
			s.Write(t, strings.TrimPrefix(f.Name, "scripts/"), string(f.Data))
		}
		name := strings.TrimSpace(strings.TrimPrefix(ar.Files[i].Name, "request"))
		if i+1 >= len(ar.Files) || ar.Files[i+1].Name != "response"+prefixSpace(name) {
			t.Fatalf("request %s has no response section after it", name)
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(normalizeRequest(ar.Files[i].Data))))
		if err != nil {
			t.Fatalf("request %s: %v", name, err)
		}
		req.RequestURI = ""
		req.URL.Scheme, req.URL.Host = "http", strings.TrimPrefix(s.URL, "http://")
		resp, body := s.Do(t, req)
		want := parseResponse(t, ar.Files[i+1].Data)
		if strings.HasPrefix(want.body, "sha256:") {
			body = digest(body)
		}
		got := renderResponse(resp, body, want.headerOrder)
		if *update {
			ar.Files[i+1].Data = got
			changed = true
			continue
		}
		if resp.StatusCode != want.status {
			t.Errorf("request %s: status %d, want %d\nbody: %s\nlog:\n%s", name, resp.StatusCode, want.status, body, s.Logs())
		}
		for _, h := range want.headerOrder {
			wv, gv := want.headers[h], resp.Header.Get(h)
			switch {
			case wv == "*" && gv == "":
				t.Errorf("request %s: header %s missing", name, h)
			case wv == "-" && len(resp.Header.Values(h)) > 0:
				t.Errorf("request %s: header %s = %q, want none", name, h, gv)
			case wv != "*" && wv != "-" && gv != wv:
				t.Errorf("request %s: header %s = %q, want %q", name, h, gv, wv)
			}
		}
		if body != want.body {
			t.Errorf("request %s: body\n%q\nwant\n%q", name, body, want.body)
		}
	}
	if changed {
		if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// serveUpstream starts the local upstream of a case: files by path, with
// nothing that changes from run to run (no Date), and returns its URL.
func serveUpstream(t *testing.T, files map[string][]byte) string {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Date"] = nil
		data, ok := files[r.URL.Path]
		if !ok || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		if ct := mime.TypeByExtension(path.Ext(r.URL.Path)); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.Write(data)
	}))
	t.Cleanup(up.Close)
	return up.URL
}

// digest is how a large body is written in a golden response.
func digest(body string) string {
	return fmt.Sprintf("sha256:%x %d bytes", sha256.Sum256([]byte(body)), len(body))
}

func prefixSpace(s string) string {
	if s == "" {
		return ""
	}
	return " " + s
}

// normalizeRequest turns the section into a wire request: CRLF line ends,
// a Host header, and a Content-Length for a body.
func normalizeRequest(data []byte) []byte {
	text := string(data)
	head, body, _ := strings.Cut(text, "\n\n")
	body = strings.TrimSuffix(body, "\n")
	lines := strings.Split(strings.TrimRight(head, "\n"), "\n")
	hasHost := false
	for _, l := range lines[1:] {
		if strings.HasPrefix(strings.ToLower(l), "host:") {
			hasHost = true
		}
	}
	if !hasHost {
		lines = append(lines, "Host: golden.test")
	}
	if body != "" {
		lines = append(lines, fmt.Sprintf("Content-Length: %d", len(body)))
	}
	return []byte(strings.Join(lines, "\r\n") + "\r\n\r\n" + body)
}

type goldenResponse struct {
	status      int
	headers     map[string]string
	headerOrder []string
	body        string
}

func parseResponse(t *testing.T, data []byte) goldenResponse {
	head, body, _ := strings.Cut(string(data), "\n\n")
	lines := strings.Split(strings.TrimRight(head, "\n"), "\n")
	r := goldenResponse{headers: map[string]string{}, body: strings.TrimSuffix(body, "\n")}
	if _, err := fmt.Sscanf(lines[0], "HTTP/1.1 %d", &r.status); err != nil {
		t.Fatalf("status line %q: %v", lines[0], err)
	}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("header line %q", l)
		}
		k = http.CanonicalHeaderKey(strings.TrimSpace(k))
		r.headers[k] = strings.TrimSpace(v)
		r.headerOrder = append(r.headerOrder, k)
	}
	return r
}

func renderResponse(resp *http.Response, body string, headers []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\n", resp.StatusCode, http.StatusText(resp.StatusCode))
	for _, h := range headers {
		v := resp.Header.Get(h)
		switch {
		case v == "":
			v = "-"
		case h == "Set-Cookie" || h == "Date" || h == "Etag" || h == "Last-Modified":
			v = "*" // differs from run to run
		}
		fmt.Fprintf(&b, "%s: %s\n", h, v)
	}
	b.WriteString("\n" + body + "\n")
	return []byte(b.String())
}
