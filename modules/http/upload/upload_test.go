package upload_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"testing"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/dirigible"
	"github.com/dirigo/dirigo/modules/http/upload"
	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// form builds a multipart body: fields, then files (name → content).
func form(t *testing.T, build func(w *multipart.Writer)) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	build(w)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), b.Bytes()
}

func post(t *testing.T, s *moduletest.Server, path, method, contentType string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, out := s.Do(t, req)
	return resp.StatusCode, out
}

// describe prints every item the way a script sees it.
const describe = `
var items = upload.parseRequest(), out = [];
for (var i = 0; i < items.size(); i++) {
	var it = items.get(i);
	out.push([it.getFieldName(), it.getName(), it.getContentType(), it.isFormField(), it.isEmpty(), it.getSize(),
		it.getText(), JSON.stringify(it.getBytes().slice(0, 4))].join("|"));
}
response.print(out.join("\n"));
`

func sample(t *testing.T) (string, []byte) {
	return form(t, func(w *multipart.Writer) {
		_ = w.WriteField("title", "café")
		f, _ := w.CreateFormFile("file", "a.txt")
		_, _ = f.Write([]byte("hello"))
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="b.bin"`)
		h.Set("Content-Type", "image/png")
		p, _ := w.CreatePart(h)
		_, _ = p.Write([]byte{0x89, 'P', 'N', 'G', 0xff})
		f, _ = w.CreateFormFile("empty", "") // a file input left empty
		_ = f
	})
}

func TestParseRequest(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"v4.js":  `var upload = require("http/upload"), response = require("http/response");` + describe,
		"cur.js": `var upload = require("sdk/http/upload"), response = require("sdk/http/response");` + describe,
		"idx.mjs": `import { Upload, upload, response } from "@aerokit/sdk/http";
response.print(String(Upload === upload && Upload.parseRequest() === upload.parseRequest() && Upload.parseRequest().size()));`,
		"v2.js": `var upload = require("net/http/upload"), response = require("net/http/response");` + describe,
	}, moduletest.Options{})
	ct, body := sample(t)
	// The CommonJS generations give every part (commons-fileupload).
	all := "title|||true|false|5|café|[99,97,102,-61]\n" +
		"file|a.txt|application/octet-stream|false|false|5|hello|[104,101,108,108]\n" +
		"file|b.bin|image/png|false|false|5|\ufffdPNG\ufffd|[-119,80,78,71]\n" +
		"empty||application/octet-stream|false|true|0||[]"
	for _, path := range []string{"/v4", "/v2"} {
		if code, out := post(t, s, path, "POST", ct, body); code != 200 || out != all {
			t.Errorf("%s: %d\n%s\nwant\n%s", path, code, out, all)
		}
	}
	// sdk/http gives the files, as Dirigible's endpoint does.
	files := "file|a.txt|application/octet-stream|false|false|5|hello|[104,101,108,108]\n" +
		"file|b.bin|image/png|false|false|5|\ufffdPNG\ufffd|[-119,80,78,71]\n" +
		"empty||application/octet-stream|false|true|0||[]"
	if code, out := post(t, s, "/cur", "POST", ct, body); code != 200 || out != files {
		t.Errorf("sdk/http: %d\n%s\nwant\n%s", code, out, files)
	}
	if code, out := post(t, s, "/idx", "PUT", ct, body); code != 200 || out != "3" {
		t.Errorf("index: %d %q", code, out)
	}
}

func TestIsMultipartContent(t *testing.T) {
	s := moduletest.New(t, map[string]string{
		"is.js": `require("http/response").print(String(require("http/upload").isMultipartContent()));`,
	}, moduletest.Options{})
	ct, body := sample(t)
	for _, tc := range []struct {
		method, ct, want string
	}{
		{"POST", ct, "true"},
		{"PUT", ct, "true"},
		{"POST", "Multipart/Mixed; boundary=x", "true"},
		{"GET", ct, "false"},
		{"PATCH", ct, "false"},
		{"POST", "application/json", "false"},
		{"POST", "", "false"},
	} {
		if code, out := post(t, s, "/is", tc.method, tc.ct, body); code != 200 || out != tc.want {
			t.Errorf("%s %q: %d %q, want %q", tc.method, tc.ct, code, out, tc.want)
		}
	}
	// Outside HTTP: false, and parseRequest throws Dirigible's error.
	s.Write(t, "batch.js", `
var u = require("http/upload");
if (u.isMultipartContent() !== false) throw new Error("multipart in batch mode");
try { u.parseRequest(); throw new Error("no error"); } catch (e) { if (e.message !== "Trying to use HTTP Upload Facade without a valid Request") throw e; }
`)
	if code, err := s.Runtime.RunFile(context.Background(), "batch.js", nil); code != 0 || err != nil {
		t.Errorf("batch: %d %v", code, err)
	}
}

func TestInputStreamAndHeaders(t *testing.T) {
	s := moduletest.New(t, map[string]string{"s.js": `
var upload = require("http/upload"), response = require("http/response");
var it = upload.parseRequest().get(1);
var st = it.getInputStream(), first = [st.read(), st.read()];
var rest = st.readText();
var h = it.getHeaders();
var again = it.getInputStream().readBytes().length;
response.print(JSON.stringify([first, rest, st.read(), again, h.getHeaderNames(), h.getHeader("content-type"), h.getHeader("X-None")]));
`}, moduletest.Options{})
	ct, body := sample(t)
	want := `[[104,101],"llo",-1,5,["Content-Disposition","Content-Type"],"application/octet-stream",null]`
	if code, out := post(t, s, "/s", "POST", ct, body); code != 200 || out != want {
		t.Errorf("%d %s\nwant %s", code, out, want)
	}
}

// peek is a test module whose count() tells how many files the upload
// folder holds.
func peek(dir string) runtime.Module {
	return runtime.Module{Name: "test:peek", Load: func(vm *runtime.VM) (goja.Value, error) {
		o := vm.Runtime().NewObject()
		_ = o.Set("count", func(goja.FunctionCall) goja.Value {
			entries, _ := os.ReadDir(dir)
			return vm.Runtime().ToValue(len(entries))
		})
		return o, nil
	}}
}

func TestLargePartsGoToTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	s := moduletest.New(t, map[string]string{"big.js": `
var upload = require("test:upload"), response = require("http/response"), peek = require("test:peek");
var items = upload.parseRequest(), out = [];
for (var i = 0; i < items.size(); i++) {
	var it = items.get(i);
	var b = it.getBytes();
	out.push(it.getFieldName() + ":" + it.getSize() + ":" + b.length + ":" + b[b.length - 1] + ":" + it.getText().length +
		":" + it.getInputStream().readBytes().length + ":" + it.getBytesNative().byteLength);
}
response.print(out.join(",") + " files " + peek.count());
`}, moduletest.Options{Modules: []runtime.Module{
		upload.Module("test:upload", dirigible.V4, upload.Options{Threshold: 100, TempDir: dir}),
		peek(dir),
	}})
	big := bytes.Repeat([]byte("0123456789"), 5000)
	big[len(big)-1] = 'z'
	ct, body := form(t, func(w *multipart.Writer) {
		_ = w.WriteField("small", strings.Repeat("s", 100)) // at the threshold: in memory
		f, _ := w.CreateFormFile("big", "big.txt")
		_, _ = f.Write(big)
		f, _ = w.CreateFormFile("edge", "edge.txt")
		_, _ = f.Write(bytes.Repeat([]byte("e"), 101))
	})
	code, out := post(t, s, "/big", "POST", ct, body)
	want := "small:100:100:115:100:100:100,big:50000:50000:122:50000:50000:50000,edge:101:101:101:101:101:101 files 2"
	if code != 200 || out != want {
		t.Errorf("%d %q\nwant %q", code, out, want)
	}
	// The request is over: its temporary files are gone.
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d temporary files left", len(entries))
	}
}

func TestBadBodies(t *testing.T) {
	dir := t.TempDir()
	s := moduletest.New(t, map[string]string{
		"p.js": `var u = require("test:upload"); require("http/response").print("items " + u.parseRequest().size());`,
		"caught.js": `
var u = require("http/upload"), response = require("http/response");
try { u.parseRequest(); } catch (e) { response.setStatus(422); response.print(e.message); }`,
		"twice.js": `
var u = require("http/upload"), response = require("http/response");
var a = u.parseRequest(), b = u.parseRequest();
var text; try { require("http/request").getText(); } catch (e) { text = e.message; }
response.print((a === b) + " " + require("http/request").getParameter("f") + " " + text);`,
		"params.js": `
var u = require("http/upload"), response = require("http/response"), request = require("http/request");
var f = request.getParameter("f");
response.print(f + " " + u.parseRequest().get(0).getText());`,
	}, moduletest.Options{
		Modules: []runtime.Module{upload.Module("test:upload", dirigible.V4, upload.Options{Threshold: 10, TempDir: dir})},
		Runtime: func(c *runtime.Config) { c.MaxBodyBytes = 4096 },
	})
	ct, good := form(t, func(w *multipart.Writer) { _ = w.WriteField("f", "v") })
	truncated := good[:len(good)-10]
	bd := ct[strings.Index(ct, "boundary=")+len("boundary="):]
	for _, tc := range []struct {
		name, path, method, ct string
		body                   []byte
		status                 int
		want                   string // the body, when not empty
	}{
		{"valid", "/p", "POST", ct, good, 200, "items 1"},
		{"no final boundary", "/p", "POST", ct, truncated, 400, ""},
		{"garbage", "/p", "POST", ct, []byte("this is not multipart"), 400, ""},
		{"bad part header", "/p", "POST", ct, []byte("--" + bd + "\r\nno colon here\r\n\r\nv\r\n--" + bd + "--\r\n"), 400, ""},
		{"no boundary", "/p", "POST", "multipart/form-data", good, 400, ""},
		{"not multipart", "/p", "POST", "application/json", []byte("{}"), 400, ""},
		{"GET", "/p", "GET", "", nil, 400, ""},
		{"caught", "/caught", "POST", ct, truncated, 422, "bad request: malformed multipart body: unexpected EOF"},
		{"ends in a part's header", "/caught", "POST", ct, []byte("--" + bd + "\r\nContent-Disposition: form-data; name=\"f\"\r\n"), 422,
			"bad request: malformed multipart body: no final boundary"},
		{"too large, streamed to a file", "/p", "POST", ct, func() []byte {
			_, b := form(t, func(w *multipart.Writer) {
				f, _ := w.CreateFormFile("f", "x")
				_, _ = f.Write(bytes.Repeat([]byte("x"), 5000))
			})
			return b
		}(), 413, ""},
		{"parsed once; the body is not kept", "/twice", "POST", ct, good, 200, "true null runtime: the request body was read as a stream and not kept"},
		{"parameters first, then the items", "/params", "POST", ct, good, 200, "v v"},
	} {
		status, out := post(t, s, tc.path, tc.method, tc.ct, tc.body)
		if status != tc.status || (tc.want != "" && out != tc.want) {
			t.Errorf("%s: %d %q, want %d %q", tc.name, status, out, tc.status, tc.want)
		}
	}
	if !strings.Contains(s.Logs(), "malformed multipart body: unexpected EOF") {
		t.Errorf("the log does not say why a body was refused:\n%s", s.Logs())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("%d temporary files left after a refused body", len(entries))
	}
}

// Dirigible's own upload service (http-tests/upload.js of its suite).
func TestDirigibleUploadScript(t *testing.T) {
	s := moduletest.New(t, map[string]string{"http-tests/upload.js": `import { Request, Response, Upload } from "@aerokit/sdk/http";

if (Request.getMethod() === "POST") {
    if (Upload.isMultipartContent()) {
        const fileItems = Upload.parseRequest();
        for (let i = 0; i < fileItems.size(); i++) {
            var fileItem = fileItems.get(i);
            if (!fileItem.isEmpty()) {
                Response.println("File Name: " + fileItem.getName());
                Response.println("File Bytes (as text): " + String.fromCharCode.apply(null, fileItem.getBytes()));
            } else {
                Response.println("Field Name: " + fileItem.getName());
                Response.println("Field Text: " + fileItem.getText());
            }
        }
    } else {
        Response.println("The request's content must be 'multipart'");
    }
} else if (Request.getMethod() === "GET") {
    Response.println("Use POST Request.");
}

Response.flush();
Response.close();
`}, moduletest.Options{})
	ct, body := form(t, func(w *multipart.Writer) {
		f, _ := w.CreateFormFile("file", "one.txt")
		_, _ = f.Write([]byte("first file"))
		f, _ = w.CreateFormFile("file", "two.txt")
		_, _ = f.Write([]byte("second"))
		_ = w.WriteField("submit", "Submit")
	})
	for _, tc := range []struct {
		method, ct string
		body       []byte
		want       string
	}{
		{"POST", ct, body, "File Name: one.txt\nFile Bytes (as text): first file\nFile Name: two.txt\nFile Bytes (as text): second\n"},
		{"POST", "text/plain", []byte("x"), "The request's content must be 'multipart'\n"},
		{"GET", "", nil, "Use POST Request.\n"},
	} {
		if code, out := post(t, s, "/services/js/http-tests/upload.js", tc.method, tc.ct, tc.body); code != 200 || out != tc.want {
			t.Errorf("%s %s: %d %q, want %q", tc.method, tc.ct, code, out, tc.want)
		}
	}
}
