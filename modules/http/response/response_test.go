package response_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// oneVM keeps the per-case servers small.
var oneVM = moduletest.Options{NoSessions: true, Runtime: func(c *runtime.Config) { c.PoolSize = 1 }}

// run runs script for GET /t with response bound to the CommonJS response
// module, and returns what went on the wire (headers as sent).
func run(t *testing.T, script string) (*http.Response, string) {
	t.Helper()
	w := moduletest.Eval(t, `var response = require("http/response");
`+script, nil, oneVM)
	return w.Result(), w.Body.String()
}

// TestResponse checks what each function puts on the wire.
func TestResponse(t *testing.T) {
	tests := []struct {
		name   string
		script string
		status int               // 0: 200
		header map[string]string // "" means absent
		body   string
	}{
		// print and println coerce like Dirigible: (text && text.toString()) || "".
		{name: "print falsy values print nothing",
			script: `[0, -0, false, NaN, null, undefined, "", 0n].forEach(function (v) { response.print(v); }); response.print();`,
			body:   ""},
		{name: "print truthy values",
			script: `["a", 1, 2.5, -3, true, {}, [1, [2, 3]], 10n, { toString: function () { return "T"; } }].forEach(function (v) { response.print(v); });`,
			body:   "a12.5-3true[object Object]1,2,310T"},
		{name: "print UTF-8", script: `response.print("é✓😀");`, body: "é✓😀"},
		{name: "println LF only", script: `response.println("a"); response.println(); response.println(0); response.println({});`,
			body: "a\n\n\n[object Object]\n"},
		{name: "print destructured", script: `var print = response.print, println = response.println; print("a"); println("b");`,
			body: "a" + "b\n"},

		{name: "json", script: `response.json({ a: 1, b: [true, null], s: "é" });`,
			header: map[string]string{"Content-Type": "application/json"}, body: `{"a":1,"b":[true,null],"s":"é"}`},
		{name: "json primitives", script: `response.json("x"); response.json(0); response.json(null); response.json(false);`,
			header: map[string]string{"Content-Type": "application/json"}, body: `"x"0nullfalse`},
		{name: "json undefined prints nothing", script: `response.json(undefined); response.json(function () {});`,
			header: map[string]string{"Content-Type": "application/json"}, body: ``},
		{name: "json replaces the content type", script: `response.setContentType("text/html"); response.json([]);`,
			header: map[string]string{"Content-Type": "application/json"}, body: `[]`},
		{name: "json of a cycle throws", script: `var o = {}; o.o = o; response.json(o);`, status: 500},

		{name: "write byte array", script: `response.write([72, 105, -1, 255, 256 + 65, -128, 127]);`,
			body: "Hi\xff\xffA\x80\x7f"},
		{name: "write Uint8Array", script: `response.write(new Uint8Array([1, 2, 255]));`, body: "\x01\x02\xff"},
		{name: "write Uint8Array view", script: `response.write(new Uint8Array([1, 2, 3, 4]).subarray(1, 3));`, body: "\x02\x03"},
		{name: "write Int8Array", script: `response.write(new Int8Array([-1, 65]));`, body: "\xffA"},
		{name: "write ArrayBuffer", script: `response.write(new Uint8Array([65, 66]).buffer);`, body: "AB"},
		{name: "write DataView", script: `response.write(new DataView(new Uint8Array([9, 67, 68, 9]).buffer, 1, 2));`, body: "CD"},
		{name: "write string", script: `response.write("héllo");`, body: "héllo"},
		{name: "write array-like", script: `response.write({ length: 2, 0: 79, 1: 75 });`, body: "OK"},
		{name: "write a plain object is a TypeError", script: `response.write({ a: 1 });`, status: 500},
		{name: "write a number is a TypeError",
			script: `try { response.write(65); } catch (e) { response.print(e.name); }`, body: "TypeError"},
		{name: "write falsy writes nothing",
			script: `[null, undefined, 0, "", false, []].forEach(function (v) { response.write(v); }); response.write();`, body: ""},

		{name: "isCommitted", script: `var a = response.isCommitted(); response.print("x"); var b = response.isCommitted();
			response.flush(); var c = response.isCommitted(); response.print(JSON.stringify([a, b, c]));`,
			body: "x[false,false,true]"},

		{name: "setContentType and getContentType",
			script: `var before = response.getContentType(); response.setContentType("text/html; charset=utf-8");
			response.print(JSON.stringify([before, response.getContentType()]));`,
			header: map[string]string{"Content-Type": "text/html; charset=utf-8"}, body: `[null,"text/html; charset=utf-8"]`},
		{name: "getCharacterEncoding default", script: `response.print(response.getCharacterEncoding());`, body: "UTF-8"},
		{name: "setCharacterEncoding after setContentType",
			script: `response.setContentType("text/html"); response.setCharacterEncoding("ISO-8859-1");
			response.print(response.getCharacterEncoding() + " " + response.getContentType());`,
			header: map[string]string{"Content-Type": "text/html; charset=ISO-8859-1"}, body: "ISO-8859-1 text/html; charset=ISO-8859-1"},
		{name: "setCharacterEncoding before setContentType",
			script: `response.setCharacterEncoding("ISO-8859-1"); var a = response.getContentType(), b = response.getCharacterEncoding();
			response.setContentType("text/csv");
			response.print(JSON.stringify([a, b, response.getContentType()]));`,
			header: map[string]string{"Content-Type": "text/csv; charset=ISO-8859-1"}, body: `[null,"ISO-8859-1","text/csv; charset=ISO-8859-1"]`},
		{name: "setCharacterEncoding alone sets no content type",
			script: `response.setCharacterEncoding("UTF-16");`,
			header: map[string]string{"Content-Type": ""}, body: ""},
		{name: "a charset in the new content type wins",
			script: `response.setCharacterEncoding("ISO-8859-1"); response.setContentType("text/plain; charset=UTF-8");
			response.print(response.getCharacterEncoding());`,
			header: map[string]string{"Content-Type": "text/plain; charset=UTF-8"}, body: "UTF-8"},

		{name: "flush freezes status and headers",
			script: `response.setHeader("X-A", "1"); response.print("a"); response.flush();
			response.setStatus(201); response.setHeader("X-A", "2"); response.addHeader("X-B", "1"); response.setContentType("text/x");
			response.print(JSON.stringify([response.getHeader("X-A"), response.getHeader("X-B"), response.getContentType()]));`,
			header: map[string]string{"X-A": "1", "X-B": "", "Content-Type": ""},
			body:   `a["1",null,null]`},
		{name: "close discards later output", script: `response.print("a"); response.close(); response.print("b"); response.write([65]);
			response.getOutputStream().writeText("c");`, body: "a"},
		{name: "close commits", script: `response.close(); response.setStatus(404);`, body: ""},

		{name: "addCookie Set-Cookie names",
			script: `response.addCookie({ name: "s", value: "v", "Max-Age": 60, Path: "/p", Domain: "example.com", HttpOnly: "", SameSite: "Strict" });`,
			header: map[string]string{"Set-Cookie": "s=v; Path=/p; Domain=example.com; Max-Age=60; HttpOnly; SameSite=Strict"}},
		{name: "addCookie servlet names",
			script: `response.addCookie({ name: "t", value: "w", maxAge: 0, path: "/", secure: true, httpOnly: true });`,
			header: map[string]string{"Set-Cookie": "t=w; Path=/; Max-Age=0; HttpOnly; Secure"}},
		{name: "addCookie v4 shape from getCookies",
			script: `response.addCookie({ name: "t", value: "w", maxAge: -1, secure: false, version: 0, isHttpOnly: false });`,
			header: map[string]string{"Set-Cookie": "t=w"}},
		{name: "addCookie attributes object",
			script: `response.addCookie({ name: "a", value: "1", attributes: { Path: "/x", Secure: "" } });`,
			header: map[string]string{"Set-Cookie": "a=1; Path=/x; Secure"}},
		{name: "addCookie value with a space is quoted",
			script: `response.addCookie({ name: "q", value: "x y" });`,
			header: map[string]string{"Set-Cookie": `q="x y"`}},
		{name: "addCookie after commit is ignored",
			script: `response.flush(); response.addCookie({ name: "late", value: "1" });`,
			header: map[string]string{"Set-Cookie": ""}},
		{name: "addCookie invalid name", script: `response.addCookie({ name: "a b", value: "1" });`, status: 500},
		{name: "addCookie without name", script: `response.addCookie({ value: "1" });`, status: 500},
		{name: "addCookie not an object", script: `response.addCookie("a=1");`, status: 500},
		{name: "addCookie invalid name is catchable",
			script: `try { response.addCookie({ name: "a;b", value: "1" }); } catch (e) { response.print(/addCookie/.test(e.message)); }`,
			header: map[string]string{"Set-Cookie": ""}, body: "true"},

		{name: "containsHeader",
			script: `response.setHeader("X-A", "1"); response.print(JSON.stringify([response.containsHeader("x-a"), response.containsHeader("X-B")]));`,
			body:   "[true,false]"},
		{name: "encodeURL", script: `response.print(response.encodeURL("/a?b=1&c=é") + " " + response.encodeRedirectURL("http://x/y"));`,
			body: "/a?b=1&c=é http://x/y"},

		{name: "sendError", script: `response.setHeader("X-A", "1"); response.print("lost"); response.sendError(404, "Nope"); response.print("later");`,
			status: 404, header: map[string]string{"Content-Type": "text/plain; charset=utf-8", "X-A": "1"}, body: "Nope"},
		{name: "sendError without message", script: `response.sendError(503);`, status: 503, body: "Service Unavailable"},
		{name: "sendError null message", script: `response.sendError(response.FORBIDDEN, null);`, status: 403, body: "Forbidden"},
		{name: "sendError commits", script: `response.sendError(404, "x"); var c = response.isCommitted();
			response.setStatus(200); response.setHeader("X-Late", "1"); response.setContentType("text/html");
			var problems = [];
			try { response.reset(); problems.push("reset did not throw"); } catch (e) {}
			if (!c) problems.push("not committed");
			if (problems.length) throw new Error(problems.join(", "));`,
			status: 404, header: map[string]string{"X-Late": "", "Content-Type": "text/plain; charset=utf-8"}, body: "x"},
		{name: "sendError after flush throws", script: `response.print("a"); response.flush();
			try { response.sendError(500, "x"); } catch (e) { response.print(" threw"); }`, body: "a threw"},
		{name: "sendError invalid code", script: `response.sendError(0, "x");`, status: 500},
		{name: "sendError NaN code", script: `response.sendError("abc");`, status: 500},

		{name: "sendRedirect", script: `response.print("lost"); response.sendRedirect("/login?x=1"); response.print("later");`,
			status: 302, header: map[string]string{"Location": "/login?x=1"}, body: ""},
		{name: "sendRedirect after flush throws", script: `response.flush();
			try { response.sendRedirect("/x"); } catch (e) { response.print("threw"); }`,
			header: map[string]string{"Location": ""}, body: "threw"},

		{name: "setContentLength", script: `response.setContentLength(3); response.print("abc");`,
			header: map[string]string{"Content-Length": "3"}, body: "abc"},
		{name: "setContentLength negative means unknown", script: `response.setContentLength(3); response.setContentLength(-1); response.print("abcd");`,
			header: map[string]string{"Content-Length": ""}, body: "abcd"},

		{name: "setHeader replaces", script: `response.setHeader("X-A", "1"); response.setHeader("x-a", "2"); response.setHeader("X-N", 5);`,
			header: map[string]string{"X-A": "2", "X-N": "5"}},
		{name: "setHeader null is ignored", script: `response.setHeader("X-A", "1"); response.setHeader("X-A", null); response.setHeader("X-B", undefined);`,
			header: map[string]string{"X-A": "1", "X-B": ""}},
		{name: "addHeader appends",
			script: `response.addHeader("X-B", "1"); response.addHeader("x-b", "2"); response.print(JSON.stringify(response.getHeaders("X-B")));`,
			body:   `["1","2"]`},
		{name: "addHeader Content-Type sets",
			script: `response.addHeader("Content-Type", "text/a"); response.addHeader("content-type", "text/b");
			response.print(JSON.stringify(response.getHeaders("Content-Type")));`,
			header: map[string]string{"Content-Type": "text/b"}, body: `["text/b"]`},

		{name: "setStatus", script: `response.setStatus(201); response.print("made");`, status: 201, body: "made"},
		{name: "setStatus constant", script: `response.setStatus(response.NOT_FOUND);`, status: 404},
		{name: "setStatus last wins before output", script: `response.setStatus(500); response.print("x"); response.setStatus(202);`,
			status: 202, body: "x"},

		{name: "reset", script: `response.setStatus(404); response.setHeader("X-A", "1"); response.setContentType("text/x");
			response.print("lost"); response.reset(); response.print("kept");`,
			header: map[string]string{"X-A": "", "Content-Type": ""}, body: "kept"},
		{name: "reset clears the character encoding",
			script: `response.setCharacterEncoding("ISO-8859-1"); response.reset(); response.setContentType("text/x"); response.print(response.getCharacterEncoding());`,
			header: map[string]string{"Content-Type": "text/x"}, body: "UTF-8"},
		{name: "reset after flush throws", script: `response.print("a"); response.flush();
			try { response.reset(); } catch (e) { response.print(" threw"); }`, body: "a threw"},

		{name: "getHeader", script: `response.setHeader("X-A", "1"); response.addHeader("X-A", "2");
			response.print(JSON.stringify([response.getHeader("x-a"), response.getHeader("X-None")]));`, body: `["1",null]`},
		{name: "getHeaders", script: `response.addHeader("X-A", "1"); response.addHeader("X-A", "2");
			response.print(JSON.stringify([response.getHeaders("X-A"), response.getHeaders("X-None")]));`, body: `[["1","2"],[]]`},
		{name: "getHeaderNames", script: `var before = response.getHeaderNames(); response.setHeader("x-b", "1"); response.setHeader("X-A", "1");
			response.print(JSON.stringify([before, response.getHeaderNames()]));`, body: `[[],["X-A","X-B"]]`},

		{name: "getLocale default", script: `response.print(response.getLocale());`, header: map[string]string{"Content-Language": ""}, body: "en_US"},
		{name: "setLocale", script: `response.setLocale("de", "DE", ""); response.print(response.getLocale());`,
			header: map[string]string{"Content-Language": "de-DE"}, body: "de_DE"},
		{name: "setLocale language only", script: `response.setLocale("fr"); response.print(response.getLocale());`,
			header: map[string]string{"Content-Language": "fr"}, body: "fr"},
		{name: "setLocale normalizes case", script: `response.setLocale("PT", "br", null); response.print(response.getLocale());`,
			header: map[string]string{"Content-Language": "pt-BR"}, body: "pt_BR"},

		{name: "getOutputStream", script: `var s = response.getOutputStream();
			s.write(65); s.write(-1); s.writeBytes([66, -2]); s.writeBytesNative(new Uint8Array([67])); s.writeText("é");
			var v = s.isValid(); s.flush(); var c = response.isCommitted(); s.close();
			response.print("lost"); s.writeText("lost");
			if (!v || !c || s.isValid()) throw new Error("isValid/isCommitted: " + [v, c, s.isValid()]);`,
			body: "A\xffB\xfeCé"},
		{name: "getOutputStream falsy writes nothing", script: `var s = response.getOutputStream(); s.writeBytes(null); s.writeText(undefined); s.writeText("a");`,
			body: "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, body := run(t, tc.script)
			want := tc.status
			if want == 0 {
				want = http.StatusOK
			}
			if resp.StatusCode != want {
				t.Errorf("status %d, want %d (body %q)", resp.StatusCode, want, body)
			}
			for k, v := range tc.header {
				if got := strings.Join(resp.Header.Values(k), ", "); got != v {
					t.Errorf("header %s: got %q, want %q", k, got, v)
				}
			}
			if want < 500 && body != tc.body {
				t.Errorf("body\n got %q\nwant %q", body, tc.body)
			}
		})
	}
}

