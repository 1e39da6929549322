// Package modules lists the JavaScript modules dirigo serves to scripts. It
// is the one place a module is registered.
package modules

import (
	"strings"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/core"
	"github.com/dirigo/dirigo/modules/dirigible"
	"github.com/dirigo/dirigo/modules/fetch"
	httpclient "github.com/dirigo/dirigo/modules/http/client"
	"github.com/dirigo/dirigo/modules/http/request"
	"github.com/dirigo/dirigo/modules/http/response"
	"github.com/dirigo/dirigo/modules/http/rs"
	"github.com/dirigo/dirigo/modules/http/session"
	"github.com/dirigo/dirigo/modules/http/upload"
	"github.com/dirigo/dirigo/modules/node/buffer"
	"github.com/dirigo/dirigo/modules/node/crypto"
	"github.com/dirigo/dirigo/modules/node/events"
	"github.com/dirigo/dirigo/modules/node/process"
	"github.com/dirigo/dirigo/modules/node/util"
	"github.com/dirigo/dirigo/modules/sdkhttp"
	"github.com/dirigo/dirigo/modules/security"
	"github.com/dirigo/dirigo/modules/titanium"
	"github.com/dirigo/dirigo/modules/utils"
	"github.com/dirigo/dirigo/modules/voltmx"
	"github.com/dirigo/dirigo/modules/web/base64"
	"github.com/dirigo/dirigo/modules/web/clone"
	"github.com/dirigo/dirigo/modules/web/dom"
	"github.com/dirigo/dirigo/modules/web/encoding"
	"github.com/dirigo/dirigo/modules/web/performance"
	"github.com/dirigo/dirigo/modules/web/url"
	"github.com/dirigo/dirigo/modules/web/webcrypto"
	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/client"
)

// Config configures the built-in modules. The zero value is ready to use.
type Config struct {
	// Client makes the outbound HTTP requests of scripts (fetch,
	// http/client), under its policy. Nil means a client with the default
	// configuration (client.Config{}).
	Client *client.Client
	// Configurations backs core/configurations (a server's configuration
	// file, see --config); nil: the environment and no file.
	Configurations *core.Configurations
}

// Builtin returns every module scripts can require or import, under every
// name Dirigible has given it, and the globals they add.
func Builtin(cfg Config) []runtime.Module {
	if cfg.Client == nil {
		cfg.Client = client.New(client.Config{})
	}
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
	// Outbound HTTP: the WHATWG fetch globals and Dirigible's clients.
	mods = append(mods, fetch.Modules(cfg.Client)...)
	mods = append(mods,
		httpclient.Module("sdk/http/client", dirigible.Current, cfg.Client),
		alias("@aerokit/sdk/http/client", "sdk/http/client"),
		httpclient.Module("http/client", dirigible.V4, cfg.Client),
		alias("http/v4/client", "http/client"),
		alias("http/v3/client", "http/client"),
		alias("net/http/client", "http/client"),
		httpclient.AsyncModule("http/client-async", cfg.Client),
		alias("sdk/http/client-async", "http/client-async"),
		alias("@aerokit/sdk/http/client-async", "http/client-async"),
		alias("http/clientAsync", "http/client-async"),
		alias("http/v4/clientAsync", "http/client-async"),
		alias("http/v3/clientAsync", "http/client-async"),
	)
	// Client sessions: Titanium's URLSession (and Ti.App.iOS events) and
	// Volt MX's voltmx.net.HttpRequest.
	mods = append(mods, titanium.Modules(cfg.Client)...)
	mods = append(mods, voltmx.Modules(cfg.Client)...)
	mods = append(mods, dirigibleApps(cfg.Configurations)...)
	mods = append(mods, securityModules()...)
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
	// Last, so that everything above also answers to @dirigible/….
	mods = append(mods, dirigibleESM(mods)...)
	return mods
}

