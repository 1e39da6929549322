package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dirigo/dirigo/modules/moduletest"
)

// syncBuffer collects the log of a server under test.
type syncBuffer = moduletest.SyncBuffer

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// sys is a process with the environment m and the given outputs.
func sys(m map[string]string, stdout, stderr io.Writer) system {
	return system{getenv: env(m), stdout: stdout, stderr: stderr}
}

// startServe starts run("serve", args...) and returns the base URL, the log and
// a function that stops the server and returns run's result.
func startServe(t *testing.T, getenv func(string) string, args ...string) (string, *syncBuffer, func() (int, error)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		code, err := run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), system{getenv: getenv, stdout: io.Discard, stderr: logs})
		done <- result{code, err}
	}()
	re := regexp.MustCompile(`msg=listening addr=(\S+)|"msg":"listening","addr":"([^"]+)"`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(logs.String()); m != nil {
			m[1] += m[2]
			stop := func() (int, error) {
				cancel()
				select {
				case r := <-done:
					return r.code, r.err
				case <-time.After(10 * time.Second):
					t.Fatal("the server did not stop")
					return 0, nil
				}
			}
			t.Cleanup(func() { cancel() })
			return "http://" + m[1], logs, stop
		}
		select {
		case r := <-done:
			t.Fatalf("run ended early: %d %v\n%s", r.code, r.err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("no listening line in the log:\n%s", logs.String())
	return "", nil, nil
}

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The examples in scripts/ work as the README says.
func TestServeExamples(t *testing.T) {
	url, logs, stop := startServe(t, env(nil), "--scripts", "../../scripts", "--sessions", "memory", "--data", t.TempDir())
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	tests := []struct {
		path, want string
	}{
		{"/hello", "Hello World"},
		{"/greet?name=Ada&lang=fr", "Bonjour, Ada !\n"},
		{"/api/notes/2", `{"id":2,"title":"Drop a .js file into scripts/"}`},
		{"/api/notes?q=readme", `[{"id":1,"title":"Read the README"}]`},
		{"/api/tasks/2", `{"id":2,"title":"Write a controller"}`},
		{"/visits", "Visit number 1 (new session)"},
		{"/visits", "Visit number 2"},
	}
	for _, tc := range tests {
		if code, body := get(t, c, url+tc.path); code != 200 || body != tc.want {
			t.Errorf("GET %s = %d %q, want %q", tc.path, code, body, tc.want)
		}
	}
	resp, err := c.Post(url+"/form", "application/x-www-form-urlencoded", strings.NewReader("name=Ada"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "Welcome back, Ada.") {
		t.Errorf("form: %q", b)
	}
	if code, _ := get(t, c, url+"/"); code != 200 {
		t.Errorf("index: %d", code)
	}
	if code, err := stop(); code != 0 || err != nil {
		t.Fatalf("stop: %d %v", code, err)
	}
	for _, want := range []string{"msg=request method=GET path=/hello status=200", "shutting down", "msg=stopped"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

func TestEnvironmentFlags(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.js"), []byte(`require("http/response").print("from env")`), 0o644); err != nil {
		t.Fatal(err)
	}
	url, _, stop := startServe(t, env(map[string]string{"DIRIGO_SCRIPTS": dir, "DIRIGO_SESSIONS": "memory", "DIRIGO_DATA": t.TempDir(),
		"DIRIGO_SESSION_COOKIE": "envsid"}))
	defer stop()
	if code, body := get(t, http.DefaultClient, url+"/x"); code != 200 || body != "from env" {
		t.Fatalf("%d %q", code, body)
	}
	// The command line wins over the environment.
	code, err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--scripts", dir, "--sessions", "nonsense"}, sys(map[string]string{"DIRIGO_SESSIONS": "memory"}, io.Discard, io.Discard))
	if err == nil || !strings.Contains(err.Error(), "nonsense") {
		t.Fatalf("flag over env: %d %v", code, err)
	}
	code, err = run(context.Background(), []string{"serve"}, sys(map[string]string{"DIRIGO_TIMEOUT": "soon"}, io.Discard, io.Discard))
	if code != 2 || err == nil || !strings.Contains(err.Error(), "DIRIGO_TIMEOUT") {
		t.Fatalf("bad env value: %d %v", code, err)
	}
}

func TestUsage(t *testing.T) {
	var out bytes.Buffer
	if code, err := run(context.Background(), []string{"version"}, sys(nil, &out, io.Discard)); code != 0 || err != nil || !strings.HasPrefix(out.String(), "dirigo ") {
		t.Fatalf("version: %d %v %q", code, err, out.String())
	}
	if code, err := run(context.Background(), []string{"--no-such-flag"}, sys(nil, io.Discard, io.Discard)); code != 2 || err == nil {
		t.Fatalf("bad flag: %d %v", code, err)
	}
	if code, err := run(context.Background(), []string{"run"}, sys(nil, io.Discard, io.Discard)); code != 2 || err == nil {
		t.Fatalf("run without a file: %d %v", code, err)
	}
	if code, err := run(context.Background(), []string{"serve", "extra"}, sys(nil, io.Discard, io.Discard)); code != 2 || err == nil {
		t.Fatalf("serve with an argument: %d %v", code, err)
	}
}

func TestRunFile(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"ok.js":    `console.log("argv", JSON.stringify(process.argv.slice(2))); console.error("to stderr"); process.exitCode = 0;`,
		"exit.js":  `console.log("before"); process.exit(3); console.log("after");`,
		"code.js":  `process.exitCode = 4;`,
		"throw.js": "var x = 1;\nthrow new Error(\"batch failed\");\n",
		"http.js": `var r = [];
try { require("http/request").getMethod(); } catch (e) { r.push(e.message); }
try { require("http/response").print("x"); } catch (e) { r.push(e.message); }
r.push(require("http/request").isValid(), require("http/response").isValid(), require("http/session").isValid());
console.log(JSON.stringify(r));`,
		"lib/job.ts":    `import { helper } from "./helper"; console.log(helper(20));`,
		"lib/helper.ts": `export const helper = (n: number): number => n + 1;`,
	}
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		file     string
		args     []string
		code     int
		stdout   string
		errMatch string
	}{
		{file: "ok.js", args: []string{"a", "b c"}, stdout: "argv [\"a\",\"b c\"]\n"},
		{file: "exit.js", code: 3, stdout: "before\n"},
		{file: "code.js", code: 4},
		{file: "throw.js", code: 1, errMatch: "throw.js:2:7: Error: batch failed"},
		{file: "http.js", stdout: `["Trying to use HTTP Request Facade without a valid Request","Trying to use HTTP Response Facade without a valid Response",false,false,false]` + "\n"},
		{file: "lib/job.ts", stdout: "21\n"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code, err := run(context.Background(), append([]string{"run", "--scripts", dir, filepath.Join(dir, tc.file)}, tc.args...), sys(nil, &stdout, &stderr))
			if code != tc.code {
				t.Fatalf("exit code %d, want %d (err %v, stderr %s)", code, tc.code, err, stderr.String())
			}
			if tc.errMatch != "" && (err == nil || !strings.Contains(err.Error(), tc.errMatch)) {
				t.Fatalf("error %v, want %q", err, tc.errMatch)
			}
			if tc.errMatch == "" && err != nil {
				t.Fatalf("error %v", err)
			}
			if stdout.String() != tc.stdout {
				t.Fatalf("stdout %q, want %q", stdout.String(), tc.stdout)
			}
		})
	}
}
