package runtime

import (
	"errors"
	"testing"
)

// FuzzCompileModule compiles arbitrary module sources (the loader masks and
// unmasks top-level awaits, and reads imports from the output): it never
// panics, and fails only with a *ScriptError.
func FuzzCompileModule(f *testing.F) {
	for _, seed := range []string{
		"const x = await 1;\nexport default x;",
		"import { a } from './a';\nexport const b = await a(), c = ~~~~~1, d = '~~~~~';",
		"for await (const x of y) ;",
		"await using r = null;",
		"const s = \"é😀\"; await s;\r\nawait\u2028x;",
		"export * from 'x'; import * as ns from 'y'; import d, { e as f } from 'z'; await ns[d](f);",
		"if (false) { await x } else { await y }",
		"class A { static { } } await new A();",
		"var await_ = 1; export { await_ as await };",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		prog, info, err := compileModule("m.mjs", []byte(src), "")
		var se *ScriptError
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("%q: %T %v", src, err, err)
		}
		if err == nil && prog == nil {
			t.Fatalf("%q: no program and no error", src)
		}
		for _, imp := range info.imports {
			if imp.line < 1 || imp.col < 1 {
				t.Fatalf("%q: import %q at %d:%d", src, imp.spec, imp.line, imp.col)
			}
		}
	})
}
