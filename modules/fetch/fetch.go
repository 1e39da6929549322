// Package fetch gives scripts the WHATWG fetch API: the globals fetch,
// Headers, Request, Response, FormData, Blob, File, AbortController,
// AbortSignal and DOMException, over the outbound client core
// (runtime/client), whose policy (denied addresses, body cap, User-Agent)
// applies to every request.
//
// The classes are JavaScript (fetch.js, compiled once per server and run
// on a VM when a script first uses one of the globals); the network, UTF-8
// and multipart work is Go. A fetch runs
// on its own goroutine through the runtime's async seam: it resolves when
// the response's headers are in (a small body with a known length is read
// at once, a larger one when the script reads it), is cancelled by its
// AbortSignal, and ends with the script's run.
package fetch

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/web/encoding"
	"github.com/dirigo/dirigo/runtime"
	"github.com/dirigo/dirigo/runtime/client"
)

//go:embed fetch.js
var source string

// eagerBody is the largest body with a known length that is read before
// fetch resolves (one trip through the event loop instead of two).
const eagerBody = 64 << 10

// maxFormParts bounds the parts Response.formData() parses.
const maxFormParts = 1000

// errAborted is the cause of a fetch cancelled by its AbortSignal.
var errAborted = errors.New("fetch: aborted")

// Modules returns the globals fetch, Headers, Request, Response, FormData,
// Blob, File, AbortController and AbortSignal, one module each, sharing
// one evaluation of fetch.js per VM; their requests go through c.
// DOMException is the web-platform module's: fetch.js makes its errors
// with the global DOMException when there is one.
func Modules(c *client.Client) []runtime.Module {
	prog := goja.MustCompile("dirigo:fetch", source, true)
	mods := make([]runtime.Module, len(globals))
	for i, name := range globals {
		mods[i] = runtime.Module{Global: name, Load: func(vm *runtime.VM) (goja.Value, error) {
			api, err := vm.Shared(apiKey{}, func() (goja.Value, error) { return load(vm, prog, c) })
			if err != nil {
				return nil, err
			}
			return api.ToObject(vm.Runtime()).Get(name), nil
		}}
	}
	return mods
}

// globals are the names the modules bind.
var globals = []string{"fetch", "Headers", "Request", "Response", "FormData", "Blob", "File", "AbortController", "AbortSignal"}

// apiKey is the key of a VM's evaluation of fetch.js (VM.Shared).
type apiKey struct{}

// load runs fetch.js for vm: the value is {fetch, Headers, ...}.
func load(vm *runtime.VM, prog *goja.Program, c *client.Client) (goja.Value, error) {
	rt := vm.Runtime()
	fv, err := rt.RunProgram(prog)
	if err != nil {
		return nil, fmt.Errorf("fetch.js: %w", err)
	}
	factory, ok := goja.AssertFunction(fv)
	if !ok {
		return nil, errors.New("fetch.js did not evaluate to a function")
	}
	f := &fetcher{vm: vm, rt: rt, client: c, u8: vm.Intrinsic("Uint8Array")}
	// The base global (the VM's, while a module loads): fetch.js reads
	// DOMException from it when it makes an error.
	res, err := factory(goja.Undefined(), f.natives(), rt.GlobalObject())
	if err != nil {
		return nil, fmt.Errorf("fetch.js: %w", err)
	}
	return res, nil
}

// fetcher is the Go side of fetch.js on one VM.
type fetcher struct {
	vm     *runtime.VM
	rt     *goja.Runtime
	client *client.Client
	u8     goja.Value // Uint8Array
}

func (f *fetcher) natives() *goja.Object {
	o := f.rt.NewObject()
	set := func(name string, fn func(goja.FunctionCall) goja.Value) { _ = o.Set(name, fn) }
	set("encode", func(c goja.FunctionCall) goja.Value { return f.bytes([]byte(c.Argument(0).String())) })
	set("decode", func(c goja.FunctionCall) goja.Value { return f.rt.ToValue(decodeUTF8(exportBytes(c.Argument(0)))) })
	set("parseURL", func(c goja.FunctionCall) goja.Value {
		u, err := parseURL(c.Argument(0).String())
		if err != nil {
			panic(f.rt.NewTypeError(err.Error()))
		}
		return f.rt.ToValue(u)
	})
	set("send", f.send)
	set("multipart", f.multipart)
	set("parseForm", f.parseForm)
	set("timer", func(c goja.FunctionCall) goja.Value {
		fn, ok := goja.AssertFunction(c.Argument(1))
		if !ok {
			panic(f.rt.NewTypeError("timer: not a function"))
		}
		return f.rt.ToValue(f.vm.SetTimer(fn, time.Duration(c.Argument(0).ToInteger())*time.Millisecond, true))
	})
	return o
}

