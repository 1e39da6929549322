package runtime_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/dirigo/dirigo/modules/moduletest"
)

// An error after top-level awaits is reported at the same original line and
// column as the same error in a module without them: the markers that stand
// for the awaits keep every position, and the spaces put back after them
// move the source map along. Each case is a line that throws; it runs once
// as it is (no await) and once behind a prefix of awaits on the same line,
// whose length must be the whole difference in column.
func TestTopLevelAwaitPositions(t *testing.T) {
	lines := []string{
		`const w = missing();`,
		`const s = "é€😀", w = missing();`,
		`const a = [~1, -2], w = missing(a);`,
		`const t = ` + "`x${1}`" + `, w = missing();`,
	}
	prefixes := []string{
		"await 0; ",
		"await(0);",
		"const p = await 1, q = await(2), r =~await 3; ",
		"let x = await Promise.resolve(\"~~~~~\"); ",
		"const é = await 1; ",
	}
	pos := regexp.MustCompile(`(\w+\.mjs):(\d+):(\d+): ReferenceError: missing is not defined`)
	files := map[string]string{}
	for i, line := range lines {
		files[fmt.Sprintf("sync%d.mjs", i)] = "// line 1\r\nexport {};\n" + line + "\n"
		for j, p := range prefixes {
			files[fmt.Sprintf("tla%d_%d.mjs", i, j)] = "// line 1\r\nexport {};\n" + p + line + "\n"
		}
	}
	s := moduletest.New(t, files, devOneVM)
	where := func(name string) (int, int) {
		t.Helper()
		_, body := s.Get(t, "/"+name)
		m := pos.FindStringSubmatch(body)
		if m == nil || m[1] != name {
			t.Fatalf("%s: %q", name, body)
		}
		var l, c int
		fmt.Sscan(m[2], &l)
		fmt.Sscan(m[3], &c)
		return l, c
	}
	for i := range lines {
		l0, c0 := where(fmt.Sprintf("sync%d.mjs", i))
		if l0 != 3 {
			t.Errorf("line %d: reported at line %d, want 3", i, l0)
		}
		for j, p := range prefixes {
			l, c := where(fmt.Sprintf("tla%d_%d.mjs", i, j))
			if want := c0 + utf16Len(p); l != l0 || c != want {
				t.Errorf("%q after %q: at %d:%d, want %d:%d", lines[i], p, l, c, l0, want)
			}
		}
	}
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// Top-level await cases the loader handles or refuses, at compile time.
func TestTopLevelAwaitForms(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"await in a for head", "const out = [];\nfor (const x of await Promise.resolve([1, 2])) out.push(x);\nexport default out;", `[1,2]`},
		{"await as an argument", "export default Math.max(await 1, await Promise.resolve(2));", `2`},
		{"await in a template", "export default `v${await 3}`;", `"v3"`},
		{"await in a class static block is not top-level", "class A { static async f() { return await 4; } }\nexport default await A.f();", `4`},
		{"await after a line comment", "// await\nexport default /* await */ await 5;", `5`},
		{"await then a regexp", "export default await /x/.source;", `"x"`},
		{"await of a unary", "export default await -6;", `-6`},
		{"await in a ternary", "export default true ? await 7 : await 8;", `7`},
		{"nested await", "export default await await 9;", `9`},
		{"await in a string is text", `export default "await" + await "";`, `"await"`},
		{"await using", "await using x = null;", "SyntaxError: a top-level await using declaration is not supported"},
		{"for await", "for await (const x of []) ;", "SyntaxError: a top-level for await loop is not supported"},
	}
	files := map[string]string{}
	for i, tc := range tests {
		files[fmt.Sprintf("m%d.mjs", i)] = tc.src
		files[fmt.Sprintf("t%d.mjs", i)] = fmt.Sprintf("import v from './m%d.mjs';\nimport { response } from 'sdk/http';\nresponse.print(JSON.stringify(v));", i)
	}
	s := moduletest.New(t, files, devOneVM)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, body := s.Get(t, fmt.Sprintf("/t%d", i))
			if !strings.Contains(body, tc.want) {
				t.Errorf("got %q, want %q", body, tc.want)
			}
		})
	}
}

// dirigo run waits for a script's top-level await too, and reports its
// rejection.
func TestTopLevelAwaitBatch(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"job.mjs":  "const n = await new Promise((resolve) => setTimeout(() => resolve(3), 1));\nprocess.exitCode = n;",
		"fail.mjs": "await null;\nthrow new TypeError('batch');",
	}, devOneVM)
	if code, err := s.Runtime.RunFile(context.Background(), "job.mjs", nil); code != 3 || err != nil {
		t.Errorf("job.mjs: exit %d, %v", code, err)
	}
	code, err := s.Runtime.RunFile(context.Background(), "fail.mjs", nil)
	if code != 1 || err == nil || err.Error() != "fail.mjs:2:7: TypeError: batch" {
		t.Errorf("fail.mjs: exit %d, %v", code, err)
	}
}
