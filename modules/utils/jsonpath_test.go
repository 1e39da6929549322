package utils_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/dirigo/dirigo/modules/moduletest"
)

// store is Goessner's example, the data of Dirigible's JSONPath docs.
const store = `var data = { store: {
	book: [
		{ category: "reference", author: "Nigel Rees", title: "Sayings of the Century", price: 8.95 },
		{ category: "fiction", author: "Evelyn Waugh", title: "Sword of Honour", price: 12.99 },
		{ category: "fiction", author: "Herman Melville", title: "Moby Dick", isbn: "0-553-21311-3", price: 8.99 },
		{ category: "fiction", author: "J. R. R. Tolkien", title: "The Lord of the Rings", isbn: "0-395-19395-8", price: 22.99 }
	],
	bicycle: { color: "red", price: 19.95 }
} };
`

// Each case is a JavaScript expression (JSONPath is the function) and the
// JSON of its result, as Dirigible's JSONPath (jsonpath-plus) answers.
func TestJSONPath(t *testing.T) {
	cases := []struct{ expr, want string }{
		{`JSONPath({path: "$.store.book[*].author", json: data})`, `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`},
		{`JSONPath({path: "$..author", json: data})`, `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`},
		{`JSONPath({path: "$.store.*", json: data}).length`, `2`},
		{`JSONPath({path: "$.store..price", json: data})`, `[8.95,12.99,8.99,22.99,19.95]`},
		{`JSONPath({path: "$..book[2].title", json: data})`, `["Moby Dick"]`},
		{`JSONPath({path: "$..book[-1:].title", json: data})`, `["The Lord of the Rings"]`},
		{`JSONPath({path: "$..book[(@.length-1)].title", json: data})`, `["The Lord of the Rings"]`},
		{`JSONPath({path: "$..book[0,1].title", json: data})`, `["Sayings of the Century","Sword of Honour"]`},
		{`JSONPath({path: "$..book[:2].title", json: data})`, `["Sayings of the Century","Sword of Honour"]`},
		{`JSONPath({path: "$..book[1:4:2].title", json: data})`, `["Sword of Honour","The Lord of the Rings"]`},
		{`JSONPath({path: "$..book[?(@.isbn)].title", json: data})`, `["Moby Dick","The Lord of the Rings"]`},
		{`JSONPath({path: "$..book[?(@.price<10)].title", json: data})`, `["Sayings of the Century","Moby Dick"]`},
		{`JSONPath({path: "$..book[?(@.price < 10 && @.category === 'fiction')].author", json: data})`, `["Herman Melville"]`},
		{`JSONPath({path: "$..book[?(@.author.indexOf('Tolkien') > -1)].price", json: data})`, `[22.99]`},
		{`JSONPath({path: "$..book[?(@.price > limit)].title", json: data, sandbox: {limit: 20}})`, `["The Lord of the Rings"]`},
		{`JSONPath({path: "$..book[?(cheap(@))].title", json: data, sandbox: {cheap: function (b) { return b.price < 9; }}})`, `["Sayings of the Century","Moby Dick"]`},
		{`JSONPath({path: "$..book[?(@property == 1 || @property === 3)].title", json: data})`, `["Sword of Honour","The Lord of the Rings"]`},
		{`JSONPath({path: "$..book[?(@path === \"$['store']['book'][0]\")].title", json: data})`, `["Sayings of the Century"]`},
		{`JSONPath({path: "$.store[?(@.color)]", json: data})`, `[{"color":"red","price":19.95}]`},
		{`JSONPath({path: "$..*", json: data}).length`, `27`},
		{`JSONPath({path: "$.store.bicycle.color", json: data, wrap: false})`, `"red"`},
		{`JSONPath({path: "$.store.book", json: data, wrap: false}).length`, `1`},
		{`JSONPath({path: "$.store.book", json: data, flatten: true}).length`, `4`},
		{`JSONPath({path: "$.nothing", json: data})`, `[]`},
		{`JSONPath({path: "$.nothing", json: data, wrap: false})`, `undefined`},
		{`JSONPath({path: "$..book[0].title", json: data, resultType: "path"})`, `["$['store']['book'][0]['title']"]`},
		{`JSONPath({path: "$..book[0].title", json: data, resultType: "pointer"})`, `["/store/book/0/title"]`},
		{`JSONPath({path: "$..book[0].title", json: data, resultType: "parentProperty"})`, `["title"]`},
		{`JSONPath({path: "$.store.book[1]", json: data, resultType: "parentProperty"})`, `["1"]`},
		{`JSONPath({path: "$.store.book[*]", json: data, resultType: "parentProperty"})`, `[0,1,2,3]`},
		{`JSONPath({path: "$.store.bicycle.color", json: data, resultType: "parent"})[0] === data.store.bicycle`, `true`},
		{`JSONPath({path: "$.store.bicycle.color", json: data, resultType: "all"})`, `[{"path":"$['store']['bicycle']['color']","value":"red","parent":{"color":"red","price":19.95},"parentProperty":"color","pointer":"/store/bicycle/color"}]`},
		{`JSONPath({path: "$.store.bicycle.color", json: data, resultType: "nope"})`, `undefined`},
		{`JSONPath({path: "$.store.*~", json: data})`, `["book","bicycle"]`},
		{`JSONPath({path: "$..book[?(@.price > 20)]^", json: data}).length`, `1`},
		{`JSONPath({path: "$..book[?(@.price > 20)]^", json: data})[0] === data.store.book`, `true`},
		{`JSONPath({path: "$..price@number()", json: data}).length`, `5`},
		{`JSONPath({path: "$.store.bicycle.*@string()", json: data})`, `["red"]`},
		{`JSONPath({path: "$..*@array()", json: data}).length`, `1`},
		{`JSONPath({path: "$.store.bicycle['color']", json: data})`, `["red"]`},
		{`JSONPath({path: "$['store']['bicycle']['color','price']", json: data})`, `["red",19.95]`},
		{`JSONPath({path: "$.a['b.c']", json: {a: {"b.c": 1}}})`, `[1]`},
		{"JSONPath({path: \"$.a.`*\", json: {a: {\"*\": 2, b: 3}}})", `[2]`},
		{`JSONPath({path: "$.s.length", json: {s: "abc"}})`, `[3]`},
		{`JSONPath({path: "$[?(@ > 1)]", json: [0, 1, 2, 3]})`, `[2,3]`},
		{`JSONPath({path: "$[?(@ >= 0)]", json: [0, 1]})`, `[1]`},
		{`JSONPath("$.a", {a: 1})`, `[1]`},
		{`JSONPath({path: ["$", "store", "bicycle", "color"], json: data})`, `["red"]`},
		{`JSONPath({path: "", json: data})`, `undefined`},
		{`JSONPath({path: "$.a", json: null})`, `undefined`},
		{`JSONPath({path: "$.store.bicycle.color", json: data, autostart: false}).evaluate()`, `["red"]`},
		{`JSONPath({json: data, autostart: false}).evaluate("$.store.bicycle.price")`, `[19.95]`},
		{`(function () { var seen = []; JSONPath({path: "$.store.bicycle.*", json: data, callback: function (v, type, full) { seen.push([v, type, full.path]); }}); return seen; })()`, `[["red","value","$['store']['bicycle']['color']"],[19.95,"value","$['store']['bicycle']['price']"]]`},
		{`JSONPath({path: "$.*@other()", json: {a: 1, b: "x"}, otherTypeCallback: function (v) { return v === 1; }})`, `[1]`},
		{`JSONPath.toPathArray("$.store.book[*]")`, `["$","store","book","*"]`},
		{`JSONPath.toPathArray("$..book[?(@.price<10)]")`, `["$","..","book","?(@.price<10)"]`},
		{`JSONPath.toPathString(["$", "store", "book", 0])`, `"$['store']['book'][0]"`},
		{`JSONPath.toPointer(["$", "a/b", "c~d", "~"])`, `"/a~1b/c~0d"`},
		{`JSONPath === JSONPath.JSONPath && JSONPath === JSONPath.default`, `true`},
		// Errors, as Dirigible's (an unknown name in a filter, an unknown
		// type) or dirigo's (what could run code or loop).
		{`fails(function () { JSONPath({path: "$[?(@.a.b)]", json: [{}, {a: 1}]}); })`, `"Error: jsonPath: Cannot read property 'b' of undefined: @.a.b"`},
		{`fails(function () { JSONPath({path: "$[?(nope)]", json: [1]}); })`, `"Error: jsonPath: nope is not defined: nope"`},
		{`fails(function () { JSONPath({path: "$[?(@.price)]", json: [1], preventEval: true}); })`, `"Error: Eval [?(expr)] prevented in JSONPath expression."`},
		{`fails(function () { JSONPath({path: "$.a@foo()", json: {a: 1}}); })`, `"no error"`},
		{`fails(function () { JSONPath({path: "$[?(@.constructor.constructor('return 1')())]", json: [{}]}); })`, `"Error: jsonPath: only functions of the sandbox and a few string and array methods can be called: @.constructor.constructor('return 1')()"`},
		{`fails(function () { JSONPath({path: "$[?(@.constructor.constructor('return 1'))]", json: [{}]}); })`, `"Error: jsonPath: the property constructor is not allowed: @.constructor.constructor('return 1')"`},
		{`fails(function () { JSONPath({path: "$[?(@['__proto__'])]", json: [{}]}); })`, `"Error: jsonPath: the property __proto__ is not allowed: @['__proto__']"`},
		{`fails(function () { JSONPath({path: "$[?(@.toString.call(1))]", json: [{}]}); })`, `"Error: jsonPath: calling call is not allowed in a JSONPath expression: @.toString.call(1)"`},
		{`fails(function () { JSONPath({path: "$[?(@.x.match(/a+/))]", json: [{x: "a"}]}); })`, `"Error: jsonPath: invalid expression: regular expression literals are not supported: @.x.match(/a+/)"`},
		{`fails(function () { JSONPath({path: "$[?(@.x.repeat(1e9))]", json: [{x: "a"}]}); })`, `"Error: jsonPath: calling repeat is not allowed in a JSONPath expression: @.x.repeat(1e9)"`},
		{`fails(function () { JSONPath({path: "$[?(@.x", json: [{x: "a"}]}); })`, `"Error: jsonPath: invalid path \"$[?(@.x\" at 3: unclosed ("`},
		{`fails(function () { var a = {}; a.self = a; JSONPath({path: "$..x", json: a}); })`, `"Error: jsonPath: the query takes too many steps: the data is nested deeper than 512 levels (or holds a cycle)"`},
	}
	var script strings.Builder
	script.WriteString(store + "var JSONPath = require(\"utils/jsonpath\");\n")
	for _, c := range cases {
		fmt.Fprintf(&script, "out(String(JSON.stringify(%s)));\n", c.expr)
	}
	lines := strings.Split(run(t, script.String()), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("%d lines for %d cases:\n%s", len(lines), len(cases), strings.Join(lines, "\n"))
	}
	for i, c := range cases {
		if lines[i] != c.want {
			t.Errorf("%s\n got %s\nwant %s", c.expr, lines[i], c.want)
		}
	}
}

