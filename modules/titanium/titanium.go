// Package titanium gives scripts Titanium's URLSession module
// (require("com.appcelerator.urlSession"), ti.urlsession 4.x) and the
// Ti.App.iOS events it fires, over the outbound client core
// (runtime/client), with the server extensions of DESIGN §7.3:
//
//   - createSessionConfiguration({identifier, HTTPHeaderFields, type,
//     listener, timeoutIntervalForRequest, timeoutIntervalForResource}):
//     type is "background" (Titanium's only kind, the default), "default"
//     or "ephemeral"; listener is a script path under the root whose
//     default export is called in a fresh pooled VM with each event of a
//     background session that no request listens to ([Deliver]);
//   - createSession({configuration}) returns the live session of an
//     identifier that exists (in this process or in the store);
//   - session.getTask(id) returns a task's snapshot, kept for the
//     retention time, also from a later request or another process;
//   - urlSession.addEventListener is Ti.App.iOS.addEventListener;
//   - urlSession.readFile(path[, "utf8"]) reads a download's file.
//
// The events — uploadprogress, downloadprogress, downloadcompleted,
// sessioncompleted, sessioneventscompleted — carry Titanium's payload
// fields; HTTP 4xx and 5xx are success, a cancelled task has errorCode
// -999. A request's listeners are called on its own VM, in order per
// task. Tasks of default and ephemeral sessions are the request's pending
// work: it ends when they have completed (bounded by its deadline), and an
// ephemeral session ends with the request. Background tasks outlive the
// request; a request that listens (it added a listener before starting
// them) waits for the ones it started, and the events that arrive when no
// request listens go to the session's listener script.
package titanium

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/dirigible"
	"github.com/dirigo/dirigo/modules/internal/transfer"
	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/client"
)

// Name is the module's require name.
const Name = "com.appcelerator.urlSession"

// Modules returns the URLSession module and the Ti (and Titanium) global
// whose App.iOS.addEventListener registers the module's listeners. Their
// sessions and tasks are c's.
func Modules(c *client.Client) []runtime.Module {
	return []runtime.Module{
		{Name: Name, Load: func(vm *runtime.VM) (goja.Value, error) { return load(vm, c), nil }},
		{Global: "Ti", Load: loadTi},
		{Global: "Titanium", Load: loadTi},
	}
}

// tiKey is the key of a VM's Ti object (VM.Shared).
type tiKey struct{}

// loadTi returns Ti (also Titanium): an object whose App.iOS has the
// module's addEventListener and removeEventListener.
func loadTi(vm *runtime.VM) (goja.Value, error) {
	return vm.Shared(tiKey{}, func() (goja.Value, error) { return makeTi(vm) })
}

func makeTi(vm *runtime.VM) (goja.Value, error) {
	mod, err := vm.Require(Name)
	if err != nil {
		return nil, err
	}
	rt := vm.Runtime()
	m := mod.(*goja.Object)
	ios := rt.NewObject()
	_ = ios.Set("addEventListener", m.Get("addEventListener"))
	_ = ios.Set("removeEventListener", m.Get("removeEventListener"))
	app := rt.NewObject()
	_ = app.Set("iOS", ios)
	ti := rt.NewObject()
	_ = ti.Set("App", app)
	return ti, nil
}

// module is the Go side of the module on one VM.
type module struct {
	b      *transfer.Bridge
	vm     *runtime.VM
	rt     *goja.Runtime
	proto  *goja.Object  // of session objects
	freeze goja.Callable // Object.freeze
}

// reqState is what the module keeps for the request in progress.
type reqState struct {
	tr        *transfer.Request
	listeners map[string][]goja.Value
	// background sessions the request obtained, and whether it attached.
	sessions []*session
	attached map[*client.Session]bool
	// awaited are the background tasks the request waits for.
	awaited map[taskKey]bool
	// objects are the request's session objects.
	objects map[*goja.Object]*session
}

type taskKey struct {
	session string
	id      int64
}

// session is one JS session object's Go side.
type session struct {
	s    *client.Session
	conf goja.Value
}

type stateKey struct{}

