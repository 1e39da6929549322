package runtime_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/dop251/goja"
	"golang.org/x/tools/txtar"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// TestPackageResolution resolves bare specifiers against the fixture
// packages of testdata/packages.txtar, by require() and by import: package
// .json "exports" (conditions in the package's order, browser before node,
// require or import, patterns, null), the browser, module and main fields,
// the browser map of a package's own files and modules, nested
// node_modules, and Node built-ins dirigo does not provide.
func TestPackageResolution(t *testing.T) {
	ar, err := txtar.ParseFile("testdata/packages.txtar")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range ar.Files {
		files[f.Name] = string(f.Data)
	}
	tests := []struct {
		spec, require, imp string // wanted id by require and by import ("" = same as require)
	}{
		{"exp-string", "exp-string/main.js", ""},
		{"exp-cond", "exp-cond/browser.js", ""},
		{"exp-nested", "exp-nested/browser.cjs", "exp-nested/browser.mjs"},
		{"exp-dual", "exp-dual/cjs/index.cjs", "exp-dual/esm/index.js"},
		{"exp-esm-only", "exp-esm-only/index.js", ""},
		{"exp-sub", "exp-sub/index.js", ""},
		{"exp-sub/sub", "exp-sub/sub.js", ""},
		{"exp-sub/feat/a", "exp-sub/dist/feat/a.js", ""},
		{"exp-sub/feat/special/b", "exp-sub/dist/special/b.js", ""},
		{"exp-sub/feat/internal/c", "error: Cannot find module 'exp-sub/feat/internal/c': subpath './feat/internal/c' is not exported by node_modules/exp-sub/package.json", ""},
		{"exp-sub/data.json", "exp-sub/data.json", ""},
		{"exp-sub/unlisted", "exp-sub/unlisted.js", ""}, // Node refuses it; dirigo takes an existing file
		{"@scope/exp", "@scope/exp/b.js", ""},
		{"@scope/exp/tool", "@scope/exp/tool.js", ""},
		{"fields-browser", "fields-browser/browser.js", ""},
		{"fields-module", "fields-module/lib/index.js", "fields-module/es/index.mjs"},
		{"fields-index", "fields-index/index.js", ""},
		{"main-dir", "main-dir/lib/index.js", ""},
		{"browser-map", "browser-map/lib/browser.js {} {} browser-map/lib/fake-crypto.js browser-map/node_modules/evented/index.js", ""},
		{"string_decoder", "string_decoder/decoder.js", ""}, // no native string_decoder: the npm package
		{"uses-nested", "uses-nested/index.js -> exp-cond/browser.js -> uses-nested/node_modules/inner/inner.js", ""},
		{"tries-fs", "tries-fs/index.js MODULE_NOT_FOUND", ""},
		{"needs-fs", "error: Node built-in 'fs' is not available in dirigo", ""},
		{"fs", "error: Node built-in 'fs' is not available in dirigo", ""},
		{"node:fs/promises", "error: Node built-in 'fs/promises' is not available in dirigo", ""},
		{"node:nope", "error: Cannot find module 'node:nope'", ""},
		{"nope", "error: Cannot find module 'nope'", ""},
	}
	for i, tc := range tests {
		spec := strconv.Quote(tc.spec)
		files[fmt.Sprintf("r%d.js", i)] = `var r = require("http/response");
try { var m = require(` + spec + `); r.print(String(m.id) + (m.code ? " " + m.code : "")); }
catch (e) { r.print("error: " + e.message + " [" + e.code + "]"); }`
		files[fmt.Sprintf("i%d.mjs", i)] = `import * as m from ` + spec + `;
import { response } from "sdk/http";
response.print(String(m.id) + (m.code ? " " + m.code : ""));`
	}
	s := moduletest.New(t, files, devOneVM)
	for i, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			_, body := s.Get(t, fmt.Sprintf("/r%d", i))
			check(t, "require", body, tc.require, true)
			want := tc.imp
			if want == "" {
				want = tc.require
			}
			_, body = s.Get(t, fmt.Sprintf("/i%d", i))
			check(t, "import", body, want, false)
		})
	}
}

func check(t *testing.T, how, body, want string, required bool) {
	t.Helper()
	if msg, isErr := strings.CutPrefix(want, "error: "); isErr {
		if !strings.Contains(body, msg) {
			t.Errorf("%s: got %q, want an error %q", how, body, msg)
		}
		if required && !strings.Contains(body, "[MODULE_NOT_FOUND]") {
			t.Errorf("%s: %q has not the code MODULE_NOT_FOUND", how, body)
		}
		return
	}
	if body != want {
		t.Errorf("%s: got %q, want %q", how, body, want)
	}
}

// A native module of a Node name (string_decoder here) wins
// over node_modules, under its name and with the node: prefix, and a
// package's browser map can still turn it off for that package.
func TestNativeNodeNamesWin(t *testing.T) {
	native := runtime.Module{Name: "string_decoder", Load: func(vm *runtime.VM) (goja.Value, error) {
		o := vm.Runtime().NewObject()
		_ = o.Set("id", "native string_decoder")
		return o, nil
	}}
	s := moduletest.New(t, map[string]string{
		"node_modules/string_decoder/index.js": `exports.id = "npm string_decoder";`,
		"node_modules/user/index.js":           `exports.id = [require("string_decoder").id, require("node:string_decoder").id].join();`,
		"main.js":                              `require("http/response").print([require("string_decoder").id, require("node:string_decoder").id, require("user").id].join());`,
	}, moduletest.Options{Modules: []runtime.Module{native}, Runtime: func(c *runtime.Config) { c.Dev = true }})
	if _, body := s.Get(t, "/main"); body != "native string_decoder,native string_decoder,native string_decoder,native string_decoder" {
		t.Errorf("got %q", body)
	}
}
