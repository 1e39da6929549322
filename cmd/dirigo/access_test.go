package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dirigo/dirigo/runtime"
)

var accessAt = time.Date(2026, 11, 21, 6, 5, 52, 430123456, time.UTC)

// accessEntry is a request to /hello?a=1 from 203.0.113.7 with headers.
func accessEntry(headers map[string]string) runtime.AccessEntry {
	r := httptest.NewRequest("GET", "/hello?a=1", nil)
	r.RemoteAddr = "203.0.113.7:41234"
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return runtime.AccessEntry{Start: accessAt, Duration: 1234567 * time.Nanosecond, Request: r, RequestID: "4f2a9c0e1b7d-42",
		Status: 200, Bytes: 11, Kind: runtime.RouteScript, Script: "hello.js", Session: "AbCdEfGhIjKl"}
}

func logAccess(format string, e runtime.AccessEntry) string {
	var b bytes.Buffer
	newAccessLog(format, &b, slog.LevelInfo).LogAccess(e)
	return b.String()
}

// The text request line is what slog.TextHandler writes for the entry's
// record, byte for byte, and reads as documented.
func TestAccessLogText(t *testing.T) {
	plainEntry := accessEntry(map[string]string{"User-Agent": "curl/8.5.0"})
	want := `time=2026-11-21T06:05:52.431Z level=INFO msg=request method=GET path=/hello status=200 bytes=11 duration=1.234567ms request_id=4f2a9c0e1b7d-42 client=203.0.113.7 query_len=3 user_agent=curl/8.5.0 script=hello.js session=AbCdEfGhIjKl` + "\n"
	if got := logAccess("text", plainEntry); got != want {
		t.Errorf("text:\n got %q\nwant %q", got, want)
	}
	withUser := accessEntry(map[string]string{"User-Agent": "curl/8.5.0"})
	withUser.User = "ada lovelace"
	want = `time=2026-11-21T06:05:52.431Z level=INFO msg=request method=GET path=/hello status=200 bytes=11 duration=1.234567ms request_id=4f2a9c0e1b7d-42 client=203.0.113.7 user="ada lovelace" query_len=3 user_agent=curl/8.5.0 script=hello.js session=AbCdEfGhIjKl` + "\n"
	if got := logAccess("text", withUser); got != want {
		t.Errorf("text with a user:\n got %q\nwant %q", got, want)
	}
	bare := accessEntry(nil)
	bare.Script, bare.Session, bare.Request.URL.RawQuery = "", "", ""
	for name, e := range map[string]runtime.AccessEntry{
		"plain":     plainEntry,
		"user":      withUser,
		"quoted ua": accessEntry(map[string]string{"User-Agent": `Mozilla/5.0 (X11; "quoted") a=b`}),
		"non-ascii": accessEntry(map[string]string{"User-Agent": "naïve\tbot"}),
		"bare":      bare,
	} {
		var slow bytes.Buffer
		_ = slog.NewTextHandler(&slow, nil).Handle(context.Background(), e.Record())
		if got := logAccess("text", e); got != slow.String() {
			t.Errorf("%s:\n fast %q\n slog %q", name, got, slow.String())
		}
	}
}

func TestAccessLogJSON(t *testing.T) {
	e := accessEntry(map[string]string{"User-Agent": "curl/8.5.0"})
	want := `{"time":"2026-11-21T06:05:52.431358023Z","level":"INFO","msg":"request","method":"GET","path":"/hello","status":200,"bytes":11,"duration":1234567,"request_id":"4f2a9c0e1b7d-42","client":"203.0.113.7","query_len":3,"user_agent":"curl/8.5.0","script":"hello.js","session":"AbCdEfGhIjKl"}` + "\n"
	if got := logAccess("json", e); got != want {
		t.Errorf("json:\n got %s\nwant %s", got, want)
	}
	e.User = "ada"
	want = strings.Replace(want, `"client":"203.0.113.7",`, `"client":"203.0.113.7","user":"ada",`, 1)
	if got := logAccess("json", e); got != want {
		t.Errorf("json with a user:\n got %s\nwant %s", got, want)
	}
}

// The combined format is Apache's, byte for byte, escapes included.
func TestAccessLogCombined(t *testing.T) {
	e := accessEntry(map[string]string{"User-Agent": "curl/8.5.0", "Referer": "https://example.com/start?x=1"})
	want := `203.0.113.7 - - [21/Nov/2026:06:05:52 +0000] "GET /hello?a=1 HTTP/1.1" 200 11 "https://example.com/start?x=1" "curl/8.5.0"` + "\n"
	if got := logAccess("combined", e); got != want {
		t.Errorf("combined:\n got %s\nwant %s", got, want)
	}
	// The authenticated user is %u, escaped as the other fields.
	e.User = "ada"
	want = `203.0.113.7 - ada [21/Nov/2026:06:05:52 +0000] "GET /hello?a=1 HTTP/1.1" 200 11 "https://example.com/start?x=1" "curl/8.5.0"` + "\n"
	if got := logAccess("combined", e); got != want {
		t.Errorf("combined with a user:\n got %s\nwant %s", got, want)
	}
	e.User = "a\"d a\n"
	want = `203.0.113.7 - a\"d a\n [21/Nov/2026:06:05:52 +0000] "GET /hello?a=1 HTTP/1.1" 200 11 "https://example.com/start?x=1" "curl/8.5.0"` + "\n"
	if got := logAccess("combined", e); got != want {
		t.Errorf("combined with a hostile user:\n got %s\nwant %s", got, want)
	}
	// Absent headers and an empty body are dashes; the time is the arrival
	// in the entry's zone; hostile bytes are escaped, never raw.
	e = accessEntry(map[string]string{"User-Agent": "a\"b\\c\x01d\né"})
	e.Start = time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", -7*3600))
	e.Status, e.Bytes = 304, 0
	e.Request.Method = "GET"
	e.Request.RequestURI = "/we\"ird\\path"
	want = `203.0.113.7 - - [02/Jan/2026:03:04:05 -0700] "GET /we\"ird\\path HTTP/1.1" 304 - "-" "a\"b\\c\x01d\n\xc3\xa9"` + "\n"
	if got := logAccess("combined", e); got != want {
		t.Errorf("combined, escaped:\n got %s\nwant %s", got, want)
	}
}

// Nothing is written with off, nor in text or json above info level; the
// combined log is not a log record and ignores the level.
func TestAccessLogOff(t *testing.T) {
	e := accessEntry(nil)
	if got := logAccess("off", e); got != "" {
		t.Errorf("off: %q", got)
	}
	for _, format := range []string{"text", "json"} {
		var b bytes.Buffer
		newAccessLog(format, &b, slog.LevelWarn).LogAccess(e)
		if b.Len() != 0 {
			t.Errorf("%s at warn: %q", format, b.String())
		}
	}
	var b bytes.Buffer
	newAccessLog("combined", &b, slog.LevelWarn).LogAccess(e)
	if b.Len() == 0 {
		t.Error("combined at warn wrote nothing")
	}
}

func BenchmarkAccessLog(b *testing.B) {
	e := accessEntry(map[string]string{"User-Agent": "wrk"})
	for _, format := range []string{"text", "json", "combined"} {
		b.Run(format, func(b *testing.B) {
			var buf bytes.Buffer
			l := newAccessLog(format, &buf, slog.LevelInfo)
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				l.LogAccess(e)
			}
		})
	}
}
