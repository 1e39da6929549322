package rs

import (
	"reflect"
	"strings"
	"testing"
)

// The expectations were checked against path-to-regexp 6.2.1 (the matcher
// Dirigible embeds) with Dirigible's "{name}" → ":name" rewrite.
func TestTemplateMatch(t *testing.T) {
	no := map[string]any(nil)
	for _, tc := range []struct {
		def, path string
		want      map[string]any // nil: no match
	}{
		{"", "", map[string]any{}},
		{"", "/", map[string]any{}},
		{"", "x", no},
		{"users", "users", map[string]any{}},
		{"users", "USERS/", map[string]any{}}, // case insensitive, optional trailing slash
		{"users", "users/1", no},
		{"users/{id}", "users/42", map[string]any{"id": "42"}},
		{"users/{id}", "users/42/", map[string]any{"id": "42"}},
		{"users/{id}", "users/", no},
		{"users/{id}", "users/a/b", no},
		{"users/:id", "users/x%20y", map[string]any{"id": "x%20y"}}, // not decoded
		{"{id}", "7", map[string]any{"id": "7"}},
		{"{id}/{associationName}", "7/orders", map[string]any{"id": "7", "associationName": "orders"}},
		{"files/{path*}", "files", map[string]any{}},
		{"files/{path*}", "files/a/b/c", map[string]any{"path": []string{"a", "b", "c"}}},
		{"files/:path+", "files", no},
		{"files/:path+", "files/a/b", map[string]any{"path": []string{"a", "b"}}},
		{`n/:id(\d+)`, "n/12", map[string]any{"id": "12"}},
		{`n/:id(\d+)`, "n/ab", no},
		{"opt/:id?", "opt", map[string]any{}},
		{"opt/:id?", "opt/3", map[string]any{"id": "3"}},
		{"a/(.*)", "a/x/y", map[string]any{"0": "x/y"}},
		{"a/:b.:ext", "a/file.txt", map[string]any{"b": "file", "ext": "txt"}},
		{"a/{-:b}?", "a-x", no},
		{"a{/:b}?", "a", map[string]any{}},
		{"a{/:b}?", "a/q", map[string]any{"b": "q"}},
		{`\:lit`, ":lit", map[string]any{}},
		{`a\`, "a", map[string]any{}},
		{"ünï/:cöde", "ÜNÏ/ß", no},
		{"p/:a-:b", "p/1-2", map[string]any{"a": "1", "b": "2"}},
		{"p/:a/:a", "p/1/2", map[string]any{"a": "2"}},
		{`q/:x(\d+)?`, "q", map[string]any{}},
		{`r/:x(\d+)*`, "r/1/2/3", map[string]any{"x": []string{"1", "2", "3"}}},
		{"s/{a}{b}", "s/xy", map[string]any{"a": "x", "b": "y"}},
		{"t/:id", "t/a#b", no},
		{"t/:id", "t/a?b", no},
		{`u/(\d+)/(\w+)`, "u/1/a", map[string]any{"0": "1", "1": "a"}},
	} {
		tp, err := compileTemplate(tc.def)
		if err != nil {
			t.Errorf("compile %q: %v", tc.def, err)
			continue
		}
		vals, ok := tp.match(tc.path)
		got := asMap(vals)
		if tc.want == nil {
			if ok {
				t.Errorf("%q matched %q: %v", tc.def, tc.path, got)
			}
			continue
		}
		if !ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q on %q = %v, %v; want %v", tc.def, tc.path, got, ok, tc.want)
		}
	}
}

func TestTemplateErrors(t *testing.T) {
	for def, want := range map[string]string{
		"x/:":           "Missing parameter name at 2",
		"x/(?y)":        `Pattern cannot start with "?" at 3`,
		"x/(a(b))":      "Capturing groups are not allowed at 4",
		"x/(a":          "Unbalanced pattern at 2",
		"x/()":          "Missing pattern at 2",
		"x{/:y":         "Unexpected END at 5, expected CLOSE",
		"x*":            "Unexpected MODIFIER at 1, expected END",
		"x}":            "Unexpected CLOSE at 1, expected END",
		"x/(a(?=b))":    "invalid pattern",      // a JavaScript-only construct
		"x/(a(?P<n>b))": "capturing groups are", // a named group captures
	} {
		_, err := compileTemplate(def)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("compile %q: %v, want %q", def, err, want)
		}
	}
}

func TestTemplatesCache(t *testing.T) {
	ts := NewTemplates()
	a, err := ts.get("x/{id}")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := ts.get("x/{id}"); a != b {
		t.Error("a template was compiled twice")
	}
	if _, err := ts.get("x/:"); err == nil {
		t.Error("no error for a bad template")
	}
	if _, err := ts.get("x/:"); err == nil {
		t.Error("no error for a cached bad template")
	}
	for i := range maxTemplates + 10 {
		_, _ = ts.get("t/" + strings.Repeat("a", i%50) + string(rune('A'+i%26)) + "/" + strings.Repeat("b", i/50))
	}
	if n := ts.n.Load(); n > maxTemplates {
		t.Errorf("%d templates cached, more than %d", n, maxTemplates)
	}
}

// FuzzTemplate: no template or path makes compiling or matching panic, and
// a match only reports values taken from the path.
func FuzzTemplate(f *testing.F) {
	f.Add("users/{id}", "users/42")
	f.Add(`files/:p*`, "files/a/b")
	f.Add(`a{/:b(\d+)}?`, "a/1")
	f.Add(`(.*)`, "x")
	f.Fuzz(func(t *testing.T, def, path string) {
		tp, err := compileTemplate(def)
		if err != nil {
			return
		}
		vals, ok := tp.match(path)
		if !ok {
			return
		}
		for _, v := range asMap(vals) {
			switch v := v.(type) {
			case string:
				if !strings.Contains(path, v) {
					t.Fatalf("%q on %q gave %q", def, path, v)
				}
			case []string:
				for _, s := range v {
					if !strings.Contains(path, s) {
						t.Fatalf("%q on %q gave %q", def, path, s)
					}
				}
			}
		}
	})
}

func asMap(vals []pathValue) map[string]any {
	m := map[string]any{}
	for _, v := range vals {
		if v.repeated {
			m[v.name] = v.segments
		} else {
			m[v.name] = v.value
		}
	}
	return m
}

func BenchmarkTemplateMatch(b *testing.B) {
	ts := NewTemplates()
	b.ReportAllocs()
	for b.Loop() {
		t, _ := ts.get("users/{id}/orders/:order")
		if _, ok := t.match("users/7/orders/9"); !ok {
			b.Fatal("no match")
		}
	}
}
