package rs

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// A template is a compiled route path, as path-to-regexp 6.2.1 (the
// matcher of Dirigible's rs) compiles it with its defaults: case
// insensitive, an optional trailing delimiter, the whole path matched,
// values not decoded. Dirigible first turns "{name}" into ":name"; so does
// compileTemplate.
type template struct {
	re   *regexp.Regexp
	keys []pathKey
}

// A pathKey is one parameter of a template.
type pathKey struct {
	name           string // a number for an unnamed group "(...)"
	prefix, suffix string
	repeated       bool // "*" or "+": the value is a list of segments
}

// A pathValue is the value of one parameter in a match: a string, or the
// segments of a repeated parameter.
type pathValue struct {
	name     string
	value    string
	segments []string // for a repeated parameter
	repeated bool
}

// match matches path against t and returns the parameter values in the
// order of the template (a name that comes twice takes the last value, in
// the place of the first), or false. A parameter that did not take part in
// the match (an optional one) is absent.
func (t *template) match(path string) ([]pathValue, bool) {
	m := t.re.FindStringSubmatchIndex(path)
	if m == nil {
		return nil, false
	}
	vals := make([]pathValue, 0, len(t.keys))
	for i, k := range t.keys {
		lo, hi := m[2*i+2], m[2*i+3]
		if lo < 0 {
			continue
		}
		v := pathValue{name: k.name, value: path[lo:hi], repeated: k.repeated}
		if k.repeated {
			v.segments = strings.Split(v.value, k.prefix+k.suffix)
		}
		if j := slices.IndexFunc(vals, func(p pathValue) bool { return p.name == k.name }); j >= 0 {
			vals[j] = v
			continue
		}
		vals = append(vals, v)
	}
	return vals, true
}

// braces finds Dirigible's "{name}" and "{name*}" placeholders.
var braces = regexp.MustCompile(`\{(\w*\*?)\}`)

