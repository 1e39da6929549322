package url_test

import (
	"testing"

	"github.com/dirigo/dirigo/modules/internal/jstest"
)

// A few cases by hand (the WPT tables run whole in wpt_test.go), among
// them those goja_nodejs's URL got wrong.
func TestURL(t *testing.T) {
	parse := func(input, base, want string) jstest.Case {
		src := `return new URL(` + "`" + input + "`" + `).href`
		if base != "" {
			src = `return new URL(` + "`" + input + "`, `" + base + "`" + `).href`
		}
		return jstest.Case{Name: input + " against " + base, Src: src, Want: want}
	}
	jstest.Run(t, []jstest.Case{
		parse("http://example.com/a/b/../c", "", "http://example.com/a/c"),
		parse("HTTP://EXAMPLE.COM/", "", "http://example.com/"),
		parse("http://example.com:80/", "", "http://example.com/"),
		parse("https://example.com:443/x", "", "https://example.com/x"),
		parse("http://example.com:8080/", "", "http://example.com:8080/"),
		parse("/path?q=1#h", "http://example.com/base/x", "http://example.com/path?q=1#h"),
		parse("?x", "http://example.com/a?y", "http://example.com/a?x"),
		parse("#f", "http://example.com/a?y", "http://example.com/a?y#f"),
		parse("//other.com/p", "https://example.com/", "https://other.com/p"),
		parse("http://user:pass@host/", "", "http://user:pass@host/"),
		parse("http://example.com/ a", "", "http://example.com/%20a"),
		parse("http://example.com/?q=a b", "", "http://example.com/?q=a%20b"),
		parse("http://[::1]:8080/", "", "http://[::1]:8080/"),
		parse("file:///etc/passwd", "", "file:///etc/passwd"),
		parse("http://example.com/ü", "", "http://example.com/%C3%BC"),
		parse("http://münchen.de/", "", "http://xn--mnchen-3ya.de/"),
		parse("http://example.com", "", "http://example.com/"),
		{Name: "invalid", Src: `try { new URL("not a url"); } catch (e) { return e.name + " " + e.code; }`, Want: "TypeError ERR_INVALID_URL"},
		{Name: "no host", Src: `new URL("http://")`, Want: "TypeError: Invalid URL"},
		{Name: "relative without base", Src: `new URL("//x")`, Want: "TypeError: …"},
		{Name: "components", Src: `var u = new URL("https://u:p@Example.com:8443/p/a?x=1&y=2#frag"); return [u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash].join(" ")`, Want: "https: u p example.com:8443 example.com 8443 /p/a ?x=1&y=2 #frag"},
		{Name: "setters", Src: `var u = new URL("http://a.com/x"); u.pathname = "/y"; u.search = "q=1"; u.hash = "h"; u.port = "81"; return u.href`, Want: "http://a.com:81/y?q=1#h"},
		{Name: "searchParams follow the URL", Src: `var u = new URL("http://a.com/?a=1"); u.searchParams.append("b", "x y"); u.searchParams.set("a", "2"); return u.href + " " + (u.searchParams instanceof URLSearchParams) + " " + u.searchParams.get("b")`, Want: "http://a.com/?a=2&b=x+y true x y"},
		{Name: "URLSearchParams", Src: `var p = new URLSearchParams("a=1&b=2&a=3"); p.sort(); return p.toString() + " " + p.getAll("a").join() + " " + p.has("b") + " " + Array.from(p.keys()).join()`, Want: "a=1&a=3&b=2 1,3 true a,a,b"},
		{Name: "URLSearchParams from an object", Src: `return new URLSearchParams({ q: "a&b", n: 1 }).toString()`, Want: "q=a%26b&n=1"},
		{Name: "URLSearchParams iterate", Src: `var out = []; for (var [k, v] of new URLSearchParams("x=1&y=2")) out.push(k + v); return out.join()`, Want: "x1,y2"},
		{Src: `return (require("url").URL === URL) + " " + (require("node:url").URLSearchParams === URLSearchParams) + " " + JSON.stringify({ u: new URL("http://a/") })`, Want: `true true {"u":"http://a/"}`},
		{Name: "subclass", Src: `class U extends URL {} var u = new U("http://a/b"); return (u instanceof URL) + " " + u.pathname`, Want: "true /b"},
		{Name: "frozen", Src: `URL.prototype.x = 1`, Want: "TypeError: …"},
		parse("b", "http://h/a/c", "http://h/a/b"),
		parse("../x", "http://h/a/b/c", "http://h/a/x"),
		parse("http://h/api/", "", "http://h/api/"),
		parse("c/", "http://h/a/", "http://h/a/c/"),
		{Name: "origin keeps the port", Src: `return new URL("http://h:8080/p").origin + " " + new URL("file:///x").origin + " " + new URL("blob:https://a.com:1/x").origin`, Want: "http://h:8080 null https://a.com:1"},
		{Name: "canParse and parse", Src: `return [URL.canParse("x"), URL.canParse("x", "http://h/"), URL.parse("nope"), URL.parse("/p", "http://h").href].join()`, Want: "false,true,,http://h/p"},
		{Name: "not a URL", Src: `return Object.getOwnPropertyDescriptor(URL.prototype, "href").get.call({})`, Want: "TypeError: …"},
		{Name: "no new", Src: `URL("http://a/")`, Want: "TypeError: …"},
		{Name: "search and searchParams stay in step", Src: `var u = new URL("http://a/?x=1"), p = u.searchParams; u.search = "?y=2&y=3"; var a = p.getAll("y").join(); p.delete("y"); var b = u.href; u.href = "http://b/?z=9"; return [a, b, p.get("z"), u.searchParams === p].join(" ")`, Want: "2,3 http://a/ 9 true"},
		{Name: "URLSearchParams edge cases", Src: `var p = new URLSearchParams("?a=1&a=2&b=%zz&c=+x+&%F0%9F%92%A9=e"); return [p.size, p.get("b"), p.get("c"), p.get("💩"), p.get("none"), p.has("a", "2"), p.has("a", "3")].join("|")`, Want: "5|%zz| x |e||true|false"},
		{Name: "delete by value", Src: `var p = new URLSearchParams("a=1&a=2&a=1"); p.delete("a", "1"); return p.toString()`, Want: "a=2"},
		{Name: "sort by UTF-16 code units, stable", Src: `var p = new URLSearchParams("\uFB03=1&\uD83C\uDF08=2&z=3&a=4&z=5"); p.sort(); return Array.from(p.keys()).map(function (k) { return k.charCodeAt(0).toString(16); }).join()`, Want: "61,7a,7a,d83c,fb03"},
		{Name: "sequence init", Src: `return new URLSearchParams([["a", "1"], new Set(["b", "2"])]).toString()`, Want: "a=1&b=2"},
		{Name: "bad pair", Src: `new URLSearchParams([["a"]])`, Want: "TypeError: …"},
		{Name: "serializer", Src: `return new URLSearchParams({ "a b": "c&d=e", "~*": "é+" }).toString()`, Want: "a+b=c%26d%3De&%7E*=%C3%A9%2B"},
		{Name: "live iterator", Src: `var p = new URLSearchParams("a=1&b=2"), out = []; for (var [k] of p) { out.push(k); if (k === "a") p.append("c", "3"); } return out.join()`, Want: "a,b,c"},
		{Name: "forEach", Src: `var out = []; new URLSearchParams("x=1&y=2").forEach(function (v, k, o) { out.push(k + v + (o instanceof URLSearchParams)); }); return out.join()`, Want: "x1true,y2true"},
		{Name: "toStringTag", Src: `return [Object.prototype.toString.call(new URL("http://a/")), Object.prototype.toString.call(new URLSearchParams()), Object.prototype.toString.call(new URLSearchParams().keys())].join()`, Want: "[object URL],[object URLSearchParams],[object URLSearchParams Iterator]"},
		{Name: "node helpers", Src: `var url = require("node:url"); return [url.fileURLToPath("file:///tmp/a%20b"), url.pathToFileURL("/tmp/a b#?").href, url.domainToASCII("münchen.de"), url.domainToUnicode("xn--mnchen-3ya.de"), url.urlToHttpOptions(new URL("http://u:p@h:81/x?y")).path].join(" ")`, Want: "/tmp/a b file:///tmp/a%20b%23%3F xn--mnchen-3ya.de münchen.de /x?y"},
		{Name: "fileURLToPath of http", Src: `require("url").fileURLToPath("http://a/")`, Want: "TypeError: The URL must be of scheme file"},
	})
}
