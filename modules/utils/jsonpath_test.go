package utils_test

import (
	"fmt"
	"strings"
	"testing"
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
