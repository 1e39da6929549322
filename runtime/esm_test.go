package runtime_test

import (
	"strings"
	"testing"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// devOneVM runs every request on one VM and shows errors in the 500s.
var devOneVM = moduletest.Options{Runtime: func(c *runtime.Config) { c.PoolSize, c.Dev = 1, true }}

// An ES module that also assigns module.exports when module is defined
// (Dirigible's test/assert.js, the @aerokit/sdk modules) keeps its named
// exports: in an ES module, module and exports are undefined, as in Node.
// CommonJS keeps them.
func TestESModuleHasNoModule(t *testing.T) {
	lib := `export function assertTrue(c, m) { if (!c) throw new Error(m); }
export function assertEquals(a, b) { assertTrue(a === b, a + " !== " + b); }
if (typeof module !== "undefined") { module.exports = { assertTrue: assertTrue }; }
if (typeof exports !== "undefined") { exports.leaked = true; }
`
	for _, name := range []string{"assert.js", "assert.mjs", "assert.ts"} {
		t.Run(name, func(t *testing.T) {
			s := moduletest.New(t, map[string]string{
				"lib/" + name: lib,
				"lib/cjs.js":  `module.exports = { kind: typeof module, exp: typeof exports };`,
				"main.mjs": `import { assertTrue, assertEquals } from "./lib/` + name + `";
import * as all from "./lib/` + name + `";
import { response } from "sdk/http";
const cjs = require("./lib/cjs.js");
assertEquals(1, 1);
response.print([typeof assertTrue, typeof assertEquals, typeof all.leaked, cjs.kind, cjs.exp].join());`,
			}, devOneVM)
			_, body := s.Get(t, "/main")
			if body != "function,function,undefined,object,object" {
				t.Errorf("got %q", body)
			}
		})
	}
}

// Importing a name a module does not export fails at load, naming the
// module and the name, at the import's line (Node's SyntaxError); for
// native modules too.
func TestImportOfMissingExport(t *testing.T) {
	files := map[string]string{
		"lib/a.mjs":      "export const yes = 1;\nexport default 'a';\n",
		"lib/c.js":       "exports.yes = 1;\n",
		"lib/mid.mjs":    "export { nope } from './a.mjs';\n",
		"lib/types.ts":   "export interface Shape { x: number }\nexport const yes = 1;\n",
		"lib/cycle1.mjs": "import { two } from './cycle2.mjs';\nexport const one = 1;\nexport function get() { return two; }\n",
		"lib/cycle2.mjs": "import { one } from './cycle1.mjs';\nexport const two = 2;\nexport function getOne() { return one; }\n",
	}
	tests := []struct {
		name, script, want string
	}{
		{"local", "import { response } from 'sdk/http';\nimport { nope } from './lib/a.mjs';\nresponse.print(nope);",
			"main.mjs:2:1: SyntaxError: The requested module './lib/a.mjs' does not provide an export named 'nope'"},
		{"native", "import { response, nope } from 'sdk/http';\nresponse.print(nope);",
			"main.mjs:1:1: SyntaxError: The requested module 'sdk/http' does not provide an export named 'nope'"},
		{"native sub-path", "\n\nimport { getNope } from 'http/request';\ngetNope();",
			"main.mjs:3:1: SyntaxError: The requested module 'http/request' does not provide an export named 'getNope'"},
		{"commonjs", "import { nope } from './lib/c.js';\nnope();",
			"main.mjs:1:1: SyntaxError: The requested module './lib/c.js' does not provide an export named 'nope'"},
		{"re-export", "import { nope } from './lib/mid.mjs';\nnope;",
			"lib/mid.mjs:1:1: SyntaxError: The requested module './a.mjs' does not provide an export named 'nope'"},
		{"missing default", "import a from './lib/mid.mjs';\na;",
			"lib/mid.mjs:1:1: SyntaxError: The requested module './a.mjs' does not provide an export named 'nope'"},
		{"missing module", "import { response } from 'sdk/http';\n  import { x } from './lib/none.mjs';\nx;",
			"main.mjs:2:3: Error: Cannot find module './lib/none.mjs'"},
		{"caught by require", "const r = require('http/response');\ntry { require('./lib/mid.mjs'); } catch (e) { r.print(e.name + ': ' + e.message); }",
			"SyntaxError: The requested module './a.mjs' does not provide an export named 'nope'"},
		{"allowed", `import { response } from "sdk/http";
import a, { yes } from "./lib/a.mjs";
import c, { yes as cyes } from "./lib/c.js";
import * as ns from "./lib/a.mjs";
import type { Shape } from "./lib/types.ts";
import { get } from "./lib/cycle1.mjs";
import { getOne } from "./lib/cycle2.mjs";
const s: Shape = { x: yes };
response.print([a, s.x, c.yes, cyes, typeof ns.maybe, get(), getOne()].join());`, "a,1,1,1,undefined,2,1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := map[string]string{"main.mts": tc.script}
			for k, v := range files {
				fs[k] = v
			}
			if !strings.Contains(tc.script, ": Shape") {
				delete(fs, "main.mts")
				fs["main.mjs"] = tc.script
			}
			s := moduletest.New(t, fs, devOneVM)
			_, body := s.Get(t, "/main")
			if !strings.Contains(body, tc.want) {
				t.Errorf("got %q\nwant %q", body, tc.want)
			}
		})
	}
}

