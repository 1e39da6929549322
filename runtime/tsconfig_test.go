package runtime

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestStripJSONC(t *testing.T) {
	for in, want := range map[string]string{
		`{"a": 1}`: `{"a":1}`,
		"{\n // c \"x\"\n \"a\": [1, 2,], /* b */ \"s\": \"//not /* a comment\",\n}": `{"a":[1,2],"s":"//not /* a comment"}`,
		`{"q": "a\"b,}", }`:                                `{"q":"a\"b,}"}`,
		`{"u": 1 /* unterminated`:                          ``,
		"{\"a\": true, // a comment before the bracket\n}": `{"a":true}`,
	} {
		var v any
		err := json.Unmarshal(stripJSONC([]byte(in)), &v)
		if want == "" {
			if err == nil {
				t.Errorf("%q: parsed", in)
			}
			continue
		}
		got, _ := json.Marshal(v)
		if err != nil || string(got) != want {
			t.Errorf("%q: %s, %v; want %s", in, got, err, want)
		}
	}
}

func TestTsconfigFor(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("legacy/tsconfig.json", "{\"compilerOptions\": {\"experimentalDecorators\": true,},} // legacy")
	write("legacy/inner/tsconfig.json", `{"compilerOptions": {}}`) // the nearest decides
	write("broken/tsconfig.json", `{`)
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	l := newLoader(root)
	for file, want := range map[string]string{
		"legacy/a.ts":         legacyDecorators,
		"legacy/deep/er/a.ts": legacyDecorators,
		"legacy/inner/a.ts":   "",
		"broken/a.ts":         "",
		"a.ts":                "",
	} {
		if got := l.tsconfigFor(file); got != want {
			t.Errorf("%s: %q, want %q", file, got, want)
		}
	}
}
