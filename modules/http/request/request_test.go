package request_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// oneVM keeps the per-case servers small.
var oneVM = moduletest.Options{NoSessions: true, Runtime: func(c *runtime.Config) { c.PoolSize = 1 }}

// showJS renders a value so that undefined, null and strings stay apart.
const showJS = `
function show(v) {
	if (v === undefined) return "undefined";
	if (typeof v === "function") return "function";
	return JSON.stringify(v);
}
function attempt(f) {
	try { return show(f()); } catch (e) { return "throws " + (e && e.name) + ": " + (e && e.message); }
}
`

// flavors are the two request flavors every case runs in: the CommonJS API
// (null for nothing) and sdk/http (undefined for nothing).
var flavors = []string{"http/request", "sdk/http/request"}

// evalFlavors evaluates the JavaScript expression expr, with request bound to
// each of mods in turn, for req; it returns show() of each result.
func evalFlavors(t *testing.T, req *http.Request, opts moduletest.Options, expr string, mods ...string) []string {
	t.Helper()
	script := showJS + `
var response = require("http/response");
var out = ` + jsonOf(t, mods) + `.map(function (m) {
	var request = require(m);
	return attempt(function () { return (` + expr + `); });
});
response.print(JSON.stringify(out));
`
	w := moduletest.Eval(t, script, req, opts)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	var got []string
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("body %q: %v", w.Body.String(), err)
	}
	return got
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// newReq builds a request like a client would send it: Host example.com,
// remote address 192.0.2.1:1234, headers as "Name: value" lines.
func newReq(method, target, body string, headers ...string) *http.Request {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Add(name, strings.TrimSpace(value))
	}
	return req
}

func get(target string, headers ...string) *http.Request {
	return newReq(http.MethodGet, target, "", headers...)
}

func multipartReq(t *testing.T, target string, fields [][2]string) *http.Request {
	t.Helper()
	var b strings.Builder
	mw := multipart.NewWriter(&b)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", "f.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write([]byte("file content is not a parameter"))
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return newReq(http.MethodPost, target, b.String(), "Content-Type: "+mw.FormDataContentType())
}

