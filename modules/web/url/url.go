// Package url is the WHATWG URL and URLSearchParams (the globals, and
// Node's url module with domainToASCII, domainToUnicode, fileURLToPath and
// pathToFileURL), on github.com/nlnwa/whatwg-url, a Go implementation of
// the URL Standard's parser that passes the web-platform-tests URL tables.
//
// goja_nodejs's URL was used first, but it builds on net/url and cleans
// paths with path.Clean: a relative reference resolved against the base's
// root ("b" against http://h/a/c gave http://h/b), trailing slashes dropped
// (/a/ became /a), origin without the port. Its buffer and util are still
// used; this package replaces only its url.
package url

import (
	"errors"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/dop251/goja"
	wurl "github.com/nlnwa/whatwg-url/url"
	"golang.org/x/net/idna"

	"github.com/dirigo/dirigo/modules/internal/jsmod"
	"github.com/dirigo/dirigo/runtime"
)

// Modules are url, node:url and the globals URL and URLSearchParams.
var Modules = []runtime.Module{
	{Name: "url", Load: load},
	{Name: "node:url", Load: func(vm *runtime.VM) (goja.Value, error) { return vm.Require("url") }},
	{Global: "URL", Load: func(vm *runtime.VM) (goja.Value, error) { return export(vm, "URL") }},
	{Global: "URLSearchParams", Load: func(vm *runtime.VM) (goja.Value, error) { return export(vm, "URLSearchParams") }},
}

func export(vm *runtime.VM, name string) (goja.Value, error) {
	m, err := vm.Require("url")
	if err != nil {
		return nil, err
	}
	return m.ToObject(vm.Runtime()).Get(name), nil
}

// parser is the URL Standard's parser with its default options (it keeps
// no state between calls).
var parser = wurl.NewParser()

// A urlRecord is the Go state of one URL object: the parsed URL and, once
// searchParams has been read, the list its URLSearchParams shows.
type urlRecord struct {
	u    *wurl.Url
	list *paramList
}

// A paramList is the list of a URLSearchParams. The list of a URL's
// searchParams writes its changes to that URL's query.
type paramList struct {
	pairs []pair
	owner *urlRecord
}

type pair struct{ name, value string }

// update writes the list to its URL's query (the URL Standard's "update"
// steps): an empty list clears the query.
func (l *paramList) update() {
	if l.owner == nil {
		return
	}
	l.owner.u.SetSearch(serialize(l.pairs))
}