// bytes returns a new Uint8Array holding b (not copied).
func (f *fetcher) bytes(b []byte) goja.Value {
	v, err := f.rt.New(f.u8, f.rt.ToValue(f.rt.NewArrayBuffer(b)))
	if err != nil {
		panic(err)
	}
	return v
}

// exportBytes returns the bytes of a Uint8Array or ArrayBuffer (not a copy).
func exportBytes(v goja.Value) []byte {
	switch x := v.Export().(type) {
	case []byte:
		return x
	case goja.ArrayBuffer:
		return x.Bytes()
	}
	return nil
}

// send starts a request: fetch.js gives the method, the URL, the header
// list ([name, value, ...]), the body (a Uint8Array or null), the redirect
// mode and done. It returns abort(), which cancels the request and its
// body. done is called on the VM once the response's headers are in, with
// (status, statusText, url, redirected, headers, body) — body null, an
// ArrayBuffer (read with the headers) or a reader — or, when the request
// failed, with (undefined × 6, {kind, message, code}). A seventh argument,
// a client session identifier or null, sends the request in that session.
func (f *fetcher) send(call goja.FunctionCall) goja.Value {
	rt := f.rt
	c := f.vm.Call()
	if c == nil {
		panic(rt.NewTypeError("fetch can only be called while a script runs"))
	}
	done, ok := goja.AssertFunction(call.Argument(5))
	if !ok {
		panic(rt.NewTypeError("send: no callback"))
	}
	req := &client.Request{Method: call.Argument(0).String(), URL: call.Argument(1).String()}
	if list, ok := call.Argument(2).Export().([]any); ok && len(list) > 0 {
		req.Header = make(http.Header, len(list)/2)
		for i := 0; i+1 < len(list); i += 2 {
			name, _ := list[i].(string)
			value, _ := list[i+1].(string)
			req.Header.Add(name, value)
		}
	}
	if b := call.Argument(3); !goja.IsNull(b) && !goja.IsUndefined(b) {
		req.Body = bytes.Clone(exportBytes(b)) // the goroutine must not share the script's buffer
		if req.Body == nil {
			req.Body = []byte{}
		}
	}
	switch call.Argument(4).String() {
	case "manual":
		req.Redirect = client.RedirectManual
	case "error":
		req.Redirect = client.RedirectError
	}
	session := ""
	if v := call.Argument(6); !goja.IsNull(v) && !goja.IsUndefined(v) {
		session = v.String()
	}
	p, err := f.vm.Async()
	if err != nil {
		panic(rt.NewGoError(err))
	}
	ctx, cancel := context.WithCancelCause(p.Context())
	go func() {
		settle := f.exchange(ctx, cancel, req, session)
		p.Complete(func() error {
			args := settle()
			_, err := done(goja.Undefined(), args...)
			return err
		})
	}()
	return rt.ToValue(func(goja.FunctionCall) goja.Value {
		cancel(errAborted)
		return goja.Undefined()
	})
}

// exchange sends req, in the client session named session unless it is
// "", and returns the function that makes the arguments of fetch.js's
// callback on the VM.
func (f *fetcher) exchange(ctx context.Context, cancel context.CancelCauseFunc, req *client.Request, session string) func() []goja.Value {
	rt := f.rt
	do := f.client.Do
	if session != "" {
		s, err := f.client.Session(ctx, session)
		if err != nil {
			cancel(nil)
			return func() []goja.Value {
				u := goja.Undefined()
				return []goja.Value{u, u, u, u, u, u, f.errorRecord(err)}
			}
		}
		do = s.Do
	}
	resp, err := do(ctx, req)
	if err != nil {
		cancel(nil)
		return func() []goja.Value {
			u := goja.Undefined()
			return []goja.Value{u, u, u, u, u, u, f.errorRecord(err)}
		}
	}
	var eager []byte
	var eagerErr error
	hasBody := req.Method != http.MethodHead && !nullBodyStatus(resp.StatusCode)
	switch {
	case !hasBody:
		resp.Body.Close()
		cancel(nil)
	case resp.ContentLength >= 0 && resp.ContentLength <= eagerBody:
		if eager, eagerErr = resp.ReadAll(); eagerErr == nil && eager == nil {
			eager = []byte{}
		}
		cancel(nil)
	}
	return func() []goja.Value {
		var body goja.Value = goja.Null()
		switch {
		case eagerErr != nil:
			body = f.failedReader(eagerErr)
		case eager != nil:
			body = rt.ToValue(rt.NewArrayBuffer(eager))
		case hasBody:
			body = f.reader(ctx, cancel, resp)
		}
		return []goja.Value{rt.ToValue(resp.StatusCode), rt.ToValue(resp.Status), rt.ToValue(resp.URL),
			rt.ToValue(resp.Redirected), f.headerList(resp.Header), body}
	}
}

