package runtime

import (
	"encoding/json"
	"path"
)

// legacyDecorators is the esbuild tsconfig of a TypeScript file compiled
// with TypeScript's experimental (legacy) decorators.
const legacyDecorators = `{"compilerOptions":{"experimentalDecorators":true}}`

// tsconfigFor returns the TsconfigRaw esbuild compiles the TypeScript file
// with: legacy decorators when the nearest tsconfig.json in the file's
// folder or above it (within the root) sets
// compilerOptions.experimentalDecorators, as esbuild's command line (which
// Dirigible runs) would; otherwise "" (standard decorators). The nearest
// tsconfig.json decides even when it does not say (it may be the project's),
// and one that cannot be read or parsed counts as saying nothing. It is
// read when the file is compiled.
func (l *loader) tsconfigFor(file string) string {
	for dir := path.Dir(file); ; dir = path.Dir(dir) {
		data, err := l.root.ReadFile(path.Join(dir, "tsconfig.json"))
		if err == nil {
			var cfg struct {
				CompilerOptions struct {
					ExperimentalDecorators bool `json:"experimentalDecorators"`
				} `json:"compilerOptions"`
			}
			if json.Unmarshal(stripJSONC(data), &cfg) == nil && cfg.CompilerOptions.ExperimentalDecorators {
				return legacyDecorators
			}
			return ""
		}
		if dir == "." {
			return ""
		}
	}
}

// stripJSONC turns the JSON-with-comments of a tsconfig.json into JSON:
// it drops // and /* */ comments, then commas before a closing bracket,
// outside strings.
func stripJSONC(in []byte) []byte {
	return dropTrailingCommas(dropComments(in))
}

// dropComments drops // and /* */ comments outside strings.
func dropComments(in []byte) []byte {
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); i++ {
		switch c := in[i]; {
		case c == '"':
			end := stringEnd(in, i)
			out = append(out, in[i:end]...)
			i = end - 1
		case c == '/' && i+1 < len(in) && in[i+1] == '/':
			for i < len(in) && in[i] != '\n' {
				i++
			}
			i--
		case c == '/' && i+1 < len(in) && in[i+1] == '*':
			i += 2
			for i+1 < len(in) && !(in[i] == '*' && in[i+1] == '/') {
				i++
			}
			i++
		default:
			out = append(out, c)
		}
	}
	return out
}

// dropTrailingCommas drops commas before a closing bracket, outside
// strings.
func dropTrailingCommas(in []byte) []byte {
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); i++ {
		switch c := in[i]; c {
		case '"':
			end := stringEnd(in, i)
			out = append(out, in[i:end]...)
			i = end - 1
		case ',':
			j := i + 1
			for j < len(in) && (in[j] == ' ' || in[j] == '\t' || in[j] == '\n' || in[j] == '\r') {
				j++
			}
			if j < len(in) && (in[j] == '}' || in[j] == ']') {
				continue
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
}

// stringEnd returns the index after the JSON string that starts at i.
func stringEnd(in []byte, i int) int {
	j := i + 1
	for ; j < len(in) && in[j] != '"'; j++ {
		if in[j] == '\\' {
			j++
		}
	}
	return min(j+1, len(in))
}