// Every name of the module is the same function; the sdk/utils index has
// it as jsonpath (Dirigible's namespace) and JSONPath (its docs' name);
// ES modules import it by name and by default.
func TestJSONPathNames(t *testing.T) {
	s := moduletest.New(t, map[string]string{"t.mjs": `import { JSONPath } from "@aerokit/sdk/utils/jsonpath";
import jp from "utils/jsonpath";
import * as utils from "sdk/utils";
import { JSONPath as old } from "@dirigible/utils/jsonpath";
const names = ["utils/jsonpath", "utils/v4/jsonpath", "utils/v3/jsonpath", "sdk/utils/jsonpath", "@aerokit/sdk/utils/jsonpath"];
const out = names.map((n) => typeof require(n) === "function" && require(n)("$.a", { a: 7 })[0] === 7);
out.push(jp === require("utils/jsonpath"), utils.jsonpath === JSONPath, utils.JSONPath === JSONPath, old === JSONPath,
	JSONPath({ path: "$.a", json: { a: 1 }, wrap: false }));
require("http/response").print(JSON.stringify(out));`}, moduletest.Options{})
	_, body := s.Get(t, "/t")
	if want := `[true,true,true,true,true,true,true,true,true,1]`; body != want {
		t.Errorf("got %s, want %s\n%s", body, want, s.Logs())
	}
}