func load(vm *runtime.VM, c *client.Client) goja.Value {
	m := &module{b: transfer.New(vm, c), vm: vm, rt: vm.Runtime()}
	freeze, _ := goja.AssertFunction(vm.Intrinsic("Object").ToObject(m.rt).Get("freeze"))
	m.freeze = freeze
	m.proto = m.sessionProto()
	o := m.rt.NewObject()
	_ = o.Set("Session", m.proto) // frozen with the exports
	set := func(name string, fn func(goja.FunctionCall) goja.Value) { dirigible.Set(o, name, fn) }
	set("createSessionConfiguration", func(call goja.FunctionCall) goja.Value {
		return m.createConfiguration(call.Argument(0))
	})
	set("createSession", func(call goja.FunctionCall) goja.Value { return m.createSession(call.Argument(0)) })
	set("addEventListener", func(call goja.FunctionCall) goja.Value {
		m.addListener(call.Argument(0).String(), call.Argument(1))
		return goja.Undefined()
	})
	set("removeEventListener", func(call goja.FunctionCall) goja.Value {
		m.removeListener(call.Argument(0).String(), call.Argument(1))
		return goja.Undefined()
	})
	set("readFile", m.readFile)
	// The deprecated module functions (module 2.1.0 / SDK 6.1.0).
	set("createURLSessionBackgroundConfiguration", func(call goja.FunctionCall) goja.Value {
		m.deprecated("createURLSessionBackgroundConfiguration", "createSessionConfiguration")
		cfg := m.rt.NewObject()
		_ = cfg.Set("identifier", call.Argument(0))
		return m.createConfiguration(cfg)
	})
	set("createURLSession", func(call goja.FunctionCall) goja.Value {
		m.deprecated("createURLSession", "createSession")
		return m.createSession(call.Argument(0))
	})
	set("backgroundDownloadTaskWithURL", func(call goja.FunctionCall) goja.Value {
		m.deprecated("backgroundDownloadTaskWithURL", "session.downloadTask")
		args := m.rt.NewObject()
		_ = args.Set("url", call.Argument(1))
		return m.callMethod(call.Argument(0), "downloadTask", args)
	})
	set("finishTasksAndInvalidate", func(call goja.FunctionCall) goja.Value {
		m.deprecated("finishTasksAndInvalidate(session)", "session.finishTasksAndInvalidate")
		return m.callMethod(call.Argument(0), "finishTasksAndInvalidate", nil)
	})
	set("invalidateAndCancel", func(call goja.FunctionCall) goja.Value {
		m.deprecated("invalidateAndCancel(session)", "session.invalidateAndCancel")
		return m.callMethod(call.Argument(0), "invalidateAndCancel", nil)
	})
	return o
}

// state returns the module's state for the request in progress.
func (m *module) state() *reqState {
	tr := m.b.Request()
	return tr.Value(stateKey{}, func() any {
		return &reqState{tr: tr}
	}).(*reqState)
}

func (m *module) throw(format string, args ...any) {
	panic(m.vm.NewError(fmt.Errorf(format, args...)))
}

func (m *module) typeError(format string, args ...any) {
	panic(m.rt.NewTypeError(fmt.Sprintf(format, args...)))
}

func (m *module) logger() interface {
	Warn(string, ...any)
	Error(string, ...any)
} {
	if c := m.vm.Call(); c != nil {
		return c.Logger()
	}
	return noLog{}
}

type noLog struct{}

func (noLog) Warn(string, ...any)  {}
func (noLog) Error(string, ...any) {}

func (m *module) deprecated(old, repl string) {
	m.logger().Warn("urlSession: "+old+" is deprecated; use "+repl, "module", Name)
}

// callMethod calls obj[name](arg) (the deprecated module functions).
func (m *module) callMethod(obj goja.Value, name string, arg goja.Value) goja.Value {
	o, ok := obj.(*goja.Object)
	if !ok {
		m.typeError("the first argument must be a session")
	}
	fn, ok := goja.AssertFunction(o.Get(name))
	if !ok {
		m.typeError("the first argument must be a session")
	}
	var args []goja.Value
	if arg != nil {
		args = append(args, arg)
	}
	v, err := fn(o, args...)
	if err != nil {
		panic(err)
	}
	return v
}