func nullBodyStatus(code int) bool {
	switch code {
	case 101, 103, 204, 205, 304:
		return true
	}
	return false
}

// headerList is a response's header list for fetch.js: [name, value,
// ...], names in lower case, sorted.
func (f *fetcher) headerList(h http.Header) goja.Value {
	keys := make([]string, 0, len(h))
	n := 0
	for k, vs := range h {
		keys = append(keys, k)
		n += len(vs)
	}
	slices.Sort(keys)
	list := make([]any, 0, 2*n)
	for _, k := range keys {
		lk := strings.ToLower(k)
		for _, v := range h[k] {
			list = append(list, lk, v)
		}
	}
	return f.rt.NewArray(list...)
}

// errorRecord is {kind, message, code}, for a failed request (the last
// argument of the callback) or a failed body read ({error: ...}): fetch.js
// rejects with an AbortError, a TimeoutError or a TypeError by its kind.
func (f *fetcher) errorRecord(err error) goja.Value {
	e := client.AsError(err)
	kind := "network"
	switch e.Kind {
	case client.KindAbort:
		kind = "abort"
	case client.KindTimeout:
		kind = "timeout"
	}
	rt := f.rt
	d := rt.NewObject()
	_ = d.Set("kind", kind)
	msg := e.Message()
	if e.URL != "" && e.Kind != client.KindAbort {
		msg += " (" + e.URL + ")"
	}
	_ = d.Set("message", msg)
	_ = d.Set("code", e.Code)
	return d
}

// bodyError is what a failed body read resolves with: {error: ...}.
func (f *fetcher) bodyError(err error) goja.Value {
	o := f.rt.NewObject()
	_ = o.Set("error", f.errorRecord(err))
	return o
}

// reader is the body of a response that is read when the script asks:
// {read(text), cancel()}. read resolves with the text (text set), an
// ArrayBuffer, or {error}.
func (f *fetcher) reader(ctx context.Context, cancel context.CancelCauseFunc, resp *client.Response) goja.Value {
	rt := f.rt
	o := rt.NewObject()
	_ = o.Set("read", func(call goja.FunctionCall) goja.Value {
		text := call.Argument(0).ToBoolean()
		p, err := f.vm.Promise(func(context.Context) func() (goja.Value, error) {
			data, err := resp.ReadAll()
			cancel(nil)
			return func() (goja.Value, error) {
				if err != nil {
					return f.bodyError(err), nil
				}
				if text {
					return rt.ToValue(decodeUTF8(data)), nil
				}
				return rt.ToValue(rt.NewArrayBuffer(data)), nil
			}
		})
		if err != nil {
			panic(rt.NewGoError(err))
		}
		return rt.ToValue(p)
	})
	_ = o.Set("cancel", func(goja.FunctionCall) goja.Value {
		resp.Body.Close()
		cancel(nil)
		return goja.Undefined()
	})
	return o
}

// failedReader is the body of a response whose body failed while it was
// read with the headers: reading it gives the error.
func (f *fetcher) failedReader(err error) goja.Value {
	rt := f.rt
	o := rt.NewObject()
	_ = o.Set("read", func(goja.FunctionCall) goja.Value {
		p, resolve, _ := rt.NewPromise()
		_ = resolve(f.bodyError(err))
		return rt.ToValue(p)
	})
	_ = o.Set("cancel", func(goja.FunctionCall) goja.Value { return goja.Undefined() })
	return o
}

// parseURL checks and normalizes an absolute URL as Request keeps it.
func parseURL(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("Invalid URL: %w", err)
	}
	if u.Scheme == "" {
		return "", errors.New("Invalid URL: not an absolute URL (there is no base URL on a server)")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch u.Scheme {
	case "http", "https", "ws", "wss", "ftp":
		if u.Host == "" {
			return "", errors.New("Invalid URL: missing host")
		}
		u.Host = strings.ToLower(u.Host)
		if u.Path == "" && u.Opaque == "" {
			u.Path = "/"
		}
	}
	if u.User != nil {
		return "", errors.New("Request cannot be constructed from a URL that includes credentials")
	}
	return u.String(), nil
}

// decodeUTF8 decodes b as the WHATWG "UTF-8 decode" (the TextDecoder's).
func decodeUTF8(b []byte) string { return encoding.DecodeUTF8(b) }