// dirigibleApps returns the rest of what real Dirigible applications use:
// the REST framework (rs, rs-data, decorators), uploads, the utilities and
// the configuration (configs; nil: the environment only).
func dirigibleApps(configs *core.Configurations) []runtime.Module {
	shared := rs.NewShared()
	mods := []runtime.Module{
		shared.Module("sdk/http/rs", dirigible.Current),
		alias("@aerokit/sdk/http/rs", "sdk/http/rs"),
		shared.DecoratorsModule("sdk/http/decorators", "sdk/http/rs"),
		alias("@aerokit/sdk/http/decorators", "sdk/http/decorators"),
		shared.DecoratorsModule("http/rs/decorators", "http/rs"), // 8.x
	}
	for _, prefix := range []string{"http/", "http/v4/", "http/v3/"} {
		mods = append(mods,
			shared.Module(prefix+"rs", dirigible.V4),
			shared.DataModule(prefix+"rs-data", prefix+"rs"),
			upload.Module(prefix+"upload", dirigible.V4, upload.Options{}),
		)
	}
	mods = append(mods,
		upload.Module("sdk/http/upload", dirigible.Current, upload.Options{}),
		alias("@aerokit/sdk/http/upload", "sdk/http/upload"),
		upload.Module("net/http/upload", dirigible.V2, upload.Options{}),
	)
	// The utilities: utils/base64, utils/v4/base64, sdk/utils/base64, ...,
	// and the sdk/utils index.
	for _, prefix := range []string{"utils/", "utils/v4/", "utils/v3/", "sdk/utils/"} {
		mods = append(mods, utils.Modules(prefix)...)
	}
	for _, m := range utils.Modules("@aerokit/sdk/utils/") {
		mods = append(mods, alias(m.Name, strings.TrimPrefix(m.Name, "@aerokit/")))
	}
	mods = append(mods,
		utils.Index("sdk/utils", "sdk/utils/"),
		alias("@aerokit/sdk/utils", "sdk/utils"),
	)
	// The configuration: core/configurations and core/env.
	if configs == nil {
		var err error
		configs, err = core.NewConfigurations(core.Options{})
		if err != nil { // only a configuration file can fail, and there is none
			panic(err)
		}
	}
	for _, prefix := range []string{"core/", "core/v4/", "core/v3/"} {
		mods = append(mods,
			configs.Module(prefix+"configurations", dirigible.V4),
			core.EnvModule(prefix+"env", dirigible.V4, nil),
		)
	}
	mods = append(mods,
		configs.Module("sdk/core/configurations", dirigible.Current),
		core.EnvModule("sdk/core/env", dirigible.Current, nil),
		core.Index("sdk/core", "sdk/core/"),
		alias("@aerokit/sdk/core/configurations", "sdk/core/configurations"),
		alias("@aerokit/sdk/core/env", "sdk/core/env"),
		alias("@aerokit/sdk/core", "sdk/core"),
	)
	return mods
}

// dirigibleESM serves sdk/http, sdk/security, sdk/core and sdk/utils and
// their sub-paths also as @dirigible/http…, @dirigible/security…, …, the
// ES module names of Dirigible 9.x (the same objects).
func dirigibleESM(mods []runtime.Module) []runtime.Module {
	var out []runtime.Module
	for _, m := range mods {
		for _, family := range []string{"http", "security", "core", "utils"} {
			if rest, ok := strings.CutPrefix(m.Name, "sdk/"+family); ok && (rest == "" || rest[0] == '/') {
				out = append(out, alias("@dirigible/"+family+rest, m.Name))
			}
		}
	}
	return out
}

// pageGlobal binds the module target to a global name in server pages.
func pageGlobal(name, target string) runtime.Module {
	return runtime.Module{Page: name, Load: func(vm *runtime.VM) (goja.Value, error) { return vm.Require(target) }}
}

// alias serves the module target under a second name (the same object).
func alias(name, target string) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) { return vm.Require(target) }}
}

// securityModules returns Dirigible's security user module under its
// names: who the request is authenticated as (see runtime.Auth).
func securityModules() []runtime.Module {
	return []runtime.Module{
		security.Module("security/user", dirigible.V4),
		security.Module("security/v4/user", dirigible.V4),
		security.Module("security/v3/user", dirigible.V4),
		security.Module("net/http/user", dirigible.V2),
		security.Module("sdk/security/user", dirigible.Current),
		security.Index("sdk/security", "sdk/security/user"),
		alias("@aerokit/sdk/security/user", "sdk/security/user"),
		alias("@aerokit/sdk/security", "sdk/security"),
	}
}