// TestResponseMultipleCookies checks that each addCookie adds a header.
func TestResponseMultipleCookies(t *testing.T) {
	resp, _ := run(t, `response.addCookie({ name: "a", value: "1" }); response.addCookie({ name: "b", value: "2", Path: "/" });`)
	if got, want := resp.Header.Values("Set-Cookie"), []string{"a=1", "b=2; Path=/"}; !slices.Equal(got, want) {
		t.Errorf("Set-Cookie: got %q, want %q", got, want)
	}
}

// statusConstants are the 41 servlet status constants and Dirigible 12's 422.
var statusConstants = map[string]int{
	"ACCEPTED": 202, "BAD_GATEWAY": 502, "BAD_REQUEST": 400, "CONFLICT": 409, "CONTINUE": 100, "CREATED": 201,
	"EXPECTATION_FAILED": 417, "FORBIDDEN": 403, "FOUND": 302, "GATEWAY_TIMEOUT": 504, "GONE": 410,
	"HTTP_VERSION_NOT_SUPPORTED": 505, "INTERNAL_SERVER_ERROR": 500, "LENGTH_REQUIRED": 411,
	"METHOD_NOT_ALLOWED": 405, "MOVED_PERMANENTLY": 301, "MOVED_TEMPORARILY": 302, "MULTIPLE_CHOICES": 300,
	"NO_CONTENT": 204, "NON_AUTHORITATIVE_INFORMATION": 203, "NOT_ACCEPTABLE": 406, "NOT_FOUND": 404,
	"NOT_IMPLEMENTED": 501, "NOT_MODIFIED": 304, "OK": 200, "PARTIAL_CONTENT": 206, "PAYMENT_REQUIRED": 402,
	"PRECONDITION_FAILED": 412, "PROXY_AUTHENTICATION_REQUIRED": 407, "REQUEST_ENTITY_TOO_LARGE": 413,
	"REQUEST_TIMEOUT": 408, "REQUEST_URI_TOO_LONG": 414, "REQUESTED_RANGE_NOT_SATISFIABLE": 416,
	"RESET_CONTENT": 205, "SEE_OTHER": 303, "SERVICE_UNAVAILABLE": 503, "SWITCHING_PROTOCOLS": 101,
	"TEMPORARY_REDIRECT": 307, "UNAUTHORIZED": 401, "UNSUPPORTED_MEDIA_TYPE": 415, "USE_PROXY": 305,
	"UNPROCESSABLE_CONTENT": 422,
}