// multipart encodes a FormData: fetch.js gives [name, value, filename,
// type, ...] where value is a string or a Uint8Array (a file). It returns
// {bytes: ArrayBuffer, type}.
func (f *fetcher) multipart(call goja.FunctionCall) goja.Value {
	rt := f.rt
	list, _ := call.Argument(0).Export().([]any)
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i+3 < len(list); i += 4 {
		name, _ := list[i].(string)
		h := textproto.MIMEHeader{}
		switch v := list[i+1].(type) {
		case string:
			h.Set("Content-Disposition", `form-data; name="`+escapeFormName(name)+`"`)
			p, _ := w.CreatePart(h)
			_, _ = io.WriteString(p, normalizeNewlines(v))
		case []byte:
			filename, _ := list[i+2].(string)
			ct, _ := list[i+3].(string)
			if ct == "" {
				ct = "application/octet-stream"
			}
			h.Set("Content-Disposition", `form-data; name="`+escapeFormName(name)+`"; filename="`+escapeFormName(filename)+`"`)
			h.Set("Content-Type", ct)
			p, _ := w.CreatePart(h)
			_, _ = p.Write(v)
		}
	}
	_ = w.Close()
	o := rt.NewObject()
	_ = o.Set("bytes", rt.NewArrayBuffer(buf.Bytes()))
	_ = o.Set("type", "multipart/form-data; boundary="+w.Boundary())
	return o
}

// escapeFormName escapes a field or file name as the HTML standard's
// multipart/form-data encoding does.
func escapeFormName(s string) string {
	return strings.NewReplacer("\n", "%0A", "\r", "%0D", `"`, "%22").Replace(s)
}

// normalizeNewlines turns every lone CR or LF into CRLF.
func normalizeNewlines(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\r':
			b.WriteString("\r\n")
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case '\n':
			b.WriteString("\r\n")
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// parseForm parses a body as Response.formData() does: urlencoded or
// multipart/form-data by the content type. It returns [name, value,
// filename, type, ...] where value is a string, or an ArrayBuffer for a
// file part.
func (f *fetcher) parseForm(call goja.FunctionCall) goja.Value {
	rt := f.rt
	parts, err := parseFormData(exportBytes(call.Argument(0)), call.Argument(1).String())
	if err != nil {
		panic(rt.NewTypeError("Could not parse content as FormData: " + err.Error()))
	}
	out := make([]any, 0, 4*len(parts))
	for _, p := range parts {
		if !p.file {
			out = append(out, p.name, p.value, nil, nil)
			continue
		}
		out = append(out, p.name, rt.NewArrayBuffer(p.data), p.filename, p.ctype)
	}
	return rt.NewArray(out...)
}

// A formPart is a field (value) or a file (data, filename, ctype) of a
// parsed form.
type formPart struct {
	name, value     string
	file            bool
	data            []byte
	filename, ctype string
}

// parseFormData parses an application/x-www-form-urlencoded or
// multipart/form-data body (at most maxFormParts parts).
func parseFormData(body []byte, contentType string) ([]formPart, error) {
	mt, params, _ := mime.ParseMediaType(contentType)
	var out []formPart
	switch mt {
	case "application/x-www-form-urlencoded":
		for _, pair := range strings.Split(string(body), "&") {
			if pair == "" {
				continue
			}
			k, v, _ := strings.Cut(pair, "=")
			out = append(out, formPart{name: unescapeForm(k), value: unescapeForm(v)})
		}
	case "multipart/form-data":
		if params["boundary"] == "" {
			return nil, errors.New("no boundary")
		}
		r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for n := 0; ; n++ {
			p, err := r.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("malformed multipart body: %w", err)
			}
			if n >= maxFormParts {
				return nil, fmt.Errorf("more than %d parts", maxFormParts)
			}
			data, err := io.ReadAll(p)
			if err != nil {
				return nil, fmt.Errorf("malformed multipart body: %w", err)
			}
			if p.FileName() == "" {
				out = append(out, formPart{name: p.FormName(), value: decodeUTF8(data)})
				continue
			}
			ct := p.Header.Get("Content-Type")
			if ct == "" {
				ct = "text/plain"
			}
			out = append(out, formPart{name: p.FormName(), file: true, data: data, filename: p.FileName(), ctype: ct})
		}
	default:
		return nil, fmt.Errorf("content type %q", mt)
	}
	return out, nil
}

// unescapeForm decodes an application/x-www-form-urlencoded name or value
// ('+' is a space; a bad escape is kept as it is).
func unescapeForm(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}
