package rs_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/dirigo/dirigo/modules/moduletest"
)

// call sends one request to s: method, path, headers as "Name: value"
// strings, and a body.
func call(t *testing.T, s *moduletest.Server, method, path, body string, headers ...string) (*http.Response, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, path, r)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(k, strings.TrimSpace(v))
	}
	return s.Do(t, req)
}

type exchange struct {
	method, path, body string
	headers            []string
	status             int
	want               string // the body, exactly
	contentType        string // checked when not empty
}

func check(t *testing.T, s *moduletest.Server, cases []exchange) {
	t.Helper()
	for _, x := range cases {
		resp, body := call(t, s, x.method, x.path, x.body, x.headers...)
		if resp.StatusCode != x.status || body != x.want {
			t.Errorf("%s %s %v: %d %q, want %d %q", x.method, x.path, x.headers, resp.StatusCode, body, x.status, x.want)
		}
		if x.contentType != "" && resp.Header.Get("Content-Type") != x.contentType {
			t.Errorf("%s %s: Content-Type %q, want %q", x.method, x.path, resp.Header.Get("Content-Type"), x.contentType)
		}
	}
}

const noProcessor = "{\n  \"error\": \"Bad Request\",\n  \"details\": \"No suitable processor for this request.\"\n}"

// A service that echoes which handler ran and its parameters.
const routesJS = `
var rs = require("http/rs");
var response = require("http/response");
function echo(name) {
	return function (ctx) {
		response.print(name + " " + JSON.stringify(ctx.pathParameters) + " " + JSON.stringify(ctx.queryParameters));
	};
}
rs.service()
	.resource("users/{id}").get(echo("user"))
	.resource("users/count").get(echo("count"))
	.resource("users/:id/orders/:order").get(echo("order"))
	.resource("users/{id}/{rest}").get(echo("two"))
	.resource("a/{x}").get(echo("ax"))
	.resource("{x}/b").get(echo("xb"))
	.resource("files/{path*}").get(echo("files"))
	.resource("").get(echo("root"))
	.resource("only-post").post(echo("post"))
	.resource("n/:id(\\d+)").get(echo("number"))
.execute();
`

func TestRouting(t *testing.T) {
	s := moduletest.New(t, map[string]string{"api/routes.js": routesJS}, moduletest.Options{})
	check(t, s, []exchange{
		{method: "GET", path: "/api/routes/users/42?q=1&q=2&f", status: 200, want: `user {"id":"42"} {"q":["1","2"],"f":true}`},
		// An exact route wins over a template defined before it.
		{method: "GET", path: "/api/routes/users/count", status: 200, want: `count {} {}`},
		{method: "GET", path: "/api/routes/users/7/orders/9", status: 200, want: `order {"id":"7","order":"9"} {}`},
		// Of two templates with as many parameters, the first defined.
		{method: "GET", path: "/api/routes/a/b", status: 200, want: `ax {"x":"b"} {}`},
		{method: "GET", path: "/api/routes/users/7/x", status: 200, want: `two {"id":"7","rest":"x"} {}`},
		{method: "GET", path: "/api/routes/files/a/b/c", status: 200, want: `files {"path":["a","b","c"]} {}`},
		{method: "GET", path: "/api/routes/files", status: 200, want: `files {} {}`},
		{method: "GET", path: "/api/routes", status: 200, want: `root {} {}`},
		{method: "GET", path: "/api/routes.js", status: 200, want: `root {} {}`},
		{method: "GET", path: "/api/routes.js/users/1", status: 200, want: `user {"id":"1"} {}`},
		// Case insensitive, and an optional trailing slash.
		{method: "GET", path: "/api/routes/USERS/42/", status: 200, want: `user {"id":"42"} {}`},
		{method: "GET", path: "/api/routes/n/12", status: 200, want: `number {"id":"12"} {}`},
		// No route: Dirigible's 400, JSON unless the client accepts HTML.
		{method: "GET", path: "/api/routes/n/ab", status: 400, want: noProcessor, contentType: "application/json"},
		{method: "GET", path: "/api/routes/nothing/here/at/all", status: 400, want: noProcessor},
		// A route without a handler for the method is no route.
		{method: "GET", path: "/api/routes/only-post", status: 400, want: noProcessor},
		{method: "POST", path: "/api/routes/only-post", status: 200, want: `post {} {}`},
		{method: "DELETE", path: "/api/routes/users/1", status: 400, want: noProcessor},
		{method: "GET", path: "/api/routes/nothing", headers: []string{"Accept: text/html,*/*;q=0.8"}, status: 400,
			want: "Bad Request: No suitable processor for this request.", contentType: "text/plain; charset=utf-8"},
		// */* counts as HTML for Dirigible's sendError; no Accept is JSON.
		{method: "GET", path: "/api/routes/nothing", headers: []string{"Accept: */*"}, status: 400, want: "Bad Request: No suitable processor for this request."},
		{method: "GET", path: "/api/routes/nothing", headers: []string{"Accept: application/json"}, status: 400, want: noProcessor},
	})
}

