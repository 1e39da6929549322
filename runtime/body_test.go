package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/moduletest"
	"github.com/dirigo/dirigo/runtime"
)

// bodyProbe is a test module over the Call's body functions: stream()
// reads the body with BodyReader, body() with Body, and cleanup(tag)
// registers a Cleanup that appends tag to *log.
func bodyProbe(log *[]string) runtime.Module {
	return runtime.Module{Name: "test:body", Load: func(vm *runtime.VM) (goja.Value, error) {
		rt := vm.Runtime()
		o := rt.NewObject()
		result := func(b []byte, err error) goja.Value {
			if err != nil {
				panic(vm.NewError(err))
			}
			return rt.ToValue(string(b))
		}
		_ = o.Set("stream", func(goja.FunctionCall) goja.Value {
			r, err := vm.Call().BodyReader()
			if err != nil {
				panic(vm.NewError(err))
			}
			return result(io.ReadAll(r))
		})
		_ = o.Set("body", func(goja.FunctionCall) goja.Value { return result(vm.Call().Body()) })
		_ = o.Set("cleanup", func(c goja.FunctionCall) goja.Value {
			tag := c.Argument(0).String()
			vm.Call().Cleanup(func() { *log = append(*log, tag) })
			return goja.Undefined()
		})
		return o, nil
	}}
}

func TestBodyReader(t *testing.T) {
	var log []string
	s := moduletest.New(t, map[string]string{
		"stream.js": `var b = require("test:body"); require("http/response").print(b.stream());`,
		"then-body.js": `var b = require("test:body"); b.stream();
try { b.body(); } catch (e) { require("http/response").print(e.message); }`,
		"body-then.js": `var b = require("test:body"); var x = b.body(); require("http/response").print(x + "=" + b.stream());`,
		"params.js": `var b = require("test:body"); b.stream();
require("http/response").print(String(require("http/request").getParameter("a")) + " " + require("http/request").getParameter("q"));`,
		"cleanup.js": `var b = require("test:body"); b.cleanup("first"); b.cleanup("second"); require("http/response").print("ok");`,
	}, moduletest.Options{
		Modules: []runtime.Module{bodyProbe(&log)},
		Runtime: func(c *runtime.Config) { c.MaxBodyBytes, c.PoolSize = 10, 1 },
	})
	for _, tc := range []struct {
		path, body string
		ct         string
		status     int
		want       string
	}{
		{"/stream", "0123456789", "", 200, "0123456789"},
		{"/stream", "0123456789X", "", 413, "413 Request Entity Too Large\n"},
		{"/stream", "", "", 200, ""},
		{"/then-body", "abc", "", 200, "runtime: the request body was read as a stream and not kept"},
		{"/body-then", "abc", "", 200, "abc=abc"},
		// Form parameters of a streamed body are gone (the query's stay).
		{"/params?q=1", "a=1", "application/x-www-form-urlencoded", 200, "null 1"},
		{"/cleanup", "", "", 200, "ok"},
	} {
		req, _ := http.NewRequest(http.MethodPost, tc.path, strings.NewReader(tc.body))
		if tc.ct != "" {
			req.Header.Set("Content-Type", tc.ct)
		}
		resp, body := s.Do(t, req)
		if resp.StatusCode != tc.status || body != tc.want {
			t.Errorf("%s %q: %d %q, want %d %q", tc.path, tc.body, resp.StatusCode, body, tc.status, tc.want)
		}
	}
	if strings.Join(log, ",") != "second,first" {
		t.Errorf("cleanups ran as %v, want second,first", log)
	}
	// In batch mode too.
	log = nil
	if _, err := s.Runtime.RunFile(context.Background(), "cleanup.js", nil); err == nil || !strings.Contains(err.Error(), "HTTP Response") {
		t.Errorf("batch run: %v", err)
	}
	if strings.Join(log, ",") != "second,first" {
		t.Errorf("batch cleanups ran as %v, want second,first", log)
	}
}

func TestBadRequestStatus(t *testing.T) {
	s := moduletest.New(t, map[string]string{"bad.js": `require("test:bad").fail();`}, moduletest.Options{
		Modules: []runtime.Module{{Name: "test:bad", Load: func(vm *runtime.VM) (goja.Value, error) {
			o := vm.Runtime().NewObject()
			_ = o.Set("fail", func(goja.FunctionCall) goja.Value {
				panic(vm.NewError(errors.Join(runtime.ErrBadRequest, errors.New("broken input"))))
			})
			return o, nil
		}}},
	})
	resp, _ := s.Get(t, "/bad")
	if resp.StatusCode != 400 {
		t.Errorf("status %d, want 400", resp.StatusCode)
	}
}

