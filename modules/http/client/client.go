// Package client provides Eclipse Dirigible's outbound HTTP modules over
// the client core (runtime/client):
//
//   - http/client (and http/v4/client, http/v3/client, net/http/client,
//     sdk/http/client): get, post, put, patch, delete, del, head, trace
//     (url, options) → {statusCode, statusMessage, data, text, protocol,
//     binary, headers: [{name, value}]}, synchronous on the VM and bounded
//     by the script's deadline;
//   - http/client-async (and http/clientAsync, http/v4/clientAsync,
//     http/v3/clientAsync, sdk/http/client-async): getInstance() → a client
//     whose getAsync…traceAsync queue requests and whose execute() runs them
//     all at once and returns when every callback has run. The callbacks
//     run on the script's own VM, so closures work (Dirigible evaluates
//     them as source text in a fresh context).
//
// Dirigible's defaults are kept: redirects off unless redirectsEnabled,
// no compression unless contentCompressionEnabled, a body from data, text,
// params or files in that order (a POST, PUT or PATCH without any throws
// Dirigible's message), text or bytes by the response's content type. The
// outbound policy of the core (denied addresses, body cap, verified TLS)
// applies; sslTrustAllEnabled and the proxy options are ignored.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/dirigible"
	"github.com/dirigo/dirigo/runtime"
	core "github.com/dirigo/dirigo/runtime/client"
)

// Module returns the synchronous client under name, in flavor f: the
// current one (sdk/http/client) is the class HttpClient and names itself
// HttpClient; it removes params from the options after putting them in the
// URL, as Dirigible's does, so that a POST with only params throws.
func Module(name string, f dirigible.Flavor, c *core.Client) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) {
		return newSync(vm, f, c), nil
	}}
}

// methods are the functions of both clients: JavaScript name, HTTP method.
var methods = []struct{ js, method string }{
	{"get", http.MethodGet}, {"post", http.MethodPost}, {"put", http.MethodPut}, {"patch", http.MethodPatch},
	{"delete", http.MethodDelete}, {"del", http.MethodDelete}, {"head", http.MethodHead}, {"trace", http.MethodTrace},
}

func newSync(vm *runtime.VM, f dirigible.Flavor, c *core.Client) *goja.Object {
	rt := vm.Runtime()
	o := rt.NewObject()
	h := &handler{vm: vm, rt: rt, client: c, flavor: f}
	for _, m := range methods {
		method := m.method
		dirigible.Set(o, m.js, func(call goja.FunctionCall) goja.Value {
			return h.sync(method, call.Argument(0), call.Argument(1))
		})
	}
	// An extension: any method (OPTIONS, custom verbs).
	dirigible.Set(o, "request", func(call goja.FunctionCall) goja.Value {
		return h.sync(call.Argument(0).String(), call.Argument(1), call.Argument(2))
	})
	if f == dirigible.Current {
		_ = o.Set("HttpClient", o)
	}
	return o
}

// handler turns Dirigible's calls into requests of the core.
type handler struct {
	vm     *runtime.VM
	rt     *goja.Runtime
	client *core.Client
	flavor dirigible.Flavor
}

// throw throws an Error with msg into the script.
func (h *handler) throw(format string, args ...any) {
	panic(h.vm.NewError(fmt.Errorf(format, args...)))
}

// sync sends one request and returns Dirigible's response object.
func (h *handler) sync(method string, urlv, optv goja.Value) goja.Value {
	call := h.vm.Call()
	if call == nil {
		h.throw("http/client can only be used while a script runs")
	}
	p := h.prepare(method, urlv, optv, h.flavor == dirigible.Current)
	resp, body, err := p.send(call.Context(), h.client)
	if err != nil {
		panic(h.failure(err))
	}
	return h.response(resp, body, p, false)
}

// prepared is a request built from Dirigible's options.
type prepared struct {
	req     *core.Request
	opts    *options
	context goja.Value // options.context, for async success callbacks
	// session names the client session whose jar, default headers and
	// pool the request uses (options.session); "" for none.
	session string
}

func (p *prepared) send(ctx context.Context, c *core.Client) (*core.Response, []byte, error) {
	do := c.Do
	if p.session != "" {
		s, err := c.Session(ctx, p.session)
		if err != nil {
			return nil, nil, err
		}
		do = s.Do
	}
	resp, err := do(ctx, p.req)
	if err != nil {
		return nil, nil, err
	}
	body, err := resp.ReadAll()
	if err != nil {
		return nil, nil, err
	}
	return resp, body, nil
}

