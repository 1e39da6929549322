package utils

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Bounds of a JSONPath query, so that a path from a request costs a bounded
// amount of work: its length, its segments and the nesting of its filter
// expressions, the depth the tracer descends into the data (a cycle in a
// script's object ends there) and the steps of one evaluation.
const (
	maxPathLen   = 16 << 10
	maxSegments  = 512
	maxExprDepth = 64
	maxDataDepth = 512
	maxSteps     = 1 << 21
)

// A tokKind is the kind of one segment of a parsed path.
type tokKind int

const (
	tokName     tokKind = iota // a property name or array index
	tokRoot                    // $
	tokWild                    // *
	tokDescend                 // ..
	tokParent                  // ^
	tokProperty                // ~ (the property name)
	tokType                    // @string() ...
	tokSlice                   // [start:end:step]
	tokUnion                   // [a,b,...]
	tokFilter                  // [?(expr)]
	tokScript                  // [(expr)]
)

// A token is one segment of a parsed path.
type token struct {
	kind tokKind
	// name is the property (tokName), the type (tokType), the source of
	// the expression (tokFilter, tokScript) or the slice's text.
	name string
	// literal marks a quoted or `-escaped name: it is never a wildcard.
	literal bool
	parts   []token // tokUnion
	expr    node    // tokFilter, tokScript
	slice   [3]string
}

// text is the token as Dirigible's toPathArray gives it.
func (t token) text() string {
	switch t.kind {
	case tokRoot:
		return "$"
	case tokWild:
		return "*"
	case tokDescend:
		return ".."
	case tokParent:
		return "^"
	case tokProperty:
		return "~"
	case tokType:
		return "@" + t.name + "()"
	case tokFilter:
		return "?(" + t.name + ")"
	case tokScript:
		return "(" + t.name + ")"
	case tokUnion:
		s := make([]string, len(t.parts))
		for i, p := range t.parts {
			s[i] = p.text()
		}
		return strings.Join(s, ",")
	}
	return t.name
}

// valueTypes are the type selectors of @type().
var valueTypes = map[string]bool{
	"null": true, "boolean": true, "number": true, "string": true, "integer": true, "undefined": true,
	"nonFinite": true, "scalar": true, "array": true, "object": true, "function": true, "other": true,
}

// errPath is the error of a path that does not parse.
var errPath = errors.New("jsonPath: invalid path")

func pathError(path string, at int, what string) error {
	return fmt.Errorf("%w %q at %d: %s", errPath, clip(path), at, what)
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// parsePath parses a JSONPath expression ($.store.book[0].title,
// $..book[?(@.price < 10)], $['a','b'], $..*@string(), ...) into its
// segments, in the grammar of Dirigible's JSONPath (Goessner's, with
// jsonpath-plus's ^, ~, @type() and `-escapes), without regular
// expressions. A path that does not start with $ starts at the root all
// the same.
func parsePath(path string) ([]token, error) {
	if len(path) > maxPathLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", errPath, maxPathLen)
	}
	var toks []token
	add := func(t token) error {
		if len(toks) >= maxSegments {
			return fmt.Errorf("%w: more than %d segments", errPath, maxSegments)
		}
		toks = append(toks, t)
		return nil
	}
	i := 0
	if strings.HasPrefix(path, "$") {
		toks = append(toks, token{kind: tokRoot})
		i = 1
	}
	for i < len(path) {
		var t token
		var err error
		switch c := path[i]; {
		case c == '.' && strings.HasPrefix(path[i:], ".."):
			if err := add(token{kind: tokDescend}); err != nil {
				return nil, err
			}
			i += 2
			if i < len(path) && (path[i] == '[' || path[i] == '.') {
				continue
			}
			if i == len(path) {
				continue
			}
			t, i = readName(path, i)
		case c == '.':
			i++
			if i == len(path) {
				continue
			}
			t, i = readName(path, i)
		case c == '[':
			t, i, err = readBracket(path, i)
			if err != nil {
				return nil, err
			}
		case c == '^':
			t, i = token{kind: tokParent}, i+1
		case c == '~':
			t, i = token{kind: tokProperty}, i+1
		default:
			if typ, n := typeSelector(path[i:]); n > 0 {
				t, i = token{kind: tokType, name: typ}, i+n
				break
			}
			t, i = readName(path, i)
		}
		if err := add(t); err != nil {
			return nil, err
		}
	}
	return toks, nil
}

// typeSelector reports the @type() selector s starts with, and its length.
func typeSelector(s string) (string, int) {
	if !strings.HasPrefix(s, "@") {
		return "", 0
	}
	end := strings.Index(s, "()")
	if end < 0 || !valueTypes[s[1:end]] {
		return "", 0
	}
	return s[1:end], end + 2
}

// readName reads a dotted name: up to the next ., [, ^, ~ or @type().
func readName(path string, i int) (token, int) {
	start := i
	for i < len(path) {
		c := path[i]
		if c == '.' || c == '[' || c == '^' || c == '~' {
			break
		}
		if c == '@' {
			if _, n := typeSelector(path[i:]); n > 0 {
				break
			}
		}
		i++
	}
	return classify(path[start:i], false), i
}

// classify makes a token of a name: *, a slice, a `-escaped name or a
// plain one.
func classify(s string, literal bool) token {
	if literal {
		return token{kind: tokName, name: s, literal: true}
	}
	if s == "*" {
		return token{kind: tokWild}
	}
	if strings.HasPrefix(s, "`") {
		return token{kind: tokName, name: s[1:], literal: true}
	}
	if parts, ok := sliceParts(s); ok {
		return token{kind: tokSlice, name: s, slice: parts}
	}
	return token{kind: tokName, name: s}
}

