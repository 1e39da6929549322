package dirigo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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
// registration (the client-session facades, about to land from branch
// clientfacades). A declared module that is neither registered nor listed
// here is a typo or a module that was removed.
var notYetRegistered = []string{"com.appcelerator.urlSession"}

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
	for _, m := range modules.Builtin(modules.Config{}) {
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
	for _, m := range modules.Builtin(modules.Config{}) {
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
	// The names modules and globals have, against their declarations.
	src, lines := keysCheck(t)
	dir := t.TempDir()
	abs, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	tsconfig, err := json.Marshal(map[string]any{
		"extends": filepath.Join(abs, "scripts", "tsconfig.json"),
		"include": []string{"keys.ts", filepath.Join(abs, typesDir, "*.d.ts")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"keys.ts": src, "tsconfig.json": string(tsconfig)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("keys", func(t *testing.T) {
		out, err := runTSC(t, tsc, "-p", dir)
		if err == nil {
			return
		}
		// keys.ts(LINE,COL): error TS...: name each line's module.
		for _, l := range strings.Split(out, "\n") {
			if m := tscLine.FindStringSubmatch(l); m != nil {
				n, _ := strconv.Atoi(m[1])
				t.Errorf("%s: %s", lines[n], m[2])
			} else if strings.TrimSpace(l) != "" {
				t.Log(l)
			}
		}
		t.Errorf("tsc: %v (the declarations in types/ and the names dirigo's modules have differ)", err)
	})
	for _, args := range [][]string{
		{"-p", typesCheckDir},
		{"-p", "scripts"},
		{"-p", "scripts", "--checkJs", "--strict", "false"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			if out, err := runTSC(t, tsc, args...); err != nil {
				t.Fatalf("tsc %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		})
	}
}

// tscLine matches an error of tsc about keys.ts: its line and message.
var tscLine = regexp.MustCompile(`keys\.ts\((\d+),\d+\): (.*)`)

// runTSC runs tsc with args (and --noEmit), bounded in time, and returns
// its output.
func runTSC(t *testing.T, tsc string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, tsc, append(args, "--noEmit", "--pretty", "false")...).CombinedOutput()
	return string(out), err
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

// keysScript lists, as JSON, the property names scripts see on every module
// in names and every global beyond bare goja's (bare): an object's names
// along its prototype chain (Object.prototype's aside), a function's own
// names (statics) and its prototype's. Names starting with "_" are
// internals (EventEmitter's _events) and left out.
const keysScript = `(function (names, bare) {
	var skip = ["length", "name", "prototype", "caller", "arguments"];
	var objects = Object.getOwnPropertyNames(Object.prototype);
	function visible(k) { return k[0] !== "_" && objects.indexOf(k) < 0; }
	function keysOf(v) {
		if (v === null || (typeof v !== "object" && typeof v !== "function")) return null;
		if (typeof v === "function") {
			return {fn: true, keys: Object.getOwnPropertyNames(v).filter(function (k) { return skip.indexOf(k) < 0 && visible(k); }),
				proto: v.prototype ? Object.getOwnPropertyNames(v.prototype).filter(function (k) { return k !== "constructor" && visible(k); }) : []};
		}
		var out = [];
		for (var o = v; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
			Object.getOwnPropertyNames(o).forEach(function (k) { if (out.indexOf(k) < 0 && visible(k)) out.push(k); });
		}
		return {fn: false, keys: out, proto: []};
	}
	var mods = {}, globals = {};
	names.forEach(function (n) { mods[n] = keysOf(require(n)); });
	for (var o = globalThis; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
		Object.getOwnPropertyNames(o).forEach(function (k) { if (bare.indexOf(k) < 0 && !(k in globals)) globals[k] = keysOf(globalThis[k]); });
	}
	return JSON.stringify({modules: mods, globals: globals});
})`

// shape is what keysScript reports of one value.
type shape struct {
	Fn    bool     `json:"fn"`
	Keys  []string `json:"keys"`
	Proto []string `json:"proto"`
}

// keysCheck returns a TypeScript file that compiles only when types/
// declares exactly the property names dirigo's modules and globals have:
// every name a module has is declared (else the error names it as
// undeclared) and every name a module's type requires is there (else
// missing); a function's statics likewise, and its prototype's
// names must be declared (the declared instance type may have more: a
// Buffer is a Uint8Array). Object.prototype's names are left out on both
// sides. sdk/http's client names are not required until http/client is
// registered. lines maps each line of the file to what it checks, for
// readable failures.
func keysCheck(t *testing.T) (src string, lines map[int]string) {
	t.Helper()
	var names []string
	pending := `"client" | "HttpClient" | "asyncClient"`
	for _, m := range modules.Builtin(modules.Config{}) {
		if m.Name != "" {
			names = append(names, m.Name)
		}
		if m.Name == "http/client" {
			pending = "never"
		}
	}
	bare, err := goja.New().RunString(`JSON.stringify(Object.getOwnPropertyNames(globalThis))`)
	if err != nil {
		t.Fatal(err)
	}
	namesJSON, err := json.Marshal(names)
	if err != nil {
		t.Fatal(err)
	}
	s := moduletest.New(t, map[string]string{
		"keys.js": `require("http/response").print(` + keysScript + `(` + string(namesJSON) + `, ` + bare.String() + `))`,
	}, moduletest.Options{})
	resp, body := s.Get(t, "/keys.js")
	if resp.StatusCode != 200 {
		t.Fatalf("listing the modules' names: %d %s\n%s", resp.StatusCode, body, s.Logs())
	}
	var seen struct {
		Modules map[string]*shape `json:"modules"`
		Globals map[string]*shape `json:"globals"`
	}
	if err := json.Unmarshal([]byte(body), &seen); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	lines = map[int]string{}
	line := 1
	emit := func(what, text string) {
		b.WriteString(text)
		b.WriteByte('\n')
		lines[line] = what
		line++
	}
	emit("", "// Generated by types_test.go: the property names dirigo's modules and globals have.")
	emit("", "type Own<T> = Exclude<keyof T, keyof Object>;")
	emit("", "type Pending = "+pending+";")
	emit("", "type RequiredKeys<T> = { [K in Own<T>]-?: {} extends Pick<T, K> ? never : K }[Own<T>];")
	emit("", "type Within<T, L extends PropertyKey> = [Exclude<L, Own<T>>] extends [never] ? true : { undeclared: Exclude<L, Own<T>> };")
	emit("", "type Exact<T, L extends PropertyKey> = Within<T, L> extends true ? ([Exclude<RequiredKeys<T>, L | Pending>] extends [never] ? true : { missing: Exclude<RequiredKeys<T>, L | Pending> }) : Within<T, L>;")
	union := func(keys []string) string {
		if len(keys) == 0 {
			return "never"
		}
		parts := make([]string, len(keys))
		for i, k := range keys {
			q, _ := json.Marshal(k)
			parts[i] = string(q)
		}
		return strings.Join(parts, " | ")
	}
	check := func(what, expr string, sh *shape) {
		if sh == nil {
			return
		}
		if sh.Fn {
			emit(what+" (statics)", fmt.Sprintf("export const s%d: Exact<Omit<typeof %s, \"prototype\">, %s> = true;", line, expr, union(sh.Keys)))
			emit(what+" (prototype)", fmt.Sprintf("export const p%d: Within<(typeof %s)[\"prototype\"], %s> = true;", line, expr, union(sh.Proto)))
			return
		}
		emit(what, fmt.Sprintf("export const k%d: Exact<typeof %s, %s> = true;", line, expr, union(sh.Keys)))
	}
	for i, name := range slices.Sorted(maps.Keys(seen.Modules)) {
		q, _ := json.Marshal(name)
		emit("", fmt.Sprintf("import m%d = require(%s);", i, q))
		check("module "+name, fmt.Sprintf("m%d", i), seen.Modules[name])
	}
	for _, name := range slices.Sorted(maps.Keys(seen.Globals)) {
		check("global "+name, name, seen.Globals[name])
	}
	return b.String(), lines
}