const negotiationJS = `
var rs = require("sdk/http/rs");
var response = require("sdk/http/response");
function say(s) { return function () { response.print(s); }; }
var svc = rs.service();
svc.resource("doc")
	.get(say("json")).produces(["application/json"])
	.get({produces: ["text/xml", "application/xml"], serve: say("xml")})
	.post(say("post-json")).consumes("*/json")
	.post({consumes: ["text/plain"], serve: say("post-text")});
svc.resource("any").put(say("put-any")).consumes(["*/*"]);
svc.resource("free").get(say("free"));
svc.execute();
`

func TestNegotiation(t *testing.T) {
	s := moduletest.New(t, map[string]string{"neg.js": negotiationJS}, moduletest.Options{})
	check(t, s, []exchange{
		{method: "GET", path: "/neg/doc", status: 200, want: "json"}, // no Accept: the first
		{method: "GET", path: "/neg/doc", headers: []string{"Accept: application/xml"}, status: 200, want: "xml"},
		{method: "GET", path: "/neg/doc", headers: []string{"Accept: text/*"}, status: 200, want: "xml"},
		{method: "GET", path: "/neg/doc", headers: []string{"Accept: */json"}, status: 200, want: "json"},
		{method: "GET", path: "/neg/doc", headers: []string{"Accept: image/png, application/json;q=0.1"}, status: 200, want: "json"},
		{method: "GET", path: "/neg/doc", headers: []string{"Accept: */*"}, status: 200, want: "json"},
		{method: "GET", path: "/neg/doc", headers: []string{"Accept: image/png"}, status: 400, want: noProcessor},
		{method: "POST", path: "/neg/doc", body: "{}", headers: []string{"Content-Type: application/json; charset=utf-8"}, status: 200, want: "post-json"},
		{method: "POST", path: "/neg/doc", body: "x", headers: []string{"Content-Type: text/plain"}, status: 200, want: "post-text"},
		{method: "POST", path: "/neg/doc", body: "x", headers: []string{"Content-Type: text/csv"}, status: 400, want: noProcessor},
		{method: "POST", path: "/neg/doc", body: "x", status: 400, want: noProcessor}, // consumes needs a Content-Type
		{method: "PUT", path: "/neg/any", body: "x", headers: []string{"Content-Type: image/png"}, status: 200, want: "put-any"},
		{method: "PUT", path: "/neg/any", body: "x", status: 200, want: "put-any"},
		// A handler that declares no produces serves any Accept.
		{method: "GET", path: "/neg/free", headers: []string{"Accept: image/png"}, status: 200, want: "free"},
	})
}

