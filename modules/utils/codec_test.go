package utils

import (
	"bytes"
	"strings"
	"testing"
)

func TestBase64(t *testing.T) {
	if got := string(base64Encode([]byte("hello"))); got != "aGVsbG8=" {
		t.Errorf("encode: %q", got)
	}
	// commons-codec's lenient decoding.
	for in, want := range map[string]string{
		"aGVsbG8=":             "hello",
		"aGVsbG8":              "hello",
		"aGV sbG8=\r\n":        "hello",
		"YQ==YQ==":             "a", // stops at the padding
		"a":                    "",  // 6 bits make no byte
		"YWI":                  "ab",
		"-_8":                  "\xfb\xff", // the URL-safe alphabet
		"+/8=":                 "\xfb\xff",
		"!!YWJj**":             "abc",
		"":                     "",
		"4pyTIMOgIGxhIG1vZGU=": "✓ à la mode",
	} {
		if got := string(base64Decode([]byte(in))); got != want {
			t.Errorf("decode %q: %q, want %q", in, got, want)
		}
	}
}

func TestHex(t *testing.T) {
	if got := string(hexEncode([]byte("hello\xff"))); got != "68656c6c6fff" {
		t.Errorf("encode: %q", got)
	}
	if got, err := hexDecode([]byte("68656C6c6F")); err != nil || string(got) != "hello" {
		t.Errorf("decode: %q %v", got, err)
	}
	for in, want := range map[string]string{
		"abc":  "Odd number of characters.",
		"zz":   "Illegal hexadecimal character z at index 0",
		"00é0": "Illegal hexadecimal character é at index 2",
		"0😀00": "Illegal hexadecimal character 😀 at index 1",
	} {
		if _, err := hexDecode([]byte(in)); err == nil || err.Error() != want {
			t.Errorf("decode %q: %v, want %q", in, err, want)
		}
	}
}

