package runtime

import (
	"bytes"
	"fmt"
	"maps"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func buildMultipart(t testing.TB, boundary string, build func(w *multipart.Writer)) []byte {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.SetBoundary(boundary); err != nil {
		t.Fatal(err)
	}
	build(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestMultipartFields(t *testing.T) {
	const bd = "XyZ"
	fields := func(n int) []byte {
		return buildMultipart(t, bd, func(w *multipart.Writer) {
			for i := 0; i < n; i++ {
				_ = w.WriteField("f", fmt.Sprint(i))
			}
		})
	}
	mixed := buildMultipart(t, bd, func(w *multipart.Writer) {
		_ = w.WriteField("a", "1")
		f, _ := w.CreateFormFile("file", "x.bin")
		_, _ = f.Write(bytes.Repeat([]byte("z"), 1<<16))
		_ = w.WriteField("a", "2")
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="qp"`)
		h.Set("Content-Transfer-Encoding", "quoted-printable")
		p, _ := w.CreatePart(h)
		_, _ = p.Write([]byte("caf=C3=A9"))
		h = textproto.MIMEHeader{}
		h.Set("Content-Type", "text/plain") // no name: skipped
		p, _ = w.CreatePart(h)
		_, _ = p.Write([]byte("anonymous"))
	})
	manyHeaders := func(perPart, parts int) []byte {
		var b strings.Builder
		for i := 0; i < parts; i++ {
			b.WriteString("--" + bd + "\r\n" + strings.Repeat("X-H: v\r\n", perPart) + "Content-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n")
		}
		b.WriteString("--" + bd + "--\r\n")
		return []byte(b.String())
	}
	for _, tc := range []struct {
		name string
		body []byte
		want url.Values // nil: an error
	}{
		{"empty form", fields(0), url.Values{}},
		{"fields, files skipped, quoted-printable decoded", mixed, url.Values{"a": {"1", "2"}, "qp": {"café"}}},
		{"1000 parts", fields(1000), url.Values{"f": func() []string {
			var v []string
			for i := 0; i < 1000; i++ {
				v = append(v, fmt.Sprint(i))
			}
			return v
		}()}},
		{"1001 parts", fields(1001), nil},
		{"9999 header lines", manyHeaders(9998, 1), url.Values{"f": {"v"}}},
		{"10 001 header lines over parts", manyHeaders(99, 101), nil},
		{"LF line ends", []byte("--" + bd + "\nContent-Disposition: form-data; name=\"f\"\n\nv\n--" + bd + "--\n"), url.Values{"f": {"v"}}},
		{"an epilogue after the end", append(fields(1), "epilogue"...), url.Values{"f": {"0"}}},
		{"truncated in a header", fields(10)[:len(fields(10))/2+3], nil},
		{"truncated in a value", fields(1)[:len(fields(1))-len(bd)-8], nil},
		{"no final boundary", bytes.TrimSuffix(fields(2), []byte("--"+bd+"--\r\n")), nil},
		{"another boundary", buildMultipart(t, "other", func(w *multipart.Writer) { _ = w.WriteField("f", "v") }), nil},
		{"garbage", []byte("\x00\xff--" + bd + "\r\n\r\n"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := multipartFields(tc.body, bd)
			if tc.want == nil {
				if err == nil {
					t.Fatalf("no error; got %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseParams(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want url.Values
		err  bool
	}{
		{"", url.Values{}, false},
		{"a=1&b=2&a=3", url.Values{"a": {"1", "3"}, "b": {"2"}}, false},
		{"a=%zz&b=2", url.Values{"b": {"2"}}, false},
		{strings.Repeat("a&", 9999) + "a", url.Values{"a": slices.Repeat([]string{""}, 10000)}, false},
		{strings.Repeat("a&", 10000) + "a", url.Values{}, true},
		{strings.Repeat("&", 200000), url.Values{}, true},
	} {
		got, err := parseParams(tc.in)
		if (err != nil) != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseParams(%.40q) = %.200v, %v", tc.in, got, err)
		}
	}
}

// FuzzMultipartFields: whatever the body, multipartFields returns without
// panicking, at most maxFormParts values holding no more bytes than the body,
// and, when Go's own ReadForm also accepts the body, the same fields.
func FuzzMultipartFields(f *testing.F) {
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n--b--\r\n"))
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\nv\r\n--b\r\nContent-Disposition: form-data; name=\"g\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=41\r\n--b--"))
	f.Add([]byte("preamble\r\n--b\nContent-Disposition: form-data; name=f\n\n\n--b--\nepilogue"))
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"f\"\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := multipartFields(body, "b")
		if err != nil {
			return
		}
		n, size := 0, 0
		for _, vs := range got {
			n += len(vs)
			for _, v := range vs {
				size += len(v)
			}
		}
		if n > maxFormParts || size > len(body) {
			t.Fatalf("%d values of %d bytes from a body of %d", n, size, len(body))
		}
		form, err := multipart.NewReader(bytes.NewReader(body), "b").ReadForm(int64(len(body)) + 1<<20)
		if err != nil {
			return
		}
		defer form.RemoveAll()
		want := url.Values(form.Value)
		if len(want) == 0 && len(got) == 0 {
			return
		}
		if !maps.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("got %q, ReadForm %q", got, want)
		}
	})
}

// FuzzParseParams: parseParams never panics and never returns more than
// maxParams values.
func FuzzParseParams(f *testing.F) {
	f.Add("a=1&b=%20&c")
	f.Add("%zz&;&=&a==b")
	f.Fuzz(func(t *testing.T, s string) {
		v, _ := parseParams(s)
		n := 0
		for _, vs := range v {
			n += len(vs)
		}
		if n > maxParams {
			t.Fatalf("%d values", n)
		}
	})
}
