package runtime

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/evanw/esbuild/pkg/api"
)

// Top-level await.
//
// esbuild refuses a top-level await when it writes CommonJS, and goja has no
// ES modules, so a module with one is transformed in two steps. The first
// transform reports every top-level await (and nothing else: a syntax error
// stops esbuild before it looks for them). Each reported "await" is then
// replaced by "~~~~~", five bitwise nots: like await, a prefix operator of
// the same precedence, so the source parses the same way, and one that
// esbuild prints as it reads it (it folds "~" only when minifying). The
// second transform gives CommonJS with the markers in place, every original
// position unchanged (the marker has the length of "await"), and a source
// map; each marker of the output, recognised by the source map pointing at
// a masked await (a "~~~~~" in a string or written by the script is left
// alone), becomes "await " again, and the map follows. The module is then compiled as an async
// function, whose promise the runtime waits for (see esm.go).

// tlaMarker stands for a top-level "await" during the second transform.
const tlaMarker = "~~~~~"

// tlaErrorPrefix starts esbuild's error for a top-level await in CommonJS.
const tlaErrorPrefix = "Top-level await is currently not supported"

// srcPos is a position as esbuild's source maps give it: a 0-based line
// and a 0-based column in UTF-16 code units.
type srcPos struct{ line, col int }

// isTLAError reports whether every error is esbuild's refusal of a
// top-level await (with a location to mask).
func isTLAError(errs []api.Message) bool {
	for _, m := range errs {
		if !strings.HasPrefix(m.Text, tlaErrorPrefix) || m.Location == nil || m.Location.Length != len("await") {
			return false
		}
	}
	return len(errs) > 0
}

// maskTopLevelAwait replaces the top-level awaits esbuild reported in src
// with the marker, and returns the masked source and the masked positions.
// A top-level "for await" or "await using", which cannot be masked (and
// which goja could not run), is a *ScriptError at its position.
func maskTopLevelAwait(file, src string, errs []api.Message) (string, map[srcPos]bool, error) {
	starts := lineStarts(src)
	buf := []byte(src)
	masked := make(map[srcPos]bool, len(errs))
	for _, m := range errs {
		loc := m.Location
		if loc.Line < 1 || loc.Line > len(starts) {
			return "", nil, fmt.Errorf("runtime: top-level await reported at line %d of %d", loc.Line, len(starts))
		}
		off := starts[loc.Line-1] + loc.Column
		if off+len("await") > len(src) || src[off:off+len("await")] != "await" {
			return "", nil, fmt.Errorf("runtime: top-level await reported where there is none (%d:%d)", loc.Line, loc.Column)
		}
		fail := func(what string) error {
			return &ScriptError{File: file, Line: loc.Line, Column: utf16Len(src[starts[loc.Line-1]:off]) + 1,
				Message: "SyntaxError: a top-level " + what + " is not supported: put it in an async function"}
		}
		if precededByFor(src[:off]) {
			return "", nil, fail("for await loop")
		}
		if followedByUsing(src[off+len("await"):]) {
			return "", nil, fail("await using declaration")
		}
		copy(buf[off:], tlaMarker)
		masked[srcPos{loc.Line - 1, utf16Len(src[starts[loc.Line-1]:off])}] = true
	}
	return string(buf), masked, nil
}

// unmaskTopLevelAwait turns the markers of the transformed code back into
// "await": those the source map maps to a masked position. esbuild prints
// "~~~~~x" without a space, so "await" is followed by one where the operand
// starts; the source map's later columns on that line move by one. It
// fails unless every masked await is found (esbuild reports none in dead
// code, the only code it drops).
func unmaskTopLevelAwait(code string, sourceMap []byte, masked map[srcPos]bool) (string, []byte, error) {
	lines, err := decodeMappings(sourceMap)
	if err != nil {
		return "", nil, fmt.Errorf("runtime: reading the source map of a top-level await: %w", err)
	}
	var out strings.Builder
	out.Grow(len(code) + 2*len(masked))
	found := make(map[srcPos]bool, len(masked))
	line, lineStart, last := 0, 0, 0
	shift := 0 // spaces inserted on this line so far
	for i := 0; i < len(code); i++ {
		if code[i] == '\n' {
			line++
			lineStart, shift = i+1, 0
			continue
		}
		if code[i] != '~' || !strings.HasPrefix(code[i:], tlaMarker) || line >= len(lines) {
			continue
		}
		col := utf16Len(code[lineStart:i])
		p, ok := lines[line].at(col + shift)
		if !ok || !masked[p] {
			continue
		}
		found[p] = true
		out.WriteString(code[last:i])
		out.WriteString("await ")
		last = i + len(tlaMarker)
		// What follows the marker moves one column right.
		for j := range lines[line] {
			if lines[line][j].genCol > col+shift {
				lines[line][j].genCol++
			}
		}
		shift++
		i += len(tlaMarker) - 1
	}
	out.WriteString(code[last:])
	if len(found) != len(masked) {
		return "", nil, fmt.Errorf("runtime: %d of %d top-level awaits found after the transform", len(found), len(masked))
	}
	m, err := withMappings(sourceMap, lines)
	if err != nil {
		return "", nil, fmt.Errorf("runtime: rewriting the source map of a top-level await: %w", err)
	}
	return out.String(), m, nil
}

// precededByFor reports whether the last token of s is the keyword for.
func precededByFor(s string) bool {
	s = strings.TrimRight(s, " \t\r\n\u2028\u2029\v\f\u00a0\ufeff")
	if !strings.HasSuffix(s, "for") {
		return false
	}
	s = s[:len(s)-3]
	if s == "" {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	return !isIdentRune(r)
}

// followedByUsing reports whether s starts with "using" and a binding name:
// the rest of an "await using" declaration.
func followedByUsing(s string) bool {
	t := strings.TrimLeft(s, " \t\v\f\u00a0\ufeff")
	if len(t) == len(s) || !strings.HasPrefix(t, "using") {
		return false
	}
	t = t[len("using"):]
	u := strings.TrimLeft(t, " \t\v\f\u00a0\ufeff")
	if len(u) == len(t) || u == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(u)
	return isIdentRune(r) && (r < '0' || r > '9')
}

func isIdentRune(r rune) bool {
	return r == '_' || r == '$' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= utf8.RuneSelf
}

// lineStarts returns the byte offset of each line of src, counting line
// ends as esbuild does: \n, \r\n, \r, U+2028 and U+2029.
func lineStarts(src string) []int {
	starts := []int{0}
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRuneInString(src[i:])
		i += size
		switch r {
		case '\r':
			if i < len(src) && src[i] == '\n' {
				i++
			}
			starts = append(starts, i)
		case '\n', '\u2028', '\u2029':
			starts = append(starts, i)
		}
	}
	return starts
}

// utf16Len is the length of s in UTF-16 code units (the unit of source map
// columns).
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// utf16Offset returns the byte offset in line of the UTF-16 column col.
func utf16Offset(line string, col int) int {
	n := 0
	for i, r := range line {
		if n >= col {
			return i
		}
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return len(line)
}
