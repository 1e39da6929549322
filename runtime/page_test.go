package runtime

import (
	"strings"
	"testing"
)

// FuzzSplitPage checks the page splitter on any input: it never panics; the
// parts cover the file in order, so the static parts and the block sources
// put together are the file; every block is a start tag, its code and an end
// tag; and a page that compiles sends exactly its text parts.
func FuzzSplitPage(f *testing.F) {
	for _, s := range []string{
		"", "<p>plain</p>", "<script runat=server>response.print(1)</script>",
		"<script runat=server>", "<script runat=server></script>", "<script runat=server>x</scrip",
		"\ufeff<p>\r\n<script RUNAT='SERVER'>a()</script>\r\n", "<script runat=server src=x.js></script>",
		"<!-- <script runat=server>x</script> --><script runat=server>y</script>",
		"<script>var s = '<script runat=server>x</script>';</script><script runat=server>z</script>",
		"<a title='<script runat=server>'><script runat=server>if (a) {</script>t<script runat=server>}</script>",
		"<title><script runat=server>t</script></title><textarea><script runat=server>u</script></textarea>",
		"<script runat=server><!--\nx()\n//--></script>", "<script runat=server>`\u2028`</script>\xff\xfe",
		"<style>a{content:'<!--'}</style><script runat=server>s()</script>", "<plaintext><script runat=server>p</script>",
		"<script runat=server/>x</script>", "<scr<script runat=server>ipt>", "<script runat=server>a</script>b<",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		parts, err := splitPage(src)
		if err != nil {
			if _, ok := err.(*pageSyntaxError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if parts == nil {
			if strings.Contains(strings.ToLower(string(src)), "runat") && hasServerBlock(strings.NewReader(string(src))) {
				t.Fatalf("no parts, but hasServerBlock finds one")
			}
			return
		}
		var all, text strings.Builder
		off := 0
		for i, p := range parts {
			if p.start != off || p.end < p.start {
				t.Fatalf("part %d = [%d,%d) after offset %d", i, p.start, p.end, off)
			}
			off = p.end
			all.Write(src[p.start:p.end])
			switch p.kind {
			case partText:
				text.Write(src[p.start:p.end])
			case partCode:
				if i == 0 || i+1 >= len(parts) || parts[i-1].kind != partTag || parts[i+1].kind != partTag {
					t.Fatalf("code part %d is not between two tags: %+v", i, parts)
				}
				if strings.HasPrefix(strings.ToLower(string(src[parts[i+1].start:parts[i+1].end])), "</script") == false {
					t.Fatalf("block %d does not end with </script: %q", i, src[parts[i+1].start:parts[i+1].end])
				}
			case partTag:
				if (i == 0 || parts[i-1].kind != partCode) && (i+1 >= len(parts) || parts[i+1].kind != partCode) {
					t.Fatalf("tag part %d belongs to no block: %+v", i, parts)
				}
			}
		}
		if off != len(src) || all.String() != string(src) {
			t.Fatalf("parts cover %d of %d bytes", off, len(src))
		}
		if !hasServerBlock(strings.NewReader(string(src))) {
			t.Fatalf("hasServerBlock misses the blocks that splitPage finds")
		}
		_, pg, err := compilePage("f.html", src)
		if err != nil {
			if _, ok := err.(*ScriptError); !ok {
				t.Fatalf("compile error of type %T: %v", err, err)
			}
			return
		}
		if got := strings.Join(pg.texts, ""); got != text.String() {
			t.Fatalf("the page sends %q, its text is %q", got, text.String())
		}
	})
}
