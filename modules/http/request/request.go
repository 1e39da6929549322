// Package request provides Dirigible's HTTP request module (http/request,
// http/v4/request, sdk/http/request, ...): the request of the running script.
package request

import (
	"bytes"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/dirigible"
	"github.com/dirigo/dirigo/modules/http/session"
	"github.com/dirigo/dirigo/runtime"
)

// Module returns the request module under name, in flavor f.
func Module(name string, f dirigible.Flavor) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) { return New(vm, f), nil }}
}

// New builds the request object of flavor f for vm. In sdk/http it is the
// class Request (all members static), so it also names itself Request.
func New(vm *runtime.VM, f dirigible.Flavor) *goja.Object {
	rt := vm.Runtime()
	o := rt.NewObject()
	missing := f.Missing()
	current := func() (*runtime.Call, *http.Request) {
		c := vm.Call()
		if c == nil || c.Request() == nil {
			dirigible.Throw(vm, dirigible.ErrNoRequest)
		}
		return c, c.Request()
	}
	str := func(s string) goja.Value { return rt.ToValue(s) }
	strOrNull := func(s string) goja.Value {
		if s == "" {
			return goja.Null()
		}
		return rt.ToValue(s)
	}
	strings0 := func(ss []string) goja.Value {
		vals := make([]any, len(ss))
		for i, s := range ss {
			vals[i] = s
		}
		return rt.NewArray(vals...)
	}
	body := func() []byte {
		c, _ := current()
		b, err := c.Body()
		if err != nil {
			dirigible.Throw(vm, err)
		}
		return b
	}
	form := func() map[string][]string {
		c, _ := current()
		f, err := c.Form()
		if err != nil {
			dirigible.Throw(vm, err)
		}
		return f
	}
	set := func(name string, fn func(goja.FunctionCall) goja.Value) { dirigible.Set(o, name, fn) }

	set("isValid", func(goja.FunctionCall) goja.Value {
		c := vm.Call()
		return rt.ToValue(c != nil && c.Request() != nil)
	})
	set("getMethod", func(goja.FunctionCall) goja.Value { _, r := current(); return str(r.Method) })
	user := func() *runtime.User {
		c, _ := current()
		u, err := c.User()
		if err != nil {
			dirigible.Throw(vm, err)
		}
		return u
	}
	set("getRemoteUser", func(goja.FunctionCall) goja.Value {
		if u := user(); u != nil {
			return str(u.Name)
		}
		return goja.Null()
	})
	set("isUserInRole", func(call goja.FunctionCall) goja.Value {
		return rt.ToValue(user().InRole(call.Argument(0).String()))
	})
	set("getAuthType", func(goja.FunctionCall) goja.Value {
		if u := user(); u != nil {
			return str(u.AuthType)
		}
		return goja.Null()
	})
	set("getPathInfo", func(goja.FunctionCall) goja.Value { _, r := current(); return str(r.URL.Path) })
	set("getPathTranslated", func(goja.FunctionCall) goja.Value { c, _ := current(); return str(c.File()) })
	set("getHeader", func(call goja.FunctionCall) goja.Value {
		_, r := current()
		if v := header(r, call.Argument(0).String()); v != "" {
			return str(v)
		}
		return missing
	})
	set("getHeaders", func(call goja.FunctionCall) goja.Value {
		_, r := current()
		name := call.Argument(0).String()
		if strings.EqualFold(name, "host") {
			return strings0([]string{r.Host})
		}
		return strings0(r.Header.Values(name))
	})
	set("getHeaderNames", func(goja.FunctionCall) goja.Value {
		_, r := current()
		names := make([]string, 0, len(r.Header)+1)
		if r.Host != "" {
			names = append(names, "Host")
		}
		for n := range r.Header {
			names = append(names, n)
		}
		slices.Sort(names)
		return strings0(names)
	})
	set("getAttribute", func(call goja.FunctionCall) goja.Value {
		c, _ := current()
		if v, ok := c.Attribute(call.Argument(0).String()); ok && v != "" {
			return str(v)
		}
		return missing
	})
	set("getAttributeNames", func(goja.FunctionCall) goja.Value { c, _ := current(); return strings0(c.AttributeNames()) })
	set("setAttribute", func(call goja.FunctionCall) goja.Value {
		c, _ := current()
		name, v := call.Argument(0).String(), call.Argument(1)
		if goja.IsUndefined(v) || goja.IsNull(v) {
			c.RemoveAttribute(name)
		} else {
			c.SetAttribute(name, v.String())
		}
		return goja.Undefined()
	})
	set("removeAttribute", func(call goja.FunctionCall) goja.Value {
		c, _ := current()
		c.RemoveAttribute(call.Argument(0).String())
		return goja.Undefined()
	})
	set("getCookies", func(goja.FunctionCall) goja.Value {
		_, r := current()
		cookies := r.Cookies()
		if len(cookies) == 0 {
			return goja.Null()
		}
		arr := make([]any, len(cookies))
		for i, ck := range cookies {
			obj := rt.NewObject()
			_ = obj.Set("name", ck.Name)
			_ = obj.Set("value", ck.Value)
			if f != dirigible.Current {
				_ = obj.Set("maxAge", -1)
				_ = obj.Set("secure", false)
				_ = obj.Set("version", 0)
				_ = obj.Set("isHttpOnly", false)
			}
			arr[i] = obj
		}
		return rt.NewArray(arr...)
	})
	set("getCharacterEncoding", func(goja.FunctionCall) goja.Value { _, r := current(); return strOrNull(charset(r)) })
	set("getContentLength", func(goja.FunctionCall) goja.Value { _, r := current(); return rt.ToValue(contentLength(r)) })
	set("getContentType", func(goja.FunctionCall) goja.Value {
		_, r := current()
		return strOrNull(r.Header.Get("Content-Type"))
	})
	set("getBytes", func(goja.FunctionCall) goja.Value { return dirigible.SignedBytes(rt, body()) })
	text := func() string {
		b := body()
		_, r := current()
		return decodeText(b, charset(r))
	}
	set("getText", func(goja.FunctionCall) goja.Value { return str(text()) })
	parseJSON := func(goja.FunctionCall) goja.Value {
		s := text()
		if s == "" {
			return missing
		}
		v, err := vm.ParseJSON(s)
		if err != nil {
			return missing
		}
		return v
	}
	set("json", parseJSON)
	set("getJSON", parseJSON)
	set("getParameter", func(call goja.FunctionCall) goja.Value {
		if vs := form()[call.Argument(0).String()]; len(vs) > 0 {
			return str(vs[0])
		}
		return goja.Null()
	})
	set("getParameters", func(goja.FunctionCall) goja.Value {
		fm := form()
		obj := rt.NewObject()
		for _, k := range slices.Sorted(maps.Keys(fm)) {
			_ = obj.Set(k, strings0(fm[k]))
		}
		return obj
	})
	set("getParameterNames", func(goja.FunctionCall) goja.Value {
		return strings0(slices.Sorted(maps.Keys(form())))
	})
	set("getParameterValues", func(call goja.FunctionCall) goja.Value {
		if vs, ok := form()[call.Argument(0).String()]; ok {
			return strings0(vs)
		}
		return goja.Null()
	})
	set("getResourcePath", func(goja.FunctionCall) goja.Value { c, _ := current(); return str(c.Route().Resource) })
	set("getProtocol", func(goja.FunctionCall) goja.Value { _, r := current(); return str(r.Proto) })
	set("getScheme", func(goja.FunctionCall) goja.Value { _, r := current(); return str(scheme(r)) })
	set("isSecure", func(goja.FunctionCall) goja.Value { _, r := current(); return rt.ToValue(r.TLS != nil) })
	set("getContextPath", func(goja.FunctionCall) goja.Value { current(); return str("") })
	set("getServicePath", func(goja.FunctionCall) goja.Value { c, _ := current(); return str(c.Route().ServicePath) })
	set("getServerName", func(goja.FunctionCall) goja.Value { _, r := current(); h, _ := splitHost(r); return str(h) })
	set("getServerPort", func(goja.FunctionCall) goja.Value { _, r := current(); _, p := splitHost(r); return rt.ToValue(p) })
	set("getQueryString", func(goja.FunctionCall) goja.Value { _, r := current(); return strOrNull(r.URL.RawQuery) })
	set("getQueryParametersMap", func(goja.FunctionCall) goja.Value { _, r := current(); return queryMap(vm, r.URL.RawQuery) })
	set("getRequestURI", func(goja.FunctionCall) goja.Value { _, r := current(); return str(r.URL.EscapedPath()) })
	set("getRequestURL", func(goja.FunctionCall) goja.Value {
		_, r := current()
		return str(scheme(r) + "://" + r.Host + r.URL.EscapedPath())
	})
	set("getRemoteAddress", func(goja.FunctionCall) goja.Value { _, r := current(); h, _ := hostPort(r.RemoteAddr); return str(h) })
	set("getRemoteHost", func(goja.FunctionCall) goja.Value { _, r := current(); h, _ := hostPort(r.RemoteAddr); return str(h) })
	set("getRemotePort", func(goja.FunctionCall) goja.Value {
		_, r := current()
		_, p := hostPort(r.RemoteAddr)
		return rt.ToValue(p)
	})
	set("getLocalAddress", func(goja.FunctionCall) goja.Value { _, r := current(); h, _ := hostPort(localAddr(r)); return str(h) })
	set("getLocalName", func(goja.FunctionCall) goja.Value { _, r := current(); h, _ := hostPort(localAddr(r)); return str(h) })
	set("getLocalPort", func(goja.FunctionCall) goja.Value {
		_, r := current()
		_, p := hostPort(localAddr(r))
		return rt.ToValue(p)
	})
	set("getLocale", func(goja.FunctionCall) goja.Value {
		_, r := current()
		return str(locale(r.Header.Get("Accept-Language")))
	})
	set("getInputStream", func(goja.FunctionCall) goja.Value { return inputStream(vm, body()) })
	// dirigo's extension: the request's ID (X-Request-Id), as the log and the response show it.
	set("getRequestId", func(goja.FunctionCall) goja.Value { c, _ := current(); return str(c.RequestID()) })
	if f == dirigible.V2 {
		set("getInput", func(goja.FunctionCall) goja.Value { return inputStream(vm, body()) })
		set("readInput", func(goja.FunctionCall) goja.Value { return dirigible.SignedBytes(rt, body()) })
		set("readInputText", func(goja.FunctionCall) goja.Value { return str(string(body())) })
		set("getInfo", func(goja.FunctionCall) goja.Value {
			_, r := current()
			info := rt.NewObject()
			h, p := splitHost(r)
			_ = info.Set("contextPath", "")
			_ = info.Set("pathInfo", r.URL.Path)
			_ = info.Set("protocol", r.Proto)
			_ = info.Set("queryString", strOrNull(r.URL.RawQuery))
			_ = info.Set("scheme", scheme(r))
			_ = info.Set("serverName", h)
			_ = info.Set("serverPort", p)
			return info
		})
	}
	// PROIV Active Web's view of the session.
	_ = o.DefineDataProperty("jsession", session.NewJSession(vm), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	if f == dirigible.Current {
		_ = o.Set("Request", o)
	}
	return o
}

// header returns a request header, Host included (net/http keeps it apart).
func header(r *http.Request, name string) string {
	if strings.EqualFold(name, "host") {
		return r.Host
	}
	return r.Header.Get(name)
}

// contentLength is the servlet's getContentLength: the announced length, or
// -1 when the request says none (net/http reports 0 for a request without
// body and without Content-Length).
func contentLength(r *http.Request) int64 {
	if r.ContentLength == 0 && r.Header.Get("Content-Length") == "" {
		return -1
	}
	return r.ContentLength
}

// decodeText decodes a request body in charset cs: ISO-8859-1 byte for byte,
// anything else as UTF-8 (what Dirigible falls back to).
func decodeText(b []byte, cs string) string {
	switch strings.ToLower(cs) {
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1":
		runes := make([]rune, len(b))
		for i, c := range b {
			runes[i] = rune(c)
		}
		return string(runes)
	}
	return string(b)
}

func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

func charset(r *http.Request) string {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return params["charset"]
}

// splitHost returns the server name and port the client addressed.
func splitHost(r *http.Request) (string, int) {
	host, port := hostPort(r.Host)
	if port == 0 {
		port = 80
		if r.TLS != nil {
			port = 443
		}
	}
	return host, port
}

func hostPort(addr string) (string, int) {
	host, ps, err := net.SplitHostPort(addr)
	if err != nil {
		return strings.Trim(addr, "[]"), 0
	}
	p, _ := strconv.Atoi(ps)
	return host, p
}

func localAddr(r *http.Request) string {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		return a.String()
	}
	return ""
}

