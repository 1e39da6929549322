// Package rs provides Dirigible's REST service modules: http/rs (the fluent
// HttpController API: service, resource, get/post/put/delete, consumes,
// produces, before/serve/catch/finally), http/rs-data (a DAO-backed data
// service on top of it) and the sdk/http decorators (@Controller, @Get, ...)
// that build on it.
//
// The modules are written in JavaScript (rs.js, rsdata.js, decorators.js):
// they are a web of small objects, callbacks and method chaining that
// scripts extend (rs-data subclasses HttpController), which JavaScript
// expresses directly. Each source is compiled once per server and run once
// per VM; its exports are frozen like every module's. Route matching, the
// part that runs per request over every route, is Go: path templates are
// compiled once (to a regexp with path-to-regexp 6.2.1's semantics) and
// cached for every VM.
package rs

import (
	_ "embed"
	"fmt"
	"log/slog"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/dirigible"
	"github.com/dirigo/dirigo/runtime"
)

var (
	//go:embed rs.js
	rsSource string
	//go:embed rsdata.js
	rsDataSource string
	//go:embed decorators.js
	decoratorsSource string
)

// Shared is what the rs modules of a server share: their compiled
// JavaScript and the cache of compiled route templates. It is safe for
// concurrent use by every VM.
type Shared struct {
	rs, rsData, decorators *goja.Program
	templates              *Templates
}

// NewShared compiles the modules' JavaScript.
func NewShared() *Shared {
	return &Shared{
		rs:         goja.MustCompile("dirigo:http/rs.js", rsSource, true),
		rsData:     goja.MustCompile("dirigo:http/rs-data.js", rsDataSource, true),
		decorators: goja.MustCompile("dirigo:http/decorators.js", decoratorsSource, true),
		templates:  NewTemplates(),
	}
}

// flavorModules names the request and response modules an rs module of
// flavor f works on by default.
func flavorModules(f dirigible.Flavor) (request, response string) {
	if f == dirigible.Current {
		return "sdk/http/request", "sdk/http/response"
	}
	return "http/request", "http/response"
}

// Module returns the rs module under name, in flavor f (which request and
// response objects it hands to handlers).
func (s *Shared) Module(name string, f dirigible.Flavor) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) {
		reqName, respName := flavorModules(f)
		req, err := vm.Require(reqName)
		if err != nil {
			return nil, err
		}
		resp, err := vm.Require(respName)
		if err != nil {
			return nil, err
		}
		return s.run(vm, s.rs, s.native(vm), req, resp)
	}}
}

// DataModule returns the rs-data module under name, built on the rs module
// registered as rsName.
func (s *Shared) DataModule(name, rsName string) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) {
		rsv, err := vm.Require(rsName)
		if err != nil {
			return nil, err
		}
		return s.run(vm, s.rsData, rsv, s.native(vm))
	}}
}

// DecoratorsModule returns the decorators module under name, built on the
// rs module registered as rsName.
func (s *Shared) DecoratorsModule(name, rsName string) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) {
		rsv, err := vm.Require(rsName)
		if err != nil {
			return nil, err
		}
		return s.run(vm, s.decorators, rsv)
	}}
}

// run runs a module program (a function expression) and calls it with args.
func (s *Shared) run(vm *runtime.VM, prog *goja.Program, args ...goja.Value) (goja.Value, error) {
	fv, err := vm.Runtime().RunProgram(prog)
	if err != nil {
		return nil, err
	}
	fn, ok := goja.AssertFunction(fv)
	if !ok {
		return nil, fmt.Errorf("rs: a module program did not evaluate to a function")
	}
	return fn(goja.Undefined(), args...)
}

// native returns the Go helpers of the JavaScript: match(template, path)
// gives null or [the number of parameters, the parameters] and throws a
// TypeError for a bad template; log(level, message) logs for the request.
func (s *Shared) native(vm *runtime.VM) goja.Value {
	rt := vm.Runtime()
	o := rt.NewObject()
	dirigible.Set(o, "match", func(c goja.FunctionCall) goja.Value {
		t, err := s.templates.get(c.Argument(0).String())
		if err != nil {
			panic(rt.NewTypeError("%s", err.Error()))
		}
		vals, ok := t.match(c.Argument(1).String())
		if !ok {
			return goja.Null()
		}
		p := rt.CreateObject(nil) // no prototype, as path-to-regexp's
		for _, v := range vals {
			if v.repeated {
				segs := make([]any, len(v.segments))
				for i, s := range v.segments {
					segs[i] = s
				}
				_ = p.Set(v.name, rt.NewArray(segs...))
			} else {
				_ = p.Set(v.name, v.value)
			}
		}
		return rt.NewArray(len(t.keys), p)
	})
	// view is the request's own view of a module object (what the script
	// gets from require), so handlers see the same request and response.
	dirigible.Set(o, "view", func(c goja.FunctionCall) goja.Value { return vm.View(c.Argument(0)) })
	dirigible.Set(o, "log", func(c goja.FunctionCall) goja.Value {
		call := vm.Call()
		if call == nil {
			return goja.Undefined()
		}
		level := slog.LevelInfo
		switch c.Argument(0).String() {
		case "error":
			level = slog.LevelError
		case "warn":
			level = slog.LevelWarn
		}
		call.Logger().Log(call.Context(), level, c.Argument(1).String(), "module", "http/rs")
		return goja.Undefined()
	})
	return o
}
