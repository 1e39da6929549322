package boltstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
)

// A stored record is, in order:
//
//	version   byte (recordVersion)
//	flags     byte (flagExpiry, flagDeadline)
//	expiry    varint, µs since the epoch, with flagExpiry: the key of the
//	          record in the expiry index
//	created   varint, µs since the epoch
//	accessed  varint, µs since the epoch
//	maxIdle   varint, ns
//	deadline  varint, µs since the epoch, with flagDeadline
//	count     uvarint, then per attribute:
//	          uvarint name length, name, uvarint seq, uvarint value length, value
//
// Microseconds keep a range of ±292,000 years; the idle timeout keeps
// nanoseconds so that no positive timeout rounds to "no limit".
const (
	recordVersion = 1
	flagExpiry    = 1 << 0
	flagDeadline  = 1 << 1
	// minAttrBytes is the smallest encoding of an attribute (three empty
	// varints), which bounds the count a record can claim.
	minAttrBytes = 3
)

// errCorrupt marks a stored record that does not decode.
var errCorrupt = errors.New("corrupt session record")

// expiryMicros returns the expiry of m as indexed: µs since the epoch, and
// false when m never expires.
func expiryMicros(m sessions.Meta) (int64, bool) {
	e := m.Expires()
	if e.IsZero() {
		return 0, false
	}
	return e.UnixMicro(), true
}

// encodeRecord returns the stored form of rec.
func encodeRecord(rec *sessions.Record) []byte {
	n := 2 + 5*binary.MaxVarintLen64 + binary.MaxVarintLen64
	for name, a := range rec.Attrs {
		n += len(name) + len(a.Value) + 3*binary.MaxVarintLen64
	}
	b := make([]byte, 2, n)
	b[0] = recordVersion
	exp, hasExp := expiryMicros(rec.Meta)
	if hasExp {
		b[1] |= flagExpiry
		b = binary.AppendVarint(b, exp)
	}
	b = binary.AppendVarint(b, rec.Created.UnixMicro())
	b = binary.AppendVarint(b, rec.Accessed.UnixMicro())
	b = binary.AppendVarint(b, int64(rec.MaxIdle))
	if !rec.Deadline.IsZero() {
		b[1] |= flagDeadline
		b = binary.AppendVarint(b, rec.Deadline.UnixMicro())
	}
	b = binary.AppendUvarint(b, uint64(len(rec.Attrs)))
	for name, a := range rec.Attrs {
		b = binary.AppendUvarint(b, uint64(len(name)))
		b = append(b, name...)
		b = binary.AppendUvarint(b, a.Seq)
		b = binary.AppendUvarint(b, uint64(len(a.Value)))
		b = append(b, a.Value...)
	}
	return b
}

// decodeRecord decodes a stored record. It treats data as untrusted and
// copies it, so data may be bbolt memory that is only valid in its
// transaction. Its errors wrap errCorrupt.
func decodeRecord(data []byte) (*sessions.Record, error) {
	d := decoder{b: bytes.Clone(data)}
	rec, err := d.record()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errCorrupt, err)
	}
	return rec, nil
}

// decodeExpiry returns the expiry stored in the header of a record, and
// false when the record never expires.
func decodeExpiry(data []byte) (int64, bool, error) {
	d := decoder{b: data}
	flags, err := d.header()
	if err != nil || flags&flagExpiry == 0 {
		return 0, false, err
	}
	exp, err := d.varint()
	return exp, err == nil, err
}

// A decoder reads a record from b, consuming it.
type decoder struct {
	b []byte
}

func (d *decoder) header() (flags byte, err error) {
	if len(d.b) < 2 {
		return 0, errors.New("record too short")
	}
	if d.b[0] != recordVersion {
		return 0, fmt.Errorf("unknown record version %d", d.b[0])
	}
	flags = d.b[1]
	if flags&^(flagExpiry|flagDeadline) != 0 {
		return 0, fmt.Errorf("unknown record flags %#x", flags)
	}
	d.b = d.b[2:]
	return flags, nil
}

func (d *decoder) record() (*sessions.Record, error) {
	flags, err := d.header()
	if err != nil {
		return nil, err
	}
	if flags&flagExpiry != 0 {
		if _, err := d.varint(); err != nil {
			return nil, err
		}
	}
	var rec sessions.Record
	var created, accessed, maxIdle, deadline int64
	for _, p := range []*int64{&created, &accessed, &maxIdle} {
		if *p, err = d.varint(); err != nil {
			return nil, err
		}
	}
	rec.Created, rec.Accessed, rec.MaxIdle = time.UnixMicro(created), time.UnixMicro(accessed), time.Duration(maxIdle)
	if flags&flagDeadline != 0 {
		if deadline, err = d.varint(); err != nil {
			return nil, err
		}
		rec.Deadline = time.UnixMicro(deadline)
	}
	count, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if count > uint64(len(d.b)/minAttrBytes) {
		return nil, fmt.Errorf("record claims %d attributes in %d bytes", count, len(d.b))
	}
	rec.Attrs = make(map[string]sessions.Attr, count)
	for range count {
		name, err := d.bytes()
		if err != nil {
			return nil, err
		}
		seq, err := d.uvarint()
		if err != nil {
			return nil, err
		}
		value, err := d.bytes()
		if err != nil {
			return nil, err
		}
		if _, dup := rec.Attrs[string(name)]; dup {
			return nil, fmt.Errorf("attribute %q stored twice", name)
		}
		rec.Attrs[string(name)] = sessions.Attr{Seq: seq, Value: value}
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%d bytes after the record", len(d.b))
	}
	return &rec, nil
}

func (d *decoder) varint() (int64, error) {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		return 0, errors.New("bad varint")
	}
	d.b = d.b[n:]
	return v, nil
}

func (d *decoder) uvarint() (uint64, error) {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		return 0, errors.New("bad uvarint")
	}
	d.b = d.b[n:]
	return v, nil
}

// bytes reads a length-prefixed byte string. The result shares d's buffer
// with its capacity cut, so an append to it never writes into the next one.
func (d *decoder) bytes() ([]byte, error) {
	n, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(d.b)) {
		return nil, fmt.Errorf("length %d past the end of the record", n)
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v, nil
}