// reasonPhrases is Dirigible's HttpCodesReasons table, typo included.
var reasonPhrases = map[string]string{
	"100": "Continue", "101": "Switching Protocols", "200": "OK", "201": "Created", "202": "Accepted",
	"203": "Non-Authoritative Information", "204": "No Content", "205": "Reset Content", "206": "Partial Content",
	"300": "Multiple Choices", "301": "Moved Permanently", "302": "Found", "303": "See Other", "304": "Not Modified",
	"305": "Use Proxy", "307": "Temporary Redirect", "400": "Bad Request", "401": "Unauthorized",
	"402": "Payment Required", "403": "Forbidden", "404": "Not Found", "405": "Method Not Allowed",
	"406": "Not Acceptable", "407": "Proxy Authentication Required", "408": "Request Timeout", "409": "Conflict",
	"410": "Gone", "411": "Length Required", "412": "Precondition Failed", "413": "Payload Too Large",
	"414": "URI Too Large", "415": "Unsupported Media Type", "416": "Range Not Satisfiable",
	"417": "Expectation Failed", "422": "Unprocessable Content", "426": "Upgrade Required",
	"500": "Internal Server Error", "501": "Not Implemented", "502": "Bad Gateway", "503": "Service Unavailable",
	"504": "Gateway Timmeout", "505": "HTTP Version Not Supported",
}

