// Package voltmx gives scripts Volt MX's (Kony's) outbound HTTP API: the
// globals voltmx (voltmx.net.HttpRequest, voltmx.net.FormData,
// voltmx.net.getTask) and constants, over the outbound client core
// (runtime/client).
//
// HttpRequest is XHR-shaped: open, send (FormData, bytes, an object as
// JSON, a string), setRequestHeader (a repeated name appends with ", "),
// getResponseHeader, getAllResponseHeaders (an object, without
// Set-Cookie), abort, readyState 0–4 with onReadyStateChange (called with
// the request as this and as its argument), status, statusText, response
// typed by the content type (or by responseType when the script sets it),
// timeout, and the session API: backgroundTransfer, getSession,
// new HttpRequest(sessionId), suspend, resume, getTaskState.
//
// A plain request's cookies live in a jar of the incoming request (an
// ephemeral session that ends with it); its transfer is the request's
// pending work. backgroundTransfer = true makes a background session
// (getSession() gives its identifier; new HttpRequest(id) joins it): its
// transfers outlive the request; a request that set onReadyStateChange
// waits for DONE (bounded by its deadline). A failure ends in DONE with
// status 0 and the extension properties errorCode (NSURLErrorDomain) and
// errorMessage; getTaskIdentifier() and voltmx.net.getTask(sessionId,
// taskId) read a background transfer's result from a later request.
package voltmx

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/internal/transfer"
	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/client"
)

//go:embed voltmx.js
var source string

// Modules returns the globals voltmx and constants (one evaluation of
// voltmx.js per VM, on the first use of either); requests go through c.
func Modules(c *client.Client) []runtime.Module {
	prog := goja.MustCompile("dirigo:voltmx", source, true)
	global := func(name string) runtime.Module {
		return runtime.Module{Global: name, Load: func(vm *runtime.VM) (goja.Value, error) {
			api, err := vm.Shared(apiKey{}, func() (goja.Value, error) { return load(vm, prog, c) })
			if err != nil {
				return nil, err
			}
			return api.(*goja.Object).Get(name), nil
		}}
	}
	return []runtime.Module{global("voltmx"), global("constants")}
}

// apiKey is the key of a VM's evaluation of voltmx.js (VM.Shared).
type apiKey struct{}

func load(vm *runtime.VM, prog *goja.Program, c *client.Client) (goja.Value, error) {
	{
		rt := vm.Runtime()
		fv, err := rt.RunProgram(prog)
		if err != nil {
			return nil, fmt.Errorf("voltmx.js: %w", err)
		}
		factory, ok := goja.AssertFunction(fv)
		if !ok {
			return nil, errors.New("voltmx.js did not evaluate to a function")
		}
		n := &natives{b: transfer.New(vm, c), vm: vm, rt: rt}
		return factory(goja.Undefined(), n.object(), rt.GlobalObject())
	}
}

// natives is the Go side of voltmx.js on one VM.
type natives struct {
	b  *transfer.Bridge
	vm *runtime.VM
	rt *goja.Runtime
}

// reqState is what the module keeps for the request in progress.
type reqState struct {
	tr    *transfer.Request
	plain *client.Session // the jar of the incoming request
}

type stateKey struct{}

func (n *natives) state() *reqState {
	tr := n.b.Request()
	return tr.Value(stateKey{}, func() any { return &reqState{tr: tr} }).(*reqState)
}

func (n *natives) object() *goja.Object {
	o := n.rt.NewObject()
	set := func(name string, fn func(goja.FunctionCall) goja.Value) { _ = o.Set(name, fn) }
	set("send", n.send)
	set("newSession", n.newSession)
	set("joinSession", n.joinSession)
	set("multipart", n.multipart)
	set("getTask", n.getTask)
	set("basic", func(c goja.FunctionCall) goja.Value {
		return n.rt.ToValue("Basic " + base64.StdEncoding.EncodeToString([]byte(c.Argument(0).String()+":"+c.Argument(1).String())))
	})
	set("checkURL", func(c goja.FunctionCall) goja.Value {
		u := c.Argument(0).String()
		if !strings.HasPrefix(strings.ToLower(u), "http://") && !strings.HasPrefix(strings.ToLower(u), "https://") {
			return n.rt.ToValue(false)
		}
		_, err := http.NewRequest("GET", u, nil)
		return n.rt.ToValue(err == nil)
	})
	return o
}

