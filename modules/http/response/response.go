// Package response provides Dirigible's HTTP response module (http/response,
// http/v4/response, sdk/http/response, ...): the buffered response of the
// running script.
package response

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/dirigible"
	"github.com/dirigo/dirigo/runtime"
)

// Module returns the response module under name, in flavor f.
func Module(name string, f dirigible.Flavor) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) { return New(vm, f), nil }}
}

// statuses are the status constants of every Dirigible generation (the 41
// of the servlet API, plus 422 from Dirigible 12).
var statuses = [...]struct {
	name string
	code int
}{
	{"CONTINUE", 100}, {"SWITCHING_PROTOCOLS", 101}, {"OK", 200}, {"CREATED", 201}, {"ACCEPTED", 202},
	{"NON_AUTHORITATIVE_INFORMATION", 203}, {"NO_CONTENT", 204}, {"RESET_CONTENT", 205}, {"PARTIAL_CONTENT", 206},
	{"MULTIPLE_CHOICES", 300}, {"MOVED_PERMANENTLY", 301}, {"MOVED_TEMPORARILY", 302}, {"FOUND", 302},
	{"SEE_OTHER", 303}, {"NOT_MODIFIED", 304}, {"USE_PROXY", 305}, {"TEMPORARY_REDIRECT", 307},
	{"BAD_REQUEST", 400}, {"UNAUTHORIZED", 401}, {"PAYMENT_REQUIRED", 402}, {"FORBIDDEN", 403}, {"NOT_FOUND", 404},
	{"METHOD_NOT_ALLOWED", 405}, {"NOT_ACCEPTABLE", 406}, {"PROXY_AUTHENTICATION_REQUIRED", 407},
	{"REQUEST_TIMEOUT", 408}, {"CONFLICT", 409}, {"GONE", 410}, {"LENGTH_REQUIRED", 411},
	{"PRECONDITION_FAILED", 412}, {"REQUEST_ENTITY_TOO_LARGE", 413}, {"REQUEST_URI_TOO_LONG", 414},
	{"UNSUPPORTED_MEDIA_TYPE", 415}, {"REQUESTED_RANGE_NOT_SATISFIABLE", 416}, {"EXPECTATION_FAILED", 417},
	{"UNPROCESSABLE_CONTENT", 422}, {"INTERNAL_SERVER_ERROR", 500}, {"NOT_IMPLEMENTED", 501}, {"BAD_GATEWAY", 502},
	{"SERVICE_UNAVAILABLE", 503}, {"GATEWAY_TIMEOUT", 504}, {"HTTP_VERSION_NOT_SUPPORTED", 505},
}

// reasons is Dirigible's HttpCodesReasons table, its "Gateway Timmeout" typo kept.
var reasons = [...]struct {
	code   int
	phrase string
}{
	{100, "Continue"}, {101, "Switching Protocols"}, {200, "OK"}, {201, "Created"}, {202, "Accepted"},
	{203, "Non-Authoritative Information"}, {204, "No Content"}, {205, "Reset Content"}, {206, "Partial Content"},
	{300, "Multiple Choices"}, {301, "Moved Permanently"}, {302, "Found"}, {303, "See Other"}, {304, "Not Modified"},
	{305, "Use Proxy"}, {307, "Temporary Redirect"}, {400, "Bad Request"}, {401, "Unauthorized"},
	{402, "Payment Required"}, {403, "Forbidden"}, {404, "Not Found"}, {405, "Method Not Allowed"},
	{406, "Not Acceptable"}, {407, "Proxy Authentication Required"}, {408, "Request Timeout"}, {409, "Conflict"},
	{410, "Gone"}, {411, "Length Required"}, {412, "Precondition Failed"}, {413, "Payload Too Large"},
	{414, "URI Too Large"}, {415, "Unsupported Media Type"}, {416, "Range Not Satisfiable"},
	{417, "Expectation Failed"}, {422, "Unprocessable Content"}, {426, "Upgrade Required"},
	{500, "Internal Server Error"}, {501, "Not Implemented"}, {502, "Bad Gateway"}, {503, "Service Unavailable"},
	{504, "Gateway Timmeout"}, {505, "HTTP Version Not Supported"},
}