// TestResponseConstants checks the status constants and HttpCodesReasons of
// every flavor, and that they need no HTTP request.
func TestResponseConstants(t *testing.T) {
	if len(statusConstants) != 42 {
		t.Fatalf("the test lists %d constants", len(statusConstants))
	}
	for _, mod := range responseModules {
		t.Run(mod, func(t *testing.T) {
			t.Parallel()
			_, body := run(t, `var r = require("`+mod+`"), consts = {}, reasons = {};
Object.keys(r).forEach(function (k) { if (/^[A-Z_]+$/.test(k)) consts[k] = r[k]; });
Object.keys(r.HttpCodesReasons).forEach(function (k) { if (k !== "getReason") reasons[k] = r.HttpCodesReasons[k]; });
response.print(JSON.stringify({ consts: consts, reasons: reasons }));`)
			var got struct {
				Consts  map[string]int
				Reasons map[string]string
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			for k, v := range statusConstants {
				if got.Consts[k] != v {
					t.Errorf("%s = %d, want %d", k, got.Consts[k], v)
				}
			}
			for k := range got.Consts {
				if _, ok := statusConstants[k]; !ok {
					t.Errorf("unexpected constant %s", k)
				}
			}
			for k, v := range reasonPhrases {
				if got.Reasons[k] != v {
					t.Errorf("HttpCodesReasons[%s] = %q, want %q", k, got.Reasons[k], v)
				}
			}
			for k := range got.Reasons {
				if _, ok := reasonPhrases[k]; !ok {
					t.Errorf("unexpected HttpCodesReasons[%s]", k)
				}
			}
		})
	}
}

func TestGetReason(t *testing.T) {
	const invalid = "Illegal argument for code[%s]. Valid HTTP codes are integer numbers in the range [100-505]."
	tests := []struct {
		arg  string // a JavaScript expression
		want string // the phrase, "undefined", or "throws <message>"
	}{
		{`200`, "OK"},
		{`"404"`, "Not Found"},
		{`504`, "Gateway Timmeout"},
		{`422`, "Unprocessable Content"},
		{`100`, "Continue"},
		{`505`, "HTTP Version Not Supported"},
		{`250`, "undefined"},
		{`200.5`, "undefined"},
		{`"0200"`, "undefined"},
		{`"abc"`, "throws " + strings.Replace(invalid, "%s", "abc", 1)},
		{`NaN`, "throws " + strings.Replace(invalid, "%s", "NaN", 1)},
		{`undefined`, "throws " + strings.Replace(invalid, "%s", "undefined", 1)},
		{`99`, "throws " + strings.Replace(invalid, "%s", "99", 1)},
		{`506`, "throws " + strings.Replace(invalid, "%s", "506", 1)},
		{`-1`, "throws " + strings.Replace(invalid, "%s", "-1", 1)},
	}
	var script strings.Builder
	script.WriteString("var out = [], R = require(\"sdk/http/response\").HttpCodesReasons;\n")
	for _, tc := range tests {
		script.WriteString("try { out.push(String(R.getReason(" + tc.arg + "))); } catch (e) { out.push(\"throws \" + e.message); }\n")
	}
	script.WriteString("response.print(JSON.stringify(out));")
	_, body := run(t, script.String())
	var got []string
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	for i, tc := range tests {
		t.Run(tc.arg, func(t *testing.T) {
			if got[i] != tc.want {
				t.Errorf("getReason(%s)\n got %s\nwant %s", tc.arg, got[i], tc.want)
			}
		})
	}
}

// TestResponse2x checks the functions only net/http/response (2.x) has.
func TestResponse2x(t *testing.T) {
	tests := []struct {
		name, script, body string
	}{
		{"writeOutput", `r.writeOutput([65, -1]);`, "A\xff"},
		{"getContentLength unknown", `r.print(r.getContentLength());`, "-1"},
		{"getContentLength", `r.setContentLength(1); r.print(r.getContentLength());`, "1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, body := run(t, `var r = require("net/http/response");`+tc.script)
			if body != tc.body {
				t.Errorf("got %q, want %q", body, tc.body)
			}
		})
	}
}

