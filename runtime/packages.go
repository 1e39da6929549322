package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"
)

// Packages from node_modules.
//
// goja is neither Node nor a browser, but it is closer to a browser: there
// is no fs, net or process, while the Web platform's globals are provided.
// So a package's browser build is preferred to its Node build, as bundlers
// do. In package.json "exports" the conditions "browser" and "default" are
// active, with "require" for require() and "import" for an import (both
// work: an ES module build is transformed to CommonJS like any file); the
// first of a target's conditions in the package's own order that is active
// wins, and when none matches, the other of require/import is tried (a
// require of an ESM-only package works). Without "exports", the entry is
// the "browser" field (string form), then "module" for an import, then
// "main", then index. The object form of "browser" maps the package's own
// files and the modules it requires to others, or to false: an empty module.

// requireMode tells how a module loads its dependencies: require() from
// CommonJS, or an import of an ES module (esbuild turns both into require
// calls).
type requireMode uint8

const (
	modeRequire requireMode = iota
	modeImport
)

// condition sets of package.json "exports".
type condSet uint8

const (
	condRequire condSet = 1 << iota
	condImport
)

func (m requireMode) conds() condSet {
	if m == modeImport {
		return condImport
	}
	return condRequire
}

// active reports whether the condition name is met.
func (s condSet) active(name string) bool {
	switch name {
	case "browser", "default":
		return true
	case "require":
		return s&condRequire != 0
	case "import":
		return s&condImport != 0
	}
	return false
}

// errNoPackage is the cause of a bare specifier with no package of that
// name in the node_modules folders.
var errNoPackage = fmt.Errorf("no such package: %w", errModuleNotFound)

// errNotExported is the cause of a subpath a package's "exports" does not
// allow.
var errNotExported = errors.New("not exported")

// pkgCache keeps each package.json read, per file version.
type pkgCache struct {
	m sync.Map // path → *pkgJSON
}

// pkgJSON is what dirigo reads of a package.json.
type pkgJSON struct {
	ver     fileVersion
	main    string
	module  string
	browser string // the string form of "browser"
	// browserMap is the object form of "browser": a package file (clean
	// path relative to the package) or a module name → its replacement
	// ("" with empty set for false).
	browserMap map[string]browserTarget
	exports    json.RawMessage
}

type browserTarget struct {
	target string
	empty  bool
}

// pkg returns the package.json of dir, or nil when it has none or it cannot
// be read or parsed.
func (c *pkgCache) pkg(h *host, dir string) *pkgJSON {
	file := path.Join(dir, "package.json")
	fi, err := h.root.Stat(file)
	if err != nil || !fi.Mode().IsRegular() {
		return nil
	}
	ver := versionOf(fi)
	if v, ok := c.m.Load(file); ok && v.(*pkgJSON).ver == ver {
		p := v.(*pkgJSON)
		if p.main == "\x00" {
			return nil
		}
		return p
	}
	p := &pkgJSON{ver: ver}
	data, err := h.root.ReadFile(file)
	var raw struct {
		Main    json.RawMessage `json:"main"`
		Module  json.RawMessage `json:"module"`
		Browser json.RawMessage `json:"browser"`
		Exports json.RawMessage `json:"exports"`
	}
	if err != nil || json.Unmarshal(data, &raw) != nil {
		p.main = "\x00" // unreadable: remembered for this version
		c.m.Store(file, p)
		return nil
	}
	_ = json.Unmarshal(raw.Main, &p.main)
	_ = json.Unmarshal(raw.Module, &p.module)
	if json.Unmarshal(raw.Browser, &p.browser) != nil {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw.Browser, &m) == nil {
			p.browserMap = make(map[string]browserTarget, len(m))
			for k, v := range m {
				var t browserTarget
				var s string
				var b bool
				switch {
				case json.Unmarshal(v, &s) == nil:
					t.target = s
				case json.Unmarshal(v, &b) == nil && !b:
					t.empty = true
				default:
					continue
				}
				p.browserMap[browserKey(k)] = t
			}
		}
	}
	if len(raw.Exports) > 0 && string(raw.Exports) != "null" {
		p.exports = raw.Exports
	}
	c.m.Store(file, p)
	return p
}

// browserKey normalises a key of a "browser" map: a file of the package
// ("./lib/node.js") becomes its clean relative path ("lib/node.js"); a
// module name stays as it is.
func browserKey(k string) string {
	if strings.HasPrefix(k, "./") || strings.HasPrefix(k, "/") {
		return path.Clean(strings.TrimLeft(k, "./"))
	}
	return k
}

// packageRoot returns the folder of the package a file or folder under
// node_modules belongs to ("node_modules/@scope/name"), or "" outside
// node_modules.
func packageRoot(p string) string {
	i := strings.LastIndex(p, "node_modules/")
	if i < 0 || (i > 0 && p[i-1] != '/') {
		return ""
	}
	rest := p[i+len("node_modules/"):]
	parts := strings.SplitN(rest, "/", 3)
	n := 1
	if strings.HasPrefix(rest, "@") {
		n = 2
	}
	if len(parts) < n {
		return ""
	}
	return p[:i+len("node_modules/")] + strings.Join(parts[:n], "/")
}

