package runtime

import (
	"encoding/json"
	"strings"
)

// adjustSourceMap fixes an esbuild source map for goja. goja looks a
// position up with a 1-based generated column in a map whose columns are
// 0-based, and returns the 0-based original column as if it were 1-based.
// Shifting every generated column by one (and the first line also by the
// length of the module wrapper put before it) and every original column by
// one makes both ends 1-based, so stacks show the columns an editor shows.
func adjustSourceMap(m []byte, firstLineShift int) []byte {
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
