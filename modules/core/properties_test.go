package core

import (
	"maps"
	"strings"
	"testing"
)

func TestParseProperties(t *testing.T) {
	got := parseProperties([]byte("# comment\n! also\n a = 1\nb:2\nc 3\nd\\ e=f\\tg\nlong = x \\\n   y\nu=\\u00e9\\u\nempty=\n\\#k=v\nlast=\\\n"))
	want := map[string]string{"a": "1", "b": "2", "c": "3", "d e": "f\tg", "long": "x y", "u": "éu", "empty": "", "#k": "v", "last": ""}
	if !maps.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// FuzzParseProperties: any file parses, and a key=value line written with
// escapes reads back.
func FuzzParseProperties(f *testing.F) {
	f.Add("a=1\nb : 2\\\n  3\n# c\nd\\u0041=\\t", "k", "v")
	f.Fuzz(func(t *testing.T, data, key, value string) {
		_ = parseProperties([]byte(data))
		if key == "" || strings.ContainsAny(key+value, "\\\n\r\f") || strings.TrimLeft(key, " \t#!") != key || strings.ContainsAny(key, "=: \t") ||
			strings.TrimLeft(value, " \t") != value {
			return
		}
		got := parseProperties([]byte(key + "=" + value + "\n"))
		if got[key] != value {
			t.Fatalf("%q=%q read back as %q", key, value, got)
		}
	})
}