func (n *natives) ctx() context.Context { return n.state().tr.Call().Context() }

// timeouts reads the constructor's options (seconds).
func timeouts(v goja.Value) (req, res time.Duration) {
	o, ok := v.(*goja.Object)
	if !ok {
		return 0, 0
	}
	secs := func(name string) time.Duration {
		x := o.Get(name)
		if x == nil || goja.IsUndefined(x) || goja.IsNull(x) {
			return 0
		}
		f := x.ToFloat()
		if f <= 0 {
			return -1 // 0: no limit (Android's meaning)
		}
		return time.Duration(f * float64(time.Second))
	}
	return secs("timeoutIntervalForRequest"), secs("timeoutIntervalForResource")
}

// newSession creates a background session and returns its identifier.
func (n *natives) newSession(call goja.FunctionCall) goja.Value {
	req, res := timeouts(call.Argument(0))
	s, err := n.b.Client.NewSession(n.ctx(), client.SessionConfig{Kind: client.Background, RequestTimeout: req, ResourceTimeout: res})
	if err != nil {
		n.b.Throw(err)
	}
	return n.rt.ToValue(s.Identifier())
}

// joinSession checks that a background session exists.
func (n *natives) joinSession(call goja.FunctionCall) goja.Value {
	id := call.Argument(0).String()
	s, err := n.b.Client.Session(n.ctx(), id)
	if err != nil {
		n.b.Throw(err)
	}
	return n.rt.ToValue(s.Identifier())
}

// getTask returns the snapshot of a task of a background session, or null.
func (n *natives) getTask(call goja.FunctionCall) goja.Value {
	snap, err := n.b.Client.TaskSnapshot(n.ctx(), call.Argument(0).String(), call.Argument(1).ToInteger())
	if errors.Is(err, client.ErrNotFound) {
		return goja.Null()
	}
	if err != nil {
		n.b.Throw(err)
	}
	return n.b.Snapshot(&snap)
}

// spec is what voltmx.js gives send.
type spec struct {
	method, url  string
	header       http.Header
	body         []byte
	background   bool
	session      string
	timeout      time.Duration
	reqTimeout   time.Duration
	resTimeout   time.Duration
	wait         bool
	responseType string
}