// TestRequest checks every function of the request module, in the CommonJS
// flavor (want) and the sdk/http flavor (sdk, when it differs).
func TestRequest(t *testing.T) {
	const form = "Content-Type: application/x-www-form-urlencoded"
	tests := []struct {
		name string
		req  func(t *testing.T) *http.Request // nil: GET /t
		expr string
		want string
		sdk  string // the sdk/http answer, when it differs from want
	}{
		{name: "isValid", expr: `request.isValid()`, want: `true`},
		{name: "getMethod GET", expr: `request.getMethod()`, want: `"GET"`},
		{name: "getMethod DELETE", req: func(*testing.T) *http.Request { return newReq("DELETE", "/t", "") },
			expr: `request.getMethod()`, want: `"DELETE"`},
		{name: "getRemoteUser is null without auth", req: func(*testing.T) *http.Request {
			return get("/t", "Authorization: Basic dXNlcjpwYXNzd29yZA==")
		}, expr: `request.getRemoteUser()`, want: `null`},
		{name: "isUserInRole is false without auth", expr: `request.isUserInRole("admin")`, want: `false`},
		{name: "getAuthType is null without auth", req: func(*testing.T) *http.Request {
			return get("/t", "Authorization: Basic dXNlcjpwYXNzd29yZA==")
		}, expr: `request.getAuthType()`, want: `null`},

		{name: "getPathInfo", expr: `request.getPathInfo()`, want: `"/t"`},
		{name: "getPathInfo with sub-path", req: func(*testing.T) *http.Request { return get("/t.js/a/b?x=1") },
			expr: `request.getPathInfo()`, want: `"/t.js/a/b"`},
		{name: "getPathInfo Dirigible URL", req: func(*testing.T) *http.Request { return get("/services/js/t.js") },
			expr: `request.getPathInfo()`, want: `"/services/js/t.js"`},
		{name: "getPathTranslated is the script file", req: func(*testing.T) *http.Request { return get("/t/a") },
			expr: `/^\/.*\/t\.js$/.test(request.getPathTranslated())`, want: `true`},

		{name: "getHeader", req: func(*testing.T) *http.Request { return get("/t", "X-Test: a") },
			expr: `request.getHeader("X-Test")`, want: `"a"`},
		{name: "getHeader is case-insensitive", req: func(*testing.T) *http.Request { return get("/t", "X-Test: a") },
			expr: `request.getHeader("x-TEST")`, want: `"a"`},
		{name: "getHeader first of several", req: func(*testing.T) *http.Request { return get("/t", "X-M: 1", "X-M: 2") },
			expr: `request.getHeader("X-M")`, want: `"1"`},
		{name: "getHeader missing", expr: `request.getHeader("X-None")`, want: `null`, sdk: `undefined`},
		{name: "getHeader empty", req: func(*testing.T) *http.Request { return get("/t", "X-Empty:") },
			expr: `request.getHeader("X-Empty")`, want: `null`, sdk: `undefined`},
		{name: "getHeader Host", expr: `request.getHeader("host")`, want: `"example.com"`},
		{name: "getHeaders", req: func(*testing.T) *http.Request { return get("/t", "X-M: 1", "x-m: 2") },
			expr: `request.getHeaders("X-M")`, want: `["1","2"]`},
		{name: "getHeaders absent", expr: `request.getHeaders("X-None")`, want: `[]`},
		{name: "getHeaders Host", expr: `request.getHeaders("Host")`, want: `["example.com"]`},
		{name: "getHeaderNames", req: func(*testing.T) *http.Request { return get("/t", "X-B: 1", "x-a: 2") },
			expr: `request.getHeaderNames()`, want: `["Host","X-A","X-B"]`},

		{name: "getAttribute missing", expr: `request.getAttribute("a")`, want: `null`, sdk: `undefined`},
		{name: "setAttribute then getAttribute",
			expr: `(request.setAttribute("a", "v"), request.getAttribute("a"))`, want: `"v"`},
		{name: "setAttribute returns undefined", expr: `request.setAttribute("a", "v")`, want: `undefined`},
		{name: "setAttribute stores a string",
			expr: `(request.setAttribute("n", 42), request.getAttribute("n"))`, want: `"42"`},
		{name: "setAttribute empty is missing",
			expr: `(request.setAttribute("e", ""), request.getAttribute("e"))`, want: `null`, sdk: `undefined`},
		{name: "setAttribute null removes",
			expr: `(request.setAttribute("a", "v"), request.setAttribute("a", null), request.getAttributeNames())`, want: `[]`},
		{name: "removeAttribute",
			expr: `(request.setAttribute("a", "v"), request.removeAttribute("a"), request.getAttribute("a"))`,
			want: `null`, sdk: `undefined`},
		{name: "getAttributeNames empty", expr: `request.getAttributeNames()`, want: `[]`},
		{name: "getAttributeNames",
			expr: `(request.setAttribute("b", "1"), request.setAttribute("a", "2"), request.getAttributeNames())`,
			want: `["a","b"]`},

		{name: "getCookies none", expr: `request.getCookies()`, want: `null`},
		{name: "getCookies", req: func(*testing.T) *http.Request { return get("/t", "Cookie: a=1; b=x y") },
			expr: `request.getCookies()`,
			want: `[{"name":"a","value":"1","maxAge":-1,"secure":false,"version":0,"isHttpOnly":false},` +
				`{"name":"b","value":"x y","maxAge":-1,"secure":false,"version":0,"isHttpOnly":false}]`,
			sdk: `[{"name":"a","value":"1"},{"name":"b","value":"x y"}]`},

		{name: "getCharacterEncoding", req: func(*testing.T) *http.Request {
			return newReq("POST", "/t", "x", "Content-Type: text/plain; charset=ISO-8859-1")
		}, expr: `request.getCharacterEncoding()`, want: `"ISO-8859-1"`},
		{name: "getCharacterEncoding none", req: func(*testing.T) *http.Request {
			return newReq("POST", "/t", "x", "Content-Type: text/plain")
		}, expr: `request.getCharacterEncoding()`, want: `null`},
		{name: "getContentLength unknown", expr: `request.getContentLength()`, want: `-1`},
		{name: "getContentLength", req: func(*testing.T) *http.Request { return newReq("POST", "/t", "héllo") },
			expr: `request.getContentLength()`, want: `6`},
		{name: "getContentType none", expr: `request.getContentType()`, want: `null`},
		{name: "getContentType", req: func(*testing.T) *http.Request {
			return newReq("POST", "/t", "{}", "Content-Type: application/json; charset=utf-8")
		}, expr: `request.getContentType()`, want: `"application/json; charset=utf-8"`},

		{name: "getBytes signed", req: func(*testing.T) *http.Request { return newReq("POST", "/t", "\xff\x00A\x80\x7f") },
			expr: `request.getBytes()`, want: `[-1,0,65,-128,127]`},
		{name: "getBytes empty", expr: `request.getBytes()`, want: `[]`},
		{name: "getText UTF-8", req: func(*testing.T) *http.Request { return newReq("POST", "/t", "héllo ✓ 😀") },
			expr: `request.getText()`, want: `"héllo ✓ 😀"`},
		{name: "getText Latin-1", req: func(*testing.T) *http.Request {
			return newReq("POST", "/t", "h\xe9", "Content-Type: text/plain; charset=ISO-8859-1")
		}, expr: `request.getText()`, want: `"hé"`},
		{name: "getText empty", expr: `request.getText()`, want: `""`},
		{name: "json", req: func(*testing.T) *http.Request { return newReq("POST", "/t", `{"a":[1,"é"]}`) },
			expr: `request.json()`, want: `{"a":[1,"é"]}`},
		{name: "getJSON", req: func(*testing.T) *http.Request { return newReq("POST", "/t", `[true]`) },
			expr: `request.getJSON()`, want: `[true]`},
		{name: "json of the JSON null", req: func(*testing.T) *http.Request { return newReq("POST", "/t", `null`) },
			expr: `request.json()`, want: `null`},
		{name: "json empty body", expr: `request.json()`, want: `null`, sdk: `undefined`},
		{name: "getJSON bad JSON", req: func(*testing.T) *http.Request { return newReq("POST", "/t", `{"a":`) },
			expr: `request.getJSON()`, want: `null`, sdk: `undefined`},

		{name: "getParameter", req: func(*testing.T) *http.Request { return get("/t?a=1&a=2&q=x+y%21") },
			expr: `[request.getParameter("a"), request.getParameter("q")]`, want: `["1","x y!"]`},
		{name: "getParameter missing", expr: `request.getParameter("a")`, want: `null`},
		{name: "getParameterValues repeated", req: func(*testing.T) *http.Request { return get("/t?a=1&b=&a=2") },
			expr: `[request.getParameterValues("a"), request.getParameterValues("b")]`, want: `[["1","2"],[""]]`},
		{name: "getParameterValues missing", expr: `request.getParameterValues("a")`, want: `null`},
		{name: "getParameters", req: func(*testing.T) *http.Request { return get("/t?b=2&a=1&a=3") },
			expr: `request.getParameters()`, want: `{"a":["1","3"],"b":["2"]}`},
		{name: "getParameters none", expr: `request.getParameters()`, want: `{}`},
		{name: "getParameterNames", req: func(*testing.T) *http.Request { return get("/t?b=2&a=1&a=3&c") },
			expr: `request.getParameterNames()`, want: `["a","b","c"]`},
		{name: "parameters of a urlencoded form", req: func(*testing.T) *http.Request {
			return newReq("POST", "/t?a=1", "a=2&b=x+y&a=%C3%A9", form)
		}, expr: `[request.getParameterValues("a"), request.getParameter("b"), request.getParameterNames()]`,
			want: `[["1","2","é"],"x y",["a","b"]]`},
		{name: "parameters of a multipart form", req: func(t *testing.T) *http.Request {
			return multipartReq(t, "/t?a=0", [][2]string{{"a", "1"}, {"b", "é"}, {"a", "2"}})
		}, expr: `[request.getParameterValues("a"), request.getParameter("b"), request.getParameter("file"), request.getParameterNames()]`,
			want: `[["0","1","2"],"é",null,["a","b"]]`},

		{name: "getResourcePath none", expr: `request.getResourcePath()`, want: `""`},
		{name: "getResourcePath clean name", req: func(*testing.T) *http.Request { return get("/t/a") },
			expr: `request.getResourcePath()`, want: `"a"`},
		{name: "getResourcePath after .js", req: func(*testing.T) *http.Request { return get("/t.js/a/b?x=1") },
			expr: `request.getResourcePath()`, want: `"a/b"`},
		{name: "getResourcePath Dirigible URL", req: func(*testing.T) *http.Request { return get("/services/js/t.js/items/7") },
			expr: `request.getResourcePath()`, want: `"items/7"`},
		{name: "getServicePath", req: func(*testing.T) *http.Request { return get("/t.js/a/b") },
			expr: `request.getServicePath()`, want: `"/t.js"`},
		{name: "getServicePath Dirigible URL", req: func(*testing.T) *http.Request { return get("/public/js/t.js/a") },
			expr: `request.getServicePath()`, want: `"/public/js/t.js"`},
		{name: "getServicePath whole path", expr: `request.getServicePath()`, want: `"/t"`},

		{name: "getProtocol", expr: `request.getProtocol()`, want: `"HTTP/1.1"`},
		{name: "getScheme", expr: `[request.getScheme(), request.isSecure(), request.getServerPort()]`,
			want: `["http",false,80]`},
		{name: "getScheme https", req: func(*testing.T) *http.Request {
			r := get("/t")
			r.TLS = &tls.ConnectionState{}
			return r
		}, expr: `[request.getScheme(), request.isSecure(), request.getServerPort(), request.getRequestURL()]`,
			want: `["https",true,443,"https://example.com/t"]`},
		{name: "getContextPath", expr: `request.getContextPath()`, want: `""`},
		{name: "getServerName", expr: `[request.getServerName(), request.getServerPort()]`, want: `["example.com",80]`},
		{name: "getServerName with port", req: func(*testing.T) *http.Request {
			r := get("/t")
			r.Host = "api.example.org:8443"
			return r
		}, expr: `[request.getServerName(), request.getServerPort()]`, want: `["api.example.org",8443]`},
		{name: "getServerName IPv6", req: func(*testing.T) *http.Request {
			r := get("/t")
			r.Host = "[::1]:9000"
			return r
		}, expr: `[request.getServerName(), request.getServerPort()]`, want: `["::1",9000]`},

		{name: "getQueryString", req: func(*testing.T) *http.Request { return get("/t?a=1&b=%20x+y") },
			expr: `request.getQueryString()`, want: `"a=1&b=%20x+y"`},
		{name: "getQueryString none", expr: `request.getQueryString()`, want: `null`},
		{name: "getQueryParametersMap none", expr: `request.getQueryParametersMap()`, want: `{}`},
		{name: "getQueryParametersMap", req: func(*testing.T) *http.Request {
			return get("/t?a=1&flag&c=%20x%20&amp;d=4&e=1=2&p=a+b&enc=%26%3D&u=%C3%A9")
		}, expr: `request.getQueryParametersMap()`,
			want: `{"a":"1","flag":true,"c":"x","d":"4","e":"1","p":"a+b","enc":"%26%3D","u":"é"}`},
		{name: "getQueryParametersMap repeated keys", req: func(*testing.T) *http.Request {
			return get("/t?a=1&b=x&a=2&a=3&b")
		}, expr: `request.getQueryParametersMap()`, want: `{"a":["1","2","3"],"b":["x",true]}`},
		{name: "getQueryParametersMap keys that name Object.prototype members", req: func(*testing.T) *http.Request {
			return get("/t?toString=1&constructor=2&hasOwnProperty&__proto__=x&__proto__=y")
		}, expr: `(function (m) { return [m, Object.getPrototypeOf(m) === Object.prototype]; })(request.getQueryParametersMap())`,
			want: `[{"toString":"1","constructor":"2","hasOwnProperty":true,"__proto__":["x","y"]},true]`},
		{name: "getQueryParametersMap malformed escape", req: func(*testing.T) *http.Request {
			return get("/t?a=%E0%A4%A")
		}, expr: `request.getQueryParametersMap()`, want: `throws URIError: Malformed URI`},

		{name: "getRequestURI", req: func(*testing.T) *http.Request { return get("/t.js/a%20b/c?x=1") },
			expr: `request.getRequestURI()`, want: `"/t.js/a%20b/c"`},
		{name: "getRequestURL", req: func(*testing.T) *http.Request { return get("/t.js/a?x=1") },
			expr: `request.getRequestURL()`, want: `"http://example.com/t.js/a"`},
		{name: "getRemoteAddress", expr: `[request.getRemoteAddress(), request.getRemoteHost(), request.getRemotePort()]`,
			want: `["192.0.2.1","192.0.2.1",1234]`},
		{name: "getRemoteAddress IPv6", req: func(*testing.T) *http.Request {
			r := get("/t")
			r.RemoteAddr = "[2001:db8::1]:5555"
			return r
		}, expr: `[request.getRemoteAddress(), request.getRemotePort()]`, want: `["2001:db8::1",5555]`},

		{name: "getLocale default", expr: `request.getLocale()`, want: `"en_US"`},
		{name: "getLocale region", req: func(*testing.T) *http.Request { return get("/t", "Accept-Language: de-de") },
			expr: `request.getLocale()`, want: `"de_DE"`},
		{name: "getLocale language only", req: func(*testing.T) *http.Request { return get("/t", "Accept-Language: fr") },
			expr: `request.getLocale()`, want: `"fr"`},
		{name: "getLocale q-values", req: func(*testing.T) *http.Request {
			return get("/t", "Accept-Language: fr;q=0.5, en-US;q=0.9, de;q=0.7")
		}, expr: `request.getLocale()`, want: `"en_US"`},
		{name: "getLocale first of equal weight", req: func(*testing.T) *http.Request {
			return get("/t", "Accept-Language: pt-BR, en-GB;q=0.8, en")
		}, expr: `request.getLocale()`, want: `"pt_BR"`},
		{name: "getLocale wildcard", req: func(*testing.T) *http.Request { return get("/t", "Accept-Language: *") },
			expr: `request.getLocale()`, want: `"en_US"`},
		{name: "getLocale refused language", req: func(*testing.T) *http.Request {
			return get("/t", "Accept-Language: it;q=0, es;q=0.1")
		}, expr: `request.getLocale()`, want: `"es"`},

		{name: "getInputStream read", req: func(*testing.T) *http.Request { return newReq("POST", "/t", "A\xff") },
			expr: `(function (s) { return [s.read(), s.read(), s.read()]; })(request.getInputStream())`, want: `[65,255,-1]`},
		{name: "getInputStream readBytes", req: func(*testing.T) *http.Request { return newReq("POST", "/t", "A\xffB") },
			expr: `(function (s) { s.read(); return [s.readBytes(), s.readBytes()]; })(request.getInputStream())`,
			want: `[[-1,66],[]]`},
		{name: "getInputStream readText", req: func(*testing.T) *http.Request { return newReq("POST", "/t", "héllo") },
			expr: `(function (s) { return [s.isValid(), s.readText(), s.readText()]; })(request.getInputStream())`,
			want: `[true,"héllo",""]`},
		{name: "getInputStream readBytesNative", req: func(*testing.T) *http.Request { return newReq("POST", "/t", "\x01\xff") },
			expr: `Array.from(new Uint8Array(request.getInputStream().readBytesNative()))`, want: `[1,255]`},
		{name: "getInputStream close", req: func(*testing.T) *http.Request { return newReq("POST", "/t", "abc") },
			expr: `(function (s) { s.close(); return [s.read(), s.readText()]; })(request.getInputStream())`, want: `[-1,""]`},
		{name: "every body getter gives the same body", req: func(*testing.T) *http.Request {
			return newReq("POST", "/t", `{"k":"é"}`)
		}, expr: `[request.getText(), request.getInputStream().readText(), request.getBytes().length,
			request.json(), request.getText(), request.getInputStream().readText()]`,
			want: `["{\"k\":\"é\"}","{\"k\":\"é\"}",10,{"k":"é"},"{\"k\":\"é\"}","{\"k\":\"é\"}"]`},
		{name: "form body is also the text", req: func(*testing.T) *http.Request {
			return newReq("POST", "/t", "a=1", form)
		}, expr: `[request.getParameter("a"), request.getText()]`, want: `["1","a=1"]`},
		{name: "jsession", expr: `typeof request.jsession`, want: `"object"`},
		{name: "destructured functions work", req: func(*testing.T) *http.Request { return get("/t", "X-A: 1") },
			expr: `(function (o) { var getHeader = o.getHeader, getMethod = o.getMethod; return [getMethod(), getHeader("X-A")]; })(request)`,
			want: `["GET","1"]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var req *http.Request
			if tc.req != nil {
				req = tc.req(t)
			}
			got := evalFlavors(t, req, oneVM, tc.expr, flavors...)
			wantSDK := tc.sdk
			if wantSDK == "" {
				wantSDK = tc.want
			}
			for i, want := range []string{tc.want, wantSDK} {
				if got[i] != want {
					t.Errorf("%s: %s\n got %s\nwant %s", flavors[i], tc.expr, got[i], want)
				}
			}
		})
	}
}

// TestRequest2x checks the functions only net/http/request (Dirigible 2.x) has.
func TestRequest2x(t *testing.T) {
	tests := []struct {
		name string
		req  *http.Request
		expr string
		want string
	}{
		{name: "getInfo", req: get("/t.js/x?a=1&b=2"), expr: `request.getInfo()`,
			want: `{"contextPath":"","pathInfo":"/t.js/x","protocol":"HTTP/1.1","queryString":"a=1&b=2","scheme":"http","serverName":"example.com","serverPort":80}`},
		{name: "getInfo without query", req: get("/t"), expr: `request.getInfo().queryString`, want: `null`},
		{name: "readInput", req: newReq("POST", "/t", "a\xfe"), expr: `request.readInput()`, want: `[97,-2]`},
		{name: "readInputText", req: newReq("POST", "/t", "é"), expr: `request.readInputText()`, want: `"é"`},
		{name: "getInput", req: newReq("POST", "/t", "xy"), expr: `request.getInput().readText()`, want: `"xy"`},
		{name: "getMissing is null", req: get("/t"), expr: `[request.getHeader("x"), request.getAttribute("x")]`, want: `[null,null]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := evalFlavors(t, tc.req, oneVM, tc.expr, "net/http/request")
			if got[0] != tc.want {
				t.Errorf("%s\n got %s\nwant %s", tc.expr, got[0], tc.want)
			}
		})
	}
}

