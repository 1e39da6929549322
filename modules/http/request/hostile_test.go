package request_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"testing"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// probeJS reports what the request parsers made of a request: counts, so a
// hostile request shows how much it made the server build.
const probeJS = `
var request = require("http/request"), out = {};
function attempt(f) { try { return f(); } catch (e) { return "throws " + e.name + ": " + String(e.message).slice(0, 200); } }
out.names = attempt(function () { return request.getParameterNames().length; });
out.values = attempt(function () { var n = 0, p = request.getParameters(); for (var k in p) n += p[k].length; return n; });
out.map = attempt(function () { var m = request.getQueryParametersMap(), n = 0; for (var k in m) n += Array.isArray(m[k]) ? m[k].length : 1; return n; });
out.cookies = attempt(function () { var c = request.getCookies(); return c === null ? 0 : c.length; });
out.field = attempt(function () { return request.getParameter("field"); });
out.charset = attempt(function () { return request.getCharacterEncoding(); });
out.locale = attempt(function () { return request.getLocale(); });
require("http/response").print(JSON.stringify(out));`

type probe struct {
	Names, Values, Map, Cookies any
	Field, Charset, Locale      any
}

func multipartBody(t *testing.T, build func(w *multipart.Writer)) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	build(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), b.Bytes()
}

