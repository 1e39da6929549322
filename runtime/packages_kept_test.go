package runtime_test

import (
	"strings"
	"testing"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// keptFiles is a script root with a package that keeps state, captures its
// global at load, writes a global, and holds a native module.
var keptFiles = map[string]string{
	"node_modules/counter/package.json": `{"name":"counter","main":"index.js"}`,
	"node_modules/counter/index.js": `
var n = 0;
var loadGlobal = globalThis;               // captured at load
globalThis.pkgLeak = "from the package";   // a global written at load
var res = require("http/response");       // a native module, held for good
exports.next = function () { return ++n; };
exports.loadSaw = function (k) { return String(loadGlobal[k]); };
exports.callSees = function () { return typeof reqVar === "undefined" ? "none" : String(reqVar); };
exports.resExtra = function () { return String(res.extra); };
exports.helper = require("./helper");
`,
	"node_modules/counter/helper.js": `var calls = 0; module.exports = function () { return ++calls; };`,
	"lib/own.js":                     `var n = 0; exports.next = function () { return ++n; };`,
	"run.js": `
var p = require("http/request").getParameter("id");
globalThis.reqVar = "req" + p;             // this request's global
globalThis.secret = "secret" + p;
require("http/response").extra = "extra" + p; // on this request's view
var c = require("counter");
var own = require("./lib/own");
require("http/response").print([c.next(), c.helper(), own.next(), c.loadSaw("secret"), c.callSees(),
  c.resExtra(), typeof pkgLeak, c.loadSaw("pkgLeak")].join(","));
`,
}

// TestPackagesKeptPerVM shows the documented difference: a package's
// module state outlives the request (it counts across requests on one VM)
// while the script root's files start afresh; and no request's data reaches
// the kept package: its load-time global is not a request's, a global it
// wrote is not the scripts', it reads this request's globals when called,
// and it holds the native exports, not a request's view of them. With
// PackagesPerRequest the package is evaluated in each request like the
// root's files (and sees that request's global and views). An edit of a package
// file starts it again.
func TestPackagesKeptPerVM(t *testing.T) {
	for _, perRequest := range []bool{false, true} {
		s := moduletest.New(t, keptFiles, moduletest.Options{Runtime: func(c *runtime.Config) {
			c.PoolSize = 1
			c.PackagesPerRequest = perRequest
		}})
		for i := 1; i <= 3; i++ {
			id := string(rune('0' + i))
			n := "1"
			if !perRequest {
				n = id // kept: the package's counters go on
			}
			want := n + "," + n + ",1,undefined,req" + id + ",undefined,undefined,from the package"
			if perRequest {
				// Evaluated in the request, like the root's files: the
				// package sees the request's global and view.
				want = "1,1,1,secret" + id + ",req" + id + ",extra" + id + ",string,from the package"
			}
			resp, body := s.Get(t, "/run?id="+id)
			if resp.StatusCode != 200 || body != want {
				t.Fatalf("perRequest=%v request %d: %d %q, want %q\n%s", perRequest, i, resp.StatusCode, body, want, s.Logs())
			}
		}
		// An edit of a file the package requires drops the kept modules.
		s.Write(t, "node_modules/counter/helper.js", `var calls = 10; module.exports = function () { return ++calls; };`)
		resp, body := s.Get(t, "/run?id=4")
		if resp.StatusCode != 200 || !strings.HasPrefix(body, "1,11,1,") {
			t.Fatalf("perRequest=%v after edit: %d %q", perRequest, resp.StatusCode, body)
		}
	}
}

// TestPackagesKeptFailure: a package whose evaluation throws is not kept,
// and the next request evaluates it again (and gets the same error).
func TestPackagesKeptFailure(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"node_modules/bad/index.js": `globalThis.tries = (globalThis.tries || 0) + 1; exports.x = 1; throw new Error("bad package " + tries);`,
		"use.js": `var r = require("http/response");
try { require("bad"); r.print("loaded"); } catch (e) { r.print(e.message); }`,
	}, moduletest.Options{Runtime: func(c *runtime.Config) { c.PoolSize = 1 }})
	for i := 0; i < 3; i++ {
		// tries lives on the package global: each evaluation counts.
		want := "bad package " + string(rune('1'+i))
		if resp, body := s.Get(t, "/use"); resp.StatusCode != 200 || body != want {
			t.Fatalf("request %d: %d %q, want %q", i, resp.StatusCode, body, want)
		}
	}
}