func load(vm *runtime.VM) (goja.Value, error) {
	rt := vm.Runtime()
	typeError := func(format string, args ...any) {
		jsmod.Throw(vm, "TypeError", format, args...)
	}
	record := func(v goja.Value) *urlRecord {
		if r, ok := v.Export().(*urlRecord); ok {
			return r
		}
		panic(errors.New("url: not a URL record")) // only the module's own code calls these
	}
	list := func(v goja.Value) *paramList {
		if l, ok := v.Export().(*paramList); ok {
			return l
		}
		panic(errors.New("url: not a URLSearchParams list"))
	}
	invalid := func(msg, input string) {
		e, err := rt.New(vm.Intrinsic("TypeError"), rt.ToValue(msg))
		if err != nil {
			panic(err)
		}
		_ = e.Set("code", "ERR_INVALID_URL")
		_ = e.Set("input", input)
		panic(e)
	}
	parse := func(input string, base goja.Value) (*wurl.Url, bool) {
		if base == nil || goja.IsUndefined(base) {
			u, err := parser.Parse(input)
			return u, err == nil
		}
		b, err := parser.Parse(base.String())
		if err != nil {
			return nil, false
		}
		u, err := b.Parse(input)
		return u, err == nil
	}
	natives := jsmod.Natives(vm, map[string]func(goja.FunctionCall) goja.Value{
		// parse(input, base) returns a URL record, or throws the TypeError
		// of an invalid URL.
		"parse": func(c goja.FunctionCall) goja.Value {
			input := c.Argument(0).String()
			u, ok := parse(input, c.Argument(1))
			if !ok {
				invalid("Invalid URL", input)
			}
			return rt.ToValue(&urlRecord{u: u})
		},
		// canParse(input, base) is URL.canParse.
		"canParse": func(c goja.FunctionCall) goja.Value {
			_, ok := parse(c.Argument(0).String(), c.Argument(1))
			return rt.ToValue(ok)
		},
		"get": func(c goja.FunctionCall) goja.Value {
			r := record(c.Argument(0))
			return rt.ToValue(get(r.u, c.Argument(1).String()))
		},
		"set": func(c goja.FunctionCall) goja.Value {
			r := record(c.Argument(0))
			name, value := c.Argument(1).String(), c.Argument(2).String()
			if name == "href" {
				u, err := parser.Parse(value)
				if err != nil {
					invalid("Invalid URL", value)
				}
				r.u = u
			} else {
				set(r.u, name, value)
			}
			if r.list != nil && (name == "href" || name == "search") {
				r.list.pairs = parsePairs(r.u.Query())
			}
			return goja.Undefined()
		},
		// list(record) returns the list of the URL's searchParams.
		"list": func(c goja.FunctionCall) goja.Value {
			r := record(c.Argument(0))
			if r.list == nil {
				r.list = &paramList{pairs: parsePairs(r.u.Query()), owner: r}
			}
			return rt.ToValue(r.list)
		},
		"isList": func(c goja.FunctionCall) goja.Value {
			_, ok := c.Argument(0).Export().(*paramList)
			return rt.ToValue(ok)
		},
		// newList(query) parses an application/x-www-form-urlencoded
		// string (a leading "?" removed by the caller).
		"newList": func(c goja.FunctionCall) goja.Value {
			return rt.ToValue(&paramList{pairs: parsePairs(c.Argument(0).String())})
		},
		"lappend": func(c goja.FunctionCall) goja.Value {
			l := list(c.Argument(0))
			l.pairs = append(l.pairs, pair{usv(c.Argument(1)), usv(c.Argument(2))})
			l.update()
			return goja.Undefined()
		},
		"ldelete": func(c goja.FunctionCall) goja.Value {
			l := list(c.Argument(0))
			name, value, byValue := usv(c.Argument(1)), "", !goja.IsUndefined(c.Argument(2))
			if byValue {
				value = usv(c.Argument(2))
			}
			kept := l.pairs[:0]
			for _, p := range l.pairs {
				if p.name != name || (byValue && p.value != value) {
					kept = append(kept, p)
				}
			}
			clear(l.pairs[len(kept):])
			l.pairs = kept
			l.update()
			return goja.Undefined()
		},
		"lget": func(c goja.FunctionCall) goja.Value {
			l, name := list(c.Argument(0)), usv(c.Argument(1))
			for _, p := range l.pairs {
				if p.name == name {
					return rt.ToValue(p.value)
				}
			}
			return goja.Null()
		},
		"lgetAll": func(c goja.FunctionCall) goja.Value {
			l, name := list(c.Argument(0)), usv(c.Argument(1))
			out := []any{}
			for _, p := range l.pairs {
				if p.name == name {
					out = append(out, p.value)
				}
			}
			return rt.NewArray(out...)
		},
		"lhas": func(c goja.FunctionCall) goja.Value {
			l, name := list(c.Argument(0)), usv(c.Argument(1))
			byValue := !goja.IsUndefined(c.Argument(2))
			value := ""
			if byValue {
				value = usv(c.Argument(2))
			}
			for _, p := range l.pairs {
				if p.name == name && (!byValue || p.value == value) {
					return rt.ToValue(true)
				}
			}
			return rt.ToValue(false)
		},
		"lset": func(c goja.FunctionCall) goja.Value {
			l, name, value := list(c.Argument(0)), usv(c.Argument(1)), usv(c.Argument(2))
			found := false
			kept := l.pairs[:0]
			for _, p := range l.pairs {
				if p.name == name {
					if found {
						continue
					}
					found, p.value = true, value
				}
				kept = append(kept, p)
			}
			clear(l.pairs[len(kept):])
			l.pairs = kept
			if !found {
				l.pairs = append(l.pairs, pair{name, value})
			}
			l.update()
			return goja.Undefined()
		},
		"lsort": func(c goja.FunctionCall) goja.Value {
			l := list(c.Argument(0))
			// By the names' UTF-16 code units, stable.
			sort.SliceStable(l.pairs, func(i, j int) bool { return lessUTF16(l.pairs[i].name, l.pairs[j].name) })
			l.update()
			return goja.Undefined()
		},
		"lsize": func(c goja.FunctionCall) goja.Value {
			return rt.ToValue(len(list(c.Argument(0)).pairs))
		},
		// at(list, i) returns [name, value] of the i-th pair, or undefined
		// past the end (the iterators are live, as the standard's are).
		"lat": func(c goja.FunctionCall) goja.Value {
			l, i := list(c.Argument(0)), c.Argument(1).ToInteger()
			if i < 0 || i >= int64(len(l.pairs)) {
				return goja.Undefined()
			}
			return rt.NewArray(l.pairs[i].name, l.pairs[i].value)
		},
		"lstring": func(c goja.FunctionCall) goja.Value {
			return rt.ToValue(serialize(list(c.Argument(0)).pairs))
		},
		"domainToASCII": func(c goja.FunctionCall) goja.Value {
			s, err := idna.Lookup.ToASCII(c.Argument(0).String())
			if err != nil {
				s = ""
			}
			return rt.ToValue(s)
		},
		"domainToUnicode": func(c goja.FunctionCall) goja.Value {
			s, err := idna.Lookup.ToUnicode(c.Argument(0).String())
			if err != nil {
				s = ""
			}
			return rt.ToValue(s)
		},
		"fileURLToPath": func(c goja.FunctionCall) goja.Value {
			u, err := parser.Parse(c.Argument(0).String())
			if err != nil {
				invalid("Invalid URL", c.Argument(0).String())
			}
			if u.Scheme() != "file" {
				typeError("The URL must be of scheme file")
			}
			if h := u.Hostname(); h != "" && h != "localhost" {
				typeError("File URL host must be \"localhost\" or empty on linux")
			}
			p := u.Pathname()
			if strings.Contains(strings.ToLower(p), "%2f") {
				typeError("File URL path must not include encoded / characters")
			}
			return rt.ToValue(percentDecode(p))
		},
		"pathToFileURL": func(c goja.FunctionCall) goja.Value {
			p := c.Argument(0).String()
			abs, err := filepath.Abs(p)
			if err != nil {
				typeError("%s", err.Error())
			}
			if strings.HasSuffix(p, "/") && !strings.HasSuffix(abs, "/") {
				abs += "/"
			}
			// %, \, newline, carriage return and tab are encoded before
			// the parser sees them (Node does the same).
			abs = strings.NewReplacer("%", "%25", "\\", "%5C", "\n", "%0A", "\r", "%0D", "\t", "%09", "#", "%23", "?", "%3F").Replace(abs)
			u, err := parser.Parse("file://" + abs)
			if err != nil {
				invalid("Invalid URL", abs)
			}
			return rt.ToValue(u.Href(false))
		},
	})
	return jsmod.Call(vm, program(), natives)
}