// tooLarge fails like a Call.BodyReader past the body limit.
type tooLarge struct {
	r io.Reader
	n int
}

func (t *tooLarge) Read(p []byte) (int, error) {
	if t.n <= 0 {
		return 0, runtime.ErrBodyTooLarge
	}
	if len(p) > t.n {
		p = p[:t.n]
	}
	n, err := t.r.Read(p)
	t.n -= n
	return n, err
}

func TestReadMultipartStream(t *testing.T) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.SetBoundary("BOUNDARY")
	_ = w.WriteField("a", "1")
	f, _ := w.CreateFormFile("f", "x.bin")
	// The final delimiter, but not at the start of a line: not the end.
	_, _ = f.Write(bytes.Repeat([]byte("a--BOUNDARY--"), 100))
	_ = w.WriteField("b", "2")
	_ = w.Close()
	body := b.Bytes()
	read := func(r io.Reader) (map[string]int, error) {
		got := map[string]int{}
		err := runtime.ReadMultipart(r, "BOUNDARY", func(p *multipart.Part) error {
			n, err := io.Copy(io.Discard, p)
			got[p.FormName()] = int(n)
			return err
		})
		return got, err
	}
	for name, r := range map[string]func() io.Reader{
		"whole":    func() io.Reader { return bytes.NewReader(body) },
		"bytewise": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(body)) },
		"halves":   func() io.Reader { return iotest.HalfReader(bytes.NewReader(body)) },
	} {
		got, err := read(r())
		if err != nil || got["a"] != 1 || got["f"] != 1300 || got["b"] != 1 {
			t.Errorf("%s: %v %v", name, got, err)
		}
	}
	// Cut after a delimiter line: the body ends where a part's header
	// should be, and Go's reader says io.EOF; the final delimiter was not
	// read (only its look-alikes inside the file). Read bytewise.
	d := []byte("\r\n--BOUNDARY\r\n")
	cut := body[:bytes.LastIndex(body, d)+len(d)]
	if _, err := read(iotest.OneByteReader(bytes.NewReader(cut))); !errors.Is(err, runtime.ErrBadRequest) || !strings.Contains(err.Error(), "no final boundary") {
		t.Errorf("cut body: %v", err)
	}
	// A failing stream is the stream's error, not a bad request.
	_, err := read(&tooLarge{r: bytes.NewReader(body), n: 500})
	if !errors.Is(err, runtime.ErrBodyTooLarge) || errors.Is(err, runtime.ErrBadRequest) {
		t.Errorf("too large: %v", err)
	}
	// An error of each is returned as it is.
	mine := errors.New("mine")
	if err := runtime.ReadMultipart(bytes.NewReader(body), "BOUNDARY", func(*multipart.Part) error { return mine }); err != mine {
		t.Errorf("each's error: %v", err)
	}
}

// FuzzReadMultipartChunks: reading a body as a stream in one-byte reads
// gives what reading it whole gives, parts and verdict (the final-delimiter
// check must not depend on where reads split the body).
func FuzzReadMultipartChunks(f *testing.F) {
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n--b--\r\n"))
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx--b--\r\n--b\r\n"))
	f.Add([]byte("preamble\n--b--\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		read := func(r io.Reader) (string, error) {
			var sb strings.Builder
			err := runtime.ReadMultipart(r, "b", func(p *multipart.Part) error {
				v, err := io.ReadAll(p)
				sb.WriteString(p.FormName() + "=" + string(v) + ";")
				if err != nil {
					return errors.Join(runtime.ErrBadRequest, err)
				}
				return nil
			})
			return sb.String(), err
		}
		whole, werr := read(bytes.NewReader(body))
		bytewise, berr := read(iotest.OneByteReader(bytes.NewReader(body)))
		if (werr == nil) != (berr == nil) || (werr == nil && whole != bytewise) {
			t.Fatalf("whole: %q %v; bytewise: %q %v", whole, werr, bytewise, berr)
		}
		if werr != nil && !errors.Is(werr, runtime.ErrBadRequest) {
			t.Fatalf("not a bad request: %v", werr)
		}
	})
}