// TestResponseBuffering checks the 64 KiB response buffer over a real
// connection: status and headers may change until it fills or is flushed.
func TestResponseBuffering(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"big.js": `var response = require("http/response");
response.print("x".repeat(100 * 1024));
var c = response.isCommitted();
response.setStatus(201); response.setHeader("X-Late", "1");
response.print(String(c));`,
		"buffered.js": `var response = require("http/response");
response.print("x".repeat(10 * 1024));
var c = response.isCommitted();
response.setStatus(201); response.setHeader("X-Late", "1");
response.print(String(c));`,
		"small.js":  `require("http/response").print("hello");`,
		"before.js": `var response = require("http/response"); response.setStatus(404); response.setHeader("X-A", "1"); response.print("gone");`,
		"stream.js": `var s = require("http/response").getOutputStream(); for (var i = 0; i < 100; i++) s.writeBytes(new Uint8Array(1024));`,
		"empty.js":  `require("http/response").setStatus(204);`,
	}, oneVM)
	tests := []struct {
		path          string
		status        int
		contentLength int64 // -1: chunked
		late          string
		bodyLen       int
	}{
		// The buffer filled and went out before setStatus: 200, no X-Late.
		{"/big", 200, -1, "", 100*1024 + len("true")},
		{"/buffered", 201, 10*1024 + 5, "1", 10*1024 + len("false")},
		{"/small", 200, 5, "", 5},
		{"/before", 404, 4, "", 4},
		{"/stream", 200, -1, "", 100 * 1024},
		{"/empty", 204, 0, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := s.Get(t, tc.path)
			if resp.StatusCode != tc.status || resp.ContentLength != tc.contentLength ||
				resp.Header.Get("X-Late") != tc.late || len(body) != tc.bodyLen {
				t.Errorf("got status %d, length %d, X-Late %q, %d bytes; want %d, %d, %q, %d",
					resp.StatusCode, resp.ContentLength, resp.Header.Get("X-Late"), len(body),
					tc.status, tc.contentLength, tc.late, tc.bodyLen)
			}
		})
	}
}

