package utils

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	tests := []struct{ path, want string }{
		{"$.store.book[*].author", "$|store|book|*|author"},
		{"$..author", "$|..|author"},
		{"$..*", "$|..|*"},
		{"$..[0]", "$|..|0"},
		{"$.store..price", "$|store|..|price"},
		{"$..book[(@.length-1)]", "$|..|book|(@.length-1)"},
		{"$..book[?(@.price<10)]", "$|..|book|?(@.price<10)"},
		{"$..book[ ?( @.a == ')]' ) ]", "$|..|book|?( @.a == ')]' )"},
		{"$['store']['book']", "$|store|book"},
		{`$["a.b"]['c\'d']`, "$|a.b|c'd"},
		{"$['a','b'][0,1]", "$|a,b|0,1"},
		{"$.a[1:3]", "$|a|1:3"},
		{"$.a[-1:]", "$|a|-1:"},
		{"$.a[::2]", "$|a|::2"},
		{"$.a^", "$|a|^"},
		{"$.*~", "$|*|~"},
		{"$..*@string()", "$|..|*|@string()"},
		{"$.a@foo()", "$|a@foo()"},
		{"$.a.`*", "$|a|*"},
		{"store.book", "store|book"},
		{"$", "$"},
		{"$.", "$"},
	}
	for _, tc := range tests {
		toks, err := parsePath(tc.path)
		if err != nil {
			t.Errorf("parsePath(%q): %v", tc.path, err)
			continue
		}
		texts := make([]string, len(toks))
		for i, tok := range toks {
			texts[i] = tok.text()
		}
		if got := strings.Join(texts, "|"); got != tc.want {
			t.Errorf("parsePath(%q) = %s, want %s", tc.path, got, tc.want)
		}
	}
	kinds := map[string]tokKind{"$.a.`*": tokName, "$.a.*": tokWild, "$['*']": tokName, "$[1:2]": tokSlice, "$[1:2:-1]": tokName}
	for path, kind := range kinds {
		toks, err := parsePath(path)
		if err != nil || toks[len(toks)-1].kind != kind {
			t.Errorf("parsePath(%q): last kind %v (%v), want %v", path, toks[len(toks)-1].kind, err, kind)
		}
	}
}

// A path or expression past the bounds is an error, never work.
func TestParseBounds(t *testing.T) {
	for name, path := range map[string]string{
		"long":          "$." + strings.Repeat("a", maxPathLen),
		"segments":      "$" + strings.Repeat(".a", maxSegments+1),
		"union":         "$[" + strings.Repeat("a,", maxSegments+1) + "a]",
		"deep filter":   "$[?(" + strings.Repeat("(", maxExprDepth+1) + "1" + strings.Repeat(")", maxExprDepth+1) + ")]",
		"deep unary":    "$[?(" + strings.Repeat("!", maxExprDepth+1) + "1)]",
		"unclosed [":    "$[0",
		"unclosed (":    "$[?(@.a]",
		"unclosed '":    "$['a]",
		"after filter":  "$[?(@.a)x]",
		"bad filter":    "$[?(@.a ==)]",
		"regexp":        "$[?(/a/.test(@))]",
		"unknown @name": "$[?(@root)]",
	} {
		if _, err := parsePath(path); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := parsePath(strings.Repeat(".a", maxSegments+1)); !errors.Is(err, errPath) {
		t.Errorf("segments: %v", err)
	}
}

func TestPathStringAndPointer(t *testing.T) {
	elems := []string{"$", "store", "book", "0", "~", "@string()", "a/b~c", "*"}
	if got, want := pathString(elems), "$['store']['book'][0]['a/b~c'][*]"; got != want {
		t.Errorf("pathString = %s, want %s", got, want)
	}
	if got, want := pointer(elems), "/store/book/0/a~1b~0c/*"; got != want {
		t.Errorf("pointer = %s, want %s", got, want)
	}
	if pathString(nil) != "$" || pointer(nil) != "" {
		t.Error("empty paths")
	}
}

func TestSliceBounds(t *testing.T) {
	tests := []struct {
		parts              [3]string
		n                  int
		start, end, stepBy int
	}{
		{[3]string{"", "", ""}, 4, 0, 4, 1},
		{[3]string{"-1", "", ""}, 4, 3, 4, 1},
		{[3]string{"1", "-1", "2"}, 5, 1, 4, 2},
		{[3]string{"-10", "10", "0"}, 3, 0, 3, 1},
		{[3]string{"7", "", ""}, 3, 3, 3, 1},
	}
	for _, tc := range tests {
		s, e, st := sliceBounds(tc.parts, tc.n)
		if s != tc.start || e != tc.end || st != tc.stepBy {
			t.Errorf("sliceBounds(%q, %d) = %d, %d, %d; want %d, %d, %d", tc.parts, tc.n, s, e, st, tc.start, tc.end, tc.stepBy)
		}
	}
}

// FuzzParsePath: any text parses or fails cleanly, within the bounds.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"$.store.book[*].author", "$..book[?(@.price < 10 && @.a['b'] != \"x\")]", "$..[(@.length-1)]",
		"$['a','b'][1:-1:2]^~", "$..*@string()", "$[?(f(@, 'a\\'b', 0x1f, 1e3) ? !@ : -@.x % 2)]", "$.a.`b[?(typeof @ === 'object')]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		toks, err := parsePath(path)
		if err != nil {
			return
		}
		if len(toks) > maxSegments {
			t.Fatalf("%d segments", len(toks))
		}
		for _, tok := range toks {
			_ = tok.text()
			if tok.kind == tokFilter || tok.kind == tokScript {
				if tok.expr == nil {
					t.Fatalf("%q: expression token without expression", path)
				}
			}
		}
	})
}

// FuzzParseExpr: any expression parses or fails cleanly.
func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{"@.price < 10", "@.a && (@.b || !@.c)", "f(@)['x'].y", "'a\\u00e9\\ud83d\\ude00' + 1.5e-3", "a ? b : c ? d : e", "typeof @ === 'string'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		_, _ = parseExpr(src)
	})
}
