package client

import (
	"context"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/dirigible"
	"github.com/dirigo/dirigo/runtime"
	core "github.com/dirigo/dirigo/runtime/client"
)

// AsyncModule returns Dirigible's asynchronous client under name. Its
// getInstance() (also getInstnace(), the misspelt factory of http/v4/clientAsync)
// returns a new client with its own queue (Dirigible's is one queue shared
// by every script, a hazard not copied).
func AsyncModule(name string, c *core.Client) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) {
		rt := vm.Runtime()
		h := &handler{vm: vm, rt: rt, client: c, flavor: dirigible.V4}
		o := rt.NewObject()
		factory := func(goja.FunctionCall) goja.Value { return h.newAsync() }
		dirigible.Set(o, "getInstance", factory)
		dirigible.Set(o, "getInstnace", factory)
		return o, nil
	}}
}

// queued is a request waiting for execute() with its callbacks.
type queued struct {
	p                      *prepared
	success, fail, cancel_ goja.Callable
}

// newAsync makes one HttpAsyncClient.
func (h *handler) newAsync() goja.Value {
	rt := h.rt
	o := rt.NewObject()
	var queue []*queued
	for _, m := range methods {
		if m.js == "del" {
			continue
		}
		method := m.method
		dirigible.Set(o, m.js+"Async", func(call goja.FunctionCall) goja.Value {
			q := &queued{p: h.prepare(method, call.Argument(0), call.Argument(2), false)}
			cfg, ok := call.Argument(1).(*goja.Object)
			if !ok {
				h.throw("%sAsync: the second argument must be {success, error, cancel}", m.js)
			}
			q.success = h.callback(cfg, "success")
			q.fail = h.callback(cfg, "error")
			q.cancel_ = h.callback(cfg, "cancel")
			queue = append(queue, q)
			return goja.Undefined()
		})
	}
	dirigible.Set(o, "execute", func(goja.FunctionCall) goja.Value {
		run := queue
		queue = nil
		h.execute(run)
		return goja.Undefined()
	})
	return o
}

// callback returns config[name] as a function: a function, or the source
// text of one (Dirigible's callbacks are strings). Absent is nil.
func (h *handler) callback(cfg *goja.Object, name string) goja.Callable {
	v := cfg.Get(name)
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil
	}
	if fn, ok := goja.AssertFunction(v); ok {
		return fn
	}
	fv, err := h.rt.RunString("(" + v.String() + "\n)")
	if err != nil {
		panic(err)
	}
	fn, ok := goja.AssertFunction(fv)
	if !ok {
		h.throw("the %s callback is not a function", name)
	}
	return fn
}

// execute sends every queued request at once and runs each callback on
// the VM as its request completes; it returns when all have run. The
// first exception a callback throws is rethrown once all are done.
func (h *handler) execute(run []*queued) {
	if len(run) == 0 {
		return
	}
	call := h.vm.Call()
	if call == nil {
		h.throw("http/client-async can only be used while a script runs")
	}
	var first error
	pending := make([]*runtime.Pending, 0, len(run))
	for _, q := range run {
		p, err := h.vm.Async()
		if err != nil {
			panic(h.vm.NewError(err))
		}
		pending = append(pending, p)
		go func() {
			resp, body, err := q.p.send(p.Context(), h.client)
			p.Complete(func() error {
				var cerr error
				switch {
				case err == nil:
					if q.success != nil {
						_, cerr = q.success(goja.Undefined(), h.response(resp, body, q.p, true), q.p.context)
					}
				case core.AsError(err).Kind == core.KindAbort && q.cancel_ != nil && p.Context().Err() == context.Canceled:
					_, cerr = q.cancel_(goja.Undefined())
				case q.fail != nil:
					x := h.failure(err)
					msg := x.Get("message")
					_ = x.Set("getMessage", func(goja.FunctionCall) goja.Value { return msg })
					_, cerr = q.fail(goja.Undefined(), x)
				}
				if cerr != nil && first == nil {
					if _, js := cerr.(*goja.Exception); !js {
						return cerr // uncatchable: the run ends
					}
					first = cerr
				}
				return nil
			})
		}()
	}
	if err := h.vm.Await(pending...); err != nil {
		switch err.(type) {
		case *goja.InterruptedError, *goja.StackOverflowError:
			panic(err) // uncatchable, as it came
		}
		panic(h.vm.NewError(err)) // the run was stopped
	}
	if first != nil {
		panic(first)
	}
}
