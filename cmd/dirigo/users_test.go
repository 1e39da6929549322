package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// --users (here through DIRIGO_USERS) turns authentication on: /services/
// needs a user, HTTP Basic works, the scripts see the user.
func TestUsersFlag(t *testing.T) {
	root := helloDir(t)
	if err := os.WriteFile(filepath.Join(root, "who.js"), []byte(`require("http/response").print(String(require("http/request").getRemoteUser()))`), 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(users, []byte("ada:"+string(h)+":ROLE\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	url, logs, stop := startServe(t, env(map[string]string{"DIRIGO_USERS": users}), "--scripts", root, "--sessions", "memory", "--data", t.TempDir())
	defer stop()
	if code, body := get(t, http.DefaultClient, url+"/who"); code != 200 || body != "null" {
		t.Errorf("anonymous, public: %d %q", code, body)
	}
	if code, _ := get(t, http.DefaultClient, url+"/services/js/who.js"); code != 401 {
		t.Errorf("anonymous, /services: %d", code)
	}
	req, _ := http.NewRequest(http.MethodGet, url+"/services/js/who.js", nil)
	req.SetBasicAuth("ada", "pw")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "ada" {
		t.Errorf("Basic: %d %q", resp.StatusCode, b)
	}
	if !strings.Contains(logs.String(), `msg="users and roles" users_file=`+users+" users=1") {
		t.Errorf("no startup line for the users file:\n%s", logs.String())
	}
}

// A users file under the script root could be served: refused at start,
// on one line; so is a file that is not a users file.
func TestUsersFlagErrors(t *testing.T) {
	root := helloDir(t)
	inside := filepath.Join(root, "conf", "users")
	os.MkdirAll(filepath.Dir(inside), 0o755)
	os.WriteFile(inside, []byte("# nobody\n"), 0o600)
	plain := filepath.Join(t.TempDir(), "users")
	os.WriteFile(plain, []byte("ada:plaintext-password\n"), 0o600)
	for _, tc := range []struct {
		file string
		want []string
	}{
		{inside, []string{"--users", "under the script root"}},
		{plain, []string{"--users", "not a bcrypt hash"}},
		{filepath.Join(t.TempDir(), "missing"), []string{"--users", "no such file"}},
	} {
		code, err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--scripts", root, "--sessions", "memory", "--data", t.TempDir(), "--users", tc.file},
			sys(nil, io.Discard, io.Discard))
		if code == 0 || err == nil {
			t.Errorf("%s: exit %d", tc.file, code)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", tc.file, err, w)
			}
		}
		if strings.Contains(err.Error(), "plaintext-password") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}