// prepare reads url and options as Dirigible's facade does and builds the
// request. dropParams removes options.params once they are in the URL
// (sdk/http/client does; the older modules and the async client keep
// them, which makes them the form body of a POST as well).
func (h *handler) prepare(method string, urlv, optv goja.Value, dropParams bool) *prepared {
	if goja.IsUndefined(urlv) || goja.IsNull(urlv) {
		h.throw("The URL is required")
	}
	session, plain := h.sessionOption(optv)
	o, err := h.parseOptions(plain)
	if err != nil {
		h.throw("Invalid options: %v", err)
	}
	rawURL := urlv.String()
	if len(o.Params) > 0 {
		rawURL = withParams(rawURL, o.Params)
		if dropParams {
			if obj, ok := optv.(*goja.Object); ok {
				_ = obj.Delete("params")
			}
			o.Params = nil
		}
	}
	req := &core.Request{Method: method, URL: rawURL, Header: http.Header{}, NoDecompress: !o.ContentCompressionEnabled.v}
	for _, hd := range o.Headers {
		req.Header.Set(hd.Name.v, hd.Value.v)
	}
	if o.RedirectsEnabled.v {
		req.Redirect = core.RedirectFollow
		req.MaxRedirects = o.MaxRedirects.v // 0: the core's default (20)
	} else {
		req.Redirect = core.RedirectManual
	}
	req.ConnectTimeout = millis(o.ConnectTimeout.v)
	req.IdleTimeout = millis(o.SocketTimeout.v)
	req.Timeout = millis(o.Timeout.v)
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		h.body(req, o)
	}
	return &prepared{req: req, opts: o, context: h.contextOf(optv), session: session}
}

// sessionOption reads options.session: a session identifier, or a session
// object (its identifier property, or configuration.identifier). It
// returns the options without it, for the JSON reading of the others.
func (h *handler) sessionOption(optv goja.Value) (string, goja.Value) {
	obj, ok := optv.(*goja.Object)
	if !ok {
		return "", optv
	}
	v := obj.Get("session")
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return "", optv
	}
	id := SessionID(v)
	if id == "" {
		h.throw("Invalid options: session must be a session identifier or a session object")
	}
	rest := h.rt.NewObject()
	for _, k := range obj.Keys() {
		if k != "session" {
			_ = rest.Set(k, obj.Get(k))
		}
	}
	return id, rest
}

// SessionID returns the client session identifier v names: a non-empty
// string, or an object with a string identifier property (a Titanium
// Session, a Volt MX session) or configuration.identifier; "" otherwise.
func SessionID(v goja.Value) string {
	if s, ok := v.Export().(string); ok {
		return s
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		return ""
	}
	if id := stringProp(obj, "identifier"); id != "" {
		return id
	}
	if c, ok := obj.Get("configuration").(*goja.Object); ok {
		return stringProp(c, "identifier")
	}
	return ""
}

func stringProp(o *goja.Object, name string) string {
	if v := o.Get(name); v != nil {
		if s, ok := v.Export().(string); ok {
			return s
		}
	}
	return ""
}

func millis(ms int) time.Duration {
	if ms <= 0 {
		return 0
	}
	return time.Duration(ms) * time.Millisecond
}

// withParams appends params to the URL as Dirigible does: unencoded.
func withParams(u string, params []nameValue) string {
	var b strings.Builder
	b.WriteString(u)
	for i, p := range params {
		switch {
		case i > 0:
			b.WriteByte('&')
		case strings.Contains(u, "?"):
			b.WriteByte('&')
		default:
			b.WriteByte('?')
		}
		b.WriteString(p.Name.v + "=" + p.Value.v)
	}
	return b.String()
}

// body sets the request body by Dirigible's precedence: data, text,
// params (a form), files (multipart); none is an error.
func (h *handler) body(req *core.Request, o *options) {
	setType := func(t string) {
		if req.Header.Get("Content-Type") == "" {
			req.Header.Set("Content-Type", t)
		}
	}
	switch {
	case o.data != nil:
		req.Body = o.data
		setType("application/octet-stream")
	case o.Text != nil:
		req.Body = []byte(*o.Text)
		ct := "text/plain"
		if o.ContentType != nil {
			ct = *o.ContentType
		}
		enc := "UTF-8"
		if o.CharacterEncoding != nil && *o.CharacterEncoding != "" {
			enc = *o.CharacterEncoding
		}
		if (o.CharacterEncodingEnabled == nil || o.CharacterEncodingEnabled.v) && !strings.Contains(strings.ToLower(ct), "charset=") {
			ct += "; charset=" + enc
		}
		setType(ct)
	case len(o.Params) > 0:
		form := url.Values{}
		for _, p := range o.Params {
			form.Add(p.Name.v, p.Value.v)
		}
		req.Body = []byte(form.Encode())
		setType("application/x-www-form-urlencoded; charset=UTF-8")
	case len(o.Files) > 0:
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for _, f := range o.Files {
			data, err := h.vm.ReadFile(f.Value.v)
			if err != nil {
				h.throw("reading the file of %q: %v", f.Name.v, err)
			}
			hd := textproto.MIMEHeader{}
			hd.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f.Name.v, path.Base(f.Value.v)))
			hd.Set("Content-Type", "application/octet-stream")
			pw, _ := w.CreatePart(hd)
			_, _ = pw.Write(data)
		}
		_ = w.Close()
		req.Body = buf.Bytes()
		setType(w.FormDataContentType())
	default:
		h.throw("The element [data] or [text] or [params] or [files] in [options] have to be set for %s requests", req.Method)
	}
}