// optString returns o[name] as a string, "" when absent.
func (m *module) optString(o *goja.Object, name string) string {
	v := o.Get(name)
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return ""
	}
	if _, ok := v.Export().(string); !ok {
		m.typeError("%s must be a string", name)
	}
	return v.String()
}

// createConfiguration checks the options and returns a frozen
// configuration object.
func (m *module) createConfiguration(arg goja.Value) goja.Value {
	rt := m.rt
	o, ok := arg.(*goja.Object)
	if !ok {
		m.typeError("createSessionConfiguration: the argument must be an object {identifier, HTTPHeaderFields}")
	}
	kind := client.Background
	if t := m.optString(o, "type"); t != "" {
		k, err := client.ParseSessionKind(t)
		if err != nil {
			m.typeError("createSessionConfiguration: type must be \"background\", \"default\" or \"ephemeral\", not %q", t)
		}
		kind = k
	}
	id := m.optString(o, "identifier")
	if id == "" && kind != client.Ephemeral {
		m.typeError("createSessionConfiguration: identifier is required")
	}
	cfg := rt.NewObject()
	_ = cfg.Set("identifier", id)
	headers := rt.NewObject()
	if hv := o.Get("HTTPHeaderFields"); hv != nil && !goja.IsUndefined(hv) && !goja.IsNull(hv) {
		ho, ok := hv.(*goja.Object)
		if !ok {
			m.typeError("createSessionConfiguration: HTTPHeaderFields must be an object of strings")
		}
		for _, k := range ho.Keys() {
			v := ho.Get(k)
			if _, ok := v.Export().(string); !ok {
				m.typeError("createSessionConfiguration: HTTPHeaderFields.%s must be a string", k)
			}
			_ = headers.Set(k, v)
		}
	}
	_ = cfg.Set("HTTPHeaderFields", headers)
	_ = cfg.Set("type", kind.String())
	listener := m.optString(o, "listener")
	if listener != "" {
		l, err := m.listenerPath(listener)
		if err != nil {
			m.typeError("createSessionConfiguration: listener: %v", err)
		}
		listener = l
		_ = cfg.Set("listener", listener)
	} else {
		_ = cfg.Set("listener", goja.Null())
	}
	for _, name := range []string{"timeoutIntervalForRequest", "timeoutIntervalForResource"} {
		if v := o.Get(name); v != nil && !goja.IsUndefined(v) && !goja.IsNull(v) {
			_ = cfg.Set(name, v.ToFloat())
		}
	}
	if _, err := m.freeze(goja.Undefined(), headers); err != nil {
		panic(err)
	}
	if _, err := m.freeze(goja.Undefined(), cfg); err != nil {
		panic(err)
	}
	return cfg
}

// listenerPath checks a listener script path: a file under the root.
func (m *module) listenerPath(p string) (string, error) {
	clean := path.Clean("/" + strings.ReplaceAll(p, "\\", "/"))[1:]
	if clean == "" || clean == "." {
		return "", errors.New("empty path")
	}
	if _, err := m.vm.ReadFile(clean); err != nil {
		return "", fmt.Errorf("no script %q under the script root", p)
	}
	return clean, nil
}

// sessionConfig reads a configuration object (createSessionConfiguration's,
// or a plain object with its fields).
func (m *module) sessionConfig(o *goja.Object) client.SessionConfig {
	var cfg client.SessionConfig
	cfg.Identifier = m.optString(o, "identifier")
	cfg.Kind = client.Background
	if t := m.optString(o, "type"); t != "" {
		k, err := client.ParseSessionKind(t)
		if err != nil {
			m.typeError("createSession: %v", err)
		}
		cfg.Kind = k
	}
	if cfg.Identifier == "" && cfg.Kind != client.Ephemeral {
		m.typeError("createSession: the configuration has no identifier")
	}
	if l := m.optString(o, "listener"); l != "" {
		p, err := m.listenerPath(l)
		if err != nil {
			m.typeError("createSession: listener: %v", err)
		}
		cfg.Listener = p
	}
	if hv, ok := o.Get("HTTPHeaderFields").(*goja.Object); ok {
		for _, k := range hv.Keys() {
			if cfg.Header == nil {
				cfg.Header = make(map[string][]string)
			}
			cfg.Header[k] = []string{hv.Get(k).String()}
		}
	}
	secs := func(name string) time.Duration {
		v := o.Get(name)
		if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
			return 0
		}
		f := v.ToFloat()
		if f <= 0 {
			return -1
		}
		return time.Duration(f * float64(time.Second))
	}
	cfg.RequestTimeout = secs("timeoutIntervalForRequest")
	cfg.ResourceTimeout = secs("timeoutIntervalForResource")
	return cfg
}

