package runtime

import (
	"encoding/json"
	"errors"
	"strings"
)

// adjustSourceMap fixes an esbuild source map for goja. goja looks a
// position up with a 1-based generated column in a map whose columns are
// 0-based, and returns the 0-based original column as if it were 1-based.
// Shifting every generated column by one (and the first line also by the
// length of the module wrapper put before it) and every original column by
// one makes both ends 1-based, so stacks show the columns an editor shows.
// The map's one source is named source.
func adjustSourceMap(m []byte, firstLineShift int, source string) []byte {
	var sm map[string]json.RawMessage
	if json.Unmarshal(m, &sm) != nil {
		return m
	}
	var mappings string
	if json.Unmarshal(sm["mappings"], &mappings) != nil {
		return m
	}
	lines := strings.Split(mappings, ";")
	srcShifted := false
	for i, line := range lines {
		if line == "" {
			continue
		}
		segs := strings.Split(line, ",")
		for j, seg := range segs {
			vals, ok := decodeVLQ(seg)
			if !ok {
				return m
			}
			changed := false
			if j == 0 {
				vals[0]++
				if i == 0 {
					vals[0] += firstLineShift
				}
				changed = true
			}
			if !srcShifted && len(vals) >= 4 {
				vals[3]++
				srcShifted = true
				changed = true
			}
			if changed {
				segs[j] = encodeVLQ(vals)
			}
		}
		lines[i] = strings.Join(segs, ",")
	}
	b, _ := json.Marshal(strings.Join(lines, ";"))
	sm["mappings"] = b
	sm["sources"], _ = json.Marshal([]string{source})
	out, err := json.Marshal(sm)
	if err != nil {
		return m
	}
	return out
}

const vlqChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func decodeVLQ(s string) ([]int, bool) {
	var vals []int
	shift, acc := 0, 0
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(vlqChars, s[i])
		if d < 0 {
			return nil, false
		}
		acc += (d & 31) << shift
		if d&32 != 0 {
			shift += 5
			continue
		}
		v := acc >> 1
		if acc&1 != 0 {
			v = -v
		}
		vals = append(vals, v)
		shift, acc = 0, 0
	}
	return vals, shift == 0 && len(vals) > 0
}

func encodeVLQ(vals []int) string {
	var b strings.Builder
	for _, v := range vals {
		u := v << 1
		if v < 0 {
			u = (-v << 1) | 1
		}
		for {
			d := u & 31
			u >>= 5
			if u > 0 {
				d |= 32
			}
			b.WriteByte(vlqChars[d])
			if u == 0 {
				break
			}
		}
	}
	return b.String()
}

// mapSegment is one segment of a source map line: a generated column and,
// unless it has none, the original position it maps to (0-based, UTF-16
// columns) and a name.
type mapSegment struct {
	genCol int
	hasSrc bool
	srcIdx int
	src    srcPos
	name   int // -1 for none
}

// mapLine is the segments of one generated line, in column order.
type mapLine []mapSegment

// at returns the original position of the segment that starts exactly at
// the generated column col.
func (l mapLine) at(col int) (srcPos, bool) {
	for _, s := range l {
		if s.genCol == col && s.hasSrc {
			return s.src, true
		}
		if s.genCol > col {
			break
		}
	}
	return srcPos{}, false
}

// decodeMappings decodes the mappings of a source map into absolute
// positions, one mapLine per generated line.
func decodeMappings(m []byte) ([]mapLine, error) {
	var sm struct {
		Mappings string `json:"mappings"`
	}
	if err := json.Unmarshal(m, &sm); err != nil {
		return nil, err
	}
	var lines []mapLine
	srcLine, srcCol, srcIdx, name := 0, 0, 0, 0
	for _, text := range strings.Split(sm.Mappings, ";") {
		var line mapLine
		genCol := 0
		for _, seg := range strings.Split(text, ",") {
			if seg == "" {
				continue
			}
			vals, ok := decodeVLQ(seg)
			if !ok {
				return nil, errors.New("bad VLQ segment")
			}
			genCol += vals[0]
			ms := mapSegment{genCol: genCol, name: -1}
			if len(vals) >= 4 {
				srcIdx += vals[1]
				srcLine += vals[2]
				srcCol += vals[3]
				ms.hasSrc, ms.srcIdx, ms.src = true, srcIdx, srcPos{srcLine, srcCol}
				if len(vals) >= 5 {
					name += vals[4]
					ms.name = name
				}
			}
			line = append(line, ms)
		}
		lines = append(lines, line)
	}
	return lines, nil
}

// encodeMappings is the inverse of decodeMappings.
func encodeMappings(lines []mapLine) string {
	var b strings.Builder
	srcLine, srcCol, srcIdx, name := 0, 0, 0, 0
	for i, line := range lines {
		if i > 0 {
			b.WriteByte(';')
		}
		genCol := 0
		for j, s := range line {
			if j > 0 {
				b.WriteByte(',')
			}
			vals := []int{s.genCol - genCol}
			genCol = s.genCol
			if s.hasSrc {
				vals = append(vals, s.srcIdx-srcIdx, s.src.line-srcLine, s.src.col-srcCol)
				srcIdx, srcLine, srcCol = s.srcIdx, s.src.line, s.src.col
				if s.name >= 0 {
					vals = append(vals, s.name-name)
					name = s.name
				}
			}
			b.WriteString(encodeVLQ(vals))
		}
	}
	return b.String()
}

// withMappings returns the source map m with its mappings replaced.
func withMappings(m []byte, lines []mapLine) ([]byte, error) {
	var sm map[string]json.RawMessage
	if err := json.Unmarshal(m, &sm); err != nil {
		return nil, err
	}
	b, err := json.Marshal(encodeMappings(lines))
	if err != nil {
		return nil, err
	}
	sm["mappings"] = b
	return json.Marshal(sm)
}
