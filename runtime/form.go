package runtime

import (
	"bytes"
	"errors"
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
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	fields := url.Values{}
	headers := 0
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			// NextPart also says io.EOF when the body ends inside a
			// part's header: the final delimiter must be there. (A part
			// cannot hold it: the parser would have ended the part there.)
			end := "--" + boundary + "--"
			if !bytes.HasPrefix(body, []byte(end)) && !bytes.Contains(body, []byte("\n"+end)) {
				return nil, errors.New("malformed multipart body: no final boundary")
			}
			return fields, nil
		}
		if err != nil {
			return nil, fmt.Errorf("malformed multipart body: %w", err)
		}
		if parts == maxFormParts {
			return nil, fmt.Errorf("multipart body of more than %d parts", maxFormParts)
		}
		for _, vs := range p.Header {
			headers += len(vs)
		}
		if headers > maxFormHeaders {
			return nil, fmt.Errorf("multipart body of more than %d header lines", maxFormHeaders)
		}
		name := p.FormName()
		if name == "" || p.FileName() != "" {
			continue // NextPart skips what is left of it
		}
		v, err := io.ReadAll(p)
		if err != nil {
			return nil, fmt.Errorf("malformed multipart body: %w", err)
		}
		fields[name] = append(fields[name], string(v))
	}
}