// responseModules are the names of the response module.
var responseModules = []string{
	"http/response", "http/v4/response", "http/v3/response", "net/http/response",
	"sdk/http/response", "@aerokit/sdk/http/response",
}

// responseFunctions are the functions of every response flavor (reference §5.1).
var responseFunctions = []string{
	"addCookie", "addHeader", "close", "containsHeader", "encodeRedirectURL", "encodeURL", "flush",
	"getCharacterEncoding", "getContentType", "getHeader", "getHeaderNames", "getHeaders", "getLocale",
	"getOutputStream", "isCommitted", "isValid", "json", "print", "println", "reset", "sendError",
	"sendRedirect", "setCharacterEncoding", "setContentLength", "setContentType", "setHeader", "setLocale",
	"setStatus", "write",
}

func TestResponseFlavors(t *testing.T) {
	v2 := slices.Sorted(slices.Values(append(slices.Clone(responseFunctions), "getContentLength", "writeOutput")))
	for _, mod := range responseModules {
		t.Run(mod, func(t *testing.T) {
			t.Parallel()
			funcs := responseFunctions
			if mod == "net/http/response" {
				funcs = v2
			}
			self := strings.Contains(mod, "sdk/")
			_, body := run(t, `var r = require("`+mod+`");
response.print(JSON.stringify([Object.keys(r).filter(function (k) { return typeof r[k] === "function"; }).sort(),
	r.Response === r, (function () { try { r.print = null; return false; } catch (e) { return e instanceof TypeError; } })(), r.isValid()]));`)
			want, _ := json.Marshal([]any{funcs, self, true, true})
			if body != string(want) {
				t.Errorf("got  %s\nwant %s", body, want)
			}
		})
	}
}

