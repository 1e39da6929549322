package base64_test

import (
	"testing"

	"github.com/dirigo/dirigo/modules/internal/jstest"
)

func TestBtoa(t *testing.T) {
	jstest.Run(t, []jstest.Case{
		{Src: `return btoa("")`, Want: ""},
		{Src: `return btoa("f") + " " + btoa("fo") + " " + btoa("foo") + " " + btoa("foob")`, Want: "Zg== Zm8= Zm9v Zm9vYg=="},
		{Name: "Latin-1", Src: `return btoa("\xff\xfe\x00")`, Want: "//4A"},
		{Name: "coerces", Src: `return btoa(12) + " " + btoa(null) + " " + btoa(undefined)`, Want: "MTI= bnVsbA== dW5kZWZpbmVk"},
		{Name: "beyond Latin-1", Src: `btoa("€")`, Want: "InvalidCharacterError: Invalid character"},
		{Name: "DOMException", Src: `try { btoa("\u0100"); } catch (e) { return [e instanceof DOMException, e instanceof Error, e.name, e.code].join(); }`, Want: "true,true,InvalidCharacterError,5"},
		{Name: "no argument", Src: `btoa()`, Want: "TypeError: …"},
	})
}

func TestAtob(t *testing.T) {
	codes := `function codes(s) { var r = []; for (var i = 0; i < s.length; i++) r.push(s.charCodeAt(i)); return r.join(" "); }
`
	jstest.Run(t, []jstest.Case{
		{Src: `return atob("Zm9vYg==") + atob("Zm9vYg") + atob("Zm9v")`, Want: "foobfoobfoo"},
		{Name: "whitespace", Src: `return atob(" Zm9v\tYmFy\n\f\r")`, Want: "foobar"},
		{Name: "Latin-1 result", Src: codes + `return codes(atob("//4A"))`, Want: "255 254 0"},
		{Name: "trailing bits", Src: `return atob("YR")`, Want: "a"},
		{Src: `return "[" + atob("") + "]"`, Want: "[]"},
		{Name: "one char too many", Src: `atob("Zm9vY")`, Want: "InvalidCharacterError: The string to be decoded is not correctly encoded."},
		{Name: "bad char", Src: `atob("Zm9v!")`, Want: "InvalidCharacterError: …"},
		{Name: "url alphabet", Src: `atob("_-__")`, Want: "InvalidCharacterError: …"},
		{Name: "padding in the middle", Src: `atob("Zg==Zg==")`, Want: "InvalidCharacterError: …"},
		{Name: "too much padding", Src: `atob("Zg===")`, Want: "InvalidCharacterError: …"},
		{Name: "padding without length 4", Src: `return atob("Zm9=")`, Want: "fo"},
		{Name: "non-ASCII", Src: `atob("Zm9vé")`, Want: "InvalidCharacterError: …"},
		{Name: "coerces", Src: `return atob(null).length`, Want: "3"},
		{Name: "undefined is nine characters", Src: `atob(undefined)`, Want: "InvalidCharacterError: …"},
		{Name: "round trip", Src: `var s = ""; for (var i = 0; i < 256; i++) s += String.fromCharCode(i); return atob(btoa(s)) === s`, Want: "true"},
	})
}