// createSession makes (or joins) the session of a configuration.
func (m *module) createSession(arg goja.Value) goja.Value {
	o, ok := arg.(*goja.Object)
	if !ok {
		m.logger().Error("urlSession.createSession: invalid argument, expected {configuration}", "module", Name)
		return goja.Null()
	}
	conf := o.Get("configuration")
	co, ok := conf.(*goja.Object)
	if !ok {
		if o.Get("identifier") == nil {
			m.logger().Error("urlSession.createSession: invalid argument, expected {configuration}", "module", Name)
			return goja.Null()
		}
		m.deprecated("createSession(configuration)", "createSession({configuration})")
		co, conf = o, o
	}
	cfg := m.sessionConfig(co)
	st := m.state()
	s, err := m.b.Client.NewSession(st.tr.Call().Context(), cfg)
	if err != nil {
		m.b.Throw(err)
	}
	so := &session{s: s, conf: conf}
	switch s.Kind() {
	case client.Ephemeral:
		st.tr.OnEnd(s.InvalidateAndCancel)
	case client.Background:
		st.sessions = append(st.sessions, so)
		if len(st.listeners) > 0 {
			m.attach(st, so)
		}
	}
	return m.sessionObject(so)
}

// sessionObject returns the JS object of a session: an object of the
// request whose prototype (one per VM, frozen with the module) holds the
// methods; they find the session by the object in the request's state.
func (m *module) sessionObject(so *session) *goja.Object {
	st := m.state()
	o := m.rt.NewObject()
	_ = o.SetPrototype(m.proto)
	_ = o.Set("configuration", so.conf)
	_ = o.Set("identifier", so.s.Identifier())
	if st.objects == nil {
		st.objects = make(map[*goja.Object]*session)
	}
	st.objects[o] = so
	return o
}

// self returns the session a method was called on.
func (m *module) self(call goja.FunctionCall) *session {
	if o, ok := call.This.(*goja.Object); ok {
		if so := m.state().objects[o]; so != nil {
			return so
		}
	}
	panic(m.rt.NewTypeError("not a session of this request"))
}

// sessionProto returns the prototype of session objects.
func (m *module) sessionProto() *goja.Object {
	o := m.rt.NewObject()
	set := func(name string, fn func(goja.FunctionCall) goja.Value) { dirigible.Set(o, name, fn) }
	task := func(kind client.TaskKind) func(goja.FunctionCall) goja.Value {
		return func(call goja.FunctionCall) goja.Value { return m.newTask(m.self(call), kind, call.Argument(0)) }
	}
	set("dataTask", task(client.DataTask))
	set("downloadTask", task(client.DownloadTask))
	set("uploadTask", task(client.UploadTask))
	set("finishTasksAndInvalidate", func(call goja.FunctionCall) goja.Value {
		m.self(call).s.FinishTasksAndInvalidate()
		return goja.Undefined()
	})
	set("invalidateAndCancel", func(call goja.FunctionCall) goja.Value {
		m.self(call).s.InvalidateAndCancel()
		return goja.Undefined()
	})
	set("flush", func(call goja.FunctionCall) goja.Value {
		m.completed(call.Argument(0), m.self(call).s.Flush)
		return goja.Undefined()
	})
	set("reset", func(call goja.FunctionCall) goja.Value {
		m.completed(call.Argument(0), m.self(call).s.Reset)
		return goja.Undefined()
	})
	set("getTask", func(call goja.FunctionCall) goja.Value {
		so := m.self(call)
		id := call.Argument(0).ToInteger()
		snap, err := so.s.Snapshot(m.b.Request().Call().Context(), id)
		if errors.Is(err, client.ErrNotFound) {
			return goja.Null()
		}
		if err != nil {
			m.b.Throw(err)
		}
		return m.b.Snapshot(&snap)
	})
	return o
}

