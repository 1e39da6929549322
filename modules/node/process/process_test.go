package process_test

import (
	"testing"

	"github.com/dirigo/dirigo/modules/internal/jstest"
)

func TestProcess(t *testing.T) {
	t.Setenv("WEBPLATFORM_TEST_VAR", "seen")
	t.Setenv("DIRIGO_SESSION_KEYS", "secret")
	jstest.Run(t, []jstest.Case{
		{Src: `return process.env.WEBPLATFORM_TEST_VAR + " " + ("DIRIGO_SESSION_KEYS" in process.env) + " " + Object.isFrozen(process.env)`, Want: "seen false true"},
		{Name: "env is read-only", Src: `process.env.X = "1"`, Want: "TypeError: …"},
		{Src: `return [process.version, typeof process.versions.dirigo, "node" in process.versions, typeof process.platform, typeof process.arch, typeof process.pid].join()`, Want: "v0.0.0,string,false,string,string,number"},
		{Name: "nextTick", Src: `var log = []; process.nextTick(function (a) { log.push(a); }, "tick"); log.push("sync"); await null; await null; return log.join()`, Want: "sync,tick"},
		{Name: "hrtime", Src: `var a = process.hrtime(), d = process.hrtime(a); return (a.length === 2) + " " + (d[0] >= 0 && d[1] >= 0) + " " + (typeof process.hrtime.bigint())`, Want: "true true bigint"},
		{Src: `return (require("process") === process) + " " + (require("node:process") === process) + " " + (process.on("exit", function () {}) === process)`, Want: "true true true"},
	})
}

func TestPerformance(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Src: `var a = performance.now(); var b = performance.now(); return (typeof a) + " " + (b >= a) + " " + (a > 0) + " " + (performance.timeOrigin > 1.6e12) + " " + (Math.abs(performance.timeOrigin + a - Date.now()) < 60000)`, Want: "number true true true true"},
		{Src: `return String(performance) + " " + Object.keys(performance.toJSON()).join()`, Want: "[object Performance] timeOrigin"},
	})
}

// A global a request adds or shadows is gone in the next; the built-in
// one is back.
func TestGlobalsPerRequest(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Name: "shadow", Src: `globalThis.URL = "mine"; globalThis.Buffer = 1; globalThis.URLSearchParams = 2; globalThis.leak = 3; return URL + Buffer + URLSearchParams`, Want: "mine12"},
		{Name: "next request", Src: `return typeof URL + " " + typeof Buffer + " " + typeof URLSearchParams + " " + typeof leak`, Want: "function function function undefined"},
		{Name: "module state", Src: `var E = require("events"); try { E.prototype.emit = null; } catch (e) {} require("util").custom = 1; return typeof E.prototype.emit + " " + typeof require("node:util").custom`, Want: "function number"},
		{Name: "after", Src: `return typeof require("events").prototype.emit + " " + typeof require("util").custom`, Want: "function undefined"},
	})
}
