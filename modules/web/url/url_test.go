package url_test

import (
	"testing"

	"github.com/dirigo/dirigo/modules/internal/jstest"
)

// Cases from the WPT urltestdata tables that goja_nodejs's URL gets right
// (the README lists the ones it does not).
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
	})
}
