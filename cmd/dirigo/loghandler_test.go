package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

// The fast handler writes exactly what slog.TextHandler writes.
func TestTextHandlerMatchesSlog(t *testing.T) {
	at := time.Date(2026, 11, 21, 6, 5, 52, 430123456, time.UTC)
	local := time.Date(2026, 1, 2, 3, 4, 5, 999999999, time.FixedZone("X", 3600))
	tests := []struct {
		name  string
		time  time.Time
		level slog.Level
		msg   string
		attrs []slog.Attr
	}{
		{"request", at, slog.LevelInfo, "request", []slog.Attr{slog.String("method", "GET"), slog.String("path", "/hello"),
			slog.Int("status", 200), slog.Int64("bytes", 11), slog.Duration("duration", 1234567*time.Nanosecond)}},
		{"quoting", at, slog.LevelWarn, "script failed", []slog.Attr{slog.String("error", `TypeError: "x" = y`), slog.String("empty", ""),
			slog.String("tab", "a\tb"), slog.String("backslash", `a\b`), slog.String("eq", "a=b")}},
		{"kinds", local, slog.LevelError, "x", []slog.Attr{slog.Bool("ok", true), slog.Float64("f", 1.5e-7), slog.Uint64("u", 1<<63),
			slog.Duration("d", 0), slog.Int("neg", -3)}},
		{"non-ascii", at, slog.LevelInfo, "héllo", []slog.Attr{slog.String("k", "✓")}},
		{"other kinds", at, slog.LevelDebug, "t", []slog.Attr{slog.Time("at", at), slog.Any("err", errors.New("boom")), slog.Group("g", slog.Int("a", 1))}},
		{"custom level", at, slog.LevelInfo + 2, "", nil},
		{"no time", time.Time{}, slog.LevelInfo, "m", []slog.Attr{slog.String("a", "b")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var fast, slow bytes.Buffer
			opts := &slog.HandlerOptions{Level: slog.LevelDebug}
			r := slog.NewRecord(tc.time, tc.level, tc.msg, 0)
			r.AddAttrs(tc.attrs...)
			if err := newTextHandler(&fast, opts).Handle(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			if err := slog.NewTextHandler(&slow, opts).Handle(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			if fast.String() != slow.String() {
				t.Fatalf("fast %q\nslog %q", fast.String(), slow.String())
			}
		})
	}
	var fast, slow bytes.Buffer
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	slog.New(newTextHandler(&fast, opts)).With("script", "a.js").Info("m", "k", 1)
	slog.New(slog.NewTextHandler(&slow, opts)).With("script", "a.js").Info("m", "k", 1)
	if fast.Len() == 0 || len(fast.String()) != len(slow.String()) {
		t.Fatalf("with attrs: %q vs %q", fast.String(), slow.String())
	}
	if newTextHandler(&fast, opts).Enabled(context.Background(), slog.LevelDebug) {
		t.Fatal("debug enabled at info")
	}
}

func BenchmarkTextHandler(b *testing.B) {
	for _, h := range []struct {
		name string
		h    slog.Handler
	}{{"fast", newTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{})}, {"slog", slog.NewTextHandler(&bytes.Buffer{}, nil)}} {
		b.Run(h.name, func(b *testing.B) {
			var buf bytes.Buffer
			handler := h.h
			if _, ok := handler.(*textHandler); ok {
				handler = newTextHandler(&buf, &slog.HandlerOptions{})
			} else {
				handler = slog.NewTextHandler(&buf, nil)
			}
			for b.Loop() {
				buf.Reset()
				r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
				r.AddAttrs(slog.String("method", "GET"), slog.String("path", "/hello"), slog.Int("status", 200),
					slog.Int64("bytes", 11), slog.Duration("duration", 123456*time.Nanosecond))
				_ = handler.Handle(context.Background(), r)
			}
		})
	}
}
