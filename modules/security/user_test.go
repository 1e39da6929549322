package security_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/dirigo/dirigo/internal/auth"
	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// server runs scripts with a users file of "user" (role ROLE) and "admin"
// (ADMINISTRATOR), both with the password "password".
func server(t *testing.T, scripts map[string]string, opts moduletest.Options) *moduletest.Server {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte("password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(file, []byte("user:"+string(h)+":ROLE\nadmin:"+string(h)+":ADMINISTRATOR\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts.Runtime = func(c *runtime.Config) {
		a, err := auth.New(auth.Config{UsersFile: file, Root: c.Root, Logger: c.Logger})
		if err != nil {
			t.Fatal(err)
		}
		c.Auth = a
	}
	return moduletest.New(t, scripts, opts)
}

func get(t *testing.T, s *moduletest.Server, path, user string, headers ...string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, path, nil)
	if user != "" {
		req.SetBasicAuth(user, "password")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, body := s.Do(t, req)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s as %q: %d %s\n%s", path, user, resp.StatusCode, body, s.Logs())
	}
	return body
}

const probe = `
var out = [u.getName(), u.isInRole("ROLE"), u.isInRole("Other")];
if (u.getTimeout) out.push(u.getTimeout(), u.getAuthType(), u.getSecurityToken(), u.getInvocationCount(), u.getLanguage());
require("http/response").print(JSON.stringify(out));`

func TestUserModule(t *testing.T) {
	s := server(t, map[string]string{
		"v4.js":      `var u = require("security/user");` + probe,
		"v4b.js":     `var u = require("security/v4/user");` + probe,
		"v3.js":      `var u = require("security/v3/user");` + probe,
		"v2.js":      `var u = require("net/http/user");` + probe,
		"sdk.js":     `import { User as u } from "sdk/security/user";` + probe,
		"index.js":   `import { user as u, User } from "@aerokit/sdk/security"; if (u !== User) throw new Error("two objects");` + probe,
		"aerokit.js": `import { User as u } from "@aerokit/sdk/security/user";` + probe,
	}, moduletest.Options{})
	for _, tc := range []struct{ path, user, want string }{
		{"/v4", "", `["guest",false,false,1800,null,"",null,"*"]`},
		{"/v4", "user", `["user",true,false,1800,"Basic"," dXNlcjpwYXNzd29yZA==",null,"*"]`},
		// Only the current API lets ADMINISTRATOR (and DEVELOPER) pass every role.
		{"/v4b", "admin", `["admin",false,false,1800,"Basic"," YWRtaW46cGFzc3dvcmQ=",null,"*"]`},
		{"/v3", "user", `["user",true,false,1800,"Basic"," dXNlcjpwYXNzd29yZA==",null,"*"]`},
		{"/v2", "", `[null,false,false]`},
		{"/v2", "user", `["user",true,false]`},
		{"/sdk", "", `["guest",false,false,1800,null,"",null,"*"]`},
		{"/sdk", "admin", `["admin",true,true,1800,"Basic"," YWRtaW46cGFzc3dvcmQ=",null,"*"]`},
		{"/index", "user", `["user",true,false,1800,"Basic"," dXNlcjpwYXNzd29yZA==",null,"*"]`},
		{"/aerokit", "admin", `["admin",true,true,1800,"Basic"," YWRtaW46cGFzc3dvcmQ=",null,"*"]`},
	} {
		if got := get(t, s, tc.path, tc.user); got != tc.want {
			t.Errorf("%s as %q: %q, want %q", tc.path, tc.user, got, tc.want)
		}
	}
	if got := get(t, s, "/v4", "", "Accept-Language", "de-CH;q=0.8, fr-CA, en;q=0.9"); got != `["guest",false,false,1800,null,"",null,"fr-ca"]` {
		t.Errorf("language: %q", got)
	}
}

// Without sessions the timeout is 0; outside HTTP every function answers
// as Dirigible's facade does there, without throwing.
func TestUserModuleWithoutSessionOrRequest(t *testing.T) {
	s := server(t, map[string]string{
		"t.js": `var u = require("security/user");` + probe,
		"batch.js": `var u = require("security/user"), v2 = require("net/http/user");
var got = JSON.stringify([u.getName(), u.isInRole("ROLE"), u.getTimeout(), u.getAuthType(), u.getSecurityToken(), u.getInvocationCount(), u.getLanguage(), v2.getName()]);
if (got !== '["guest",false,0,null,"",null,null,null]') throw new Error("outside HTTP: " + JSON.stringify(got));`,
	}, moduletest.Options{NoSessions: true})
	if got := get(t, s, "/t", "user"); got != `["user",true,false,0,"Basic"," dXNlcjpwYXNzd29yZA==",null,"*"]` {
		t.Errorf("without sessions: %q", got)
	}
	if code, err := s.Runtime.RunFile(context.Background(), "batch.js", nil); code != 0 || err != nil {
		t.Errorf("batch: %d %v", code, err)
	}
}