// A query whose work grows with the product of its segments (each .. and
// * multiplies) stops at the step budget with an error, and a path from
// the request never runs code.
func TestJSONPathHostile(t *testing.T) {
	got := run(t, `
var JSONPath = require("utils/jsonpath");
var wide = {}; for (var i = 0; i < 40; i++) { wide["k" + i] = {}; for (var j = 0; j < 40; j++) wide["k" + i]["j" + j] = {x: [1, 2, 3]}; }
var deep = {}; for (var d = 0, o = deep; d < 100; d++) { o.a = {}; o.b = 1; o = o.a; }
out(fails(function () { JSONPath({path: "$..*..*..*..*..*", json: deep}); }));
out(JSONPath({path: "$..x[1]", json: wide}).length);
globalThis.ran = false;
out(fails(function () { JSONPath({path: "$[?(globalThis.ran = true)]", json: [1]}); }), globalThis.ran);
out(fails(function () { JSONPath({path: "$[(this)]", json: [1]}); }));
`)
	want := strings.Join([]string{
		`Error: jsonPath: the query takes too many steps (more than 2097152)`,
		`1600`,
		`Error: jsonPath: invalid expression: unexpected "=": globalThis.ran = true false`,
		`Error: jsonPath: this is not defined: this`,
	}, "\n")
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// FuzzJSONPathQuery runs hostile paths through a server's script: every
// one answers (a result or a JavaScript error), never a failure of the
// server.
func FuzzJSONPathQuery(f *testing.F) {
	for _, p := range []string{"$..book[?(@.price<10)].title", "$..*", "$.store.*~", "$..book[(@.length-1)]", "$..[?(@ && @.a)]^^",
		"$['store']['book'][0,1,-1:]", "$..price@number()", "$[?(x(@))]", "$..book[?(@.title.toLowerCase().indexOf('m') === 0)]"} {
		f.Add(p)
	}
	s := moduletest.New(f, map[string]string{"q.js": store + `
var JSONPath = require("utils/jsonpath"), request = require("http/request"), response = require("http/response");
var r;
try { r = JSON.stringify(JSONPath({path: request.getParameter("p"), json: data, sandbox: {x: function (v) { return !!v; }}})); }
catch (e) { r = "error " + (e instanceof Error); }
response.print(String(r));`}, moduletest.Options{})
	f.Fuzz(func(t *testing.T, path string) {
		resp, body := s.Get(t, "/q?p="+url.QueryEscape(path))
		if resp.StatusCode != 200 || body == "error false" {
			t.Fatalf("%q: %d %s\n%s", path, resp.StatusCode, body, s.Logs())
		}
	})
}
