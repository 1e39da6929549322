// Package sdkhttp provides Dirigible's sdk/http index module: the request,
// response, session, upload and HTTP client classes under both their export
// names, the rs, decorators and asyncClient namespaces, and the decorators
// themselves.
package sdkhttp

import (
	"fmt"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/runtime"
)

// Module returns the sdk/http index under name. It re-exports the modules
// registered as sdk/http/request, sdk/http/response and sdk/http/session, so
// `import { session } from "sdk/http"` and `import { Session } from
// "sdk/http/session"` are the same object.
func Module(name string) runtime.Module {
	return runtime.Module{Name: name, Load: load}
}

func load(vm *runtime.VM) (goja.Value, error) {
	o := vm.Runtime().NewObject()
	for _, m := range []struct{ module, lower, class string }{
		{"sdk/http/request", "request", "Request"},
		{"sdk/http/response", "response", "Response"},
		{"sdk/http/session", "session", "Session"},
		{"sdk/http/upload", "upload", "Upload"},
		{"sdk/http/client", "client", "HttpClient"},
	} {
		v, err := vm.Require(m.module)
		if err != nil {
			return nil, fmt.Errorf("sdk/http: %w", err)
		}
		_ = o.Set(m.lower, v)
		_ = o.Set(m.class, v)
	}
	// The REST framework: rs and decorators as namespaces, and the
	// decorators (Controller, Get, ...) flat; the async HTTP client.
	for _, m := range []struct{ module, name string }{
		{"sdk/http/rs", "rs"},
		{"sdk/http/decorators", "decorators"},
		{"sdk/http/client-async", "asyncClient"},
	} {
		v, err := vm.Require(m.module)
		if err != nil {
			return nil, fmt.Errorf("sdk/http: %w", err)
		}
		_ = o.Set(m.name, v)
	}
	decorators := o.Get("decorators").ToObject(vm.Runtime())
	for _, k := range decorators.Keys() {
		_ = o.Set(k, decorators.Get(k))
	}
	return o, nil
}