// locale returns the preferred locale of an Accept-Language header in Java's
// form ("en_US"), or "en_US" when there is none.
func locale(accept string) string {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(accept, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.TrimSpace(tag)
		if tag == "" || tag == "*" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > bestQ {
			best, bestQ = tag, q
		}
	}
	if best == "" {
		return "en_US"
	}
	lang, region, ok := strings.Cut(best, "-")
	if !ok {
		return strings.ToLower(lang)
	}
	return strings.ToLower(lang) + "_" + strings.ToUpper(region)
}

// maxQueryParams bounds getQueryParametersMap like the other parameter
// functions (runtime.Call.Form): a query of more parts gives none.
const maxQueryParams = 10000

// queryMap is Dirigible's getQueryParametersMap: decodeURI of the whole
// query, split on "&" (the first "amp;" of each part dropped), values trimmed, true for a
// key without "=", repeated keys collected in an array.
func queryMap(vm *runtime.VM, raw string) goja.Value {
	rt := vm.Runtime()
	out := rt.NewObject()
	if raw == "" {
		return out
	}
	if strings.Count(raw, "&") >= maxQueryParams {
		if c := vm.Call(); c != nil {
			c.Logger().Warn("ignoring the query string's parameters", "error", "more than 10000 parameters")
		}
		return out
	}
	decode, _ := goja.AssertFunction(vm.Intrinsic("decodeURI"))
	dv, err := decode(goja.Undefined(), rt.ToValue(raw))
	if err != nil {
		panic(err)
	}
	// Values by key in order of first appearance. Own properties only: a
	// key like "toString" or "__proto__" is a parameter like any other.
	values := map[string][]any{}
	var keys []string
	for _, seg := range strings.Split(dv.String(), "&") {
		seg = strings.Replace(seg, "amp;", "", 1)
		parts := strings.Split(seg, "=")
		key := strings.TrimSpace(parts[0])
		var val any = true
		if len(parts) > 1 {
			val = strings.TrimSpace(parts[1])
		}
		if _, seen := values[key]; !seen {
			keys = append(keys, key)
		}
		values[key] = append(values[key], val)
	}
	for _, k := range keys {
		v := rt.ToValue(values[k][0])
		if len(values[k]) > 1 {
			v = rt.NewArray(values[k]...)
		}
		_ = out.DefineDataProperty(k, v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
	}
	return out
}

// inputStream returns an sdk/io/streams-like InputStream over b.
func inputStream(vm *runtime.VM, b []byte) goja.Value {
	return dirigible.InputStream(vm, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
}