// browserModule applies the "browser" map of the package that dir belongs
// to, to the module name spec it requires: the replacement, or empty for a
// module mapped to false. ok is false when the map says nothing of spec.
func (h *host) browserModule(dir, spec string) (replacement string, empty, ok bool) {
	root := packageRoot(dir)
	if root == "" {
		return "", false, false
	}
	p := h.pkgs.pkg(h, root)
	if p == nil || p.browserMap == nil {
		return "", false, false
	}
	t, found := p.browserMap[spec]
	if !found {
		return "", false, false
	}
	if t.empty {
		return "", true, true
	}
	if strings.HasPrefix(t.target, "./") {
		return "/" + path.Join(root, t.target), false, true
	}
	return t.target, false, true
}

// browserFile applies the "browser" map of the package file belongs to, to
// file itself: the replacement file, or empty for a file mapped to false.
func (h *host) browserFile(file string) (string, bool, error) {
	root := packageRoot(file)
	if root == "" {
		return file, false, nil
	}
	p := h.pkgs.pkg(h, root)
	if p == nil || p.browserMap == nil {
		return file, false, nil
	}
	rel := strings.TrimPrefix(file, root+"/")
	t, found := p.browserMap[rel]
	if !found {
		if ext := path.Ext(rel); ext != "" {
			t, found = p.browserMap[strings.TrimSuffix(rel, ext)]
		}
	}
	switch {
	case !found:
		return file, false, nil
	case t.empty:
		return "", true, nil
	}
	f, err := h.resolveFile(path.Join(root, t.target), t.target)
	return f, false, err
}

// resolvePackage finds a bare specifier ("lodash", "@scope/pkg/sub") in the
// node_modules folders from dir up to the root. empty is set for a module
// the package's "browser" map replaces with nothing.
func (h *host) resolvePackage(dir, spec string, mode requireMode) (file string, empty bool, err error) {
	name, sub := spec, ""
	parts := strings.SplitN(spec, "/", 3)
	switch {
	case strings.HasPrefix(spec, "@") && len(parts) >= 2:
		name = parts[0] + "/" + parts[1]
		if len(parts) == 3 {
			sub = parts[2]
		}
	case len(parts) >= 2:
		name, sub = parts[0], strings.Join(parts[1:], "/")
	}
	if name == "" || strings.HasPrefix(name, ".") || strings.Contains(name, "..") || strings.Contains(name, "\\") {
		return "", false, fmt.Errorf("Cannot find module '%s': %w", spec, errNoPackage)
	}
	for d := dir; ; d = path.Dir(d) {
		if path.Base(d) != "node_modules" {
			pkgDir := path.Join(d, "node_modules", name)
			if fi, err := h.root.Stat(pkgDir); err == nil && fi.IsDir() {
				return h.packageFile(pkgDir, sub, spec, mode)
			}
		}
		if d == "." || d == "/" || d == "" {
			break
		}
	}
	return "", false, fmt.Errorf("Cannot find module '%s': %w", spec, errNoPackage)
}

// packageFile resolves the subpath sub ("" for the package itself) of the
// package in pkgDir.
func (h *host) packageFile(pkgDir, sub, spec string, mode requireMode) (string, bool, error) {
	p := h.pkgs.pkg(h, pkgDir)
	if p != nil && p.exports != nil {
		subpath := "."
		if sub != "" {
			subpath = "./" + sub
		}
		target, err := exportsTarget(p.exports, subpath, mode.conds())
		if err != nil {
			// Neither require nor import matched: the other one will do
			// (esbuild makes CommonJS of either).
			target, err = exportsTarget(p.exports, subpath, condRequire|condImport)
		}
		if err != nil && sub != "" {
			// A file the package does not export: Node refuses it, dirigo
			// takes it when it exists.
			if f, ferr := h.resolveFile(path.Join(pkgDir, sub), spec); ferr == nil {
				return h.browserFile(f)
			}
		}
		if err != nil {
			return "", false, fmt.Errorf("Cannot find module '%s': subpath '%s' is not exported by %s/package.json: %w", spec, subpath, pkgDir, errModuleNotFound)
		}
		f := path.Join(pkgDir, target)
		if !strings.HasPrefix(f, pkgDir+"/") {
			return "", false, fmt.Errorf("Cannot find module '%s': %s/package.json exports a path outside the package: %w", spec, pkgDir, errModuleNotFound)
		}
		if fi, err := h.root.Stat(f); err != nil || !fi.Mode().IsRegular() {
			return "", false, fmt.Errorf("Cannot find module '%s': %s (exported by %s/package.json) does not exist: %w", spec, f, pkgDir, errModuleNotFound)
		}
		return h.browserFile(f)
	}
	if sub != "" {
		f, err := h.resolveFile(path.Join(pkgDir, sub), spec)
		if err != nil {
			return "", false, err
		}
		return h.browserFile(f)
	}
	if p != nil {
		entries := [3]string{p.browser, "", p.main}
		if mode == modeImport {
			entries[1] = p.module
		}
		for _, e := range entries {
			if e == "" {
				continue
			}
			if f, err := h.resolveFile(path.Join(pkgDir, e), spec); err == nil {
				return h.browserFile(f)
			}
		}
	}
	f, err := h.resolveFile(pkgDir, spec)
	if err != nil {
		return "", false, err
	}
	return h.browserFile(f)
}

