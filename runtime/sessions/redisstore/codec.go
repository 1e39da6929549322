package redisstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dirigo/dirigo/runtime/sessions"
)

// A session is one Redis hash:
//
//	created   Meta.Created, Unix milliseconds ("" for the zero time)
//	accessed  Meta.Accessed, Unix milliseconds ("" for the zero time)
//	maxIdle   Meta.MaxIdle in milliseconds
//	deadline  Meta.Deadline, Unix milliseconds ("" for none)
//	w         token of the Create or Rotate that wrote the hash (see scripts.go)
//	a:<name>  one attribute: "<seq> <JSON value>"
const (
	fieldCreated  = "created"
	fieldAccessed = "accessed"
	fieldMaxIdle  = "maxIdle"
	fieldDeadline = "deadline"
	fieldToken    = "w"
	attrPrefix    = "a:"
)

// metaArgs appends the meta fields and values of m to args.
func metaArgs(args []string, m sessions.Meta) []string {
	return append(args,
		fieldCreated, formatTime(m.Created),
		fieldAccessed, formatTime(m.Accessed),
		fieldMaxIdle, strconv.FormatInt(m.MaxIdle.Milliseconds(), 10),
		fieldDeadline, formatTime(m.Deadline),
	)
}

// attrArgs appends the field and value of every attribute in attrs to args.
func attrArgs(args []string, attrs map[string]sessions.Attr) []string {
	for name, a := range attrs {
		args = append(args, attrPrefix+name, encodeAttr(a))
	}
	return args
}

// encodeAttr returns the stored form of a: "<seq> <value>".
func encodeAttr(a sessions.Attr) string {
	var b strings.Builder
	b.Grow(21 + len(a.Value))
	var num [20]byte
	b.Write(strconv.AppendUint(num[:0], a.Seq, 10))
	b.WriteByte(' ')
	b.Write(a.Value)
	return b.String()
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// errMalformed marks a hash that no version of this store wrote.
var errMalformed = errors.New("redisstore: malformed session hash")

// decode turns the fields of a session hash into a record. The hash is
// untrusted input: anything unexpected is an error wrapping errMalformed.
func decode(h map[string]string) (*sessions.Record, error) {
	var (
		rec  = &sessions.Record{Attrs: make(map[string]sessions.Attr, max(len(h)-5, 0))}
		seen int
		err  error
	)
	for field, v := range h {
		switch field {
		case fieldCreated:
			rec.Created, err = parseTime(v)
			seen |= 1
		case fieldAccessed:
			rec.Accessed, err = parseTime(v)
			seen |= 2
		case fieldMaxIdle:
			var ms int64
			ms, err = strconv.ParseInt(v, 10, 64)
			rec.MaxIdle = time.Duration(ms) * time.Millisecond
			seen |= 4
		case fieldDeadline:
			rec.Deadline, err = parseTime(v)
			seen |= 8
		default:
			name, ok := strings.CutPrefix(field, attrPrefix)
			if !ok {
				continue // the write token, or a field of a later version
			}
			var a sessions.Attr
			if a, err = decodeAttr(v); err != nil {
				return nil, fmt.Errorf("%w: attribute %.40q: %w", errMalformed, name, err)
			}
			rec.Attrs[name] = a
		}
		if err != nil {
			return nil, fmt.Errorf("%w: field %s: %w", errMalformed, field, err)
		}
	}
	if seen != 15 {
		return nil, fmt.Errorf("%w: meta fields missing", errMalformed)
	}
	return rec, nil
}

// decodeAttr parses "<seq> <value>" and checks that the value is JSON.
func decodeAttr(v string) (sessions.Attr, error) {
	seq, value, ok := strings.Cut(v, " ")
	if !ok {
		return sessions.Attr{}, errors.New("no sequence number")
	}
	n, err := strconv.ParseUint(seq, 10, 64)
	if err != nil {
		return sessions.Attr{}, err
	}
	b := []byte(value)
	if !json.Valid(b) {
		return sessions.Attr{}, errors.New("value is not JSON")
	}
	return sessions.Attr{Seq: n, Value: b}, nil
}

func parseTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(ms), nil
}