const errorsJS = `
var rs = require("http/rs");
var response = require("http/response");
var log = [];
rs.service()
	.resource("throw").get(function () { throw new TypeError("boom"); })
	.resource("coded").get(function (ctx) {
		ctx.httpErrorCode = 409; ctx.errorName = "Conflict"; ctx.errorCode = 7; ctx.errorMessage = "taken";
		throw new Error("ignored");
	})
	.resource("quiet").get(function (ctx) {
		ctx.httpErrorCode = 404; ctx.suppressStack = true; ctx.errorName = "Not Found";
		throw new Error("no such thing");
	})
	.resource("caught").get(function () { throw new Error("mine"); })
		.catch(function (ctx, err, req, res) { res.setStatus(418); res.print("caught " + err.message + " " + (ctx.req === req)); })
		.finally(function () { log.push("finally"); })
	.resource("guarded").get(function () { response.print("served"); })
		.before(function (ctx, req, res, spec, controller) { controller.sendError(403, "A1", "Forbidden", "keep out"); })
	.resource("send").get(function (ctx, req, res, spec, controller) { controller.sendError(503); })
	.resource("pre").get(function () { response.print(" then served"); })
		.before(function () { response.print("before"); })
	.resource("log").get(function () { response.print(JSON.stringify(log)); })
.execute();
`

func TestErrors(t *testing.T) {
	s := moduletest.New(t, map[string]string{"e.js": errorsJS}, moduletest.Options{})
	check(t, s, []exchange{
		{method: "GET", path: "/e/throw", status: 500, want: "{\n  \"error\": \"TypeError\",\n  \"details\": \"boom\"\n}", contentType: "application/json"},
		{method: "GET", path: "/e/coded", status: 409, want: "{\n  \"code\": 7,\n  \"error\": \"Conflict\",\n  \"details\": \"taken\"\n}"},
		{method: "GET", path: "/e/quiet", status: 404, want: "{\n  \"error\": \"Not Found\",\n  \"details\": \"no such thing\"\n}"},
		{method: "GET", path: "/e/quiet", headers: []string{"Accept: text/html"}, status: 404, want: "Not Found: no such thing"},
		{method: "GET", path: "/e/caught", status: 418, want: "caught mine true"},
		{method: "GET", path: "/e/guarded", status: 403, want: "{\n  \"code\": \"A1\",\n  \"error\": \"Forbidden\",\n  \"details\": \"keep out\"\n}"},
		{method: "GET", path: "/e/guarded", headers: []string{"Accept: text/html"}, status: 403, want: "Forbidden[A1]: keep out"},
		{method: "GET", path: "/e/send", status: 503, want: "{}"},
		{method: "GET", path: "/e/pre", status: 200, want: "before then served"},
	})
	// The stack of a failed handler is logged; a suppressed one is not.
	logs := s.Logs()
	if !strings.Contains(logs, "TypeError: boom") || !strings.Contains(logs, "e.js:6") {
		t.Errorf("the handler's error and stack are not in the log:\n%s", logs)
	}
	if strings.Contains(logs, "Error: no such thing") {
		t.Errorf("a suppressed error was logged with its stack:\n%s", logs)
	}
}

func TestFinallyRuns(t *testing.T) {
	s := moduletest.New(t, map[string]string{"f.js": `
var rs = require("sdk/http/rs");
var response = require("sdk/http/response");
var order = [];
rs.service().resource("").get(function () { order.push("serve"); throw new Error("x"); })
	.before(function () { order.push("before"); })
	.catch(function () { order.push("catch"); })
	.finally(function () { order.push("finally"); })
	.execute();
// closeResponse flushed and closed the response: nothing more is sent.
response.print(JSON.stringify(order));
console.log("order " + JSON.stringify(order));
`}, moduletest.Options{})
	resp, body := s.Get(t, "/f")
	if resp.StatusCode != 200 || body != "" {
		t.Errorf("%d %q", resp.StatusCode, body)
	}
	if !strings.Contains(s.Logs(), `order [\"before\",\"serve\",\"catch\",\"finally\"]`) {
		t.Errorf("handlers ran out of order:\n%s", s.Logs())
	}
}