// requestFunctions are the functions of every request flavor (reference §4.1).
var requestFunctions = []string{
	"getAttribute", "getAttributeNames", "getAuthType", "getBytes", "getCharacterEncoding", "getContentLength",
	"getContentType", "getContextPath", "getCookies", "getHeader", "getHeaderNames", "getHeaders",
	"getInputStream", "getJSON", "getLocalAddress", "getLocalName", "getLocalPort", "getLocale", "getMethod",
	"getParameter", "getParameterNames", "getParameterValues", "getParameters", "getPathInfo",
	"getPathTranslated", "getProtocol", "getQueryParametersMap", "getQueryString", "getRemoteAddress",
	"getRemoteHost", "getRemotePort", "getRemoteUser", "getRequestId", "getRequestURI", "getRequestURL", "getResourcePath",
	"getScheme", "getServerName", "getServerPort", "getServicePath", "getText", "isSecure", "isUserInRole",
	"isValid", "json", "removeAttribute", "setAttribute",
}

// request2xFunctions are the additions of net/http/request.
var request2xFunctions = []string{"getInfo", "getInput", "readInput", "readInputText"}

func TestRequestFlavors(t *testing.T) {
	all := slices.Sorted(slices.Values(append(slices.Clone(requestFunctions), request2xFunctions...)))
	tests := []struct {
		module string
		funcs  []string
		self   bool // the export names itself Request
	}{
		{"http/request", requestFunctions, false},
		{"http/v4/request", requestFunctions, false},
		{"http/v3/request", requestFunctions, false},
		{"net/http/request", all, false},
		{"sdk/http/request", requestFunctions, true},
		{"@aerokit/sdk/http/request", requestFunctions, true},
	}
	for _, tc := range tests {
		t.Run(tc.module, func(t *testing.T) {
			t.Parallel()
			got := evalFlavors(t, nil, oneVM, `[
				Object.keys(request).filter(function (k) { return typeof request[k] === "function"; }).sort(),
				request.Request === request,
				(function () { try { request.getMethod = null; return false; } catch (e) { return e instanceof TypeError; } })()]`, tc.module)
			want := jsonOf(t, []any{tc.funcs, tc.self, true})
			if got[0] != want {
				t.Errorf("got  %s\nwant %s", got[0], want)
			}
		})
	}
}