func TestURLCodec(t *testing.T) {
	for _, tc := range []struct{ in, charset, want string }{
		{"a b&c=d/é*~-._", "", "a+b%26c%3Dd%2F%C3%A9*%7E-._"},
		{"é€", "ISO-8859-1", "%E9%3F"},
		{"é", "US-ASCII", "%3F"},
		{"😀", "utf-8", "%F0%9F%98%80"},
	} {
		got, err := urlEncode(tc.in, tc.charset)
		if err != nil || got != tc.want {
			t.Errorf("encode %q %s: %q %v, want %q", tc.in, tc.charset, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, charset, want, err string }{
		{"a+b%26c%3dd%C3%A9", "", "a b&c=dé", ""},
		{"%E9", "ISO-8859-1", "é", ""},
		{"%zz", "", "", `URLDecoder: Illegal hex characters in escape (%) pattern - For input string: "zz"`},
		{"%é", "", "", `URLDecoder: Illegal hex characters in escape (%) pattern - For input string: "é"`},
		{"ab%4", "", "", "URLDecoder: Incomplete trailing escape (%) pattern"},
		{"a", "EBCDIC", "", "Unsupported charset: EBCDIC"},
	} {
		got, err := urlDecode(tc.in, tc.charset)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("decode %q: %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("decode %q: %q %v, want %q", tc.in, got, err, tc.want)
		}
	}
	// Guava's escapers.
	for _, tc := range []struct{ got, want string }{
		{escapeFragment("a b/c?d#e[é]"), "a%20b/c?d%23e%5B%C3%A9%5D"},
		{escapePathSegment("a b/c?d:@!"), "a%20b%2Fc%3Fd:@!"},
		{escapeFormParam("a b&c=d~*"), "a+b%26c%3Dd%7E*"},
	} {
		if tc.got != tc.want {
			t.Errorf("%q, want %q", tc.got, tc.want)
		}
	}
}

func TestUUID(t *testing.T) {
	u := newUUID()
	if len(u) != 36 || !validUUID(u) || u[14] != '4' || !strings.ContainsAny(u[19:20], "89ab") || u != strings.ToLower(u) {
		t.Errorf("newUUID: %q", u)
	}
	if newUUID() == u {
		t.Error("two equal UUIDs")
	}
	for in, want := range map[string]bool{
		"123e4567-e89b-12d3-a456-426614174000":  true,
		"123E4567-E89B-12D3-A456-426614174000":  true,
		"1-1-1-1-1":                             true, // as Java's UUID.fromString
		"+1-1-1-1-1":                            true,
		"g-1-1-1-1":                             false,
		"1-1-1-1":                               false,
		"1-1-1-1-1-1":                           false,
		"1--1-1-1":                              false,
		"123e4567-e89b-12d3-a456-4266141740000": false, // 37 characters
		"":                                      false,
	} {
		if got := validUUID(in); got != want {
			t.Errorf("validUUID(%q) = %v", in, got)
		}
	}
}

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{escapeJava("He said \"hi\"\n\t\\é☃😀\x7f\x01"), `He said \"hi\"\n\t\\\u00E9\u2603\uD83D\uDE00` + "\x7f" + `\u0001`},
		{escapeEcmaScript(`a'b/c"`), `a\'b\/c\"`},
		{escapeJSON("a/\x7f'"), `a\/\u007F'`},
		{html4Entities.escape(`<é>&€"'`), `&lt;&eacute;&gt;&amp;&euro;&quot;'`},
		{html3Entities.escape(`<é>€`), `&lt;&eacute;&gt;€`},
		{xmlEntities.escape(`<a href='x'>&"</a>é`), `&lt;a href=&apos;x&apos;&gt;&amp;&quot;&lt;/a&gt;é`},
		{escapeCsv("a,b"), `"a,b"`},
		{escapeCsv(`a"b`), `"a""b"`},
		{escapeCsv("plain"), "plain"},
		{unescapeCsv(`"a,b"`), "a,b"},
		{unescapeCsv(`"ab"`), `"ab"`},
		{unescapeCsv(`"a""b"`), `a"b`},
		{unescapeCsv(`x`), `x`},
		{html4Entities.unescape("&lt;&eacute;&#233;&#xE9;&#XE9;&euro;&bogus;&amp &#;&#x;&#12a;"), "<éééé€&bogus;&amp &#;&#x;&#12a;"},
		{html3Entities.unescape("&euro;&eacute;"), "&euro;é"},
		{xmlEntities.unescape("&apos;&quot;&#65;&#128512;&eacute;"), `'"A😀&eacute;`},
	} {
		if tc.got != tc.want {
			t.Errorf("%q, want %q", tc.got, tc.want)
		}
	}
	for in, want := range map[string]string{
		`\u00e9\n\\n\101\'\q\"`: "é\n\\nA'q\"",
		`\uD83D\uDE00`:          "😀",
		`\uuu0041\u+0042`:       "AB",
		`\0\12\400`:             "\x00\n 0",
		`trailing\`:             "trailing",
	} {
		if got, err := unescapeJava(in); err != nil || got != want {
			t.Errorf("unescapeJava(%q) = %q %v, want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		`\u12`:   "Less than 4 hex digits in unicode value: '\\u12' due to end of CharSequence",
		`\uzzzz`: "Unable to parse unicode value: \\uzzzz",
	} {
		if _, err := unescapeJava(in); err == nil || err.Error() != want {
			t.Errorf("unescapeJava(%q): %v, want %q", in, err, want)
		}
	}
	// Every escape is undone by its unescape.
	for _, s := range []string{"plain", "<&>\"'é€😀\n\t\\/", strings.Repeat("x,\"", 3)} {
		for name, pair := range map[string][2]func(string) string{
			"html4": {html4Entities.escape, html4Entities.unescape},
			"html3": {html3Entities.escape, html3Entities.unescape},
			"xml":   {xmlEntities.escape, xmlEntities.unescape},
			"csv":   {escapeCsv, unescapeCsv},
		} {
			if got := pair[1](pair[0](s)); got != s {
				t.Errorf("%s round trip of %q: %q", name, s, got)
			}
		}
		for name, esc := range map[string]func(string) string{"java": escapeJava, "ecma": escapeEcmaScript, "json": escapeJSON} {
			if got, err := unescapeJava(esc(s)); err != nil || got != s {
				t.Errorf("%s round trip of %q: %q %v", name, s, got, err)
			}
		}
	}
	if n := len(html4Entities.names); n != 4+96+152 {
		t.Errorf("%d HTML 4 entities, want 252", n)
	}
}

// FuzzUnescape: the unescapers never panic; escaping then unescaping gives
// the input back.
func FuzzUnescape(f *testing.F) {
	f.Add(`\u00e9&eacute;&#233;"a,b"`)
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = unescapeJava(s)
		_ = html4Entities.unescape(s)
		_ = unescapeCsv(s)
		_ = base64Decode([]byte(s))
		_, _ = urlDecode(s, "")
		if !strings.ContainsRune(s, '\uFFFD') && bytes.Equal([]byte(s), []byte(strings.ToValidUTF8(s, "\uFFFD"))) {
			if got, err := unescapeJava(escapeJava(s)); err != nil || got != s {
				t.Fatalf("java round trip of %q: %q %v", s, got, err)
			}
			if got := html4Entities.unescape(html4Entities.escape(s)); got != s {
				t.Fatalf("html4 round trip of %q: %q", s, got)
			}
		}
	})
}
