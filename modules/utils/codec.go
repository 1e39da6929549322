package utils

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// base64Encode encodes as commons-codec's Base64 (standard alphabet,
// padded, no line breaks).
func base64Encode(b []byte) []byte {
	out := make([]byte, base64.StdEncoding.EncodedLen(len(b)))
	base64.StdEncoding.Encode(out, b)
	return out
}

// base64Decode decodes as commons-codec's Base64 in its default (lenient)
// policy: both the standard and the URL-safe alphabet, every other byte
// (white space, line breaks, garbage) skipped, decoding stopped at the
// first padding character, trailing bits that make no byte dropped.
func base64Decode(in []byte) []byte {
	out := make([]byte, 0, len(in)*3/4)
	var acc uint32
	n := 0
	for _, c := range in {
		var v byte
		switch {
		case c >= 'A' && c <= 'Z':
			v = c - 'A'
		case c >= 'a' && c <= 'z':
			v = c - 'a' + 26
		case c >= '0' && c <= '9':
			v = c - '0' + 52
		case c == '+' || c == '-':
			v = 62
		case c == '/' || c == '_':
			v = 63
		case c == '=':
			return flushBase64(out, acc, n)
		default:
			continue
		}
		acc = acc<<6 | uint32(v)
		n++
		if n == 4 {
			out = append(out, byte(acc>>16), byte(acc>>8), byte(acc))
			acc, n = 0, 0
		}
	}
	return flushBase64(out, acc, n)
}

func flushBase64(out []byte, acc uint32, n int) []byte {
	switch n {
	case 2:
		out = append(out, byte(acc>>4))
	case 3:
		out = append(out, byte(acc>>10), byte(acc>>2))
	}
	return out
}

// hexEncode encodes as commons-codec's Hex: lower-case digits.
func hexEncode(b []byte) []byte {
	out := make([]byte, hex.EncodedLen(len(b)))
	hex.Encode(out, b)
	return out
}

// hexDecode decodes as commons-codec's Hex, with its errors.
func hexDecode(in []byte) ([]byte, error) {
	s := string(in)
	if utf8.RuneCountInString(s)%2 != 0 {
		return nil, errors.New("Odd number of characters.")
	}
	out := make([]byte, 0, len(s)/2)
	i := 0
	var hi byte
	for pos, r := range s {
		d, ok := hexDigit(r)
		if !ok {
			return nil, fmt.Errorf("Illegal hexadecimal character %c at index %d", r, utf16Index(s, pos))
		}
		if i%2 == 0 {
			hi = d
		} else {
			out = append(out, hi<<4|d)
		}
		i++
	}
	return out, nil
}

func hexDigit(r rune) (byte, bool) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r - '0'), true
	case r >= 'a' && r <= 'f':
		return byte(r - 'a' + 10), true
	case r >= 'A' && r <= 'F':
		return byte(r - 'A' + 10), true
	}
	return 0, false
}

