package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The --client-* flags (and their variables) set the policy of fetch and
// http/client; requests carry User-Agent dirigo/<version>.
func TestClientFlags(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.UserAgent()+" "+strings.Repeat("x", 2000))
	}))
	defer up.Close()
	dir := t.TempDir()
	script := filepath.Join(dir, "out.js")
	src := `fetch("` + up.URL + `/").then(r => r.text()).then(t => console.log(t.slice(0, t.indexOf(" "))), e => console.log(e.name, e.message.split(" (")[0]));`
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		out  string
		code int
	}{
		{out: "dirigo/devel\n"},
		{args: []string{"--client-deny", "127.0.0.0/8"}, out: "TypeError fetch failed: destination address denied by policy\n"},
		{env: map[string]string{"DIRIGO_CLIENT_DENY": "127.0.0.1"}, out: "TypeError fetch failed: destination address denied by policy\n"},
		{args: []string{"--client-deny", "127.0.0.0/8", "--client-allow", "127.0.0.1/32"}, out: "dirigo/devel\n"},
		{args: []string{"--client-deny", ""}, out: "dirigo/devel\n"},
		{args: []string{"--client-max-body", "1KiB"}, out: "TypeError fetch failed: response body too large: Content-Length 2013 is over the limit of 1024 bytes\n"},
		{args: []string{"--client-deny", "not-a-range"}, code: 2},
		{args: []string{"--client-allow", "10.0.0.0/99"}, code: 2},
		{args: []string{"--client-max-tasks", "0"}, code: 2},
		{args: []string{"--client-max-background", "0"}, code: 2},
		{args: []string{"--client-retention", "0s"}, code: 2},
		{env: map[string]string{"DIRIGO_CLIENT_MAX_TASKS": "-1"}, code: 2},
		{args: []string{"--client-max-tasks", "1", "--client-max-spool", "1MiB", "--client-retention", "1m", "--client-grace", "1s"}, out: "dirigo/devel\n"},
	} {
		var stdout, stderr bytes.Buffer
		args := append(append([]string{"run", "--scripts", dir}, tc.args...), script)
		code, err := run(context.Background(), args, sys(tc.env, &stdout, &stderr))
		if code != tc.code {
			t.Errorf("%v %v: exit %d (%v), want %d", tc.args, tc.env, code, err, tc.code)
			continue
		}
		if tc.code == 0 && stdout.String() != tc.out {
			t.Errorf("%v %v: %q, want %q (stderr %s)", tc.args, tc.env, stdout.String(), tc.out, stderr.String())
		}
		if tc.code != 0 && (err == nil || !strings.Contains(err.Error(), "--client-")) {
			t.Errorf("%v: error %v does not name the flag", tc.args, err)
		}
	}

	// serve gets the same policy.
	if err := os.WriteFile(filepath.Join(dir, "proxy.js"), []byte(`
fetch("`+up.URL+`/").then(r => r.text(), e => e.name).then(t => require("http/response").print(t.slice(0, 9)));`), 0o644); err != nil {
		t.Fatal(err)
	}
	url, _, stop := startServe(t, env(nil), "--scripts", dir, "--sessions", "memory", "--data", t.TempDir(),
		"--client-deny", "127.0.0.1", "--max-memory", "off")
	if code, body := get(t, http.DefaultClient, url+"/proxy"); code != 200 || body != "TypeError" {
		t.Errorf("serve --client-deny: %d %q", code, body)
	}
	if code, _ := stop(); code != 0 {
		t.Errorf("exit %d", code)
	}
}