// sliceParts splits start:end[:step] (each an optional integer, the step
// not negative).
func sliceParts(s string) ([3]string, bool) {
	var out [3]string
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return out, false
	}
	for k, p := range parts {
		digits := p
		if k < 2 {
			digits = strings.TrimPrefix(p, "-")
		}
		for j := 0; j < len(digits); j++ {
			if digits[j] < '0' || digits[j] > '9' {
				return out, false
			}
		}
		out[k] = p
	}
	return out, true
}

// readBracket reads [...] at path[i]: a filter, a script, or names,
// indexes, slices and * separated by commas.
func readBracket(path string, i int) (token, int, error) {
	open := i
	i++
	for i < len(path) && path[i] == ' ' {
		i++
	}
	if strings.HasPrefix(path[i:], "?(") || strings.HasPrefix(path[i:], "(") {
		filter := path[i] == '?'
		if filter {
			i++
		}
		end, err := closeParen(path, i)
		if err != nil {
			return token{}, 0, err
		}
		src := path[i+1 : end]
		i = end + 1
		for i < len(path) && path[i] == ' ' {
			i++
		}
		if i >= len(path) || path[i] != ']' {
			return token{}, 0, pathError(path, i, "expected ] after the expression")
		}
		expr, err := parseExpr(src)
		if err != nil {
			return token{}, 0, fmt.Errorf("jsonPath: %w: %s", err, clip(src))
		}
		kind := tokScript
		if filter {
			kind = tokFilter
		}
		return token{kind: kind, name: src, expr: expr}, i + 1, nil
	}
	var parts []token
	for {
		for i < len(path) && path[i] == ' ' {
			i++
		}
		if i >= len(path) {
			return token{}, 0, pathError(path, open, "unclosed [")
		}
		var part token
		if q := path[i]; q == '\'' || q == '"' {
			s, next, err := readQuoted(path, i)
			if err != nil {
				return token{}, 0, err
			}
			part, i = classify(s, true), next
		} else {
			start := i
			for i < len(path) && path[i] != ',' && path[i] != ']' {
				i++
			}
			part = classify(strings.TrimSpace(path[start:i]), false)
		}
		parts = append(parts, part)
		if len(parts) > maxSegments {
			return token{}, 0, fmt.Errorf("%w: more than %d names in brackets", errPath, maxSegments)
		}
		for i < len(path) && path[i] == ' ' {
			i++
		}
		if i >= len(path) {
			return token{}, 0, pathError(path, open, "unclosed [")
		}
		if path[i] == ']' {
			i++
			break
		}
		if path[i] != ',' {
			return token{}, 0, pathError(path, i, "expected , or ]")
		}
		i++
	}
	if len(parts) == 1 {
		return parts[0], i, nil
	}
	return token{kind: tokUnion, parts: parts}, i, nil
}

// readQuoted reads a quoted name at path[i] (its quote, \\ and \'
// escapes) and returns it and the index after it.
func readQuoted(path string, i int) (string, int, error) {
	q := path[i]
	var b strings.Builder
	for j := i + 1; j < len(path); j++ {
		switch c := path[j]; {
		case c == '\\' && j+1 < len(path):
			j++
			b.WriteByte(path[j])
		case c == q:
			return b.String(), j + 1, nil
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, pathError(path, i, "unclosed quote")
}

// closeParen returns the index of the ) closing the ( at path[i], skipping
// quoted strings.
func closeParen(path string, i int) (int, error) {
	depth := 0
	for j := i; j < len(path); j++ {
		switch c := path[j]; c {
		case '\'', '"':
			for j++; j < len(path) && path[j] != c; j++ {
				if path[j] == '\\' {
					j++
				}
			}
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return j, nil
			}
		}
	}
	return 0, pathError(path, i, "unclosed (")
}

// pathString is Dirigible's toPathString: $ then ['name'] or [index] per
// element, leaving out ~, ^ and @type() elements.
func pathString(elems []string) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, e := range elems[min(1, len(elems)):] {
		if skipElem(e) {
			continue
		}
		if isDigitsOrStar(e) {
			b.WriteString("[" + e + "]")
		} else {
			b.WriteString("['" + e + "']")
		}
	}
	return b.String()
}

// pointer is Dirigible's toPointer: a JSON Pointer (RFC 6901) of the path
// elements after the first.
func pointer(elems []string) string {
	var b strings.Builder
	for _, e := range elems[min(1, len(elems)):] {
		if skipElem(e) {
			continue
		}
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(e, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

func skipElem(e string) bool {
	if e == "~" || e == "^" {
		return true
	}
	return strings.HasPrefix(e, "@") && strings.HasSuffix(e, "()")
}

func isDigitsOrStar(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '*' {
			return false
		}
	}
	return true
}

// sliceBounds returns the indexes a slice token selects of an array of n
// elements, as Dirigible's _slice computes them (0 and empty mean the
// default, a negative bound counts from the end, a step of 0 is 1).
func sliceBounds(parts [3]string, n int) (start, end, step int) {
	num := func(s string, def int) int {
		v, err := strconv.Atoi(s)
		if err != nil || v == 0 {
			return def
		}
		return v
	}
	step = num(parts[2], 1)
	start, end = num(parts[0], 0), num(parts[1], n)
	if start < 0 {
		start = max(0, start+n)
	} else {
		start = min(n, start)
	}
	if end < 0 {
		end = max(0, end+n)
	} else {
		end = min(n, end)
	}
	return start, end, step
}
