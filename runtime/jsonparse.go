package runtime

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// jsonParser is JSON.parse for scripts. goja's own decoder recurses once per
// nesting level (a body nested a few million levels deep overflows the Go
// stack, a fatal error no recover catches), cannot be interrupted, and takes
// tens of allocations per value. This one keeps its nesting on an explicit
// stack bounded by limits.jsonDepth (a RangeError beyond), checks the
// watchdog every few thousand values, and builds the values with goja's
// public API.
//
// It follows ECMA-404 and ECMA-262's JSON.parse: "__proto__" is an own
// property, a later duplicate key replaces the value in place, numbers
// outside float64 are ±Infinity, and escaped lone surrogates are kept.
type jsonParser struct {
	vm    *VM
	s     string
	pos   int
	stack []jsonFrame
	count int // values made, for the interrupt check
	utf16 []uint16
}

type jsonFrame struct {
	obj   *goja.Object // the object being filled, or nil for an array
	key   string       // the key of the value being parsed (objects)
	items []any        // the elements so far (arrays)
}

// jsonParseError is a SyntaxError of JSON.parse.
type jsonParseError struct {
	msg string
}

// parseJSON parses text (a JSON text) into a script value. It panics with
// a SyntaxError or RangeError object, as JSON.parse throws.
func (vm *VM) parseJSON(text string) goja.Value {
	p := jsonParser{vm: vm, s: text}
	v, err := p.parse()
	if err != nil {
		vm.throw("SyntaxError", err.msg)
	}
	return v
}

func (p *jsonParser) errorf(what string) *jsonParseError {
	if p.pos >= len(p.s) {
		return &jsonParseError{msg: "Unexpected end of JSON input"}
	}
	r, _ := utf8.DecodeRuneInString(p.s[p.pos:])
	tok := strconv.QuoteRune(r)
	if what != "" {
		return &jsonParseError{msg: what + " in JSON at position " + strconv.Itoa(p.pos)}
	}
	return &jsonParseError{msg: "Unexpected token " + tok + " in JSON at position " + strconv.Itoa(p.pos)}
}