// The sdk/http/request export is the class itself: require, the named
// import, the index module and the @aerokit scope all give the same object.
func TestRequestSDKShape(t *testing.T) {
	got := evalFlavors(t, get("/t", "X-A: 1"), oneVM, `(function () {
		var sdk = require("sdk/http/request"), aero = require("@aerokit/sdk/http/request"), index = require("sdk/http");
		return [sdk === aero, sdk.Request === sdk, index.request === sdk, index.Request === sdk,
			sdk.Request.getHeader("X-A"), sdk === require("http/request")];
	})()`, "sdk/http/request")
	if want := `[true,true,true,true,"1",false]`; got[0] != want {
		t.Errorf("got  %s\nwant %s", got[0], want)
	}
}

// The local address and port are those of the listening socket, so this
// runs over a real connection.
func TestRequestLocalAddress(t *testing.T) {
	s := moduletest.New(t, map[string]string{"t.js": showJS + `
var request = require("http/request");
require("http/response").print(show([request.getLocalAddress(), request.getLocalName(), request.getLocalPort(),
	request.getRemoteAddress(), request.getServerName(), request.getServerPort(), request.getProtocol()]));
`}, oneVM)
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(u.Port())
	resp, body := s.Get(t, "/t")
	want := jsonOf(t, []any{"127.0.0.1", "127.0.0.1", port, "127.0.0.1", "127.0.0.1", port, "HTTP/1.1"})
	if resp.StatusCode != http.StatusOK || body != want {
		t.Errorf("got %d %s\nwant %s", resp.StatusCode, body, want)
	}
}

