package sessions

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestQuote(t *testing.T) {
	long := strings.Repeat("n", 2<<20)
	for _, tc := range []struct{ in, want string }{
		{"", `""`},
		{"cart", `"cart"`},
		{strings.Repeat("a", 64), `"` + strings.Repeat("a", 64) + `"`},
		{strings.Repeat("a", 65), `"` + strings.Repeat("a", 64) + `"… (65 bytes)`},
		{long, `"` + strings.Repeat("n", 64) + `"… (2097152 bytes)`},
		// "é" is two bytes: the cut does not split it.
		{strings.Repeat("a", 63) + "éé", `"` + strings.Repeat("a", 63) + `"… (67 bytes)`},
		{"a\"b\n", `"a\"b\n"`},
	} {
		got := Quote(tc.in)
		if got != tc.want {
			t.Errorf("Quote(%.80q) = %s, want %s", tc.in, got, tc.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("Quote(%.80q) is not UTF-8", tc.in)
		}
	}
}