// completed runs work (a flush or a reset) off the VM, then calls cb with
// {completed: true} on it.
func (m *module) completed(cb goja.Value, work func(context.Context) error) {
	fn, _ := goja.AssertFunction(cb)
	p, err := m.vm.Async()
	if err != nil {
		panic(m.vm.NewError(err))
	}
	go func() {
		err := work(context.WithoutCancel(p.Context()))
		p.Complete(func() error {
			if err != nil {
				m.logger().Warn("urlSession: flush or reset failed", "err", err)
			}
			if fn == nil {
				return nil
			}
			arg := m.rt.NewObject()
			_ = arg.Set("completed", true)
			_, err := fn(goja.Undefined(), arg)
			return err
		})
	}()
}

// newTask starts a task from Titanium's arguments ({url, method,
// requestHeaders, data}) and returns its identifier.
func (m *module) newTask(so *session, kind client.TaskKind, arg goja.Value) goja.Value {
	st := m.state()
	o, ok := arg.(*goja.Object)
	if !ok {
		m.typeError("the argument must be an object {url, ...}")
	}
	url := m.optString(o, "url")
	if url == "" {
		m.logger().Error("urlSession: the task has no url", "module", Name)
		return goja.Null()
	}
	r := &client.Request{URL: url, Method: "POST"}
	if kind == client.DownloadTask {
		r.Method = "GET"
	}
	if meth := m.optString(o, "method"); meth != "" {
		r.Method = strings.ToUpper(meth)
	}
	if hv := o.Get("requestHeaders"); hv != nil && !goja.IsUndefined(hv) && !goja.IsNull(hv) {
		ho, ok := hv.(*goja.Object)
		if !ok {
			m.typeError("requestHeaders must be an object of strings")
		}
		r.Header = make(map[string][]string, len(ho.Keys()))
		for _, k := range ho.Keys() {
			r.Header.Set(k, ho.Get(k).String())
		}
	}
	if kind != client.DownloadTask {
		m.body(r, kind, o.Get("data"))
	}
	ctx := context.Background()
	var onEvent client.Handler
	waited := false
	switch so.s.Kind() {
	case client.Ephemeral, client.Default:
		// The request's pending work: cancelled when its run ends.
		ctx = st.tr.Call().Context()
		onEvent = st.tr.Handler(func(ev client.Event) { m.dispatch(st, ev, true) })
		waited = true
	case client.Background:
		waited = st.attached[so.s]
	}
	t, err := so.s.NewTask(ctx, kind, r, onEvent)
	if err != nil {
		m.b.Throw(err)
	}
	if waited {
		if so.s.Kind() == client.Background {
			if st.awaited == nil {
				st.awaited = make(map[taskKey]bool)
			}
			st.awaited[taskKey{so.s.Identifier(), t.ID()}] = true
		}
		st.tr.Wait(1)
	}
	return m.rt.ToValue(t.ID())
}

// body sets the request body from Titanium's data: bytes; a string that
// is an absolute path (or file:// URL) of the client folder of the data folder, sent as a
// file (uploads); any other string as UTF-8 text; an object or array as
// JSON (what ti.urlsession's dataTask does).
func (m *module) body(r *client.Request, kind client.TaskKind, v goja.Value) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return
	}
	if b, ok := transfer.ExportBytes(v); ok {
		r.Body = b
		return
	}
	if o, ok := v.(*goja.Object); ok {
		if f := o.Get("file"); f != nil && o.Get("nativePath") != nil { // a download's data blob
			v = f
		} else {
			text, ok := m.vm.JSON(v)
			if !ok {
				m.typeError("data cannot be serialized as JSON")
			}
			r.Body = []byte(text)
			if r.Header.Get("Content-Type") == "" {
				if r.Header == nil {
					r.Header = make(map[string][]string)
				}
				r.Header.Set("Content-Type", "application/json")
			}
			return
		}
	}
	s := v.String()
	if kind == client.UploadTask && (strings.HasPrefix(s, "/") || strings.HasPrefix(s, "file://")) {
		p, err := m.b.DataFile(s)
		if err != nil {
			m.typeError("uploadTask: data: %v", err)
		}
		r.BodyFile = p
		return
	}
	r.Body = []byte(s)
}