// New builds the response object of flavor f for vm. In sdk/http it is the
// class Response, so it also names itself Response.
func New(vm *runtime.VM, f dirigible.Flavor) *goja.Object {
	rt := vm.Runtime()
	o := rt.NewObject()
	current := func() *runtime.Response {
		c := vm.Call()
		if c == nil || c.Response() == nil {
			dirigible.Throw(vm, dirigible.ErrNoResponse)
		}
		return c.Response()
	}
	check := func(err error) {
		if err != nil {
			dirigible.Throw(vm, err)
		}
	}
	// headers returns the headers the script may still change, or nil once
	// the response is committed (changes are then ignored, as in a servlet,
	// so getHeader answers what the client got).
	headers := func() http.Header {
		if r := current(); !r.Committed() {
			return r.Header()
		}
		return nil
	}
	set := func(name string, fn func(goja.FunctionCall) goja.Value) { dirigible.Set(o, name, fn) }
	undef := goja.Undefined()
	// print coerces like Dirigible: (text && text.toString()) || "".
	print := func(v goja.Value, nl bool) {
		r := current()
		if v != nil && v.ToBoolean() {
			_, err := r.WriteString(v.String())
			check(err)
		}
		if nl {
			_, err := r.WriteString("\n")
			check(err)
		}
	}

	set("isValid", func(goja.FunctionCall) goja.Value {
		c := vm.Call()
		return rt.ToValue(c != nil && c.Response() != nil)
	})
	set("print", func(c goja.FunctionCall) goja.Value { print(c.Argument(0), false); return undef })
	set("println", func(c goja.FunctionCall) goja.Value { print(c.Argument(0), true); return undef })
	set("json", func(c goja.FunctionCall) goja.Value {
		r := current()
		r.SetContentType("application/json")
		if s, ok := vm.JSON(c.Argument(0)); ok {
			_, err := r.WriteString(s)
			check(err)
		}
		return undef
	})
	write := func(c goja.FunctionCall) goja.Value {
		r := current()
		if b := dirigible.Bytes(vm, c.Argument(0), "write"); len(b) > 0 {
			_, err := r.Write(b)
			check(err)
		}
		return undef
	}
	set("write", write)
	set("isCommitted", func(goja.FunctionCall) goja.Value { return rt.ToValue(current().Committed()) })
	set("setContentType", func(c goja.FunctionCall) goja.Value {
		ct := ""
		if v := c.Argument(0); !isNothing(v) {
			ct = v.String()
		}
		current().SetContentType(ct)
		return undef
	})
	set("getContentType", func(goja.FunctionCall) goja.Value {
		if ct := current().Header().Get("Content-Type"); ct != "" {
			return rt.ToValue(ct)
		}
		return goja.Null()
	})
	set("setCharacterEncoding", func(c goja.FunctionCall) goja.Value {
		cs := ""
		if v := c.Argument(0); !isNothing(v) {
			cs = v.String()
		}
		current().SetCharacterEncoding(cs)
		return undef
	})
	set("getCharacterEncoding", func(goja.FunctionCall) goja.Value { return rt.ToValue(current().CharacterEncoding()) })
	set("flush", func(goja.FunctionCall) goja.Value { check(current().Flush()); return undef })
	set("close", func(goja.FunctionCall) goja.Value { check(current().Close()); return undef })
	set("addCookie", func(c goja.FunctionCall) goja.Value {
		current()
		ck, err := cookieOf(c.Argument(0))
		check(err)
		if h := headers(); h != nil {
			h.Add("Set-Cookie", ck)
		}
		return undef
	})
	set("containsHeader", func(c goja.FunctionCall) goja.Value {
		return rt.ToValue(len(current().Header().Values(c.Argument(0).String())) > 0)
	})
	set("encodeURL", func(c goja.FunctionCall) goja.Value { current(); return c.Argument(0) })
	set("encodeRedirectURL", func(c goja.FunctionCall) goja.Value { current(); return c.Argument(0) })
	set("sendError", func(c goja.FunctionCall) goja.Value {
		r := current()
		msg := ""
		if m := c.Argument(1); !isNothing(m) {
			msg = m.String()
		}
		code := c.Argument(0).ToInteger()
		if code < 100 || code > 999 {
			dirigible.Throw(vm, fmt.Errorf("sendError: invalid HTTP status code %s", c.Argument(0)))
		}
		check(r.SendError(int(code), msg))
		return undef
	})
	set("sendRedirect", func(c goja.FunctionCall) goja.Value {
		check(current().Redirect(c.Argument(0).String()))
		return undef
	})
	set("setContentLength", func(c goja.FunctionCall) goja.Value {
		if h := headers(); h != nil {
			if n := c.Argument(0).ToInteger(); n >= 0 {
				h.Set("Content-Length", strconv.FormatInt(n, 10))
			} else {
				h.Del("Content-Length") // unknown
			}
		}
		return undef
	})
	// setHeader and addHeader ignore a null value and an empty name
	// (Tomcat); Content-Type goes through setContentType.
	header := func(c goja.FunctionCall, add bool) goja.Value {
		h := headers()
		name, v := c.Argument(0).String(), c.Argument(1)
		switch {
		case h == nil || name == "" || isNothing(c.Argument(0)) || isNothing(v):
		case strings.EqualFold(name, "Content-Type"):
			current().SetContentType(v.String())
		case add:
			h.Add(name, v.String())
		default:
			h.Set(name, v.String())
		}
		return undef
	}
	set("setHeader", func(c goja.FunctionCall) goja.Value { return header(c, false) })
	set("addHeader", func(c goja.FunctionCall) goja.Value { return header(c, true) })
	set("setStatus", func(c goja.FunctionCall) goja.Value {
		current().SetStatus(int(c.Argument(0).ToInteger()))
		return undef
	})
	set("reset", func(goja.FunctionCall) goja.Value { check(current().Reset()); return undef })
	set("getHeader", func(c goja.FunctionCall) goja.Value {
		if vs := current().Header().Values(c.Argument(0).String()); len(vs) > 0 {
			return rt.ToValue(vs[0])
		}
		return goja.Null()
	})
	set("getHeaders", func(c goja.FunctionCall) goja.Value {
		return stringArray(rt, current().Header().Values(c.Argument(0).String()))
	})
	set("getHeaderNames", func(goja.FunctionCall) goja.Value {
		return stringArray(rt, slices.Sorted(maps.Keys(current().Header())))
	})
	set("setLocale", func(c goja.FunctionCall) goja.Value {
		h := headers()
		if h == nil {
			return undef
		}
		// Java's Locale: language lower case, country upper case.
		tag := strings.ToLower(c.Argument(0).String())
		if country := c.Argument(1); !isNothing(country) && country.String() != "" {
			tag += "-" + strings.ToUpper(country.String())
		}
		if isNothing(c.Argument(0)) || tag == "" {
			h.Del("Content-Language")
		} else {
			h.Set("Content-Language", tag)
		}
		return undef
	})
	set("getLocale", func(goja.FunctionCall) goja.Value {
		tag := current().Header().Get("Content-Language")
		if tag == "" {
			return rt.ToValue("en_US")
		}
		return rt.ToValue(strings.ReplaceAll(tag, "-", "_"))
	})
	set("getOutputStream", func(goja.FunctionCall) goja.Value { return outputStream(vm, current()) })
	if f == dirigible.V2 {
		set("writeOutput", write)
		set("getContentLength", func(goja.FunctionCall) goja.Value {
			if n, err := strconv.Atoi(current().Header().Get("Content-Length")); err == nil {
				return rt.ToValue(n)
			}
			return rt.ToValue(-1)
		})
	}
	for _, s := range statuses {
		_ = o.Set(s.name, s.code)
	}
	_ = o.Set("HttpCodesReasons", codesReasons(vm))
	if f == dirigible.Current {
		_ = o.Set("Response", o)
	}
	return o
}