// TestHostileRequests sends requests built to make the parsers behind the
// request module (query, form, multipart, cookies, media type, languages)
// work or allocate without bound. Each must be answered normally, with what
// it made the server build capped: 10 000 parameters (as Go's url.ParseQuery
// and Tomcat), 1000 multipart parts (Go's mime/multipart), 3000 cookies
// (Go's net/http); no parser recurses, and file parts are never buffered or
// spilled to disk.
func TestHostileRequests(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	s := moduletest.New(t, map[string]string{"probe.js": probeJS}, moduletest.Options{
		NoSessions: true,
		Runtime:    func(c *runtime.Config) { c.PoolSize = 1 },
	})
	params := func(n int, sep string) string { return strings.Repeat("a=1"+sep, n-1) + "a=1" }
	mpFile, mpFileBody := multipartBody(t, func(w *multipart.Writer) {
		_ = w.WriteField("field", "v")
		f, _ := w.CreateFormFile("upload", "big.bin")
		_, _ = f.Write(bytes.Repeat([]byte("x"), 5<<20))
	})
	mpMany, mpManyBody := multipartBody(t, func(w *multipart.Writer) {
		for i := 0; i < 5000; i++ {
			_ = w.WriteField(fmt.Sprint("f", i), "v")
		}
	})
	mpOK, mpOKBody := multipartBody(t, func(w *multipart.Writer) {
		for i := 0; i < 999; i++ {
			_ = w.WriteField("field", "v")
		}
	})
	mpNested, mpNestedBody := multipartBody(t, func(w *multipart.Writer) {
		_ = w.WriteField("field", "v")
		inner := "--in\r\nContent-Type: multipart/mixed; boundary=in2\r\n\r\n--in2\r\n\r\nx\r\n--in2--\r\n--in--\r\n"
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="nested"`)
		h.Set("Content-Type", "multipart/mixed; boundary=in")
		p, _ := w.CreatePart(h)
		_, _ = p.Write([]byte(strings.Repeat(inner, 1000)))
	})
	manyHeaders := "--b\r\n" + strings.Repeat("X-H: v\r\n", 20000) + "Content-Disposition: form-data; name=\"field\"\r\n\r\nv\r\n--b--\r\n"
	cookies := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "c%d=v; ", i)
		}
		return strings.TrimSuffix(b.String(), "; ")
	}

	for _, tc := range []struct {
		name        string
		method, url string
		ctype, body string
		header      map[string]string
		want        func(p probe) bool
	}{
		{name: "10 000 query parameters", url: "/probe?" + params(10000, "&"),
			want: func(p probe) bool { return p.Values == 10000.0 && p.Map == 10000.0 }},
		{name: "20 000 query parameters", url: "/probe?" + params(20000, "&"),
			want: func(p probe) bool { return p.Values == 0.0 && p.Map == 0.0 }},
		{name: "200 000 empty query parameters", url: "/probe?" + strings.Repeat("&", 200000),
			want: func(p probe) bool { return p.Values == 0.0 && p.Map == 0.0 }},
		{name: "nested brackets stay one flat name", url: "/probe?" + strings.Repeat("a[", 50000) + "=1",
			want: func(p probe) bool { return p.Names == 1.0 && p.Map == 1.0 }},
		{name: "1 MB form body of 250 000 parameters", method: "POST", url: "/probe",
			ctype: "application/x-www-form-urlencoded", body: params(250000, "&"),
			want: func(p probe) bool { return p.Values == 0.0 }},
		{name: "form body with invalid escapes", method: "POST", url: "/probe?field=q",
			ctype: "application/x-www-form-urlencoded", body: strings.Repeat("%zz&", 1000) + "field=v",
			want: func(p probe) bool { return p.Field == "q" && p.Values == 2.0 }},
		{name: "999 multipart fields", method: "POST", url: "/probe", ctype: mpOK, body: string(mpOKBody),
			want: func(p probe) bool { return p.Values == 999.0 }},
		{name: "5000 multipart parts", method: "POST", url: "/probe", ctype: mpMany, body: string(mpManyBody),
			want: func(p probe) bool { return p.Values == 0.0 }},
		{name: "a 5 MB file part", method: "POST", url: "/probe", ctype: mpFile, body: string(mpFileBody),
			want: func(p probe) bool { return p.Field == "v" && p.Values == 1.0 }},
		{name: "1000 nested multipart/mixed parts", method: "POST", url: "/probe", ctype: mpNested, body: string(mpNestedBody),
			want: func(p probe) bool { return p.Field == "v" && p.Names == 2.0 }},
		{name: "a part with 20 000 headers", method: "POST", url: "/probe", ctype: "multipart/form-data; boundary=b", body: manyHeaders,
			want: func(p probe) bool { return p.Values == 0.0 }},
		{name: "a truncated multipart body", method: "POST", url: "/probe", ctype: mpOK, body: string(mpOKBody[:len(mpOKBody)/2]),
			want: func(p probe) bool { return p.Values == 0.0 }},
		{name: "multipart garbage", method: "POST", url: "/probe", ctype: "multipart/form-data; boundary=" + strings.Repeat("b", 5000),
			body: strings.Repeat("--"+strings.Repeat("b", 10)+"\r\n", 10000),
			want: func(p probe) bool { return p.Values == 0.0 }},
		{name: "2999 cookies", url: "/probe", header: map[string]string{"Cookie": cookies(2999)},
			want: func(p probe) bool { return p.Cookies == 2999.0 }},
		{name: "5000 cookies", url: "/probe", header: map[string]string{"Cookie": cookies(5000)},
			want: func(p probe) bool { return p.Cookies == 0.0 }},
		{name: "a Content-Type of 40 000 parameters", method: "POST", url: "/probe",
			ctype: "text/plain; charset=latin1" + strings.Repeat("; p*0=x; p*1=y", 40000), body: "x",
			want: func(p probe) bool { return p.Values == 0.0 }},
		{name: "an Accept-Language of 100 000 tags", url: "/probe",
			header: map[string]string{"Accept-Language": strings.Repeat("en;q=0.1, ", 100000) + "de-CH"},
			want:   func(p probe) bool { return p.Locale == "de_CH" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			req, err := http.NewRequest(method, tc.url, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, body := s.Do(t, req)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %.300s", resp.StatusCode, body)
			}
			var p probe
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatalf("%v: %.300s", err, body)
			}
			if !tc.want(p) {
				t.Errorf("%+v", p)
			}
		})
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the parsers left %d files in the temporary folder", len(left))
	}
}