// get returns the URL attribute name of u.
func get(u *wurl.Url, name string) string {
	switch name {
	case "href":
		return u.Href(false)
	case "origin":
		return origin(u)
	case "protocol":
		return u.Protocol()
	case "username":
		return u.Username()
	case "password":
		return u.Password()
	case "host":
		return u.Host()
	case "hostname":
		return u.Hostname()
	case "port":
		return u.Port()
	case "pathname":
		return u.Pathname()
	case "search":
		return u.Search()
	case "hash":
		return u.Hash()
	}
	return ""
}

// set runs the setter of the URL attribute name (not href) on u; as the
// standard says, a value the setter cannot use leaves u unchanged.
func set(u *wurl.Url, name, value string) {
	switch name {
	case "protocol":
		u.SetProtocol(value)
	case "username":
		u.SetUsername(value)
	case "password":
		u.SetPassword(value)
	case "host":
		u.SetHost(value)
	case "hostname":
		u.SetHostname(value)
	case "port":
		u.SetPort(value)
	case "pathname":
		u.SetPathname(value)
	case "search":
		u.SetSearch(value)
	case "hash":
		u.SetHash(value)
	}
}

// origin serializes u's origin: scheme://host[:port] for the special
// schemes with a host, the origin of the inner URL for blob:, and "null"
// (an opaque origin) for everything else, file: included.
func origin(u *wurl.Url) string {
	switch u.Scheme() {
	case "http", "https", "ws", "wss", "ftp":
		return u.Protocol() + "//" + u.Host()
	case "blob":
		if inner, err := parser.Parse(u.Pathname()); err == nil && (inner.Scheme() == "http" || inner.Scheme() == "https") {
			return origin(inner)
		}
	}
	return "null"
}