// failure is the exception a failed request throws: an Error with the
// core's message and the NSURLErrorDomain code in code.
func (h *handler) failure(err error) *goja.Object {
	e := core.AsError(err)
	msg := e.Message()
	if e.URL != "" {
		msg += " (" + e.URL + ")"
	}
	x := h.vm.NewError(errors.New(msg))
	_ = x.Set("code", e.Code)
	return x
}

// recognizedText are the content types whose body Dirigible returns as
// text (an exact match, or a content type that contains one of them).
var recognizedText = []string{
	"application/json; charset=utf-8", "text/json; charset=utf-8", "text/json", "application/CSV", "application/csv",
	"text/csv", "json", "text/plain", "text/html", "text/xml", "application/json", "application/atom+xml",
	"application/xml", "application/xhtml+xml",
}

// response builds Dirigible's response object. The synchronous client
// returns text only for a recognized text type and reports protocol
// "HTTP"; the async client returns text unless binary is set, and the
// protocol with its version.
func (h *handler) response(resp *core.Response, body []byte, p *prepared, async bool) goja.Value {
	rt := h.rt
	o := rt.NewObject()
	_ = o.Set("statusCode", resp.StatusCode)
	_ = o.Set("statusMessage", resp.Status)
	binary := p.opts.Binary.v
	entity := p.req.Method != http.MethodHead && resp.StatusCode != 204 && resp.StatusCode != 304
	ct := resp.Header.Get("Content-Type")
	if async {
		_ = o.Set("protocol", protocolOf(resp.Proto))
		_ = o.Set("binary", binary)
		_ = o.Set("headers", h.headers(resp.Header))
		if entity {
			if binary {
				_ = o.Set("data", h.signedBytes(body))
			} else {
				_ = o.Set("text", decode(body, charsetOf(ct)))
			}
		}
		return o
	}
	if entity {
		mt, charset := "text/plain", "ISO-8859-1" // Apache's default for a body without a type
		if ct != "" {
			parsed, params, err := mime.ParseMediaType(ct)
			if err != nil {
				parsed, _, _ = strings.Cut(ct, ";")
			}
			mt, charset = strings.ToLower(strings.TrimSpace(parsed)), params["charset"]
		}
		if !binary && isText(mt) {
			_ = o.Set("text", decode(body, charset))
		} else {
			_ = o.Set("data", h.signedBytes(body))
		}
	}
	_ = o.Set("protocol", "HTTP")
	_ = o.Set("binary", false)
	_ = o.Set("headers", h.headers(resp.Header))
	return o
}

func isText(mt string) bool {
	for _, t := range recognizedText {
		if mt == t || strings.Contains(mt, t) {
			return true
		}
	}
	return false
}

func charsetOf(ct string) string {
	_, params, _ := mime.ParseMediaType(ct)
	return params["charset"]
}

// protocolOf gives the protocol as Java's ProtocolVersion prints it.
func protocolOf(proto string) string {
	if proto == "HTTP/2.0" {
		return "HTTP/2"
	}
	return proto
}

// decode decodes body in charset: UTF-8 unless it names a Latin-1 one.
func decode(body []byte, charset string) string {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "latin1", "iso8859-1", "us-ascii", "ascii", "windows-1252", "cp1252":
		var b strings.Builder
		b.Grow(len(body))
		for _, c := range body {
			b.WriteRune(rune(c))
		}
		return b.String()
	}
	if utf8.Valid(body) {
		return string(body)
	}
	return strings.ToValidUTF8(string(body), "\uFFFD")
}

// signedBytes is a byte array as Gson writes Java's byte[]: numbers from
// -128 to 127.
func (h *handler) signedBytes(b []byte) goja.Value {
	vals := make([]any, len(b))
	for i, c := range b {
		vals[i] = int64(int8(c))
	}
	return h.rt.NewArray(vals...)
}

