// Package upload provides Dirigible's file upload module (http/upload,
// http/v4/upload, http/v3/upload, net/http/upload, sdk/http/upload):
// isMultipartContent() and parseRequest(), which reads a multipart/form-data
// request body into file items.
//
// The body is read as a stream (runtime.Call.BodyReader), bounded by the
// server's body limit (--max-body, 413 beyond it): a part is kept in memory
// up to a threshold and written to a temporary file past it, so memory use
// does not grow with the size of an upload. The temporary files are removed
// when the request ends. A malformed body is a clear error that answers 400
// when the script does not catch it.
package upload

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja"

	"github.com/dirigo/dirigo/modules/dirigible"
	"github.com/dirigo/dirigo/runtime"
)

// DefaultThreshold is the size of a part above which it is written to a
// temporary file.
const DefaultThreshold = 64 << 10

// Options tune uploads. The zero value keeps parts of up to 64 KiB in
// memory and writes larger ones to the system's temporary folder.
type Options struct {
	// Threshold is the size above which a part goes to a temporary file
	// (default DefaultThreshold; negative: every part does).
	Threshold int64
	// TempDir is the folder of the temporary files (default os.TempDir()).
	TempDir string
}

// ErrNoRequest is Dirigible's error for parseRequest outside HTTP.
var ErrNoRequest = errors.New("Trying to use HTTP Upload Facade without a valid Request")

// Module returns the upload module under name, in flavor f: the current API
// (sdk/http) gives the file parts of the body, as Dirigible's endpoint
// does; the CommonJS generations give every part, form fields included, as
// commons-fileupload does.
func Module(name string, f dirigible.Flavor, opts Options) runtime.Module {
	return runtime.Module{Name: name, Load: func(vm *runtime.VM) (goja.Value, error) { return New(vm, f, opts), nil }}
}

// An item is one part of the body.
type item struct {
	field, name, contentType string
	header                   map[string][]string
	size                     int64
	data                     []byte // when in memory
	file                     string // when in a temporary file
	formField                bool
}

// open returns a reader over the item's content.
func (it *item) open() (io.ReadCloser, error) {
	if it.file == "" {
		return io.NopCloser(bytes.NewReader(it.data)), nil
	}
	f, err := os.Open(it.file)
	if err != nil {
		return nil, fmt.Errorf("upload: reading %s: %w", it.name, err)
	}
	return f, nil
}

// bytes returns the item's content.
func (it *item) bytes() ([]byte, error) {
	if it.file == "" {
		return it.data, nil
	}
	b, err := os.ReadFile(it.file)
	if err != nil {
		return nil, fmt.Errorf("upload: reading %s: %w", it.name, err)
	}
	return b, nil
}

// New builds the upload object of flavor f for vm. What it parsed for a
// request is kept until the request ends (parseRequest called again gives
// the same items), then dropped with its temporary files.
func New(vm *runtime.VM, f dirigible.Flavor, opts Options) *goja.Object {
	if opts.Threshold == 0 {
		opts.Threshold = DefaultThreshold
	}
	rt := vm.Runtime()
	o := rt.NewObject()
	// The parse of the running request (a VM runs one request at a time;
	// the call's Cleanup clears it).
	var parsed goja.Value
	var parseErr error

	dirigible.Set(o, "isMultipartContent", func(goja.FunctionCall) goja.Value {
		c := vm.Call()
		if c == nil || c.Request() == nil {
			return rt.ToValue(false)
		}
		_, ok := multipartBoundary(c.Request())
		return rt.ToValue(ok)
	})
	dirigible.Set(o, "parseRequest", func(goja.FunctionCall) goja.Value {
		c := vm.Call()
		if c == nil || c.Request() == nil {
			dirigible.Throw(vm, ErrNoRequest)
		}
		if parsed == nil && parseErr == nil {
			c.Cleanup(func() { parsed, parseErr = nil, nil })
			items, err := parse(c, f, opts)
			if err != nil {
				parseErr = err
			} else {
				parsed = fileItems(vm, items)
			}
		}
		if parseErr != nil {
			dirigible.Throw(vm, parseErr)
		}
		return parsed
	})
	if f == dirigible.Current {
		_ = o.Set("Upload", o)
	}
	return o
}

// multipartBoundary returns the boundary of a multipart request
// (commons-fileupload's isMultipartContent: a POST, here also a PUT, whose
// content type is multipart/*).
func multipartBoundary(r *http.Request) (string, bool) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		return "", false
	}
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "multipart/") {
		return "", false
	}
	_, params, _ := mime.ParseMediaType(ct)
	return params["boundary"], true
}

