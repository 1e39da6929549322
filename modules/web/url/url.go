// Package url is Node's url module and the globals URL and URLSearchParams,
// from goja_nodejs's url (Go's net/url underneath). Where it differs from
// WHATWG URL (the README lists the known cases) is goja_nodejs's behaviour.
package url

import (
	"github.com/dop251/goja"
	nodeurl "github.com/dop251/goja_nodejs/url"

	"github.com/dirigo/dirigo/modules/internal/jsmod"
	"github.com/dirigo/dirigo/runtime"
)

// Modules are url, node:url and the globals URL and URLSearchParams.
var Modules = []runtime.Module{
	{Name: "url", Load: load},
	{Name: "node:url", Load: func(vm *runtime.VM) (goja.Value, error) { return vm.Require("url") }},
	{Global: "URL", Load: func(vm *runtime.VM) (goja.Value, error) { return export(vm, "URL") }},
	{Global: "URLSearchParams", Load: func(vm *runtime.VM) (goja.Value, error) { return export(vm, "URLSearchParams") }},
}

func export(vm *runtime.VM, name string) (goja.Value, error) {
	m, err := vm.Require("url")
	if err != nil {
		return nil, err
	}
	return m.ToObject(vm.Runtime()).Get(name), nil
}

func load(vm *runtime.VM) (goja.Value, error) {
	rt := vm.Runtime()
	module := rt.NewObject()
	var exports goja.Value = rt.NewObject()
	_ = module.Set("exports", exports)
	nodeurl.Require(rt, module)
	tidy, err := jsmod.Tidy(vm, exports)
	if err != nil {
		return nil, err
	}
	exports, err = jsmod.Call(vm, searchParams(), tidy)
	if err != nil {
		return nil, err
	}
	// The iterators of URLSearchParams share a prototype of goja_nodejs's
	// that no export reaches: frozen here.
	sp, err := rt.New(exports.ToObject(rt).Get("URLSearchParams"))
	if err != nil {
		return nil, err
	}
	entries, _ := goja.AssertFunction(sp.Get("entries"))
	it, err := entries(sp)
	if err != nil {
		return nil, err
	}
	if err := vm.Harden(it.ToObject(rt).Prototype()); err != nil {
		return nil, err
	}
	return exports, nil
}

// searchParams gives the URLSearchParams a URL makes (goja_nodejs makes
// them with its own prototype, which Tidy replaced) the exported prototype.
var searchParams = jsmod.Program("url", `(function (exports) {
	"use strict";
	var P = exports.URLSearchParams.prototype, d = Object.getOwnPropertyDescriptor(exports.URL.prototype, "searchParams");
	var get = d.get, getProto = Object.getPrototypeOf, setProto = Object.setPrototypeOf;
	d.get = Object.getOwnPropertyDescriptor({ get searchParams() {
		var sp = Reflect.apply(get, this, []);
		if (getProto(sp) !== P) setProto(sp, P);
		return sp;
	} }, "searchParams").get;
	Object.defineProperty(exports.URL.prototype, "searchParams", d);
	// goja_nodejs's href does not apply the changes made through
	// searchParams; reading search does.
	var hd = Object.getOwnPropertyDescriptor(exports.URL.prototype, "href"), href = hd.get;
	hd.get = Object.getOwnPropertyDescriptor({ get href() {
		Reflect.apply(Object.getOwnPropertyDescriptor(exports.URL.prototype, "search").get, this, []);
		return Reflect.apply(href, this, []);
	} }, "href").get;
	Object.defineProperty(exports.URL.prototype, "href", hd);
	return exports;
})`)