// The sdk/http/response export is the class: import and require agree.
func TestResponseSDKShape(t *testing.T) {
	_, body := run(t, `var sdk = require("sdk/http/response");
response.print(JSON.stringify([sdk === require("@aerokit/sdk/http/response"), sdk.Response === sdk,
	require("sdk/http").response === sdk, require("sdk/http").Response === sdk, sdk === response]));`)
	if want := `[true,true,true,true,false]`; body != want {
		t.Errorf("got %s, want %s", body, want)
	}
}

func TestResponseESM(t *testing.T) {
	tests := []struct {
		name, file, script string
	}{
		{"sdk/http index", "t.mjs", `import { response } from "sdk/http";
response.setStatus(response.CREATED); response.json({ ok: true });`},
		{"aerokit class", "t.mjs", `import { Response } from "@aerokit/sdk/http/response";
Response.setStatus(Response.CREATED); Response.json({ ok: true });`},
		{"TypeScript", "t.ts", `import { Response } from "sdk/http/response";
const status: number = Response.CREATED;
Response.setStatus(status); Response.json({ ok: true });`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := moduletest.New(t, map[string]string{tc.file: tc.script}, oneVM)
			resp, body := s.Get(t, "/t")
			if resp.StatusCode != http.StatusCreated || body != `{"ok":true}` || resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("got %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
		})
	}
}