// compileTemplate compiles a route path of Dirigible's rs ("users/{id}",
// "users/:id", "files/:path*", "n/:id(\\d+)"). Its errors are
// path-to-regexp's.
func compileTemplate(def string) (*template, error) {
	src := braces.ReplaceAllString(def, ":$1")
	tokens, err := lexPath(src)
	if err != nil {
		return nil, err
	}
	parts, err := parsePath(tokens)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("(?i)^")
	var keys []pathKey
	for _, p := range parts {
		if p.literal {
			b.WriteString(regexp.QuoteMeta(p.text))
			continue
		}
		prefix, suffix := regexp.QuoteMeta(p.prefix), regexp.QuoteMeta(p.suffix)
		if p.pattern == "" {
			fmt.Fprintf(&b, "(?:%s%s)%s", prefix, suffix, p.modifier)
			continue
		}
		repeated := p.modifier == "+" || p.modifier == "*"
		keys = append(keys, pathKey{name: p.name, prefix: p.prefix, suffix: p.suffix, repeated: repeated})
		switch {
		case (prefix != "" || suffix != "") && repeated:
			mod := ""
			if p.modifier == "*" {
				mod = "?"
			}
			fmt.Fprintf(&b, "(?:%s((?:%s)(?:%s%s(?:%s))*)%s)%s", prefix, p.pattern, suffix, prefix, p.pattern, suffix, mod)
		case prefix != "" || suffix != "":
			fmt.Fprintf(&b, "(?:%s(%s)%s)%s", prefix, p.pattern, suffix, p.modifier)
		case repeated:
			fmt.Fprintf(&b, "((?:%s)%s)", p.pattern, p.modifier)
		default:
			fmt.Fprintf(&b, "(%s)%s", p.pattern, p.modifier)
		}
	}
	b.WriteString(`[/#?]?$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("invalid pattern in route %q: %w", def, err)
	}
	if re.NumSubexp() != len(keys) {
		return nil, fmt.Errorf("capturing groups are not allowed in route %q", def)
	}
	return &template{re: re, keys: keys}, nil
}

// defaultPattern is what a parameter without a pattern matches: one
// segment.
const defaultPattern = `[^/#?]+?`

type tokenKind int

const (
	tokModifier tokenKind = iota
	tokEscaped
	tokOpen
	tokClose
	tokName
	tokPattern
	tokChar
	tokEnd
)

var tokenNames = [...]string{"MODIFIER", "ESCAPED_CHAR", "OPEN", "CLOSE", "NAME", "PATTERN", "CHAR", "END"}

type pathToken struct {
	kind  tokenKind
	index int
	value string
}

// lexPath splits a path into path-to-regexp's tokens. Indexes count
// bytes, values are whole characters.
func lexPath(s string) ([]pathToken, error) {
	var out []pathToken
	i := 0
	next := func(at int) string { // the character at byte at
		for j := at + 1; j <= len(s); j++ {
			if j == len(s) || (s[j]&0xC0) != 0x80 {
				return s[at:j]
			}
		}
		return ""
	}
	for i < len(s) {
		c := s[i]
		switch {
		case c == '*' || c == '+' || c == '?':
			out = append(out, pathToken{tokModifier, i, s[i : i+1]})
			i++
		case c == '\\':
			if i+1 >= len(s) {
				// path-to-regexp reads past the end: an escaped nothing.
				out = append(out, pathToken{tokEscaped, i, ""})
				i++
				continue
			}
			ch := next(i + 1)
			out = append(out, pathToken{tokEscaped, i, ch})
			i += 1 + len(ch)
		case c == '{':
			out = append(out, pathToken{tokOpen, i, "{"})
			i++
		case c == '}':
			out = append(out, pathToken{tokClose, i, "}"})
			i++
		case c == ':':
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z' || s[j] == '_') {
				j++
			}
			if j == i+1 {
				return nil, fmt.Errorf("Missing parameter name at %d", i)
			}
			out = append(out, pathToken{tokName, i, s[i+1 : j]})
			i = j
		case c == '(':
			count, j := 1, i+1
			var pat strings.Builder
			if j < len(s) && s[j] == '?' {
				return nil, fmt.Errorf(`Pattern cannot start with "?" at %d`, j)
			}
			for j < len(s) {
				if s[j] == '\\' {
					pat.WriteByte('\\')
					j++
					if j < len(s) {
						pat.WriteByte(s[j])
						j++
					}
					continue
				}
				if s[j] == ')' {
					count--
					if count == 0 {
						j++
						break
					}
				} else if s[j] == '(' {
					count++
					if j+1 >= len(s) || s[j+1] != '?' {
						return nil, fmt.Errorf("Capturing groups are not allowed at %d", j)
					}
				}
				pat.WriteByte(s[j])
				j++
			}
			if count != 0 {
				return nil, fmt.Errorf("Unbalanced pattern at %d", i)
			}
			if pat.Len() == 0 {
				return nil, fmt.Errorf("Missing pattern at %d", i)
			}
			out = append(out, pathToken{tokPattern, i, pat.String()})
			i = j
		default:
			ch := next(i)
			out = append(out, pathToken{tokChar, i, ch})
			i += len(ch)
		}
	}
	return append(out, pathToken{tokEnd, i, ""}), nil
}

// A pathPart is literal text or a parameter (or a parameter-less group).
type pathPart struct {
	literal                                 bool
	text                                    string
	name, prefix, suffix, pattern, modifier string
}

// parsePath is path-to-regexp's parse with its default prefixes ("./").
func parsePath(tokens []pathToken) ([]pathPart, error) {
	var out []pathPart
	key, i := 0, 0
	var path strings.Builder
	try := func(k tokenKind) (string, bool) {
		if i < len(tokens) && tokens[i].kind == k {
			i++
			return tokens[i-1].value, true
		}
		return "", false
	}
	text := func() string {
		var b strings.Builder
		for {
			v, ok := try(tokChar)
			if !ok {
				v, ok = try(tokEscaped)
			}
			if !ok {
				return b.String()
			}
			b.WriteString(v)
		}
	}
	flush := func() {
		if path.Len() > 0 {
			out = append(out, pathPart{literal: true, text: path.String()})
			path.Reset()
		}
	}
	for i < len(tokens) {
		char, hasChar := try(tokChar)
		name, hasName := try(tokName)
		pattern, hasPattern := try(tokPattern)
		if hasName || hasPattern {
			prefix := char
			if prefix != "" && prefix != "." && prefix != "/" {
				path.WriteString(prefix)
				prefix = ""
			}
			flush()
			if !hasName {
				name = strconv.Itoa(key)
				key++
			}
			if !hasPattern {
				pattern = defaultPattern
			}
			mod, _ := try(tokModifier)
			out = append(out, pathPart{name: name, prefix: prefix, pattern: pattern, modifier: mod})
			continue
		}
		if hasChar {
			path.WriteString(char)
			continue
		}
		if v, ok := try(tokEscaped); ok {
			// An escaped character is literal ("" escapes nothing and ends
			// the literal, as in path-to-regexp).
			if v != "" {
				path.WriteString(v)
				continue
			}
		}
		flush()
		if _, ok := try(tokOpen); ok {
			prefix := text()
			name, _ := try(tokName)
			pattern, _ := try(tokPattern)
			suffix := text()
			if _, ok := try(tokClose); !ok {
				return nil, unexpected(tokens[i], tokClose)
			}
			switch {
			case name == "" && pattern != "":
				name = strconv.Itoa(key)
				key++
			case name != "" && pattern == "":
				pattern = defaultPattern
			}
			mod, _ := try(tokModifier)
			out = append(out, pathPart{name: name, prefix: prefix, suffix: suffix, pattern: pattern, modifier: mod})
			continue
		}
		if _, ok := try(tokEnd); !ok {
			return nil, unexpected(tokens[i], tokEnd)
		}
	}
	return out, nil
}

func unexpected(t pathToken, want tokenKind) error {
	return fmt.Errorf("Unexpected %s at %d, expected %s", tokenNames[t.kind], t.index, tokenNames[want])
}

// maxTemplates bounds the cache of compiled templates: past it, the cache
// starts over (scripts that build route paths from request data cannot
// make it grow without bound).
const maxTemplates = 4096

// Templates caches compiled route templates for every VM of a server: a
// route is compiled once, not per request.
type Templates struct {
	m sync.Map // string → *template or error
	n atomic.Int64
}

// NewTemplates returns an empty cache.
func NewTemplates() *Templates { return &Templates{} }

// get returns the compiled template of def.
func (ts *Templates) get(def string) (*template, error) {
	if v, ok := ts.m.Load(def); ok {
		if t, ok := v.(*template); ok {
			return t, nil
		}
		return nil, v.(error)
	}
	t, err := compileTemplate(def)
	var v any = t
	if err != nil {
		v = err
	}
	if _, had := ts.m.Swap(def, v); !had && ts.n.Add(1) > maxTemplates {
		ts.m.Clear()
		ts.n.Store(0)
	}
	return t, err
}
