package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
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
	if _, err := stop(); err != nil { // every request line is written
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `msg="users and roles" users_file=`+users+" users=1") {
		t.Errorf("no startup line for the users file:\n%s", logs.String())
	}
	// The access log names the authenticated user, and only then.
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`msg=request method=GET path=/services/js/who.js status=200 .* client=127.0.0.1 user=ada `),
		regexp.MustCompile(`msg=request method=GET path=/who status=200 .* client=127.0.0.1 user_agent=`),
		regexp.MustCompile(`msg=request method=GET path=/services/js/who.js status=401 .* client=127.0.0.1 user_agent=`),
	} {
		if !want.MatchString(logs.String()) {
			t.Errorf("no request line %s:\n%s", want, logs.String())
		}
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
