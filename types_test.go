package dirigo_test

import (
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules"
	"github.com/dirigo/dirigo/modules/moduletest"
)

// typesDir holds the TypeScript declarations of what dirigo serves to
// scripts (see README, "Editor support").
const typesDir = "types"

var (
	// declareModule matches an ambient module declaration: declare module "name".
	declareModule = regexp.MustCompile(`(?m)^declare module "([^"]+)"`)
	// declareGlobal matches a top-level declaration of a global value.
	declareGlobal = regexp.MustCompile(`(?m)^declare (?:var|let|const|function|class) ([A-Za-z_$][\w$]*)`)
)

// declarations reads every .d.ts file under dir: the module names declared
// and the global values declared, each with the file that declares it.
// Server-page globals live under pages/ and are returned apart.
func declarations(t *testing.T, dir string) (mods, globals, pageGlobals map[string]string) {
	t.Helper()
	mods, globals, pageGlobals = map[string]string{}, map[string]string{}, map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".d.ts") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range declareModule.FindAllStringSubmatch(string(data), -1) {
			if prev, ok := mods[m[1]]; ok {
				t.Errorf("module %q is declared twice: %s and %s", m[1], prev, path)
			}
			mods[m[1]] = path
		}
		into := globals
		if strings.Contains(filepath.ToSlash(path), "/pages/") {
			into = pageGlobals
		}
		for _, m := range declareGlobal.FindAllStringSubmatch(string(data), -1) {
			into[m[1]] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return mods, globals, pageGlobals
}

// notYetRegistered are modules declared in types/ ahead of their
// registration (outbound HTTP, about to land from its branch). A declared
// module that is neither registered nor listed here is a typo or a module
// that was removed.
var notYetRegistered = []string{
	"sdk/http/client", "@aerokit/sdk/http/client", "@dirigible/http/client",
	"http/client", "http/v4/client", "http/v3/client", "net/http/client",
	"http/client-async", "sdk/http/client-async", "@aerokit/sdk/http/client-async", "@dirigible/http/client-async",
	"http/clientAsync", "http/v4/clientAsync", "http/v3/clientAsync",
}

// TestTypesDeclareEveryModule fails when a module name registered in
// modules.Builtin(), or a global or server-page global it adds, has no
// declaration in types/, so a new module cannot forget its types; and when
// types/ declares a module dirigo does not serve.
func TestTypesDeclareEveryModule(t *testing.T) {
	mods, globals, pageGlobals := declarations(t, typesDir)
	if len(mods) == 0 || len(globals) == 0 || len(pageGlobals) == 0 {
		t.Fatalf("no declarations found under %s: %d modules, %d globals, %d page globals", typesDir, len(mods), len(globals), len(pageGlobals))
	}
	registered := map[string]bool{}
	for _, m := range modules.Builtin() {
		if m.Name != "" {
			registered[m.Name] = true
			if _, ok := mods[m.Name]; !ok {
				t.Errorf("module %q is registered (modules/modules.go) but types/ has no `declare module %q`", m.Name, m.Name)
			}
		}
		if m.Global != "" {
			if _, ok := globals[m.Global]; !ok {
				t.Errorf("global %q is registered but types/ does not declare it (declare var/function/class)", m.Global)
			}
		}
		if m.Page != "" {
			if _, ok := pageGlobals[m.Page]; !ok {
				t.Errorf("server-page global %q is registered but types/pages/ does not declare it", m.Page)
			}
		}
	}
	for name, file := range mods {
		if !registered[name] && !slices.Contains(notYetRegistered, name) {
			t.Errorf("%s declares module %q, which dirigo does not serve", file, name)
		}
	}
}

