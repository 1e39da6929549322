package main

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"

	"github.com/dirigo/dirigo/runtime"
)

// newAccessLog returns the request log of format (text, json, combined,
// off) writing to w. The text and json lines are log records at info level
// (none below it); combined is Apache's format, for existing log tooling.
func newAccessLog(format string, w io.Writer, level slog.Leveler) runtime.AccessLogger {
	info := level.Level() <= slog.LevelInfo
	switch {
	case format == "text" && info:
		return textAccessLog{newTextHandler(w, &slog.HandlerOptions{Level: level})}
	case format == "json" && info:
		return jsonAccessLog{slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})}
	case format == "combined":
		return &combinedAccessLog{w: w}
	default:
		return offAccessLog{}
	}
}

// offAccessLog logs nothing.
type offAccessLog struct{}

func (offAccessLog) LogAccess(runtime.AccessEntry) {}

// textAccessLog writes the request line as slog.TextHandler would write
// e.Record(), without building the record.
type textAccessLog struct{ h *textHandler }

func (a textAccessLog) LogAccess(e runtime.AccessEntry) {
	var buf [runtime.MaxAccessAttrs]slog.Attr
	attrs := e.AppendAttrs(buf[:0])
	if ok, _ := a.h.handle(e.Start.Add(e.Duration), slog.LevelInfo, "request", attrs); !ok {
		_ = a.h.slow.Handle(context.Background(), e.Record())
	}
}

// jsonAccessLog writes the request line as a JSON log record.
type jsonAccessLog struct{ h slog.Handler }

func (a jsonAccessLog) LogAccess(e runtime.AccessEntry) {
	_ = a.h.Handle(context.Background(), e.Record())
}

// combinedAccessLog writes Apache's combined log format:
//
//	%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i"
//
// the client address (after --trusted-proxies), a dash (no identd), the
// authenticated user (runtime.AccessEntry.User, "-" for none), the time the request arrived, the request line,
// status, body bytes ("-" for none), Referer and User-Agent ("-" when
// absent). Quotes, backslashes and bytes outside printable ASCII in the
// quoted fields are escaped as Apache escapes them (\" \\ \n \xhh).
type combinedAccessLog struct {
	w    io.Writer
	bufs sync.Pool // *[]byte
}

func (a *combinedAccessLog) LogAccess(e runtime.AccessEntry) {
	bp, _ := a.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	b := appendCombined((*bp)[:0], &e)
	_, _ = a.w.Write(b)
	*bp = b
	a.bufs.Put(bp)
}

// appendCombined appends the combined-format line of e.
func appendCombined(b []byte, e *runtime.AccessEntry) []byte {
	r := e.Request
	b = appendLogItem(b, e.Client())
	b = append(b, " - "...)
	b = appendLogItemOrDash(b, e.User)
	b = append(b, " ["...)
	b = e.Start.AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
	b = append(b, `] "`...)
	b = appendLogItem(b, r.Method)
	b = append(b, ' ')
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	b = appendLogItem(b, uri)
	b = append(b, ' ')
	b = appendLogItem(b, r.Proto)
	b = append(b, `" `...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, ' ')
	if e.Bytes > 0 {
		b = strconv.AppendInt(b, e.Bytes, 10)
	} else {
		b = append(b, '-')
	}
	b = append(b, ` "`...)
	b = appendLogItemOrDash(b, r.Header.Get("Referer"))
	b = append(b, `" "`...)
	b = appendLogItemOrDash(b, e.UserAgent())
	return append(b, "\"\n"...)
}

func appendLogItemOrDash(b []byte, s string) []byte {
	if s == "" {
		return append(b, '-')
	}
	return appendLogItem(b, s)
}

// appendLogItem appends s escaped as Apache's ap_escape_logitem does.
func appendLogItem(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\b':
			b = append(b, `\b`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '\r':
			b = append(b, `\r`...)
		case c == '\t':
			b = append(b, `\t`...)
		case c == '\v':
			b = append(b, `\v`...)
		case c < ' ' || c >= 0x7f:
			b = append(b, '\\', 'x', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return b
}