// headers is [{name, value}], one entry per value, sorted by name (Go does
// not keep the order the server sent).
func (h *handler) headers(hd http.Header) goja.Value {
	names := make([]string, 0, len(hd))
	for k := range hd {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []any
	for _, k := range names {
		for _, v := range hd[k] {
			e := h.rt.NewObject()
			_ = e.Set("name", k)
			_ = e.Set("value", v)
			out = append(out, e)
		}
	}
	return h.rt.NewArray(out...)
}

// contextOf returns options.context as the async client passes it to the
// success callback: a copy through JSON (null when absent).
func (h *handler) contextOf(optv goja.Value) goja.Value {
	obj, ok := optv.(*goja.Object)
	if !ok {
		return goja.Null()
	}
	c := obj.Get("context")
	if c == nil || goja.IsUndefined(c) || goja.IsNull(c) {
		return goja.Null()
	}
	text, ok := h.vm.JSON(c)
	if !ok {
		return goja.Null()
	}
	v, err := h.vm.ParseJSON(text)
	if err != nil {
		return goja.Null()
	}
	return v
}

// options are Dirigible's HttpClientRequestOptions as Gson reads them from
// JSON.stringify(options): lenient about strings for numbers and booleans.
type options struct {
	Headers                   []nameValue `json:"headers"`
	Params                    []nameValue `json:"params"`
	Files                     []nameValue `json:"files"`
	Text                      *string     `json:"text"`
	ContentType               *string     `json:"contentType"`
	CharacterEncoding         *string     `json:"characterEncoding"`
	CharacterEncodingEnabled  *flexBool   `json:"characterEncodingEnabled"`
	Binary                    flexBool    `json:"binary"`
	RedirectsEnabled          flexBool    `json:"redirectsEnabled"`
	MaxRedirects              flexInt     `json:"maxRedirects"`
	ConnectTimeout            flexInt     `json:"connectTimeout"`
	SocketTimeout             flexInt     `json:"socketTimeout"`
	ContentCompressionEnabled flexBool    `json:"contentCompressionEnabled"`
	// Timeout (ms) bounds the whole request: a dirigo extension.
	Timeout flexInt `json:"timeout"`
	// data is options.data: a byte array (numbers), an ArrayBuffer or a
	// typed array; nil when absent.
	data []byte
}

// parseOptions reads options the way Dirigible does: through
// JSON.stringify (functions and undefined are dropped, getters run), and
// data directly, so that typed arrays work too.
func (h *handler) parseOptions(v goja.Value) (*options, error) {
	o := &options{}
	obj, ok := v.(*goja.Object)
	if !ok || goja.IsNull(v) {
		return o, nil
	}
	if d := obj.Get("data"); d != nil && !goja.IsUndefined(d) && !goja.IsNull(d) {
		b, err := bytesOf(d)
		if err != nil {
			return nil, err
		}
		o.data = b
	}
	text, ok := h.vm.JSON(obj)
	if !ok {
		return o, nil
	}
	if err := json.Unmarshal([]byte(text), o); err != nil {
		return nil, err
	}
	return o, nil
}

// bytesOf reads a byte array: numbers (Java bytes, -128..255), an
// ArrayBuffer or a typed array.
func bytesOf(v goja.Value) ([]byte, error) {
	switch x := v.Export().(type) {
	case []byte:
		return bytes.Clone(x), nil
	case goja.ArrayBuffer:
		return bytes.Clone(x.Bytes()), nil
	case []any:
		out := make([]byte, len(x))
		for i, e := range x {
			var n int64
			switch e := e.(type) {
			case int64:
				n = e
			case float64:
				n = int64(e)
			default:
				return nil, fmt.Errorf("data[%d] is not a number", i)
			}
			if n < -128 || n > 255 {
				return nil, fmt.Errorf("data[%d] = %d is not a byte", i, n)
			}
			out[i] = byte(n)
		}
		return out, nil
	}
	return nil, errors.New("data must be an array of bytes")
}

// nameValue is {name, value} (headers, params, files).
type nameValue struct {
	Name  flexString `json:"name"`
	Value flexString `json:"value"`
}

// flexString reads a JSON string, number or boolean as text.
type flexString struct{ v string }

func (s *flexString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &s.v)
	}
	s.v = string(b)
	return nil
}

// flexBool reads true, false or a string ("true" is true, as Gson reads it).
type flexBool struct{ v bool }

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true":
		f.v = true
	case "false", "null":
	default:
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("not a boolean: %s", b)
		}
		f.v = strings.EqualFold(s, "true")
	}
	return nil
}

// flexInt reads a number or a numeric string, truncated.
type flexInt struct{ v int }

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return fmt.Errorf("not a number: %s", b)
	}
	f.v = int(n)
	return nil
}
