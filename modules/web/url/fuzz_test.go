package url

import (
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds hostile input to the parser (through a base too) and to
// the form-urlencoded parser: no panic, and what parses serializes to a
// URL that parses again to itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"http://h/a/../b/", "b", "//x", "http://[::1]:80/", "a=1&b=%zz&+=+", "file:///C:/x", "blob:https://a/", "http://xn--/", "\x00\t\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if u, err := parser.Parse(s); err == nil {
			href := u.Href(false)
			again, err := parser.Parse(href)
			if err != nil {
				t.Fatalf("%q parsed as %q, which does not parse: %v", s, href, err)
			}
			if again.Href(false) != href {
				t.Fatalf("%q: %q parses as %q", s, href, again.Href(false))
			}
			_ = origin(u)
		}
		if base, err := parser.Parse("http://h/a/b?q#f"); err == nil {
			_, _ = base.Parse(s)
		}
		pairs := parsePairs(s)
		for _, p := range pairs {
			if !utf8.ValidString(p.name) || !utf8.ValidString(p.value) {
				t.Fatalf("%q: invalid UTF-8 in %q", s, p)
			}
		}
		if got := parsePairs(serialize(pairs)); len(got) != len(pairs) {
			t.Fatalf("%q: %d pairs, %d after a round trip", s, len(pairs), len(got))
		} else {
			for i := range got {
				if got[i] != pairs[i] {
					t.Fatalf("%q: pair %d %q became %q", s, i, pairs[i], got[i])
				}
			}
		}
	})
}
