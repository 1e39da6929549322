package buffer

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode/utf16"

	"github.com/dop251/goja"
)

// encodings maps Node's encoding names (lowercased) to the canonical one.
var encodings = map[string]string{
	"utf8": "utf8", "utf-8": "utf8", "hex": "hex", "base64": "base64", "base64url": "base64url",
	"latin1": "latin1", "binary": "latin1", "ascii": "ascii",
	"ucs2": "utf16le", "ucs-2": "utf16le", "utf16le": "utf16le", "utf-16le": "utf16le",
}

// EncodingOf returns the canonical name of a Node encoding ("utf8", "hex",
// "base64", "base64url", "latin1", "ascii", "utf16le"; "" when unknown);
// undefined means utf8.
func EncodingOf(enc goja.Value) string { return encodingOf(enc) }

// Decode returns the bytes a string stands for in enc (a name EncodingOf gave).
func Decode(s goja.String, enc string) []byte { return decode(s, enc) }

// Encode returns the string b stands for in enc (a name EncodingOf gave).
func Encode(b []byte, enc string) string { return encode(b, enc) }

func encodingOf(enc goja.Value) string {
	if enc == nil || goja.IsUndefined(enc) || goja.IsNull(enc) {
		return "utf8"
	}
	return encodings[strings.ToLower(enc.String())]
}

// decodeLen is an upper bound of the bytes decode makes of s.
func decodeLen(s goja.String, enc string) int {
	switch enc {
	case "utf8":
		return 3 * s.Length()
	case "utf16le":
		return 2 * s.Length()
	}
	return s.Length()
}

// decode returns the bytes a string stands for in enc, as Node does
// (invalid hex stops at the first bad pair; base64 is forgiving).
func decode(s goja.String, enc string) []byte {
	switch enc {
	case "hex":
		str := s.String()
		n := len(str) / 2
		out := make([]byte, 0, n)
		for i := 0; i < n; i++ {
			b, err := hex.DecodeString(str[2*i : 2*i+2])
			if err != nil {
				break
			}
			out = append(out, b[0])
		}
		return out
	case "base64", "base64url":
		var clean []byte
		str := s.String()
		for i := 0; i < len(str); i++ {
			switch c := str[i]; {
			case c == '-':
				clean = append(clean, '+')
			case c == '_':
				clean = append(clean, '/')
			case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
				clean = append(clean, c)
			case c == '=':
				i = len(str) // the end
			}
		}
		if len(clean)%4 == 1 {
			clean = clean[:len(clean)-1]
		}
		out, _ := base64.RawStdEncoding.DecodeString(string(clean))
		return out
	case "latin1", "ascii":
		n := s.Length()
		out := make([]byte, n)
		for i := 0; i < n; i++ {
			out[i] = byte(s.CharAt(i))
		}
		return out
	case "utf16le":
		n := s.Length()
		out := make([]byte, 2*n)
		for i := 0; i < n; i++ {
			u := s.CharAt(i)
			out[2*i], out[2*i+1] = byte(u), byte(u>>8)
		}
		return out
	}
	return []byte(s.String()) // utf8: lone surrogates become U+FFFD
}

// encode returns the string b stands for in enc.
func encode(b []byte, enc string) string {
	switch enc {
	case "hex":
		return hex.EncodeToString(b)
	case "base64":
		return base64.StdEncoding.EncodeToString(b)
	case "base64url":
		return base64.RawURLEncoding.EncodeToString(b)
	case "latin1", "ascii":
		var sb strings.Builder
		sb.Grow(len(b))
		for _, c := range b {
			if enc == "ascii" {
				c &= 0x7f
			}
			sb.WriteRune(rune(c))
		}
		return sb.String()
	case "utf16le":
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		}
		return string(utf16.Decode(u))
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