func TestFluentAPI(t *testing.T) {
	s := moduletest.New(t, map[string]string{"api.js": `
var rs = require("sdk/http/rs");
var response = require("sdk/http/response");
var request = require("sdk/http/request");
var out = [];
// Shortcuts on the controller, a configuration object, method(), remove().
var svc = rs.service({
	"cfg/{id}": {get: [{produces: ["application/json"], serve: function (ctx) { response.print("cfg " + ctx.pathParameters.id); }}]}
});
svc.get("short", function () { response.print("short get"); })
	.post("short", function () { response.print("short post"); })
	.remove("short", function () { response.print("short delete"); })
	.method("short", "PATCH", {serve: function () { response.print("short patch"); }});
svc.get("/slash", function () { response.print("slash"); });
var m = svc.resource("chain").get(function () { response.print("chain"); });
out.push(m instanceof rs.ResourceMethod, m.configuration().produces === undefined);
m.produces("text/plain").produces(["text/plain", "text/csv"]);
out.push(JSON.stringify(m.configuration().produces));
var res = svc.resource("chain");
out.push(res instanceof rs.Resource, res.path(), svc.mappings() instanceof rs.ResourceMappings);
out.push(JSON.stringify(Object.keys(svc.mappings().configuration())));
out.push(res.find("get", undefined, ["text/plain", "text/csv"]) instanceof rs.ResourceMethod, res.find("post") === undefined);
try { svc.get(); } catch (e) { out.push(e.message); }
try { res.get(42); } catch (e) { out.push(e.message.slice(0, 40)); }
try { m.consumes("json"); } catch (e) { out.push(e.message); }
try { m.serve("nope"); } catch (e) { out.push(e.message); }
svc.resource("readonly").get(function () {}).post(function () {});
svc.resource("readonly").readonly();
out.push(JSON.stringify(Object.keys(svc.resource("readonly").configuration())));
svc.resource("gone").get(function () { response.print("gone"); });
svc.mappings().disable("gone", "GET");
if (request.getResourcePath() === "report") {
	response.print(JSON.stringify(out));
} else {
	svc.execute();
}
`}, moduletest.Options{})
	check(t, s, []exchange{
		{method: "GET", path: "/api/cfg/5", status: 200, want: "cfg 5"},
		{method: "GET", path: "/api/short", status: 200, want: "short get"},
		{method: "POST", path: "/api/short", status: 200, want: "short post"},
		{method: "DELETE", path: "/api/short", status: 200, want: "short delete"},
		{method: "PATCH", path: "/api/short", status: 200, want: "short patch"},
		{method: "GET", path: "/api/slash", status: 200, want: "slash"},
		{method: "GET", path: "/api/chain", headers: []string{"Accept: text/csv"}, status: 200, want: "chain"},
		{method: "GET", path: "/api/chain", headers: []string{"Accept: application/json"}, status: 400, want: noProcessor},
		{method: "POST", path: "/api/readonly", status: 400, want: noProcessor},
		{method: "GET", path: "/api/gone", status: 400, want: noProcessor},
		{method: "GET", path: "/api/report", status: 200, want: `[true,true,"[\"text/plain\",\"text/csv\"]",true,"chain",true,` +
			`"[\"cfg/{id}\",\"short\",\"slash\",\"chain\"]",true,true,` +
			`"Insufficient arguments provided to HttpController method get.",` +
			`"Invalid argument: Resource.get method fi",` +
			`"Invalid argument. Not a valid MIME type format type/subtype: json",` +
			`"Invalid argument: serve method argument must be valid javascript function, but instead is string",` +
			`"[\"get\"]"]`},
	})
}