// send starts the transfer of a request: send(spec, onEvent). onEvent is
// called on the VM with ("headers", {status, statusText, headers}),
// ("loading") and ("done", {status, statusText, headers, responseType,
// response, errorCode, errorMessage}). It returns a handle {id, session,
// cancel(), suspend(), resume(), state(), wait()}.
func (n *natives) send(call goja.FunctionCall) goja.Value {
	rt := n.rt
	so, _ := call.Argument(0).(*goja.Object)
	onEvent, ok := goja.AssertFunction(call.Argument(1))
	if so == nil || !ok {
		panic(rt.NewTypeError("send: bad arguments"))
	}
	sp := spec{
		method:       so.Get("method").String(),
		url:          so.Get("url").String(),
		background:   so.Get("background").ToBoolean(),
		wait:         so.Get("wait").ToBoolean(),
		responseType: so.Get("responseType").String(),
	}
	if s := so.Get("session"); s != nil && !goja.IsNull(s) && !goja.IsUndefined(s) {
		sp.session = s.String()
	}
	if t := so.Get("timeout").ToInteger(); t > 0 {
		sp.timeout = time.Duration(t) * time.Millisecond
	}
	sp.reqTimeout, sp.resTimeout = timeouts(so.Get("options"))
	if list, ok := so.Get("headers").Export().([]any); ok && len(list) > 0 {
		sp.header = make(http.Header, len(list)/2)
		for i := 0; i+1 < len(list); i += 2 {
			name, _ := list[i].(string)
			value, _ := list[i+1].(string)
			sp.header[http.CanonicalHeaderKey(name)] = []string{value}
		}
	}
	if b := so.Get("body"); b != nil && !goja.IsNull(b) && !goja.IsUndefined(b) {
		if data, ok := transfer.ExportBytes(b); ok {
			sp.body = data
		} else {
			sp.body = []byte(b.String())
		}
	}
	st := n.state()
	ctx := st.tr.Call().Context()
	var s *client.Session
	var err error
	switch {
	case sp.background:
		s, err = n.b.Client.Session(ctx, sp.session)
	default:
		if st.plain == nil {
			st.plain, err = n.b.Client.NewSession(ctx, client.SessionConfig{Kind: client.Ephemeral})
			if err == nil {
				st.tr.OnEnd(st.plain.InvalidateAndCancel)
			}
		}
		s = st.plain
	}
	if err != nil {
		n.b.Throw(err)
	}
	r := &client.Request{Method: sp.method, URL: sp.url, Header: sp.header, Body: sp.body}
	if !sp.background {
		r.Timeout = sp.timeout
		r.IdleTimeout = sp.reqTimeout
		if sp.resTimeout != 0 && (r.Timeout == 0 || sp.resTimeout < r.Timeout) {
			r.Timeout = sp.resTimeout
		}
	}
	if sp.method == http.MethodGet || sp.method == http.MethodHead {
		r.Body = nil
	}
	taskCtx := ctx
	waited := !sp.background || sp.wait
	var handler client.Handler
	done := false
	if waited {
		loading := false
		handler = st.tr.Handler(func(ev client.Event) {
			switch ev.Type {
			case client.EventResponse:
				n.emit(onEvent, "headers", n.headers(ev.StatusCode, ev.Status, ev.Header))
			case client.EventReceiveProgress:
				if !loading && ev.TotalBytesWritten > 0 {
					loading = true
					n.emit(onEvent, "loading", goja.Undefined())
				}
			case client.EventCompleted:
				done = true
				st.tr.Done(1)
				n.emit(onEvent, "done", n.result(ev.Result, sp.responseType))
			}
		})
	}
	if sp.background {
		taskCtx = context.Background()
	}
	t, err := s.NewTask(taskCtx, client.DataTask, r, handler)
	if err != nil {
		n.b.Throw(err)
	}
	if waited {
		st.tr.Wait(1)
	}
	h := rt.NewObject()
	_ = h.Set("id", t.ID())
	_ = h.Set("session", s.Identifier())
	_ = h.Set("cancel", func(goja.FunctionCall) goja.Value { return rt.ToValue(t.Cancel()) })
	_ = h.Set("suspend", func(goja.FunctionCall) goja.Value { return rt.ToValue(t.Suspend()) })
	_ = h.Set("resume", func(goja.FunctionCall) goja.Value {
		if err := t.Resume(); err != nil {
			n.b.Throw(err)
		}
		return goja.Undefined()
	})
	_ = h.Set("state", func(goja.FunctionCall) goja.Value { return rt.ToValue(int(t.State())) })
	_ = h.Set("wait", func(goja.FunctionCall) goja.Value {
		if err := st.tr.AwaitUntil(func() bool { return done }); err != nil {
			panic(n.vm.NewError(err))
		}
		return goja.Undefined()
	})
	return h
}

func (n *natives) emit(fn goja.Callable, kind string, arg goja.Value) {
	if _, err := fn(goja.Undefined(), n.rt.ToValue(kind), arg); err != nil {
		panic(err)
	}
}