// isNothing reports whether v is undefined or null (Java's null).
func isNothing(v goja.Value) bool { return v == nil || goja.IsUndefined(v) || goja.IsNull(v) }

// codesReasons builds Response.HttpCodesReasons with its getReason method.
func codesReasons(vm *runtime.VM) *goja.Object {
	rt := vm.Runtime()
	t := rt.NewObject()
	byKey := map[string]string{}
	for _, r := range reasons {
		k := strconv.Itoa(r.code)
		_ = t.Set(k, r.phrase)
		byKey[k] = r.phrase
	}
	dirigible.Set(t, "getReason", func(c goja.FunctionCall) goja.Value {
		arg := c.Argument(0)
		n := arg.ToFloat()
		if math.IsNaN(n) || n < 100 || n > 505 {
			dirigible.Throw(vm, errors.New("Illegal argument for code["+arg.String()+"]. Valid HTTP codes are integer numbers in the range [100-505]."))
		}
		// HttpCodesReasons[code]: "200" and 200 are found, "0200" and 200.5 not.
		if p, ok := byKey[arg.String()]; ok {
			return rt.ToValue(p)
		}
		return goja.Undefined()
	})
	return t
}

func stringArray(rt *goja.Runtime, ss []string) goja.Value {
	vals := make([]any, len(ss))
	for i, s := range ss {
		vals[i] = s
	}
	return rt.NewArray(vals...)
}