func (p *jsonParser) space() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// parse parses the whole text. Each turn of the loop reads one value, then
// the separators and closing brackets that follow it.
func (p *jsonParser) parse() (goja.Value, *jsonParseError) {
	rt := p.vm.rt
	limit := p.vm.h.limits.jsonDepth
	for {
		p.space()
		if p.pos >= len(p.s) {
			return nil, p.errorf("")
		}
		var v goja.Value
		switch c := p.s[p.pos]; c {
		case '{', '[':
			if len(p.stack) >= limit {
				p.vm.throw("RangeError", "JSON.parse: nesting deeper than "+strconv.Itoa(limit)+" levels")
			}
			p.pos++
			p.space()
			if c == '{' {
				obj := rt.NewObject()
				if p.pos < len(p.s) && p.s[p.pos] == '}' {
					p.pos++
					v = obj
					break
				}
				key, err := p.key()
				if err != nil {
					return nil, err
				}
				p.stack = append(p.stack, jsonFrame{obj: obj, key: key})
				continue
			}
			if p.pos < len(p.s) && p.s[p.pos] == ']' {
				p.pos++
				v = rt.NewArray()
				break
			}
			p.stack = append(p.stack, jsonFrame{})
			continue
		case '"':
			s, err := p.str()
			if err != nil {
				return nil, err
			}
			v = s
		case 't':
			if !strings.HasPrefix(p.s[p.pos:], "true") {
				return nil, p.errorf("")
			}
			p.pos += 4
			v = rt.ToValue(true)
		case 'f':
			if !strings.HasPrefix(p.s[p.pos:], "false") {
				return nil, p.errorf("")
			}
			p.pos += 5
			v = rt.ToValue(false)
		case 'n':
			if !strings.HasPrefix(p.s[p.pos:], "null") {
				return nil, p.errorf("")
			}
			p.pos += 4
			v = goja.Null()
		default:
			if c != '-' && (c < '0' || c > '9') {
				return nil, p.errorf("")
			}
			n, err := p.number()
			if err != nil {
				return nil, err
			}
			v = n
		}
		if p.count++; p.count&4095 == 0 {
			p.vm.checkStop()
		}
		// Attach v to its container; close every container that ends here.
		for {
			if len(p.stack) == 0 {
				p.space()
				if p.pos < len(p.s) {
					return nil, p.errorf("")
				}
				return v, nil
			}
			f := &p.stack[len(p.stack)-1]
			if f.obj != nil {
				_ = f.obj.DefineDataProperty(f.key, v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
			} else {
				f.items = append(f.items, v)
			}
			p.space()
			if p.pos >= len(p.s) {
				return nil, p.errorf("")
			}
			c := p.s[p.pos]
			if c == ',' {
				p.pos++
				if f.obj != nil {
					p.space()
					key, err := p.key()
					if err != nil {
						return nil, err
					}
					f.key = key
				}
				break // the next value
			}
			if f.obj != nil && c == '}' {
				v = f.obj
			} else if f.obj == nil && c == ']' {
				v = rt.NewArray(f.items...)
			} else {
				return nil, p.errorf("")
			}
			p.pos++
			p.stack[len(p.stack)-1] = jsonFrame{}
			p.stack = p.stack[:len(p.stack)-1]
		}
	}
}

// key reads an object key and the colon after it.
func (p *jsonParser) key() (string, *jsonParseError) {
	if p.pos >= len(p.s) || p.s[p.pos] != '"' {
		return "", p.errorf("")
	}
	k, err := p.strRaw()
	if err != nil {
		return "", err
	}
	p.space()
	if p.pos >= len(p.s) || p.s[p.pos] != ':' {
		return "", p.errorf("")
	}
	p.pos++
	return k, nil
}

// str reads a string value. Escapes are decoded to UTF-16, so escaped lone
// surrogates are kept.
func (p *jsonParser) str() (goja.Value, *jsonParseError) {
	start := p.pos + 1
	for i := start; i < len(p.s); i++ {
		c := p.s[i]
		if c == '"' {
			p.pos = i + 1
			return p.vm.rt.ToValue(p.s[start:i]), nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
	}
	if err := p.decode(); err != nil {
		return nil, err
	}
	return goja.StringFromUTF16(p.utf16), nil
}

// strRaw reads a string as Go text (keys: goja names properties with Go
// strings, so a lone surrogate in a key becomes U+FFFD, as in goja).
func (p *jsonParser) strRaw() (string, *jsonParseError) {
	start := p.pos + 1
	for i := start; i < len(p.s); i++ {
		c := p.s[i]
		if c == '"' {
			p.pos = i + 1
			return p.s[start:i], nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
	}
	if err := p.decode(); err != nil {
		return "", err
	}
	return string(utf16.Decode(p.utf16)), nil
}

// decode reads the string at p.pos (its opening quote), with escapes, into
// p.utf16 as UTF-16 code units.
func (p *jsonParser) decode() *jsonParseError {
	p.utf16 = p.utf16[:0]
	i := p.pos + 1
	for {
		if i >= len(p.s) {
			p.pos = i
			return &jsonParseError{msg: "Unterminated string in JSON at position " + strconv.Itoa(i)}
		}
		c := p.s[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return nil
		case c < 0x20:
			p.pos = i
			return &jsonParseError{msg: "Bad control character in string literal in JSON at position " + strconv.Itoa(i)}
		case c < utf8.RuneSelf && c != '\\':
			p.utf16 = append(p.utf16, uint16(c))
			i++
			continue
		case c != '\\':
			r, n := utf8.DecodeRuneInString(p.s[i:])
			p.utf16 = utf16.AppendRune(p.utf16, r)
			i += n
			continue
		}
		// An escape.
		if i+1 >= len(p.s) {
			p.pos = i + 1
			return p.errorf("")
		}
		var u uint16
		switch e := p.s[i+1]; e {
		case '"', '\\', '/':
			u = uint16(e)
		case 'b':
			u = '\b'
		case 'f':
			u = '\f'
		case 'n':
			u = '\n'
		case 'r':
			u = '\r'
		case 't':
			u = '\t'
		case 'u':
			h, ok := hex4(p.s, i+2)
			if !ok {
				p.pos = i
				return &jsonParseError{msg: "Bad Unicode escape in JSON at position " + strconv.Itoa(i)}
			}
			p.utf16 = append(p.utf16, h)
			i += 6
			continue
		default:
			p.pos = i + 1
			return &jsonParseError{msg: "Bad escaped character in JSON at position " + strconv.Itoa(i+1)}
		}
		p.utf16 = append(p.utf16, u)
		i += 2
	}
}

func hex4(s string, i int) (uint16, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var u uint16
	for _, c := range []byte(s[i : i+4]) {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		u = u<<4 | uint16(d)
	}
	return u, true
}

// number reads a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *jsonParser) number() (goja.Value, *jsonParseError) {
	s := p.s
	i := p.pos
	start := i
	if s[i] == '-' {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > j
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		digits()
	default:
		p.pos = i
		return nil, p.errorf("No number after minus sign")
	}
	integer := true
	if i < len(s) && s[i] == '.' {
		i++
		integer = false
		if !digits() {
			p.pos = i
			return nil, p.errorf("Unterminated fractional number")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		integer = false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			p.pos = i
			return nil, p.errorf("Exponent part is missing a number")
		}
	}
	p.pos = i
	text := s[start:i]
	if integer && len(text) < 16 && text != "-0" {
		n, _ := strconv.ParseInt(text, 10, 64)
		return p.vm.rt.ToValue(n), nil
	}
	// Out of range gives ±Inf (or ±0) with an error: JavaScript's value.
	f, _ := strconv.ParseFloat(text, 64)
	return p.vm.rt.ToValue(f), nil
}