// utf16Index is the index, in UTF-16 units as Java counts, of byte offset
// pos of s.
func utf16Index(s string, pos int) int {
	n := 0
	for _, r := range s[:pos] {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

// charsetBytes encodes s in a Java charset name dirigo knows (UTF-8,
// ISO-8859-1, US-ASCII, the default being UTF-8); characters the charset
// cannot hold become '?', as Java's encoders do.
func charsetBytes(s, charset string) ([]byte, error) {
	limit, err := charsetLimit(charset)
	if err != nil {
		return nil, err
	}
	if limit == 0 {
		return []byte(s), nil
	}
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > limit {
			r = '?'
		}
		out = append(out, byte(r))
	}
	return out, nil
}

// charsetString decodes b in a Java charset name (see charsetBytes).
func charsetString(b []byte, charset string) (string, error) {
	limit, err := charsetLimit(charset)
	if err != nil {
		return "", err
	}
	if limit == 0 {
		return strings.ToValidUTF8(string(b), "\uFFFD"), nil
	}
	r := make([]rune, len(b))
	for i, c := range b {
		if rune(c) > limit {
			r[i] = '\uFFFD'
		} else {
			r[i] = rune(c)
		}
	}
	return string(r), nil
}

// charsetLimit returns the highest character a single-byte charset holds,
// or 0 for UTF-8.
func charsetLimit(charset string) (rune, error) {
	switch strings.ToUpper(strings.ReplaceAll(charset, "_", "-")) {
	case "", "UTF-8", "UTF8":
		return 0, nil
	case "ISO-8859-1", "ISO8859-1", "LATIN1", "ISO-LATIN-1":
		return 0xFF, nil
	case "US-ASCII", "ASCII":
		return 0x7F, nil
	}
	return 0, fmt.Errorf("Unsupported charset: %s", charset)
}

// urlEncode is Java's URLEncoder.encode: letters, digits and ".-*_" stay,
// a space becomes '+', every other byte of the charset's encoding %XX.
func urlEncode(s, charset string) (string, error) {
	b, err := charsetBytes(s, charset)
	if err != nil {
		return "", err
	}
	return percentEncode(b, func(c byte) bool { return isAlnum(c) || strings.IndexByte(".-*_", c) >= 0 }, true), nil
}

// urlDecode is Java's URLDecoder.decode, with its errors.
func urlDecode(s, charset string) (string, error) {
	if _, err := charsetLimit(charset); err != nil {
		return "", err
	}
	var out strings.Builder
	var pending []byte
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		t, err := charsetString(pending, charset)
		out.WriteString(t)
		pending = pending[:0]
		return err
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%':
			if i+2 >= len(s) {
				return "", errors.New("URLDecoder: Incomplete trailing escape (%) pattern")
			}
			hi, ok1 := hexDigit(rune(s[i+1]))
			lo, ok2 := hexDigit(rune(s[i+2]))
			if !ok1 || !ok2 {
				next := []rune(s[i+1:])
				next = next[:min(2, len(next))]
				return "", fmt.Errorf("URLDecoder: Illegal hex characters in escape (%%) pattern - For input string: %q", string(next))
			}
			pending = append(pending, hi<<4|lo)
			i += 2
		case '+':
			if err := flush(); err != nil {
				return "", err
			}
			out.WriteByte(' ')
		default:
			if err := flush(); err != nil {
				return "", err
			}
			out.WriteByte(c)
		}
	}
	if err := flush(); err != nil {
		return "", err
	}
	return out.String(), nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// percentEncode writes b with every byte that is not safe as %XX (upper
// case), and a space as '+' when plusForSpace.
func percentEncode(b []byte, safe func(byte) bool, plusForSpace bool) string {
	const digits = "0123456789ABCDEF"
	var out strings.Builder
	out.Grow(len(b))
	for _, c := range b {
		switch {
		case safe(c):
			out.WriteByte(c)
		case c == ' ' && plusForSpace:
			out.WriteByte('+')
		default:
			out.WriteByte('%')
			out.WriteByte(digits[c>>4])
			out.WriteByte(digits[c&15])
		}
	}
	return out.String()
}

// Guava's URL escapers (UTF-8, upper-case hex): the safe characters of a
// URL fragment, of a path segment, and of a form parameter (with '+' for
// a space).
const (
	unreservedAndSubDelims = "-._~!$&'()*+,;="
	fragmentSafe           = unreservedAndSubDelims + "@:/?"
	pathSegmentSafe        = unreservedAndSubDelims + "@:"
	formSafe               = "-_.*"
)

func escaper(safe string, plusForSpace bool) func(string) string {
	return func(s string) string {
		return percentEncode([]byte(s), func(c byte) bool { return isAlnum(c) || strings.IndexByte(safe, c) >= 0 }, plusForSpace)
	}
}

var (
	escapeFragment    = escaper(fragmentSafe, false)
	escapePathSegment = escaper(pathSegmentSafe, false)
	escapeFormParam   = escaper(formSafe, true)
)

// validUUID is Java's UUID.fromString check (JDK 17): at most 36
// characters, exactly four dashes, five non-empty groups of hex digits
// (a group may start with '+', and may be shorter, as Long.parseLong
// allows).
func validUUID(s string) bool {
	if len(s) > 36 {
		return false
	}
	groups := strings.Split(s, "-")
	if len(groups) != 5 {
		return false
	}
	for _, g := range groups {
		g = strings.TrimPrefix(g, "+")
		if g == "" || len(g) > 16 {
			return false
		}
		for i := 0; i < len(g); i++ {
			if _, ok := hexDigit(rune(g[i])); !ok {
				return false
			}
		}
	}
	return true
}