// parsePairs parses application/x-www-form-urlencoded text.
func parsePairs(query string) []pair {
	var out []pair
	for _, seq := range strings.Split(query, "&") {
		if seq == "" {
			continue
		}
		name, value, _ := strings.Cut(seq, "=")
		out = append(out, pair{formDecode(name), formDecode(value)})
	}
	return out
}

// formDecode replaces "+" by a space, percent-decodes, and decodes the
// bytes as UTF-8 with replacement characters.
func formDecode(s string) string {
	return percentDecode(strings.ReplaceAll(s, "+", " "))
}

// percentDecode decodes the %XX sequences of s (others stay as they are)
// and reads the bytes as UTF-8 with replacement characters.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// serialize is the application/x-www-form-urlencoded serializer.
func serialize(pairs []pair) string {
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		formEncode(&b, p.name)
		b.WriteByte('=')
		formEncode(&b, p.value)
	}
	return b.String()
}

func formEncode(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			b.WriteByte('+')
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '*', c == '-', c == '.', c == '_':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// usv is WebIDL's USVString conversion: lone surrogates become U+FFFD
// (Go's conversion of a goja string already does that).
func usv(v goja.Value) string { return v.String() }

// lessUTF16 orders strings by their UTF-16 code units, as sort() must.
func lessUTF16(a, b string) bool {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return len(ua) < len(ub)
}

// program builds the module's exports from its natives: the classes are
// JavaScript (WebIDL's shapes, private state in private fields), the work
// is Go's.
var program = jsmod.Program("url", `(function (n) {
	"use strict";
	var iteratorProto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
	function str(v) {
		if (typeof v === "symbol") throw new TypeError("Cannot convert a Symbol value to a string");
		return String(v);
	}
	function need(count, min, what) {
		if (count < min) throw new TypeError("Failed to execute '" + what + "': " + min + " argument" + (min > 1 ? "s" : "") + " required, but only " + count + " present.");
	}

	class URLSearchParams {
		#list;
		constructor(init) {
			if (n.isList(init)) { this.#list = init; return; }
			this.#list = n.newList("");
			if (init === undefined || init === null) return;
			if (typeof init === "object" || typeof init === "function") {
				var it = init[Symbol.iterator];
				if (it !== undefined && it !== null) {
					if (typeof it !== "function") throw new TypeError("Query pairs must be iterable");
					for (var p of init) {
						if (p === null || (typeof p !== "object" && typeof p !== "function")) throw new TypeError("Each query pair must be an iterable [name, value] tuple");
						var kv = Array.from(p);
						if (kv.length !== 2) throw new TypeError("Each query pair must be an iterable [name, value] tuple");
						n.lappend(this.#list, str(kv[0]), str(kv[1]));
					}
					return;
				}
				for (var k of Reflect.ownKeys(init)) {
					var d = Reflect.getOwnPropertyDescriptor(init, k);
					if (d === undefined || !d.enumerable) continue;
					n.lappend(this.#list, str(k), str(init[k]));
				}
				return;
			}
			var s = str(init);
			this.#list = n.newList(s.charAt(0) === "?" ? s.slice(1) : s);
		}
		get size() { return n.lsize(this.#list); }
		append(name, value) { need(arguments.length, 2, "append"); n.lappend(this.#list, str(name), str(value)); }
		delete(name, value) { need(arguments.length, 1, "delete"); n.ldelete(this.#list, str(name), value === undefined ? undefined : str(value)); }
		get(name) { need(arguments.length, 1, "get"); return n.lget(this.#list, str(name)); }
		getAll(name) { need(arguments.length, 1, "getAll"); return n.lgetAll(this.#list, str(name)); }
		has(name, value) { need(arguments.length, 1, "has"); return n.lhas(this.#list, str(name), value === undefined ? undefined : str(value)); }
		set(name, value) { need(arguments.length, 2, "set"); n.lset(this.#list, str(name), str(value)); }
		sort() { n.lsort(this.#list); }
		forEach(callback, thisArg) {
			if (typeof callback !== "function") throw new TypeError("The \"callback\" argument must be of type function");
			for (var i = 0, p; (p = n.lat(this.#list, i)) !== undefined; i++) Reflect.apply(callback, thisArg, [p[1], p[0], this]);
		}
		keys() { return new Iterator(this.#list, 0); }
		values() { return new Iterator(this.#list, 1); }
		entries() { return new Iterator(this.#list, 2); }
		[Symbol.iterator]() { return new Iterator(this.#list, 2); }
		toString() { return n.lstring(this.#list); }
	}
	Object.defineProperty(URLSearchParams.prototype, Symbol.toStringTag, { value: "URLSearchParams", configurable: true });

	class Iterator {
		#list; #kind; #i = 0;
		constructor(list, kind) { this.#list = list; this.#kind = kind; }
		next() {
			var p = n.lat(this.#list, this.#i);
			if (p === undefined) return { value: undefined, done: true };
			this.#i++;
			return { value: this.#kind === 2 ? p : p[this.#kind], done: false };
		}
	}
	Object.setPrototypeOf(Iterator.prototype, iteratorProto);
	Object.defineProperty(Iterator.prototype, Symbol.toStringTag, { value: "URLSearchParams Iterator", configurable: true });
	delete Iterator.prototype.constructor;

	class URL {
		#r; #params = null;
		constructor(url, base) {
			need(arguments.length, 1, "URL");
			this.#r = n.parse(str(url), base === undefined ? undefined : str(base));
		}
		static canParse(url, base) {
			need(arguments.length, 1, "canParse");
			return n.canParse(str(url), base === undefined ? undefined : str(base));
		}
		static parse(url, base) {
			need(arguments.length, 1, "parse");
			try { return new this(url, base); } catch (e) { return null; }
		}
		get href() { return n.get(this.#r, "href"); }
		set href(v) { n.set(this.#r, "href", str(v)); }
		get origin() { return n.get(this.#r, "origin"); }
		get protocol() { return n.get(this.#r, "protocol"); }
		set protocol(v) { n.set(this.#r, "protocol", str(v)); }
		get username() { return n.get(this.#r, "username"); }
		set username(v) { n.set(this.#r, "username", str(v)); }
		get password() { return n.get(this.#r, "password"); }
		set password(v) { n.set(this.#r, "password", str(v)); }
		get host() { return n.get(this.#r, "host"); }
		set host(v) { n.set(this.#r, "host", str(v)); }
		get hostname() { return n.get(this.#r, "hostname"); }
		set hostname(v) { n.set(this.#r, "hostname", str(v)); }
		get port() { return n.get(this.#r, "port"); }
		set port(v) { n.set(this.#r, "port", str(v)); }
		get pathname() { return n.get(this.#r, "pathname"); }
		set pathname(v) { n.set(this.#r, "pathname", str(v)); }
		get search() { return n.get(this.#r, "search"); }
		set search(v) { n.set(this.#r, "search", str(v)); }
		get searchParams() {
			if (this.#params === null) this.#params = new URLSearchParams(n.list(this.#r));
			return this.#params;
		}
		get hash() { return n.get(this.#r, "hash"); }
		set hash(v) { n.set(this.#r, "hash", str(v)); }
		toString() { return n.get(this.#r, "href"); }
		toJSON() { return n.get(this.#r, "href"); }
	}
	Object.defineProperty(URL.prototype, Symbol.toStringTag, { value: "URL", configurable: true });

	function href(u) { return u instanceof URL ? u.href : str(u); }
	return {
		URL: URL,
		URLSearchParams: URLSearchParams,
		domainToASCII: function domainToASCII(domain) { return n.domainToASCII(str(domain)); },
		domainToUnicode: function domainToUnicode(domain) { return n.domainToUnicode(str(domain)); },
		fileURLToPath: function fileURLToPath(url) { return n.fileURLToPath(href(url)); },
		pathToFileURL: function pathToFileURL(path) { return new URL(n.pathToFileURL(str(path))); },
		urlToHttpOptions: function urlToHttpOptions(url) {
			var o = { protocol: url.protocol, hostname: url.hostname.charAt(0) === "[" ? url.hostname.slice(1, -1) : url.hostname,
				hash: url.hash, search: url.search, pathname: url.pathname, path: url.pathname + url.search, href: url.href };
			if (url.port !== "") o.port = Number(url.port);
			if (url.username || url.password) o.auth = decodeURIComponent(url.username) + ":" + decodeURIComponent(url.password);
			return o;
		},
	};
})`)