// exportsTarget resolves subpath ("." or "./x") through a package.json
// "exports" value, as Node's PACKAGE_EXPORTS_RESOLVE does with the
// conditions conds: an exact key, else the longest matching "*" pattern.
// It returns the target relative to the package.
func exportsTarget(exports json.RawMessage, subpath string, conds condSet) (string, error) {
	var m map[string]json.RawMessage
	var keys []string
	if json.Unmarshal(exports, &m) == nil {
		keys = objectKeys(exports)
	}
	// A string, an array, or an object of conditions is the "." entry.
	subpaths := len(keys) > 0 && strings.HasPrefix(keys[0], ".")
	if !subpaths {
		if subpath != "." {
			return "", errNotExported
		}
		return exportsTargetValue(exports, "", conds)
	}
	if t, ok := m[subpath]; ok && !strings.Contains(subpath, "*") {
		return exportsTargetValue(t, "", conds)
	}
	best, bestStar := "", ""
	for _, k := range keys {
		star := strings.Index(k, "*")
		if star < 0 || strings.Count(k, "*") != 1 {
			continue
		}
		prefix, suffix := k[:star], k[star+1:]
		if !strings.HasPrefix(subpath, prefix) || len(subpath) < len(k)-1 || !strings.HasSuffix(subpath, suffix) {
			continue
		}
		if best == "" || patternBefore(k, best) {
			best, bestStar = k, subpath[len(prefix):len(subpath)-len(suffix)]
		}
	}
	if best == "" {
		return "", errNotExported
	}
	return exportsTargetValue(m[best], bestStar, conds)
}

// patternBefore orders "exports" patterns as Node's PATTERN_KEY_COMPARE:
// the longer prefix before the "*" first, then the longer key.
func patternBefore(a, b string) bool {
	ai, bi := strings.Index(a, "*"), strings.Index(b, "*")
	if ai != bi {
		return ai > bi
	}
	return len(a) > len(b)
}

// exportsTargetValue resolves one target of "exports": a "./" path (with
// "*" replaced by star), an array of fallbacks, an object of conditions
// tried in the package's order, or null (not exported).
func exportsTargetValue(v json.RawMessage, star string, conds condSet) (string, error) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		if !strings.HasPrefix(s, "./") {
			return "", errNotExported
		}
		if star != "" {
			s = strings.ReplaceAll(s, "*", star)
		}
		if strings.Contains(s, "/../") || strings.Contains(s, "/node_modules/") {
			return "", errNotExported
		}
		return s, nil
	}
	var arr []json.RawMessage
	if json.Unmarshal(v, &arr) == nil {
		for _, a := range arr {
			if t, err := exportsTargetValue(a, star, conds); err == nil {
				return t, nil
			}
		}
		return "", errNotExported
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(v, &m) == nil {
		for _, k := range objectKeys(v) {
			if !conds.active(k) {
				continue
			}
			if t, err := exportsTargetValue(m[k], star, conds); err == nil {
				return t, nil
			}
		}
	}
	return "", errNotExported
}

// objectKeys returns the keys of a JSON object in their order (Go maps
// forget it, and "exports" conditions are tried in the package's order).
func objectKeys(raw json.RawMessage) []string {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := tok.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return keys
		}
	}
	return keys
}

// isNodeBuiltin reports whether name is a module of Node.js (Node 22's
// require("module").builtinModules, and the node:-only ones). dirigo
// provides some of them as native modules, which are found first; the
// others fail with a clear message instead of a search of node_modules.
func isNodeBuiltin(name string) bool {
	switch name {
	case "assert", "assert/strict", "async_hooks", "buffer", "child_process", "cluster", "console",
		"constants", "crypto", "dgram", "diagnostics_channel", "dns", "dns/promises", "domain",
		"events", "fs", "fs/promises", "http", "http2", "https", "inspector", "inspector/promises",
		"module", "net", "os", "path", "path/posix", "path/win32", "perf_hooks", "process",
		"punycode", "querystring", "readline", "readline/promises", "repl", "sea", "sqlite", "stream",
		"stream/consumers", "stream/promises", "stream/web", "string_decoder", "sys", "test",
		"test/reporters", "timers", "timers/promises", "tls", "trace_events", "tty", "url", "util",
		"util/types", "v8", "vm", "wasi", "worker_threads", "zlib":
		return true
	}
	return false
}

// builtinError is the failure to require a Node built-in dirigo does not
// provide. It is a "module not found" (code MODULE_NOT_FOUND), so code that
// tries a built-in and falls back still works.
type builtinError struct{ name string }

func (e *builtinError) Error() string {
	return fmt.Sprintf("Node built-in '%s' is not available in dirigo", e.name)
}

func (e *builtinError) Unwrap() error { return errModuleNotFound }