// @dirigible/http, @dirigible/security, @dirigible/core and
// @dirigible/utils (Dirigible 9.x) and their sub-paths are sdk/….
func TestDirigibleESMNames(t *testing.T) {
	s := moduletest.New(t, map[string]string{"main.mjs": `import { request, response } from "@dirigible/http";
import { Request } from "@dirigible/http/request";
import * as sdk from "sdk/http";
import { user } from "@dirigible/security";
import { User } from "@dirigible/security/user";
import { configurations } from "@dirigible/core";
import { base64 } from "@dirigible/utils";
import * as hex from "@dirigible/utils/hex";
response.print([request === Request, request === sdk.request, request.getMethod(),
	user === User, user === require("sdk/security/user"), typeof user.getName,
	configurations === require("sdk/core/configurations"), base64.encode("hi"), hex.encode("hi"),
	(() => { try { require("@dirigible/security/missing"); } catch (e) { return /Cannot find module/.test(e.message); } })()].join());`}, devOneVM)
	_, body := s.Get(t, "/main")
	if body != "true,true,GET,true,true,function,true,aGk=,6869,true" {
		t.Errorf("got %q", body)
	}
}

// A built-in module takes a script's own properties (Dirigible's rs sets
// request.params) on a view made for the request: one object for every name
// of the module, its functions still read-only, gone with the request.
func TestNativeModuleViews(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"lib/params.mjs": `import { request } from "sdk/http";
export function params() { return request.params; }`,
		"lib/facade.mjs": `export * from "sdk/http";`,
		"main.mjs": `import { request as req, response } from "./lib/facade.mjs";
import { params } from "./lib/params.mjs";
const http = require("sdk/http");
const r = require("sdk/http/request");
const out = [r === http.request, r === req, r === require("@aerokit/sdk/http/request"), r === require("@dirigible/http/request"),
	http.Request === r, typeof r.params];
r.params = { id: 7 };
out.push(params().id, http.request.params.id);
try { r.getParameter = null; out.push("assigned"); } catch (e) { out.push(e.name); }
try { delete r.getParameter; out.push("deleted"); } catch (e) { out.push(e.name); }
try { response.print = null; out.push("assigned"); } catch (e) { out.push(e.name); }
out.push(Object.keys(r).includes("params"), Object.keys(r).includes("getParameter"), "getParameter" in r,
	Object.prototype.hasOwnProperty.call(r, "params"), typeof r.getParameter);
delete r.params;
out.push(typeof r.params, typeof require("http/request").params);
require("http/request").params = 1;
out.push(require("http/request").params);
response.print(JSON.stringify(out));`,
	}, devOneVM)
	want := `[true,true,true,true,true,"undefined",7,7,"TypeError","TypeError","TypeError",true,true,true,true,"function","undefined","undefined",1]`
	for i := 0; i < 3; i++ {
		_, body := s.Get(t, "/main")
		if body != want {
			t.Fatalf("run %d:\ngot  %s\nwant %s", i, body, want)
		}
	}
}

// A module function hands a script the same view of another module as
// require does (VM.View).
func TestViewForModules(t *testing.T) {
	handler := runtime.Module{Name: "test:handler", Load: func(vm *runtime.VM) (goja.Value, error) {
		o := vm.Runtime().NewObject()
		_ = o.Set("request", func(goja.FunctionCall) goja.Value {
			v, err := vm.Require("sdk/http/request")
			if err != nil {
				panic(err)
			}
			return vm.View(v)
		})
		return o, nil
	}}
	s := moduletest.New(t, map[string]string{"main.js": `var r = require("sdk/http/request");
r.params = { id: 1 };
require("http/response").print(String(require("test:handler").request() === r) + " " + require("test:handler").request().params.id);`},
		moduletest.Options{Modules: []runtime.Module{handler}})
	if _, body := s.Get(t, "/main"); body != "true 1" {
		t.Errorf("got %q", body)
	}
}

// A server page's request global is the request's view too.
func TestPageGlobalsAreViews(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"p.html": `<p><script runat="server">
var first = typeof request.params;
request.params = { a: 1 };
response.print([first, require("http/v4/request") === request, require("http/v4/request").params.a].join());
</script></p>`,
	}, devOneVM)
	for i := 0; i < 2; i++ {
		if _, body := s.Get(t, "/p.html"); body != "<p>undefined,true,1</p>" {
			t.Fatalf("run %d: got %q", i, body)
		}
	}
}
