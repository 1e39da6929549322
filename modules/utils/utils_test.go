package utils_test

import (
	"strings"
	"testing"

	"github.com/dirigo/dirigo/modules/moduletest"
)

// run runs script (which prints with out(...)) and returns what it printed.
func run(t *testing.T, script string) string {
	t.Helper()
	s := moduletest.New(t, map[string]string{"t.js": `
var response = require("http/response"), lines = [];
function out() { lines.push(Array.prototype.map.call(arguments, function (a) { return typeof a === "string" ? a : JSON.stringify(a); }).join(" ")); }
function fails(fn) { try { fn(); return "no error"; } catch (e) { return e.name + ": " + e.message; } }
` + script + `
response.print(lines.join("\n"));`}, moduletest.Options{})
	resp, body := s.Get(t, "/t")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s\n%s", resp.StatusCode, body, s.Logs())
	}
	return body
}

func TestModules(t *testing.T) {
	got := run(t, `
var base64 = require("utils/base64"), hex = require("utils/v4/hex"), digest = require("utils/v3/digest");
var uuid = require("sdk/utils/uuid"), url = require("@aerokit/sdk/utils/url"), xml = require("utils/xml");
var escape = require("utils/escape"), utf8 = require("utils/utf8"), an = require("utils/alphanumeric");
out(base64.encode("hello"), base64.encode([104, 105]), base64.encode(new Uint8Array([0xff])), base64.encode(""));
out(base64.encodeAsBytes("hi"), base64.decode("aGk="), base64.decode([97, 71, 107, 61]), base64.decode("/w=="));
var native = base64.decodeAsNativeBytes("aGk=");
out(native instanceof ArrayBuffer, native.byteLength, base64.encodeAsNativeBytes("hi").byteLength);
out(hex.encode("hi"), hex.decode("ff00"), hex.encodeAsBytes([255]), fails(function () { hex.decode("f"); }));
out(digest.md5Hex("abc"), digest.sha1Hex("abc"), digest.md5("").slice(0, 4));
out(JSON.stringify(digest.sha256("abc").slice(0, 4)), digest.sha384("abc").length, digest.sha512("abc").length, digest.sha512AsNativeBytes("").byteLength);
out(uuid.validate(uuid.random()), uuid.validate("nope"), uuid.validate(null), /^[0-9a-f-]{36}$/.test(uuid.random()));
out(url.encode("a b/é"), url.decode("a+b%2F%C3%A9"), url.encode("é", "ISO-8859-1"), url.escape("a b?#"), url.escapePath("a/b"), url.escapeForm("a b"));
out(fails(function () { url.decode("%zz"); }), fails(function () { url.encode("x", "nope"); }), fails(function () { url.encode(); }));
out(xml.toJson("<a><b>1</b><b>2</b></a>").replace(/\s+/g, ""), xml.fromJson({a: {"-id": "1", b: ["x", "y"]}}), xml.fromJson('{"a":"<&>"}'));
out(fails(function () { xml.toJson("<a>"); }), fails(function () { xml.fromJson("[1]"); }));
out(escape.escapeHtml4("<é>"), escape.unescapeHtml4("&lt;&eacute;"), escape.escapeJava("é\n"), escape.unescapeJavascript("\\u00e9"), escape.escapeCsv("a,b"), escape.escapeXml(null));
out(escape.escapeJson("/"), escape.unescapeJson("\\/"), escape.escapeJavascript("'"), escape.unescapeXml("&apos;"), escape.escapeHtml3("€"), escape.unescapeCsv("\"a,b\""));
out(fails(function () { escape.unescapeJava("\\u1"); }));
out(utf8.encode("é"), utf8.decode([-61, -87]), utf8.bytesToString([104, 105, 33], 1, 2), fails(function () { utf8.bytesToString([1], 0, 5); }));
out(an.toAlphanumeric("a-b_c!9"), an.isNumeric("123"), an.isNumeric("12a"), an.isAlphanumeric("aZ9"), an.isAlphanumeric("a-"), an.numeric(6).length, /^[a-z]{5}$/.test(an.alpha(5, true)), an.randomString(0, "x"));
out(fails(function () { base64.encode(); }), fails(function () { digest.md5({}); }));
function hexOf(bytes) { return bytes.map(function (b) { return ((b & 0xff) + 0x100).toString(16).slice(1); }).join(""); }
out(hexOf(digest.sha256("abc")));
out(hexOf(digest.sha384("abc")));
out(hexOf(digest.sha512("abc")));
out(hexOf(digest.md5([0xe2, 0x82, 0xac])) === digest.md5Hex("€"), hexOf(digest.sha1(new Uint8Array([97, 98, 99]))) === digest.sha1Hex("abc"));
`)
	want := strings.Join([]string{
		`aGVsbG8= aGk= /w== `,
		`[97,71,107,61] [104,105] [104,105] [-1]`,
		`true 2 4`,
		`6869 [-1,0] [102,102] Error: Odd number of characters.`,
		`900150983cd24fb0d6963f7d28e17f72 a9993e364706816aba3e25717850c26c9cd0d89d [-44,29,-116,-39]`,
		`[-70,120,22,-65] 48 64 64`,
		`true false false true`,
		`a+b%2F%C3%A9 a b/é %E9 a%20b?%23 a%2Fb a+b`,
		`Error: URLDecoder: Illegal hex characters in escape (%) pattern - For input string: "zz" Error: Unsupported charset: nope TypeError: url.encode: expected a string`,
		`{"a":{"b":["1","2"]}} <a id="1"><b>x</b><b>y</b></a> <a>&lt;&amp;&gt;</a>`,
		`Error: xml: element <a> is not closed Error: xml: the JSON is not an object`,
		`&lt;&eacute;&gt; <é \u00E9\n é "a,b" null`,
		`\/ / \' ' € a,b`,
		`Error: Less than 4 hex digits in unicode value: '\u1' due to end of CharSequence`,
		`[-61,-87] é i! Error: offset 0, count 5, length 1`,
		`ab_c9 true false true false 6 true xxxx`,
		`TypeError: base64.encode: expected a string or bytes, got undefined TypeError: digest.md5: expected bytes (an array, ArrayBuffer, typed array or string), got [object Object]`,
		`ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad`,
		`cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7`,
		`ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f`,
		`true true`,
	}, "\n")
	if got != want {
		gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("line %d:\n got %s\nwant %s", i+1, g, w)
			}
		}
	}
}

// The sdk/utils index and the class names of the ES modules.
func TestIndex(t *testing.T) {
	s := moduletest.New(t, map[string]string{"i.mjs": `
import { base64, Base64, Digest, XML, URL as Url, uuid } from "@aerokit/sdk/utils";
import { Hex } from "sdk/utils/hex";
import { UUID } from "@aerokit/sdk/utils/uuid";
import { response } from "sdk/http";
response.print([base64 === Base64, Base64.encode("a"), Digest.md5Hex(""), XML.fromJson({x: 1}), Url.escapeForm(" "),
	Hex.encode("a"), UUID === uuid].join(" "));
`}, moduletest.Options{})
	resp, body := s.Get(t, "/i")
	if want := "true YQ== d41d8cd98f00b204e9800998ecf8427e <x>1</x> + 61 true"; resp.StatusCode != 200 || body != want {
		t.Errorf("%d %q, want %q\n%s", resp.StatusCode, body, want, s.Logs())
	}
}
