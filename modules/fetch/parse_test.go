package fetch

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecodeUTF8(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"hello", "hello"},
		{"\xef\xbb\xbfbom", "bom"},
		{"\xef\xbb\xbf\xef\xbb\xbfx", "\ufeffx"}, // only one BOM goes
		{"a\xffb", "a\ufffdb"},
		{"\xe2\x82", "\ufffd"},                           // a truncated sequence: one replacement (its maximal subpart)
		{"\xe2\x82x", "\ufffdx"},                         // likewise, followed by ASCII
		{"\xf0\x9f\x98", "\ufffd"},                       // a truncated 4-byte sequence
		{"\xed\xa0\x80", "\ufffd\ufffd\ufffd"},           // a surrogate: ED is fine, A0 is not its continuation
		{"\xc0\xaf", "\ufffd\ufffd"},                     // an overlong lead byte
		{"\xf4\x90\x80\x80", "\ufffd\ufffd\ufffd\ufffd"}, // past U+10FFFF
		{"é€😀", "é€😀"},
	} {
		if got := decodeUTF8([]byte(c.in)); got != c.want {
			t.Errorf("%q: %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzDecodeUTF8(f *testing.F) {
	for _, s := range []string{"", "abc", "\xef\xbb\xbfx", "\xe2\x82", "\xed\xa0\x80", "a\xffb\xc0"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out := decodeUTF8(b)
		if !utf8.ValidString(out) {
			t.Fatalf("%q decodes to invalid UTF-8 %q", b, out)
		}
		in := bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		if utf8.Valid(in) && out != string(in) {
			t.Fatalf("valid %q decodes to %q", in, out)
		}
		// Every replacement stands for at least one byte.
		if n := strings.Count(out, "\ufffd"); n > len(in) {
			t.Fatalf("%q: %d replacements for %d bytes", b, n, len(in))
		}
	})
}

func TestParseFormData(t *testing.T) {
	body := "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n" +
		"--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\nContent-Type: text/x\r\n\r\nfile\r\n--B--\r\n"
	parts, err := parseFormData([]byte(body), "multipart/form-data; boundary=B")
	if err != nil || len(parts) != 2 || parts[0].value != "1" || !parts[1].file || string(parts[1].data) != "file" ||
		parts[1].filename != "x.txt" || parts[1].ctype != "text/x" {
		t.Fatalf("%+v %v", parts, err)
	}
	parts, err = parseFormData([]byte("a=1&b=x+y%21&c&=v&d=%zz"), "application/x-www-form-urlencoded")
	if err != nil || len(parts) != 5 || parts[1].value != "x y!" || parts[2].name != "c" || parts[3].name != "" || parts[4].value != "%zz" {
		t.Fatalf("%+v %v", parts, err)
	}
	many := strings.Repeat("--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n", maxFormParts+1) + "--B--\r\n"
	for _, c := range []struct{ body, ct string }{
		{"x", "text/plain"}, {"x", "multipart/form-data"}, {"--B\r\nbroken", "multipart/form-data; boundary=B"},
		{many, "multipart/form-data; boundary=B"},
	} {
		if _, err := parseFormData([]byte(c.body), c.ct); err == nil {
			t.Errorf("%q as %s: no error", c.body[:min(len(c.body), 20)], c.ct)
		}
	}
}

func FuzzParseFormData(f *testing.F) {
	f.Add([]byte("--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--B--\r\n"), "multipart/form-data; boundary=B")
	f.Add([]byte("a=1&b=%41"), "application/x-www-form-urlencoded")
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		parts, err := parseFormData(body, ct)
		if err == nil && len(parts) > maxFormParts && !strings.HasPrefix(ct, "application/") {
			t.Fatalf("%d parts", len(parts))
		}
		for _, p := range parts {
			if !utf8.ValidString(p.value) && strings.HasPrefix(ct, "multipart/") {
				t.Fatalf("invalid UTF-8 value %q", p.value)
			}
		}
	})
}
