package boltstore

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
)

func sampleRecords() []*sessions.Record {
	now := time.Now()
	return []*sessions.Record{
		{Meta: sessions.Meta{Created: now, Accessed: now}},
		{Meta: sessions.Meta{Created: now, Accessed: now, MaxIdle: time.Nanosecond, Deadline: now.Add(time.Hour)},
			Attrs: map[string]sessions.Attr{"a": {Seq: 1, Value: []byte(`"x"`)}, "": {Seq: 1 << 63, Value: []byte(`{}`)}}},
		{Meta: sessions.Meta{Created: time.Time{}, Accessed: now.Add(-time.Hour), MaxIdle: -time.Second, Deadline: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)},
			Attrs: map[string]sessions.Attr{"big ключ": {Seq: 7, Value: []byte(strings.Repeat("v", 300))}, "empty": {Seq: 2}}},
	}
}

func sameRecord(t *testing.T, got, want *sessions.Record) {
	t.Helper()
	if got.Created.UnixMicro() != want.Created.UnixMicro() || got.Accessed.UnixMicro() != want.Accessed.UnixMicro() || got.MaxIdle != want.MaxIdle ||
		got.Deadline.IsZero() != want.Deadline.IsZero() || got.Deadline.UnixMicro() != want.Deadline.UnixMicro() {
		t.Fatalf("meta = %+v, want %+v", got.Meta, want.Meta)
	}
	if len(got.Attrs) != len(want.Attrs) {
		t.Fatalf("attrs = %v, want %v", got.Attrs, want.Attrs)
	}
	for n, w := range want.Attrs {
		if g, ok := got.Attrs[n]; !ok || g.Seq != w.Seq || !bytes.Equal(g.Value, w.Value) {
			t.Fatalf("attr %q = %+v, want %+v", n, g, w)
		}
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for _, rec := range sampleRecords() {
		data := encodeRecord(rec)
		got, err := decodeRecord(data)
		if err != nil {
			t.Fatal(err)
		}
		sameRecord(t, got, rec)
		exp, ok, err := decodeExpiry(data)
		wantExp, wantOK := expiryMicros(rec.Meta)
		if err != nil || ok != wantOK || exp != wantExp {
			t.Fatalf("decodeExpiry = %d, %v, %v; want %d, %v", exp, ok, err, wantExp, wantOK)
		}
		// Every truncation is an error, never a panic or a shorter record.
		for i := range data {
			if _, err := decodeRecord(data[:i]); !errors.Is(err, errCorrupt) {
				t.Fatalf("decoding %d of %d bytes: %v, want errCorrupt", i, len(data), err)
			}
		}
		// The decoded values do not alias the input (bbolt memory).
		data[len(data)-1] ^= 0xff
		sameRecord(t, got, rec)
	}
}

func FuzzDecode(f *testing.F) {
	for _, rec := range sampleRecords() {
		f.Add(encodeRecord(rec))
	}
	f.Add([]byte{recordVersion, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _ = decodeExpiry(data)
		rec, err := decodeRecord(data)
		if err != nil {
			if !errors.Is(err, errCorrupt) {
				t.Fatalf("error %v does not wrap errCorrupt", err)
			}
			return
		}
		// What decodes re-encodes to the same record.
		again, err := decodeRecord(encodeRecord(rec))
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		sameRecord(t, again, rec)
	})
}