// A body larger than Config.MaxBodyBytes fails the script with 413, whichever
// getter reads it; a script that catches the error goes on.
func TestRequestBodyTooLarge(t *testing.T) {
	small := moduletest.Options{Runtime: func(c *runtime.Config) { c.PoolSize = 1; c.MaxBodyBytes = 4 }}
	tests := []struct {
		name       string
		script     string
		body       string
		header     string
		wantStatus int
		wantBody   string
	}{
		{name: "getText", script: `request.getText()`, body: "12345", wantStatus: 413},
		{name: "getBytes", script: `request.getBytes()`, body: "12345", wantStatus: 413},
		{name: "json", script: `request.json()`, body: "[1,2]", wantStatus: 413},
		{name: "getInputStream", script: `request.getInputStream()`, body: "12345", wantStatus: 413},
		{name: "form parameters", script: `request.getParameter("a")`, body: "a=123",
			header: "Content-Type: application/x-www-form-urlencoded", wantStatus: 413},
		{name: "query parameters do not read the body", script: `response.print(request.getParameter("q"))`,
			body: "123456", wantStatus: 200, wantBody: "1"},
		{name: "at the limit", script: `response.print(request.getText())`, body: "1234", wantStatus: 200, wantBody: "1234"},
		{name: "caught", script: `try { request.getText(); } catch (e) { response.print(/too large/.test(e.message)); }`,
			body: "12345", wantStatus: 200, wantBody: "true"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := newReq("POST", "/t?q=1", tc.body)
			if tc.header != "" {
				req = newReq("POST", "/t?q=1", tc.body, tc.header)
			}
			w := moduletest.Eval(t, `var request = require("http/request"), response = require("http/response");
`+tc.script, req, small)
			if w.Code != tc.wantStatus || (tc.wantBody != "" && w.Body.String() != tc.wantBody) {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Body.String(), tc.wantStatus, tc.wantBody)
			}
		})
	}
}

