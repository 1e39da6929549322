package runtime

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/url"
	"strings"
)

// Limits of the request parameters a script reads (Call.Form). Past them
// the source (the query string, the form body) is ignored as a whole, and
// the call logs why.
const (
	// maxParams is the most parameters a query string or form body may
	// have, as Go's url.ParseQuery and Tomcat's maxParameterCount.
	maxParams = 10000
	// maxFormParts and maxFormHeaders bound a multipart/form-data body: its
	// parts (as Go's mime/multipart.ReadForm) and their header lines.
	maxFormParts   = 1000
	maxFormHeaders = 10000
)

var errTooManyParams = fmt.Errorf("more than %d parameters", maxParams)

// parseParams parses a query string or an application/x-www-form-urlencoded
// body. A malformed pair (a bad escape) is skipped; more than maxParams
// pairs is an error and no parameters.
func parseParams(s string) (url.Values, error) {
	if strings.Count(s, "&") >= maxParams {
		return url.Values{}, errTooManyParams
	}
	v, _ := url.ParseQuery(s)
	return v, nil
}

// multipartFields returns the fields of a multipart/form-data body: the
// values of the parts that have a form name and no file name, in order.
// File parts are skipped unread (nothing is buffered or written to disk).
// A malformed body, or one with more than maxFormParts parts or
// maxFormHeaders header lines, is an error and no fields.
func multipartFields(body []byte, boundary string) (url.Values, error) {
	fields := url.Values{}
	err := ReadMultipart(bytes.NewReader(body), boundary, func(p *multipart.Part) error {
		name := p.FormName()
		if name == "" || p.FileName() != "" {
			return nil // the reader skips what is left of it
		}
		v, err := io.ReadAll(p)
		if err != nil {
			return fmt.Errorf("%w: malformed multipart body: %v", ErrBadRequest, err)
		}
		fields[name] = append(fields[name], string(v))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return fields, nil
}

// ReadMultipart reads the multipart body r, whose parts are delimited by
// boundary, and calls each with every part in order; what each leaves
// unread of a part is skipped. It enforces the limits of request
// parameters: at most 1000 parts and 10 000 part header lines in all.
//
// A body that is malformed, ends before its final boundary or passes a
// limit is an error that wraps ErrBadRequest. An error of r itself (such
// as ErrBodyTooLarge from Call.BodyReader, or a read timeout) is returned
// wrapped, not as a bad request, even when each saw it first. Other errors
// of each are returned as they are: each wraps ErrBadRequest around what
// reading a part returned (a truncated part, bad quoted-printable). It
// reads r as a stream: memory use does not grow with the size of the body.
func ReadMultipart(r io.Reader, boundary string, each func(*multipart.Part) error) error {
	src := &endWatcher{r: r, pat: []byte("\n--" + boundary + "--"), tail: []byte("\n")}
	mr := multipart.NewReader(src, boundary)
	fail := func(format string, args ...any) error {
		if src.err != nil {
			return fmt.Errorf("reading the multipart body: %w", src.err)
		}
		return fmt.Errorf("%w: "+format, append([]any{ErrBadRequest}, args...)...)
	}
	headers := 0
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			// NextPart also says io.EOF when the body ends inside a
			// part's header: the final delimiter must have been read. (A
			// part cannot hold it: the parser would have ended the part
			// there.)
			if !src.seen {
				return fail("malformed multipart body: no final boundary")
			}
			return nil
		}
		if err != nil {
			return fail("malformed multipart body: %v", err)
		}
		if parts == maxFormParts {
			return fail("multipart body of more than %d parts", maxFormParts)
		}
		for _, vs := range p.Header {
			headers += len(vs)
		}
		if headers > maxFormHeaders {
			return fail("multipart body of more than %d header lines", maxFormHeaders)
		}
		if err := each(p); err != nil {
			if src.err != nil {
				return fmt.Errorf("reading the multipart body: %w", src.err)
			}
			return err
		}
	}
}

// endWatcher passes a stream on and notes whether the final delimiter of
// a multipart body (pat: a line feed, "--", the boundary, "--") went by,
// and the first error of the stream other than io.EOF. Its tail starts as
// a line feed: the stream may start with the delimiter.
type endWatcher struct {
	r    io.Reader
	pat  []byte
	tail []byte // the last len(pat)-1 bytes read
	seen bool
	err  error
}

func (w *endWatcher) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if err != nil && err != io.EOF && w.err == nil {
		w.err = err
	}
	if n > 0 && !w.seen {
		chunk, keep := p[:n], len(w.pat)-1
		// A match across the previous read and this one lies in the
		// tail and the first keep bytes of the chunk.
		join := append(w.tail, chunk[:min(n, keep)]...)
		w.seen = bytes.Contains(join, w.pat) || bytes.Contains(chunk, w.pat)
		if n >= keep {
			w.tail = append(w.tail[:0], chunk[n-keep:]...)
		} else {
			w.tail = append(w.tail[:0], join[max(0, len(join)-keep):]...)
		}
	}
	return n, err
}