// Outside HTTP every response function but isValid throws Dirigible's error;
// the constants and HttpCodesReasons still work.
func TestResponseBatchMode(t *testing.T) {
	s := moduletest.New(t, map[string]string{"t.js": `
var mods = ` + func() string { b, _ := json.Marshal(responseModules); return string(b) }() + `;
var problems = [];
mods.forEach(function (m) {
	var response = require(m);
	if (response.isValid() !== false) problems.push(m + ".isValid: got " + response.isValid());
	if (response.NOT_FOUND !== 404) problems.push(m + ".NOT_FOUND: got " + response.NOT_FOUND);
	if (response.HttpCodesReasons.getReason(404) !== "Not Found") problems.push(m + ".getReason(404): got " + response.HttpCodesReasons.getReason(404));
	Object.keys(response).forEach(function (k) {
		if (k === "isValid" || typeof response[k] !== "function") return;
		try {
			var v = response[k]("x", "y");
			problems.push(m + "." + k + ": returned " + v);
		} catch (e) {
			if (e.message !== "Trying to use HTTP Response Facade without a valid Response")
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

// A response module held past the request (in a timer) still answers for
// its own request, not for none.
func TestResponseAsync(t *testing.T) {
	w := moduletest.Eval(t, `var response = require("sdk/http/response");
response.setStatus(202);
setTimeout(function () { response.print("late"); }, 10);
Promise.resolve().then(function () { response.print("micro "); });`, httptest.NewRequest("GET", "/t", nil), oneVM)
	if w.Code != http.StatusAccepted || w.Body.String() != "micro late" {
		t.Errorf("got %d %q", w.Code, w.Body.String())
	}
	if got := w.Header().Get("Content-Length"); got != "" && got != strconv.Itoa(len("micro late")) {
		t.Errorf("Content-Length %s", got)
	}
}
