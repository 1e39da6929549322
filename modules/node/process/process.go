// Package process is the global process (and the module process): env,
// version, versions, platform, arch, pid, argv, cwd(), uptime(), hrtime(),
// hrtime.bigint(), nextTick(), emitWarning() and no-op event methods.
//
// process.env holds the environment of the dirigo process minus its own
// DIRIGO_* variables (the configuration, which can carry the cookie keys and
// the Redis password), read when the VM first uses it and frozen: scripts
// read it, they do not change it. Batch runs (dirigo run) see the whole
// environment and have argv, exit and exitCode as well.
//
// dirigo is not Node: versions has no "node" (so packages do not take
// Node-only code paths, such as requiring fs), and version is "v0.0.0".
package process

import (
	"os"
	goruntime "runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/internal/jsmod"
	"github.com/dirigo/dirigo/runtime"
)

// Modules are the global process, process and node:process.
var Modules = []runtime.Module{
	{Global: "process", Load: load},
	{Name: "process", Load: func(vm *runtime.VM) (goja.Value, error) { return vm.Intrinsic("process"), nil }},
	{Name: "node:process", Load: func(vm *runtime.VM) (goja.Value, error) { return vm.Intrinsic("process"), nil }},
}

// start is when the process started (read-only after package init).
var start = time.Now()

// Env returns the environment scripts see in process.env.
func Env() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.HasPrefix(k, "DIRIGO_") {
			continue
		}
		env[k] = v
	}
	return env
}

func load(vm *runtime.VM) (goja.Value, error) {
	rt := vm.Runtime()
	env := rt.NewObject()
	for k, v := range Env() {
		_ = env.Set(k, v)
	}
	version := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		version = bi.Main.Version
	}
	arch := goruntime.GOARCH
	switch arch {
	case "amd64":
		arch = "x64"
	case "386":
		arch = "ia32"
	}
	cwd, _ := os.Getwd()
	natives := jsmod.Natives(vm, map[string]func(goja.FunctionCall) goja.Value{
		"hrtime": func(goja.FunctionCall) goja.Value {
			d := time.Since(start) + time.Second // never 0
			return rt.NewArray(int64(d/time.Second), int64(d%time.Second))
		},
		"uptime": func(goja.FunctionCall) goja.Value { return rt.ToValue(time.Since(start).Seconds()) },
	})
	info := map[string]any{
		"version": version, "goVersion": strings.TrimPrefix(goruntime.Version(), "go"),
		"platform": goruntime.GOOS, "arch": arch, "pid": os.Getpid(), "cwd": cwd,
	}
	return jsmod.Call(vm, program(), env, info, natives)
}

var program = jsmod.Program("process", `(function (env, info, native) {
	"use strict";
	function hrtime(prev) {
		var t = native.hrtime();
		if (prev === undefined) return t;
		var s = t[0] - prev[0], ns = t[1] - prev[1];
		if (ns < 0) { s--; ns += 1e9; }
		return [s, ns];
	}
	hrtime.bigint = function bigint() { var t = native.hrtime(); return BigInt(t[0]) * 1000000000n + BigInt(t[1]); };
	var process = {
		title: "dirigo",
		env: env,
		argv: ["dirigo"],
		execArgv: [],
		version: "v0.0.0",
		versions: { dirigo: info.version, go: info.goVersion },
		release: { name: "dirigo" },
		platform: info.platform,
		arch: info.arch,
		pid: info.pid,
		cwd: function cwd() { return info.cwd; },
		uptime: function uptime() { return native.uptime(); },
		hrtime: hrtime,
		nextTick: function nextTick(fn) {
			if (typeof fn !== "function") throw new TypeError("The \"callback\" argument must be of type function");
			var args = Array.prototype.slice.call(arguments, 1);
			queueMicrotask(function () { Reflect.apply(fn, undefined, args); });
		},
		emitWarning: function emitWarning(warning) { console.warn(String(warning && warning.message || warning)); },
		// There is no process life cycle for scripts to follow: listeners are
		// not kept.
		on: function on() { return this; },
		once: function once() { return this; },
		off: function off() { return this; },
		addListener: function addListener() { return this; },
		removeListener: function removeListener() { return this; },
		removeAllListeners: function removeAllListeners() { return this; },
		emit: function emit() { return false; },
		listeners: function listeners() { return []; },
		listenerCount: function listenerCount() { return 0; },
	};
	Object.defineProperty(process, Symbol.toStringTag, { value: "process", configurable: true });
	return process;
})`)