// headers returns {status, statusText, headers} (headers: name → value,
// values joined with ", ", Set-Cookie left out).
func (n *natives) headers(code int, status string, h http.Header) *goja.Object {
	rt := n.rt
	o := rt.NewObject()
	_ = o.Set("status", code)
	_ = o.Set("statusText", status)
	hs := rt.NewObject()
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if ck := http.CanonicalHeaderKey(k); ck == "Set-Cookie" || ck == "Set-Cookie2" {
			continue
		}
		_ = hs.Set(k, strings.Join(h[k], ", "))
	}
	_ = o.Set("headers", hs)
	return o
}

// ResponseType returns Volt MX's response type for a content type: "text"
// (text/plain, application/text), "json" (application/json), "document"
// (XML and HTML) or "arraybuffer" (anything else).
func ResponseType(contentType string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "text/plain" || mt == "application/text":
		return "text"
	case mt == "application/json":
		return "json"
	case mt == "application/xml" || mt == "text/xml" || mt == "text/html" || strings.HasSuffix(mt, "+xml"):
		return "document"
	}
	return "arraybuffer"
}

// result returns the "done" argument: the response typed by forced (the
// script's responseType) or by the content type.
func (n *natives) result(snap *client.TaskSnapshot, forced string) *goja.Object {
	rt := n.rt
	if snap == nil {
		snap = &client.TaskSnapshot{}
	}
	if !snap.Success {
		o := rt.NewObject()
		_ = o.Set("status", 0)
		_ = o.Set("statusText", "")
		_ = o.Set("headers", goja.Null())
		_ = o.Set("responseType", "")
		_ = o.Set("response", "")
		_ = o.Set("errorCode", snap.ErrorCode)
		_ = o.Set("errorMessage", snap.Message)
		return o
	}
	o := n.headers(snap.StatusCode, snap.Status, snap.Header)
	typ := forced
	if typ == "" {
		typ = ResponseType(snap.Header.Get("Content-Type"))
	}
	body := snap.Body
	if body == nil && snap.File != "" {
		body, _ = n.b.ReadFile(snap.File)
	}
	_ = o.Set("responseType", typ)
	switch typ {
	case "arraybuffer", "blob":
		_ = o.Set("response", n.b.Bytes(append([]byte{}, body...)))
	default:
		_ = o.Set("response", transfer.Text(body))
	}
	_ = o.Set("errorCode", 0)
	_ = o.Set("errorMessage", goja.Null())
	return o
}

// multipart encodes a FormData: [name, value, filename, ...] where value
// is a string or bytes (a file part: the name is its file name, as Volt
// MX has it). It returns {bytes, type}.
func (n *natives) multipart(call goja.FunctionCall) goja.Value {
	rt := n.rt
	o, _ := call.Argument(0).(*goja.Object)
	var list []goja.Value
	if o != nil {
		for i := int64(0); i < o.Get("length").ToInteger(); i++ {
			list = append(list, o.Get(fmt.Sprint(i)))
		}
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	esc := strings.NewReplacer("\n", "%0A", "\r", "%0D", `"`, "%22")
	for i := 0; i+1 < len(list); i += 2 {
		name := list[i].String()
		h := textproto.MIMEHeader{}
		if data, ok := transfer.ExportBytes(list[i+1]); ok {
			h.Set("Content-Disposition", `form-data; name="`+esc.Replace(name)+`"; filename="`+esc.Replace(name)+`"`)
			h.Set("Content-Type", "application/octet-stream")
			p, _ := w.CreatePart(h)
			_, _ = p.Write(data)
			continue
		}
		h.Set("Content-Disposition", `form-data; name="`+esc.Replace(name)+`"`)
		p, _ := w.CreatePart(h)
		_, _ = io.WriteString(p, list[i+1].String())
	}
	_ = w.Close()
	res := rt.NewObject()
	_ = res.Set("bytes", n.b.Bytes(buf.Bytes()))
	_ = res.Set("type", "multipart/form-data; boundary="+w.Boundary())
	return res
}