// TestTypesDeclareEveryGlobal fails when a global that scripts (or server
// pages) see has no declaration: it lists the global object as a script and
// a page see it, minus what a bare goja runtime has (ECMAScript's own, which
// TypeScript's lib declares), so the runtime's own globals (console,
// timers) are covered as well as the modules'.
func TestTypesDeclareEveryGlobal(t *testing.T) {
	_, globals, pageGlobals := declarations(t, typesDir)
	bare := map[string]bool{}
	v, err := goja.New().RunString(`JSON.stringify(Object.getOwnPropertyNames(globalThis))`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	if err := json.Unmarshal([]byte(v.String()), &names); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		bare[n] = true
	}
	// Every name on the global's prototype chain (a request sees the VM's
	// globals through its own per-request global), Object.prototype's aside.
	const list = `(function () {
	var out = [];
	for (var o = globalThis; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) out = out.concat(Object.getOwnPropertyNames(o));
	return JSON.stringify(out);
})()`
	s := moduletest.New(t, map[string]string{
		"script.js": `require("http/response").print(` + list + `)`,
		"page.html": `<script runat="server">response.print(` + list + `)</script>`,
	}, moduletest.Options{})
	for _, c := range []struct {
		path     string
		declared []map[string]string
	}{
		{"/script.js", []map[string]string{globals}},
		{"/page.html", []map[string]string{globals, pageGlobals}},
	} {
		resp, body := s.Get(t, c.path)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", c.path, resp.StatusCode, body)
		}
		var seen []string
		if err := json.Unmarshal([]byte(body), &seen); err != nil {
			t.Fatalf("%s: %v: %s", c.path, err, body)
		}
		extra := 0
		for _, n := range seen {
			if bare[n] {
				continue
			}
			extra++
			if !slices.ContainsFunc(c.declared, func(m map[string]string) bool { _, ok := m[n]; return ok }) {
				t.Errorf("%s sees the global %q, which types/ does not declare", c.path, n)
			}
		}
		if extra == 0 {
			t.Errorf("%s sees no global beyond ECMAScript's: the listing is broken", c.path)
		}
	}
}

// typesCheckDir holds the files that exercise types/: type-checked by
// TestTypeCheck and run by TestTypesCheckFilesRun.
const typesCheckDir = "testdata/types"

// TestTypesCheckFilesRun runs the check files that need no outside server
// as dirigo endpoints: each asserts at run time what its declarations say
// (a missing header is undefined where the type says undefined, null where
// it says null, ...), so types/ and the modules cannot drift apart unseen.
func TestTypesCheckFilesRun(t *testing.T) {
	files := map[string]string{}
	for _, name := range []string{"dirigible.ts", "platform.ts", "commonjs.js"} {
		data, err := os.ReadFile(filepath.Join(typesCheckDir, "check", name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(data)
	}
	// The outbound check calls a local server, once fetch and http/client
	// are registered.
	query := map[string]string{}
	for _, m := range modules.Builtin() {
		if m.Name == "http/client" {
			data, err := os.ReadFile(filepath.Join(typesCheckDir, "check", "outbound.ts"))
			if err != nil {
				t.Fatal(err)
			}
			files["outbound.ts"] = string(data)
			upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"ok":true}`)
			}))
			t.Cleanup(upstream.Close)
			query["outbound.ts"] = "?base=" + url.QueryEscape(upstream.URL)
		}
	}
	s := moduletest.New(t, files, moduletest.Options{})
	for name := range files {
		t.Run(name, func(t *testing.T) {
			resp, body := s.Get(t, "/"+name+query[name])
			if resp.StatusCode != 200 || body != "ok" {
				t.Fatalf("%d %s\n%s", resp.StatusCode, body, s.Logs())
			}
		})
	}
}

// TestTypeCheck compiles, with the TypeScript compiler pinned in
// testdata/types (tsc --noEmit): the check files against types/ (.js with
// checkJs), and scripts/ with its own tsconfig.json, as an editor does, its
// .js files also checked (non-strict, as plain JavaScript is written). The
// check files hold @ts-expect-error lines, so declarations that accept what
// they should refuse fail too. tsc comes from testdata/types/node_modules
// (CI runs npm ci there) or is installed into a temporary folder; without
// npm the test is skipped, except under CI=true where it fails.
func TestTypeCheck(t *testing.T) {
	if raceEnabled {
		t.Skip("the type check runs an external compiler: it runs without -race")
	}
	tsc := tscPath(t)
	for _, args := range [][]string{
		{"-p", typesCheckDir},
		{"-p", "scripts"},
		{"-p", "scripts", "--checkJs", "--strict", "false"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, tsc, append(args, "--noEmit", "--pretty", "false")...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("tsc %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		})
	}
}

// tscPath returns the tsc of testdata/types/node_modules when it matches
// the lock file, else one installed with npm ci into a temporary folder.
func tscPath(t *testing.T) string {
	t.Helper()
	stale := installedMismatch(typesCheckDir)
	if stale == "" {
		return filepath.Join(typesCheckDir, "node_modules", ".bin", "tsc")
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
		data, err := os.ReadFile(filepath.Join(typesCheckDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
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
	return filepath.Join(dir, "node_modules", ".bin", "tsc")
}
