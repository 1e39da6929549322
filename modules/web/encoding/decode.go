package encoding

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A decoder is the state of one TextDecoder between calls of a streaming
// decode: the bytes of an incomplete sequence and whether the BOM was seen.
type decoder struct {
	enc       string // "utf-8", "utf-16le", "utf-16be" or "windows-1252"
	fatal     bool
	ignoreBOM bool
	bomDone   bool // the start of the stream has been decoded (BOM or not)
	pending   []byte
}

// decode decodes p after the pending bytes; unless stream, it also
// finishes the stream (an incomplete sequence at the end is an error) and
// resets the decoder. ok is false for invalid input when fatal.
func (d *decoder) decode(p []byte, stream bool) (s string, ok bool) {
	in := p
	if len(d.pending) > 0 {
		in = append(append([]byte(nil), d.pending...), p...)
		d.pending = nil
	}
	if !d.bomDone {
		bom := ""
		switch d.enc {
		case "utf-8":
			bom = "\xef\xbb\xbf"
		case "utf-16le":
			bom = "\xff\xfe"
		case "utf-16be":
			bom = "\xfe\xff"
		}
		if bom != "" && len(in) < len(bom) && stream && strings.HasPrefix(bom, string(in)) {
			d.pending = in // maybe a BOM: wait for more
			return "", true
		}
		d.bomDone = true
		if bom != "" && !d.ignoreBOM && strings.HasPrefix(string(in), bom) {
			in = in[len(bom):]
		}
	}
	var b strings.Builder
	var rest []byte
	ok = true
	switch d.enc {
	case "utf-8":
		rest, ok = decodeUTF8(&b, in, d.fatal)
	case "utf-16le", "utf-16be":
		rest, ok = decodeUTF16(&b, in, d.enc == "utf-16be", d.fatal)
	default:
		decode1252(&b, in)
	}
	if !ok {
		d.reset()
		return "", false
	}
	if stream {
		d.pending = rest
	} else {
		if len(rest) > 0 {
			if d.fatal {
				d.reset()
				return "", false
			}
			b.WriteRune(utf8.RuneError)
		}
		d.reset()
	}
	return b.String(), true
}

func (d *decoder) reset() { d.pending, d.bomDone = nil, false }

// DecodeUTF8 is the WHATWG "UTF-8 decode" of a whole body, as
// TextDecoder gives it and fetch's text() needs it: a leading BOM is
// dropped and every maximal invalid subpart becomes U+FFFD.
func DecodeUTF8(p []byte) string {
	if !strings.HasPrefix(string(p), "\xef\xbb\xbf") && utf8.Valid(p) {
		return string(p)
	}
	s, _ := (&decoder{enc: "utf-8"}).decode(p, false)
	return s
}

// decodeUTF8 is the WHATWG UTF-8 decoder: each maximal invalid subpart
// becomes one U+FFFD. It returns the bytes of an incomplete sequence at
// the end of p.
func decodeUTF8(b *strings.Builder, p []byte, fatal bool) (rest []byte, ok bool) {
	b.Grow(len(p))
	i := 0
	for i < len(p) {
		c := p[i]
		if c < 0x80 {
			b.WriteByte(c)
			i++
			continue
		}
		var need int
		lower, upper := byte(0x80), byte(0xbf)
		switch {
		case c >= 0xc2 && c <= 0xdf:
			need = 1
		case c >= 0xe0 && c <= 0xef:
			need = 2
			if c == 0xe0 {
				lower = 0xa0
			} else if c == 0xed {
				upper = 0x9f
			}
		case c >= 0xf0 && c <= 0xf4:
			need = 3
			if c == 0xf0 {
				lower = 0x90
			} else if c == 0xf4 {
				upper = 0x8f
			}
		default:
			if fatal {
				return nil, false
			}
			b.WriteRune(utf8.RuneError)
			i++
			continue
		}
		j := i + 1
		valid := true
		for k := 0; k < need; k++ {
			if j >= len(p) {
				return p[i:], true // incomplete: the caller decides
			}
			lo, hi := byte(0x80), byte(0xbf)
			if k == 0 {
				lo, hi = lower, upper
			}
			if p[j] < lo || p[j] > hi {
				valid = false
				break
			}
			j++
		}
		if !valid {
			if fatal {
				return nil, false
			}
			b.WriteRune(utf8.RuneError)
			i = j // the maximal subpart; the offending byte is read again
			continue
		}
		b.Write(p[i:j])
		i = j
	}
	return nil, true
}

// decodeUTF16 decodes UTF-16 code units (a lone surrogate becomes U+FFFD).
func decodeUTF16(b *strings.Builder, p []byte, bigEndian, fatal bool) (rest []byte, ok bool) {
	unit := func(i int) uint16 {
		if bigEndian {
			return uint16(p[i])<<8 | uint16(p[i+1])
		}
		return uint16(p[i+1])<<8 | uint16(p[i])
	}
	i := 0
	for i+1 < len(p) {
		u := unit(i)
		switch {
		case u < 0xd800 || u > 0xdfff:
			b.WriteRune(rune(u))
			i += 2
		case u <= 0xdbff: // a lead surrogate
			if i+3 >= len(p) {
				return p[i:], true
			}
			if t := unit(i + 2); t >= 0xdc00 && t <= 0xdfff {
				b.WriteRune(utf16.DecodeRune(rune(u), rune(t)))
				i += 4
				continue
			}
			if fatal {
				return nil, false
			}
			b.WriteRune(utf8.RuneError)
			i += 2
		default: // a lone trail surrogate
			if fatal {
				return nil, false
			}
			b.WriteRune(utf8.RuneError)
			i += 2
		}
	}
	return p[i:], true
}

// windows1252 maps the bytes 0x80–0x9f (the rest is Latin-1).
var windows1252 = [32]rune{
	0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
	0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
}

func decode1252(b *strings.Builder, p []byte) {
	for _, c := range p {
		if c >= 0x80 && c <= 0x9f {
			b.WriteRune(windows1252[c-0x80])
		} else {
			b.WriteRune(rune(c))
		}
	}
}

// labels maps the WHATWG labels dirigo decodes to their encoding's name.
var labels = map[string]string{
	"unicode-1-1-utf-8": "utf-8", "unicode11utf8": "utf-8", "unicode20utf8": "utf-8",
	"utf-8": "utf-8", "utf8": "utf-8", "x-unicode20utf8": "utf-8",
	"csunicode": "utf-16le", "iso-10646-ucs-2": "utf-16le", "ucs-2": "utf-16le", "unicode": "utf-16le",
	"unicodefeff": "utf-16le", "utf-16": "utf-16le", "utf-16le": "utf-16le",
	"unicodefffe": "utf-16be", "utf-16be": "utf-16be",
	"ansi_x3.4-1968": "windows-1252", "ascii": "windows-1252", "cp1252": "windows-1252",
	"cp819": "windows-1252", "csisolatin1": "windows-1252", "ibm819": "windows-1252",
	"iso-8859-1": "windows-1252", "iso-ir-100": "windows-1252", "iso8859-1": "windows-1252",
	"iso88591": "windows-1252", "iso_8859-1": "windows-1252", "iso_8859-1:1987": "windows-1252",
	"l1": "windows-1252", "latin1": "windows-1252", "us-ascii": "windows-1252",
	"windows-1252": "windows-1252", "x-cp1252": "windows-1252",
}

// encodingOf returns the encoding a label names ("" for none dirigo has).
func encodingOf(label string) string {
	return labels[strings.ToLower(strings.Trim(label, "\t\n\f\r "))]
}