func TestExecuteWithOwnRequest(t *testing.T) {
	// execute(request, response) routes the given objects (Dirigible's
	// tests pass mocks).
	s := moduletest.New(t, map[string]string{"own.js": `
var rs = require("http/rs");
var response = require("http/response");
var seen = [];
var fake = {
	getResourcePath: function () { return "items/3"; },
	getMethod: function () { return "DELETE"; },
	getHeader: function () { return null; },
	getContentType: function () { return null; },
	getQueryParametersMap: function () { return {fake: true}; }
};
var fakeResponse = { isCommitted: function () { return false; } };
rs.service().resource("items/{n}").remove(function (ctx, req, res) {
	seen.push(ctx.pathParameters.n, ctx.queryParameters.fake, req === fake, res === fakeResponse);
}).execute(fake, fakeResponse);
response.print(JSON.stringify(seen));
`}, moduletest.Options{})
	resp, body := s.Get(t, "/own")
	// closeResponse flushed the real response: the print after it is not sent.
	if resp.StatusCode != 200 || body != "" {
		t.Errorf("%d %q", resp.StatusCode, body)
	}
	s2 := moduletest.New(t, map[string]string{"own.js": strings.Replace(`
var rs = require("http/rs");
var seen = [];
var fake = {
	getResourcePath: function () { return "items/3"; },
	getMethod: function () { return "DELETE"; },
	getHeader: function () { return null; },
	getContentType: function () { return null; },
	getQueryParametersMap: function () { return {fake: true}; }
};
var fakeResponse = { isCommitted: function () { return false; } };
rs.service().resource("items/{n}").remove(function (ctx, req, res) {
	seen.push(ctx.pathParameters.n, ctx.queryParameters.fake, req === fake, res === fakeResponse);
	require("http/response").print(JSON.stringify(seen));
}).execute(fake, fakeResponse);
`, "\t", "", -1)}, moduletest.Options{})
	resp, body = s2.Get(t, "/own")
	if resp.StatusCode != 200 || body != `["3",true,true,true]` {
		t.Errorf("%d %q", resp.StatusCode, body)
	}
}

func TestAsyncHandler(t *testing.T) {
	s := moduletest.New(t, map[string]string{"async.ts": `
import { rs, response } from "sdk/http";
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
rs.service()
	.resource("ok").get(async (ctx: any) => { await wait(5); response.print("late " + JSON.stringify(ctx.pathParameters)); })
	.resource("fail").get(async () => { await wait(5); throw new RangeError("too late"); })
	.resource("custom").get(async () => { throw new Error("x"); })
		.catch((ctx: any, err: any, req: any, res: any) => { res.setStatus(502); res.print("custom " + err.message); })
	.execute();
`}, moduletest.Options{})
	check(t, s, []exchange{
		{method: "GET", path: "/async/ok", status: 200, want: "late {}"},
		{method: "GET", path: "/async/fail", status: 500, want: "{\n  \"error\": \"RangeError\",\n  \"details\": \"too late\"\n}"},
		{method: "GET", path: "/async/custom", status: 502, want: "custom x"},
	})
}

func TestBadTemplate(t *testing.T) {
	s := moduletest.New(t, map[string]string{"bad.js": `
require("http/rs").service().resource("x/:").get(function () {}).execute();
`}, moduletest.Options{})
	resp, _ := s.Get(t, "/bad/x/1")
	if resp.StatusCode != 500 || !strings.Contains(s.Logs(), "Missing parameter name at 2") {
		t.Errorf("%d; log:\n%s", resp.StatusCode, s.Logs())
	}
}

// The flavors hand their own request and response objects to handlers, and
// every name serves the same API.
func TestFlavorsAndNames(t *testing.T) {
	files := map[string]string{}
	for name, want := range map[string]string{
		"http/rs":              `require("http/request")`,
		"http/v4/rs":           `require("http/request")`,
		"http/v3/rs":           `require("http/request")`,
		"sdk/http/rs":          `require("sdk/http/request")`,
		"@aerokit/sdk/http/rs": `require("sdk/http/request")`,
	} {
		files[strings.NewReplacer("/", "_", "@", "").Replace(name)+".js"] = `
var rs = require("` + name + `");
rs.service().resource("").get(function (ctx, req) {
	require("http/response").print(String(req === ` + want + ` && ctx.request === req && typeof rs.HttpController === "function"));
}).execute();`
	}
	files["index_ns.mjs"] = `
import { rs } from "sdk/http";
import * as direct from "@aerokit/sdk/http/rs";
import { response } from "sdk/http";
response.print(String(rs === direct.default || rs.service === direct.service));
`
	s := moduletest.New(t, files, moduletest.Options{})
	for name := range files {
		resp, body := s.Get(t, "/"+strings.TrimSuffix(strings.TrimSuffix(name, ".js"), ".mjs"))
		if resp.StatusCode != 200 || body != "true" {
			t.Errorf("%s: %d %q", name, resp.StatusCode, body)
		}
	}
}
