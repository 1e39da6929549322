// Package performance provides the global performance: now() (milliseconds
// since timeOrigin, monotonic, microsecond resolution) and timeOrigin (when
// the process started, as in Node).
package performance

import (
	"time"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/internal/jsmod"
	"github.com/dirigo/dirigo/runtime"
)

// origin is when the process started (read-only after package init).
var origin = time.Now()

// Global is performance.
var Global = runtime.Module{Global: "performance", Load: func(vm *runtime.VM) (goja.Value, error) {
	rt := vm.Runtime()
	now := rt.ToValue(func(goja.FunctionCall) goja.Value {
		return rt.ToValue(float64(time.Since(origin).Microseconds()) / 1000)
	})
	return jsmod.Call(vm, program(), now, float64(origin.UnixMicro())/1000)
}}

var program = jsmod.Program("performance", `(function (now, timeOrigin) {
	"use strict";
	class Performance {
		constructor() { throw new TypeError("Illegal constructor"); }
		now() { return now(); }
		get timeOrigin() { return timeOrigin; }
		toJSON() { return { timeOrigin: timeOrigin }; }
	}
	Object.defineProperty(Performance.prototype, Symbol.toStringTag, { value: "Performance", configurable: true });
	return Object.create(Performance.prototype);
})`)
