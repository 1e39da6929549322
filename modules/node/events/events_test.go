package events_test

import (
	"testing"

	"github.com/dirigo/dirigo/modules/internal/jstest"
)

func TestEventEmitter(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Src: `var E = require("events"), e = new E(), log = []; e.on("x", function (a, b) { log.push(a + b, this === e); }); var r = e.emit("x", 1, 2); return log.join() + " " + r + " " + e.emit("y")`, Want: "3,true true false"},
		{Name: "once", Src: `var e = new (require("events"))(), n = 0; e.once("x", function () { n++; }); e.emit("x"); e.emit("x"); return n + " " + e.listenerCount("x")`, Want: "1 0"},
		{Name: "order and prepend", Src: `var e = new (require("node:events").EventEmitter)(), log = []; e.on("x", function () { log.push(1); }); e.prependListener("x", function () { log.push(0); }); e.on("x", function () { log.push(2); }); e.emit("x"); return log.join()`, Want: "0,1,2"},
		{Name: "off", Src: `var e = new (require("events"))(), n = 0; function f() { n++; } e.on("x", f); e.on("x", f); e.off("x", f); e.emit("x"); return n + " " + e.listeners("x").length`, Want: "1 1"},
		{Name: "off a once listener", Src: `var e = new (require("events"))(), n = 0; function f() { n++; } e.once("x", f); e.removeListener("x", f); e.emit("x"); return n`, Want: "0"},
		{Name: "removeAllListeners", Src: `var e = new (require("events"))(); e.on("a", function () {}); e.on("b", function () {}); e.removeAllListeners("a"); var k = e.eventNames().join(); e.removeAllListeners(); return k + "|" + e.eventNames().length`, Want: "b|0"},
		{Name: "error without a listener throws", Src: `new (require("events"))().emit("error", new RangeError("bad"))`, Want: "RangeError: bad"},
		{Name: "error with a non-error", Src: `new (require("events"))().emit("error", "boom")`, Want: "Error: Unhandled error. (boom)"},
		{Name: "errorMonitor", Src: `var E = require("events"), e = new E(), seen; e.on(E.errorMonitor, function (err) { seen = err.message; }); e.on("error", function () {}); e.emit("error", new Error("m")); return seen`, Want: "m"},
		{Name: "newListener and removeListener", Src: `var e = new (require("events"))(), log = []; e.on("newListener", function (n) { log.push("new " + n); }); e.on("removeListener", function (n) { log.push("rm " + n); }); function f() {} e.on("x", f); e.off("x", f); return log.join()`, Want: "new removeListener,new x,rm x"},
		{Name: "static once", Src: `var E = require("events"), e = new E(); setTimeout(function () { e.emit("ready", 1, 2); }, 1); return (await E.once(e, "ready")).join()`, Want: "1,2"},
		{Name: "static once rejects on error", Src: `var E = require("events"), e = new E(); setTimeout(function () { e.emit("error", new Error("nope")); }, 1); await E.once(e, "ready")`, Want: "Error: nope"},
		{Name: "class extends", Src: `class C extends require("events") { constructor() { super(); this.v = 1; } } var c = new C(); var got; c.on("v", function (x) { got = x + this.v; }); c.emit("v", 1); return got + " " + c.getMaxListeners()`, Want: "2 10"},
		{Name: "listener must be a function", Src: `new (require("events"))().on("x", 1)`, Want: "TypeError: …"},
		{Name: "rawListeners keeps once wrappers", Src: `var e = new (require("events"))(); function f() {} e.once("x", f); return (e.rawListeners("x")[0] !== f) + " " + (e.listeners("x")[0] === f)`, Want: "true true"},
	})
}
