package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// conf.js prints what core/configurations and core/env give for a few keys.
const confScript = `var c = require("core/configurations"), env = require("core/env");
var out = [c.get("GREETING"), c.get("multi.line"), c.get("DIRIGO_CONFIG_SECRET"), env.get("DIRIGO_CONFIG_SECRET"),
	c.getKeys().filter(function (k) { return k.indexOf("DIRIGO_") === 0; }).length, c.get("PATH_FROM_FILE", "none")];
if (typeof console !== "undefined" && !require("http/request").isValid()) console.log(JSON.stringify(out));
else require("http/response").print(JSON.stringify(out));`

// --config (DIRIGO_CONFIG) gives scripts the values of a properties file
// after the environment, read again on SIGHUP; dirigo's own DIRIGO_
// variables stay hidden; a file under the script root is refused.
func TestConfigFlag(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "conf.js"), []byte(confScript), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "dirigible.properties")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("# the scripts' settings\nGREETING = hello\nmulti.line = a \\\n  b\nDIRIGO_CONFIG_SECRET=from-file\n")
	t.Setenv("DIRIGO_CONFIG_SECRET", "s3cret")

	// Batch mode reads it too.
	var stdout, stderr bytes.Buffer
	code, err := run(context.Background(), []string{"run", "--config", file, filepath.Join(root, "conf.js")}, sys(nil, &stdout, &stderr))
	if code != 0 || err != nil {
		t.Fatalf("run: %d %v %s", code, err, stderr.String())
	}
	if want := `["hello","a b","from-file",null,1,"none"]` + "\n"; stdout.String() != want {
		t.Errorf("run: %q, want %q", stdout.String(), want)
	}

	// The server, through DIRIGO_CONFIG, and SIGHUP.
	hup := make(chan os.Signal, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		_, err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--scripts", root, "--sessions", "memory", "--data", t.TempDir()},
			system{getenv: env(map[string]string{"DIRIGO_CONFIG": file}), stdout: io.Discard, stderr: logs, hup: hup})
		done <- err
	}()
	url := waitLine(t, logs, regexp.MustCompile(`msg=listening addr=(\S+)`))
	get := func() string {
		resp, err := http.Get("http://" + url + "/conf")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got, want := get(), `["hello","a b","from-file",null,1,"none"]`; got != want {
		t.Errorf("serve: %s, want %s", got, want)
	}
	write("GREETING=bonjour\nPATH_FROM_FILE=/x\n")
	hup <- os.Interrupt // any value: the channel is the signal
	waitLine(t, logs, regexp.MustCompile(`msg="SIGHUP: read the configuration file"`))
	if got, want := get(), `["bonjour",null,null,null,0,"/x"]`; got != want {
		t.Errorf("after SIGHUP: %s, want %s", got, want)
	}
	// A file that cannot be read keeps the values in use.
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	hup <- os.Interrupt
	waitLine(t, logs, regexp.MustCompile(`SIGHUP: reading the configuration file; keeping the values in use`))
	if got, want := get(), `["bonjour",null,null,null,0,"/x"]`; got != want {
		t.Errorf("after a failed reload: %s, want %s", got, want)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// Refused: a file under the script root, a missing file.
	inside := filepath.Join(root, "conf.properties")
	if err := os.WriteFile(inside, []byte("a=b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ file, want string }{
		{inside, "under the script root"},
		{filepath.Join(t.TempDir(), "missing"), "no such file"},
	} {
		code, err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--scripts", root, "--sessions", "memory",
			"--data", t.TempDir(), "--config", tc.file}, sys(nil, io.Discard, io.Discard))
		if code == 0 || err == nil || !strings.Contains(err.Error(), "--config") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--config %s: %d %v, want an error with %q", tc.file, code, err, tc.want)
		}
	}
}

// waitLine waits (up to 10 s) for a line of logs matching re and returns
// its first group.
func waitLine(t *testing.T, logs *syncBuffer, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(logs.String()); m != nil {
			if len(m) > 1 {
				return m[1]
			}
			return m[0]
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no line %s in the log:\n%s", re, logs.String())
	return ""
}
