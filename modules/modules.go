// Package modules lists the JavaScript modules dirigo serves to scripts. It
// is the one place a module is registered.
package modules

import (
	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/dirigible"
	"github.com/dirigo/dirigo/modules/http/request"
	"github.com/dirigo/dirigo/modules/http/response"
	"github.com/dirigo/dirigo/modules/http/session"
	"github.com/dirigo/dirigo/modules/node/buffer"
	"github.com/dirigo/dirigo/modules/node/crypto"
	"github.com/dirigo/dirigo/modules/node/events"
	"github.com/dirigo/dirigo/modules/node/process"
	"github.com/dirigo/dirigo/modules/node/util"
	"github.com/dirigo/dirigo/modules/sdkhttp"
	"github.com/dirigo/dirigo/modules/web/base64"
	"github.com/dirigo/dirigo/modules/web/clone"
	"github.com/dirigo/dirigo/modules/web/dom"
	"github.com/dirigo/dirigo/modules/web/encoding"
	"github.com/dirigo/dirigo/modules/web/performance"
	"github.com/dirigo/dirigo/modules/web/url"
	"github.com/dirigo/dirigo/modules/web/webcrypto"
	"github.com/dirigo/dirigo/runtime"
)

// Builtin returns every module scripts can require or import, under every
// name Dirigible has given it, and the globals they add.
func Builtin() []runtime.Module {
	mods := []runtime.Module{
		// Dirigible 10+ (ESM), also under the @aerokit/ scope of 12.44+.
		sdkhttp.Module("sdk/http"),
		sdkhttp.Module("@aerokit/sdk/http"),
		// PROIV Active Web.
		session.CreateSession,
	}
	mods = append(mods,
		request.Module("sdk/http/request", dirigible.Current),
		response.Module("sdk/http/response", dirigible.Current),
		session.Module("sdk/http/session", dirigible.Current),
		alias("@aerokit/sdk/http/request", "sdk/http/request"),
		alias("@aerokit/sdk/http/response", "sdk/http/response"),
		alias("@aerokit/sdk/http/session", "sdk/http/session"),
	)
	// Dirigible 3.x–9.x CommonJS: http/v4/*, its http/* aliases and http/v3/*.
	for _, prefix := range []string{"http/", "http/v4/", "http/v3/"} {
		mods = append(mods,
			request.Module(prefix+"request", dirigible.V4),
			response.Module(prefix+"response", dirigible.V4),
			session.Module(prefix+"session", dirigible.V4),
		)
	}
	// Dirigible 2.x.
	mods = append(mods,
		request.Module("net/http/request", dirigible.V2),
		response.Module("net/http/response", dirigible.V2),
		session.Module("net/http/session", dirigible.V2),
	)
	// PROIV Active Web server pages: request, response and session are
	// globals there, in the v4 flavour.
	mods = append(mods,
		pageGlobal("request", "http/v4/request"),
		pageGlobal("response", "http/v4/response"),
		pageGlobal("session", "http/v4/session"),
	)
	// The Web platform and Node's core modules (each global is loaded on
	// its first use), every Node name also under node:.
	mods = append(mods, dom.Module, clone.Global, performance.Global)
	mods = append(mods, encoding.Globals...)
	mods = append(mods, base64.Globals...)
	mods = append(mods, webcrypto.Globals...)
	mods = append(mods, url.Modules...)
	mods = append(mods, buffer.Modules...)
	mods = append(mods, util.Modules...)
	mods = append(mods, events.Modules...)
	mods = append(mods, crypto.Modules...)
	mods = append(mods, process.Modules...)
	return mods
}

// pageGlobal binds the module target to a global name in server pages.
func pageGlobal(name, target string) runtime.Module {
	return runtime.Module{Page: name, Load: func(vm *runtime.VM) (goja.Value, error) { return vm.Require(target) }}
}

// alias serves the module target under a second name (the same object).
func alias(name, target string) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) { return vm.Require(target) }}
}