// Outside HTTP every request function but isValid throws Dirigible's error,
// in every flavor.
func TestRequestBatchMode(t *testing.T) {
	s := moduletest.New(t, map[string]string{"t.js": `
var mods = ["http/request", "http/v4/request", "http/v3/request", "net/http/request", "sdk/http/request"];
var problems = [];
mods.forEach(function (m) {
	var request = require(m);
	if (request.isValid() !== false) problems.push(m + ".isValid: got " + request.isValid());
	Object.keys(request).forEach(function (k) {
		if (k === "isValid" || typeof request[k] !== "function") return;
		try {
			var v = request[k]("x", "y");
			problems.push(m + "." + k + ": returned " + v);
		} catch (e) {
			if (e.message !== "Trying to use HTTP Request Facade without a valid Request")
				problems.push(m + "." + k + ": threw " + e.message);
		}
	});
});
if (problems.length) throw new Error(problems.join("\n"));
`}, oneVM)
	code, err := s.Runtime.RunFile(context.Background(), "t.js", nil)
	if code != 0 || err != nil {
		t.Fatalf("exit %d: %v", code, err)
	}
}

// An uncaught facade error ends the batch run with that error.
func TestRequestBatchModeUncaught(t *testing.T) {
	s := moduletest.New(t, map[string]string{"t.js": `require("sdk/http/request").getMethod();`}, oneVM)
	code, err := s.Runtime.RunFile(context.Background(), "t.js", nil)
	var se *runtime.ScriptError
	if code != 1 || !errors.As(err, &se) || !strings.Contains(se.Message, "Trying to use HTTP Request Facade without a valid Request") {
		t.Fatalf("exit %d: %v", code, err)
	}
}