// attach makes the request listen to a background session: its events go
// to the request's listeners instead of the session's listener script.
func (m *module) attach(st *reqState, so *session) {
	if st.attached[so.s] {
		return
	}
	if st.attached == nil {
		st.attached = make(map[*client.Session]bool)
	}
	st.attached[so.s] = true
	detach := so.s.Attach(st.tr.Handler(func(ev client.Event) { m.dispatch(st, ev, false) }))
	st.tr.OnEnd(detach)
}

func (m *module) addListener(name string, fn goja.Value) {
	if _, ok := goja.AssertFunction(fn); !ok {
		m.typeError("addEventListener: the listener must be a function")
	}
	st := m.state()
	if st.listeners == nil {
		st.listeners = make(map[string][]goja.Value)
	}
	first := len(st.listeners) == 0
	st.listeners[name] = append(st.listeners[name], fn)
	if first {
		for _, so := range st.sessions {
			m.attach(st, so)
		}
	}
}

func (m *module) removeListener(name string, fn goja.Value) {
	st := m.state()
	list := st.listeners[name]
	for i, f := range list {
		if f.SameAs(fn) {
			st.listeners[name] = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(st.listeners[name]) == 0 {
		delete(st.listeners, name)
	}
}

// dispatch fires the Titanium event of ev on the request's listeners (VM
// goroutine). own is set for events of the request's own tasks of default
// and ephemeral sessions.
func (m *module) dispatch(st *reqState, ev client.Event, own bool) {
	name := EventName(ev)
	done := false
	if ev.Type == client.EventCompleted {
		if own {
			done = true
		} else if k := (taskKey{ev.Session, ev.Task}); st.awaited[k] {
			delete(st.awaited, k)
			done = true
		}
	}
	if done {
		defer st.tr.Done(1)
	}
	if name == "" {
		return
	}
	if len(st.listeners[name]) > 0 {
		payload := Payload(m.vm, m.b, name, ev)
		for _, fn := range append([]goja.Value(nil), st.listeners[name]...) {
			f, _ := goja.AssertFunction(fn)
			if _, err := f(goja.Undefined(), payload); err != nil {
				panic(err)
			}
		}
	}
}

// readFile reads a file of the data folder (a download's file): a
// Uint8Array, or a string with "utf8".
func (m *module) readFile(call goja.FunctionCall) goja.Value {
	p := call.Argument(0).String()
	data, err := m.b.ReadFile(p)
	if err != nil {
		panic(m.vm.NewError(fmt.Errorf("readFile: %w", err)))
	}
	switch enc := strings.ToLower(call.Argument(1).String()); enc {
	case "utf8", "utf-8":
		return m.rt.ToValue(transfer.Text(data))
	case "undefined", "":
		return m.b.Bytes(data)
	default:
		panic(m.rt.NewTypeError("readFile: unknown encoding " + enc))
	}
}

// EventName returns the Titanium event name of ev, or "" when Titanium has
// none for it. A progress event that only repeats the totals of the
// previous one (the core's final event after a throttled one) has none.
func EventName(ev client.Event) string {
	switch ev.Type {
	case client.EventSendProgress:
		if ev.BytesSent == 0 && ev.TotalBytesSent > 0 {
			return ""
		}
		return "uploadprogress"
	case client.EventReceiveProgress:
		if ev.TaskKind == client.DownloadTask && (ev.BytesWritten > 0 || ev.TotalBytesWritten == 0) {
			return "downloadprogress"
		}
	case client.EventDownloadFinished:
		return "downloadcompleted"
	case client.EventCompleted:
		return "sessioncompleted"
	case client.EventEventsDelivered:
		return "sessioneventscompleted"
	}
	return ""
}

// Payload returns the event object of a Titanium event: type, then the
// fields Titanium documents for it (taskIdentifier, ..., sessionIdentifier).
func Payload(vm *runtime.VM, b *transfer.Bridge, name string, ev client.Event) *goja.Object {
	rt := vm.Runtime()
	o := rt.NewObject()
	_ = o.Set("type", name)
	if ev.Type != client.EventEventsDelivered {
		_ = o.Set("taskIdentifier", ev.Task)
	}
	switch ev.Type {
	case client.EventSendProgress:
		_ = o.Set("bytesSent", ev.BytesSent)
		_ = o.Set("totalBytesSent", ev.TotalBytesSent)
		_ = o.Set("totalBytesExpectedToSend", transfer.Known(ev.TotalBytesExpectedToSend))
	case client.EventReceiveProgress:
		_ = o.Set("bytesWritten", ev.BytesWritten)
		_ = o.Set("totalBytesWritten", ev.TotalBytesWritten)
		_ = o.Set("totalBytesExpectedToWrite", transfer.Known(ev.TotalBytesExpectedToWrite))
	case client.EventDownloadFinished:
		_ = o.Set("data", blob(vm, b, ev.File, ev.TotalBytesWritten))
		_ = o.Set("file", ev.File)
	case client.EventCompleted:
		r := ev.Result
		if r == nil {
			r = &client.TaskSnapshot{}
		}
		_ = o.Set("success", r.Success)
		_ = o.Set("errorCode", r.ErrorCode)
		if r.Success {
			_ = o.Set("statusCode", r.StatusCode)
			if text, ok := transfer.ResponseText(r); ok {
				_ = o.Set("responseText", text)
			}
		} else {
			_ = o.Set("message", r.Message)
			if r.StatusCode != 0 {
				_ = o.Set("statusCode", r.StatusCode)
			}
		}
	}
	_ = o.Set("sessionIdentifier", ev.Session)
	return o
}

// blob is the data of downloadcompleted: a Titanium.Blob-like object over
// the download file, read when text or toArrayBuffer() is used.
func blob(vm *runtime.VM, b *transfer.Bridge, file string, size int64) *goja.Object {
	rt := vm.Runtime()
	o := rt.NewObject()
	_ = o.Set("file", file)
	_ = o.Set("nativePath", file)
	_ = o.Set("length", size)
	_ = o.Set("size", size)
	_ = o.Set("mimeType", "application/octet-stream")
	read := func() []byte {
		data, err := b.ReadFile(file)
		if err != nil {
			panic(vm.NewError(fmt.Errorf("reading the download: %w", err)))
		}
		return data
	}
	_ = o.DefineAccessorProperty("text", rt.ToValue(func(goja.FunctionCall) goja.Value {
		return rt.ToValue(transfer.Text(read()))
	}), nil, goja.FLAG_FALSE, goja.FLAG_TRUE)
	_ = o.Set("toArrayBuffer", func(goja.FunctionCall) goja.Value { return rt.ToValue(rt.NewArrayBuffer(read())) })
	_ = o.Set("toString", func(goja.FunctionCall) goja.Value { return rt.ToValue(transfer.Text(read())) })
	return o
}

// Deliver returns the client.DeliverFunc that runs a background session's
// listener script for each event no request listened to: the script's
// default export (module.exports = fn, or export default fn) is called in
// a fresh pooled VM of srv, through runtime.Server.Run, with Titanium's
// event object (event.type names it; downloadcompleted's data reads the
// file). A listener that throws (or a pool that stays busy) makes the
// delivery fail, and the client retries it. Events Titanium has no name
// for are not delivered.
func Deliver(srv *runtime.Server, c *client.Client) client.DeliverFunc {
	return func(ctx context.Context, cfg client.SessionConfig, ev client.Event) error {
		name := EventName(ev)
		if name == "" || cfg.Listener == "" {
			return nil
		}
		arg := runtime.JobValue(func(vm *runtime.VM) goja.Value {
			return Payload(vm, transfer.New(vm, c), name, ev)
		})
		_, err := srv.Run(ctx, runtime.Job{File: cfg.Listener, Export: "default", Args: []any{arg}})
		if err != nil {
			return fmt.Errorf("listener %s (%s of session %s): %w", cfg.Listener, name, cfg.Identifier, err)
		}
		return nil
	}
}