// parse reads the body of the request of c into items.
func parse(c *runtime.Call, f dirigible.Flavor, opts Options) ([]*item, error) {
	boundary, ok := multipartBoundary(c.Request())
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: upload: the request is not a multipart POST or PUT (%s, Content-Type %q)",
			runtime.ErrBadRequest, c.Request().Method, c.Request().Header.Get("Content-Type"))
	case boundary == "":
		return nil, fmt.Errorf("%w: upload: the multipart Content-Type has no boundary", runtime.ErrBadRequest)
	}
	body, err := c.BodyReader()
	if err != nil {
		return nil, err
	}
	var items []*item
	var files []string
	c.Cleanup(func() {
		for _, name := range files {
			_ = os.Remove(name)
		}
	})
	var mem bytes.Buffer
	err = runtime.ReadMultipart(body, boundary, func(p *multipart.Part) error {
		// A file part has a filename parameter, empty when a form's file
		// input was left empty.
		_, disp, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		_, isFile := disp["filename"]
		if f == dirigible.Current && !isFile {
			return nil // Dirigible's endpoint hands over the files only
		}
		it := &item{
			field:       p.FormName(),
			name:        p.FileName(),
			contentType: p.Header.Get("Content-Type"),
			header:      p.Header,
			formField:   !isFile,
		}
		// Up to the threshold in memory, then to a temporary file.
		limit := max(opts.Threshold, 0)
		mem.Reset()
		n, err := mem.ReadFrom(io.LimitReader(p, limit+1))
		if err != nil {
			return readError(err)
		}
		if n <= limit {
			it.data, it.size = bytes.Clone(mem.Bytes()), n
			items = append(items, it)
			return nil
		}
		tf, err := os.CreateTemp(opts.TempDir, "dirigo-upload-*")
		if err != nil {
			return fmt.Errorf("upload: creating a temporary file: %w", err)
		}
		files = append(files, tf.Name())
		if _, err := tf.Write(mem.Bytes()); err != nil {
			_ = tf.Close()
			return fmt.Errorf("upload: writing a temporary file: %w", err)
		}
		rest, err := io.Copy(tf, p)
		if err != nil {
			_ = tf.Close()
			var pe *os.PathError
			if errors.As(err, &pe) {
				return fmt.Errorf("upload: writing a temporary file: %w", err)
			}
			return readError(err)
		}
		if err := tf.Close(); err != nil {
			return fmt.Errorf("upload: writing a temporary file: %w", err)
		}
		n += rest
		it.file, it.size = tf.Name(), n
		items = append(items, it)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// readError is the error of reading a part: a truncated or badly encoded
// part is a bad request. (ReadMultipart reports a failure of the body's
// stream itself, such as ErrBodyTooLarge, in its place.)
func readError(err error) error {
	return fmt.Errorf("%w: malformed multipart body: %v", runtime.ErrBadRequest, err)
}

// fileItems returns the FileItems object of items: get(i) and size().
func fileItems(vm *runtime.VM, items []*item) goja.Value {
	rt := vm.Runtime()
	o := rt.NewObject()
	objs := make([]goja.Value, len(items))
	dirigible.Set(o, "get", func(c goja.FunctionCall) goja.Value {
		i := c.Argument(0).ToInteger()
		if i < 0 || i >= int64(len(items)) {
			panic(rt.NewTypeError("upload: no file item %d (there are %d)", i, len(items)))
		}
		if objs[i] == nil {
			objs[i] = fileItem(vm, items[i])
		}
		return objs[i]
	})
	dirigible.Set(o, "size", func(goja.FunctionCall) goja.Value { return rt.ToValue(len(items)) })
	return o
}

// fileItem returns the FileItem object of it.
func fileItem(vm *runtime.VM, it *item) goja.Value {
	rt := vm.Runtime()
	o := rt.NewObject()
	strOrNull := func(s string) goja.Value {
		if s == "" {
			return goja.Null()
		}
		return rt.ToValue(s)
	}
	content := func() []byte {
		b, err := it.bytes()
		if err != nil {
			dirigible.Throw(vm, err)
		}
		return b
	}
	set := func(name string, fn func(goja.FunctionCall) goja.Value) { dirigible.Set(o, name, fn) }
	set("getName", func(goja.FunctionCall) goja.Value { return strOrNull(it.name) })
	set("getFieldName", func(goja.FunctionCall) goja.Value { return strOrNull(it.field) })
	set("getContentType", func(goja.FunctionCall) goja.Value { return strOrNull(it.contentType) })
	set("isFormField", func(goja.FunctionCall) goja.Value { return rt.ToValue(it.formField) })
	set("isEmpty", func(goja.FunctionCall) goja.Value { return rt.ToValue(it.size == 0) })
	set("getSize", func(goja.FunctionCall) goja.Value { return rt.ToValue(it.size) })
	set("getBytes", func(goja.FunctionCall) goja.Value { return dirigible.SignedBytes(rt, content()) })
	set("getBytesNative", func(goja.FunctionCall) goja.Value {
		return rt.ToValue(rt.NewArrayBuffer(slices.Clone(content())))
	})
	set("getText", func(goja.FunctionCall) goja.Value { return rt.ToValue(decodeText(content(), it.contentType)) })
	set("getInputStream", func(goja.FunctionCall) goja.Value { return dirigible.InputStream(vm, it.open) })
	set("getHeaders", func(goja.FunctionCall) goja.Value {
		h := rt.NewObject()
		names := make([]any, 0, len(it.header))
		for _, k := range slices.Sorted(maps.Keys(it.header)) {
			names = append(names, k)
		}
		dirigible.Set(h, "getHeaderNames", func(goja.FunctionCall) goja.Value { return rt.NewArray(names...) })
		dirigible.Set(h, "getHeader", func(c goja.FunctionCall) goja.Value {
			name := c.Argument(0).String()
			for k, vs := range it.header {
				if strings.EqualFold(k, name) && len(vs) > 0 {
					return rt.ToValue(vs[0])
				}
			}
			return goja.Null()
		})
		return h
	})
	return o
}

// decodeText decodes a part's bytes with the charset of its content type:
// ISO-8859-1 (and US-ASCII) byte by byte, anything else as UTF-8 (invalid
// sequences become U+FFFD).
func decodeText(b []byte, contentType string) string {
	_, params, _ := mime.ParseMediaType(contentType)
	switch strings.ToLower(params["charset"]) {
	case "iso-8859-1", "latin1", "us-ascii":
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r)
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