// ES modules and TypeScript import the request through sdk/http and the
// @aerokit scope.
func TestRequestESM(t *testing.T) {
	tests := []struct {
		name, file, script string
	}{
		{"sdk/http index", "t.mjs", `import { request, response } from "sdk/http";
response.print(request.getMethod() + " " + request.getParameter("a"));`},
		{"aerokit class", "t.mjs", `import { Request } from "@aerokit/sdk/http/request";
import { Response } from "@aerokit/sdk/http/response";
Response.print(Request.getMethod() + " " + Request.getParameter("a"));`},
		{"default import", "t.mjs", `import Request from "sdk/http/request";
import { response } from "sdk/http";
response.print(Request.getMethod() + " " + Request.getParameter("a"));`},
		{"TypeScript", "t.ts", `import { Request } from "sdk/http/request";
import { Response } from "sdk/http/response";
const method: string = Request.getMethod();
Response.print(method + " " + (Request.getParameter("a") as string));`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := moduletest.New(t, map[string]string{tc.file: tc.script}, oneVM)
			resp, body := s.Get(t, "/t?a=1")
			if resp.StatusCode != http.StatusOK || body != "GET 1" {
				t.Errorf("got %d %q, want 200 %q", resp.StatusCode, body, "GET 1")
			}
		})
	}
}

// request.getRequestId() (a dirigo extension) is the ID the response and the
// log carry: the client's X-Request-Id when valid, else one the server made.
func TestRequestID(t *testing.T) {
	s := moduletest.New(t, map[string]string{"id.js": `require("http/response").print(require("http/request").getRequestId())`}, oneVM)
	tests := []struct {
		name, sent string
		kept       bool
	}{
		{"client's", "abc-123_x.y:z", true},
		{"none", "", false},
		{"hostile", "a b\"c<x>", false},
		{"too long", strings.Repeat("a", 129), false},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest("GET", s.URL+"/id", nil)
		if tc.sent != "" {
			req.Header["X-Request-Id"] = []string{tc.sent}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got := string(b)
		if got == "" || got != resp.Header.Get("X-Request-Id") || (got == tc.sent) != tc.kept {
			t.Errorf("%s: sent %q, script saw %q, response header %q", tc.name, tc.sent, got, resp.Header.Get("X-Request-Id"))
		}
	}
	w := moduletest.Eval(t, `var r = require("sdk/http/request"); require("http/response").print(typeof r.getRequestId())`, nil, oneVM)
	if w.Body.String() != "string" {
		t.Errorf("sdk/http: %q", w.Body.String())
	}
}
