package dirigo_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/dirigo/dirigo/modules"
	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// npmDir holds the npm suite: package.json and package-lock.json pin ten
// popular packages, scripts/ uses each as its README shows, by require
// (NAME.js) and by import (NAME.mjs).
const npmDir = "testdata/npm"

// TestNPMPackages runs the npm suite: ten popular pure-JS packages
// installed from the registry by the lock file (never committed), each by
// require and by import, against the output Node gives for the same code.
// CI installs them (.ci/run); elsewhere the test installs them into a
// temporary copy with npm ci, and is skipped without npm (a failure under
// CI=true) or with -short. It is skipped under -race, which would only make
// its seconds of compiling minutes.
func TestNPMPackages(t *testing.T) {
	if raceEnabled {
		t.Skip("the npm suite checks loading, not concurrency: it runs without -race")
	}
	root := npmRoot(t)
	logs := &moduletest.SyncBuffer{}
	srv, err := runtime.NewServer(runtime.Config{Root: root, Dev: true, PoolSize: 2, Timeout: 20 * time.Second,
		Logger: slog.New(slog.NewTextHandler(logs, nil)), Stdout: io.Discard, Stderr: io.Discard}, modules.Builtin(modules.Config{})...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	// What Node 20 prints for the same scripts (the values that do not
	// change from run to run).
	want := map[string]string{
		"uuid":       `[true,4,"074171de-bc84-5ea4-b636-1135477620e1",false,"00000000-0000-0000-0000-000000000000"]`,
		"nanoid":     `[21,true,10,true]`,
		"dayjs":      `["2025-02-28 12:30","2024-02-01T00:00:00Z",true,59,true]`,
		"lodash":     `[[["a","b"],["c","d"]],{"a":1,"b":2},[[1,3],[2,4]],"hello fred!",[2,1],3,true,"fooBar"]`,
		"zod":        `[{"name":"Ada","age":36},false,["name:invalid_type","age:too_small","email:invalid_format"]]`,
		"date-fns":   `["2014-02-11","2024-02-02",366,["1987","1989","1995"],"3 days"]`,
		"qs":         `[{"a":{"b":"c","d":"e"},"list":["1","2"]},"a%5Bb%5D=c","a[]=b&a[]=c",{"x":"1"}]`,
		"ajv":        `[true,false,["additionalProperties ","maxLength /bar","required "]]`,
		"handlebars": `Handlebars <b>rocks!</b> ADA [1][2] &lt;i&gt;`,
		"jose":       `["eyJhbGciOiJIUzI1NiJ9.eyJ1cm46ZXhhbXBsZTpjbGFpbSI6dHJ1ZSwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJ1cm46ZXhhbXBsZTppc3N1ZXIiLCJhdWQiOiJ1cm46ZXhhbXBsZTphdWRpZW5jZSIsImV4cCI6NDEwMjQ0NDgwMH0.I2bJYy-i-D45ZY-U0-XOc5QsGOOLlf5uFJGQpU8Y4-M",{"urn:example:claim":true,"iat":1700000000,"iss":"urn:example:issuer","aud":"urn:example:audience","exp":4102444800},{"alg":"HS256"},"urn:example:issuer"]`,
	}
	// check requests script and compares its answer with want[pkg].
	check := func(t *testing.T, script, pkg string) {
		t.Helper()
		resp, err := http.Get(ts.URL + "/scripts/" + script)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || string(b) != want[pkg] {
			t.Fatalf("%d\n%s\nwant %s", resp.StatusCode, b, want[pkg])
		}
	}
	for _, pkg := range []string{"uuid", "nanoid", "dayjs", "lodash", "zod", "date-fns", "qs", "ajv", "handlebars", "jose"} {
		for _, script := range []string{pkg + ".js", pkg + ".mjs"} {
			t.Run(script, func(t *testing.T) { check(t, script, pkg) })
		}
	}
	// The suite's own package (schemas/, a file: dependency) compiles the
	// ajv validator and builds the zod schema at its top level, once per
	// VM: the scripts that use them answer as ajv.js and zod.js do, on
	// every request, not only the VM's first.
	for script, pkg := range map[string]string{"ajv-kept.js": "ajv", "zod-kept.js": "zod"} {
		t.Run(script, func(t *testing.T) {
			for range 5 {
				check(t, script, pkg)
			}
		})
	}
	if t.Failed() {
		t.Logf("server log:\n%s", logs.String())
	}
}

// npmRoot returns a folder with the npm suite installed: testdata/npm when
// its node_modules matches the lock file, else a temporary copy installed
// with npm ci.
func npmRoot(t testing.TB) string {
	t.Helper()
	stale := installedMismatch(npmDir)
	if stale == "" {
		return npmDir
	}
	ci := os.Getenv("CI") == "true"
	npm, err := exec.LookPath("npm")
	switch {
	case err != nil && ci:
		t.Fatal("npm is not installed (CI installs nodejs and npm)")
	case err != nil:
		t.Skip("npm is not installed")
	case testing.Short() && !ci:
		t.Skipf("-short: %s, and installing it takes a while", stale)
	}
	t.Logf("%s: installing with npm ci into a temporary folder", stale)
	dir := t.TempDir()
	for _, f := range []string{"package.json", "package-lock.json"} {
		data, err := os.ReadFile(filepath.Join(npmDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The scripts, and the suite's own package (a file: dependency).
	for _, d := range []string{"scripts", "schemas"} {
		if err := os.CopyFS(filepath.Join(dir, d), os.DirFS(filepath.Join(npmDir, d))); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
	if stale := installedMismatch(dir); stale != "" {
		t.Fatalf("after npm ci: %s", stale)
	}
	return dir
}

// installedMismatch tells how dir/node_modules differs from the lock file
// ("" when every package of the lock is installed at its version).
func installedMismatch(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return "no package-lock.json"
	}
	var lock struct {
		Packages map[string]struct {
			Version  string `json:"version"`
			Optional bool   `json:"optional"`
			Link     bool   `json:"link"` // a file: dependency; its folder is checked by its own entry
		} `json:"packages"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		return "package-lock.json: " + err.Error()
	}
	for name, p := range lock.Packages {
		if name == "" || p.Optional {
			continue
		}
		if p.Link {
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name), "package.json")); err != nil {
				return name + " is not linked"
			}
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name), "package.json"))
		if err != nil {
			return name + " is not installed"
		}
		var installed struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(data, &installed) != nil || installed.Version != p.Version {
			return name + " is not at " + p.Version
		}
	}
	return ""
}