// cookieOf builds a Set-Cookie value from a cookie object of any Dirigible
// generation: {name, value} with attributes as Set-Cookie names ("Max-Age",
// "Path", ...) at the top or under "attributes", or the servlet names
// (maxAge, path, domain, secure, httpOnly/isHttpOnly).
func cookieOf(v goja.Value) (string, error) {
	o, ok := v.(*goja.Object)
	if !ok {
		return "", errors.New("addCookie: the cookie must be an object with name and value")
	}
	get := func(names ...string) goja.Value {
		attrs, _ := o.Get("attributes").(*goja.Object)
		for _, n := range names {
			if x := o.Get(n); x != nil && !goja.IsUndefined(x) && !goja.IsNull(x) {
				return x
			}
			if attrs != nil {
				if x := attrs.Get(n); x != nil && !goja.IsUndefined(x) && !goja.IsNull(x) {
					return x
				}
			}
		}
		return nil
	}
	c := &http.Cookie{}
	if x := get("name"); x != nil {
		c.Name = x.String()
	}
	if x := get("value"); x != nil {
		c.Value = x.String()
	}
	if x := get("Path", "path"); x != nil {
		c.Path = x.String()
	}
	if x := get("Domain", "domain"); x != nil {
		c.Domain = x.String()
	}
	if x := get("Max-Age", "maxAge"); x != nil {
		if n := x.ToInteger(); n >= 0 {
			c.MaxAge = int(n)
			if n == 0 {
				c.MaxAge = -1
			}
		}
	}
	if x := get("Expires", "expires"); x != nil {
		if t, err := http.ParseTime(x.String()); err == nil {
			c.Expires = t
		} else if d, ok := x.Export().(time.Time); ok {
			c.Expires = d
		}
	}
	if x := get("Secure", "secure"); x != nil {
		c.Secure = flag(x)
	}
	if x := get("HttpOnly", "httpOnly", "isHttpOnly"); x != nil {
		c.HttpOnly = flag(x)
	}
	if x := get("SameSite", "sameSite"); x != nil {
		switch strings.ToLower(x.String()) {
		case "strict":
			c.SameSite = http.SameSiteStrictMode
		case "lax":
			c.SameSite = http.SameSiteLaxMode
		case "none":
			c.SameSite = http.SameSiteNoneMode
		}
	}
	if err := c.Valid(); err != nil {
		return "", errors.New("addCookie: " + err.Error())
	}
	return c.String(), nil
}

// flag reads a cookie flag: true, or a present attribute like "Secure": "".
func flag(v goja.Value) bool {
	if s, ok := v.Export().(string); ok {
		return !strings.EqualFold(s, "false")
	}
	return v.ToBoolean()
}

// outputStream returns an sdk/io/streams-like OutputStream writing to r.
func outputStream(vm *runtime.VM, r *runtime.Response) goja.Value {
	rt := vm.Runtime()
	s := rt.NewObject()
	check := func(err error) {
		if err != nil {
			dirigible.Throw(vm, err)
		}
	}
	undef := goja.Undefined()
	dirigible.Set(s, "write", func(c goja.FunctionCall) goja.Value {
		_, err := r.Write([]byte{byte(c.Argument(0).ToInteger())})
		check(err)
		return undef
	})
	writeBytes := func(c goja.FunctionCall) goja.Value {
		_, err := r.Write(dirigible.Bytes(vm, c.Argument(0), "write"))
		check(err)
		return undef
	}
	dirigible.Set(s, "writeBytes", writeBytes)
	dirigible.Set(s, "writeBytesNative", writeBytes)
	dirigible.Set(s, "writeText", func(c goja.FunctionCall) goja.Value {
		if v := c.Argument(0); !isNothing(v) {
			_, err := r.WriteString(v.String())
			check(err)
		}
		return undef
	})
	dirigible.Set(s, "flush", func(goja.FunctionCall) goja.Value { check(r.Flush()); return undef })
	dirigible.Set(s, "close", func(goja.FunctionCall) goja.Value { check(r.Close()); return undef })
	dirigible.Set(s, "isValid", func(goja.FunctionCall) goja.Value { return rt.ToValue(!r.Done()) })
	return s
}
