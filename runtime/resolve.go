package runtime

import (
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Errors of path resolution.
var (
	// ErrNotFound means no script, static file or folder index answers the path.
	ErrNotFound = errors.New("runtime: not found")
	// ErrBadPath means the path can never name a file under the root: it holds a
	// ".." or "." segment, a backslash, a NUL or another control character.
	ErrBadPath = errors.New("runtime: invalid path")
)

// RouteKind tells what a resolved path is served by.
type RouteKind int

// The kinds of routes.
const (
	// RouteScript runs File as a script.
	RouteScript RouteKind = iota + 1
	// RouteStatic serves File as a static file.
	RouteStatic
	// RouteRedirect sends the client to Location (a folder asked without its
	// trailing slash).
	RouteRedirect
	// RoutePage serves File, an .html or .htm file: as a server page when it
	// has a <script runat="server"> block, else as a static file.
	RoutePage
)

// dirigiblePrefixes are the URL prefixes of Dirigible's script endpoints; what
// follows them is a path under the script root.
var dirigiblePrefixes = [...]string{"/services/js/", "/public/js/", "/services/ts/", "/public/ts/"}

// maxFileSegments bounds the path segments searched for a script, so a
// hostile URL with thousands of segments costs a bounded number of stats.
const maxFileSegments = 32

// A Route is the result of resolving a URL path.
type Route struct {
	Kind RouteKind
	// File is the slash-separated path of the file relative to the root.
	File string
	// Info describes File at resolution time.
	Info fs.FileInfo
	// Resource is the sub-path after the script name, without a leading slash
	// (request.getResourcePath()).
	Resource string
	// ServicePath is the URL path up to and including the script name.
	ServicePath string
	// Location is where a RouteRedirect sends the client.
	Location string
}

// IsScript reports whether name has one of the script extensions (compared
// without case).
func IsScript(name string) bool {
	return kindOf(name).kind == kindScript
}

// hidden reports whether a path segment names something never served over
// HTTP: dot-files, "_private"-style names and node_modules (in any case).
func hidden(seg string) bool {
	return seg == "" || seg[0] == '.' || seg[0] == '_' || strings.EqualFold(seg, "node_modules")
}

// unlisted reports whether a file name is never served even though its
// folder is public: package manager and editor configuration (package.json,
// lock files, tsconfig.json), TypeScript declarations and source maps. They
// describe the code, not the site.
func unlisted(name string) bool {
	switch strings.ToLower(name) {
	case "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml",
		"pnpm-workspace.yaml", "bun.lockb", "bun.lock", "deno.json", "deno.jsonc", "deno.lock",
		"tsconfig.json", "jsconfig.json":
		return true
	}
	lower := strings.ToLower(name)
	return strings.HasSuffix(lower, ".d.ts") || strings.HasSuffix(lower, ".d.mts") ||
		strings.HasSuffix(lower, ".d.cts") || strings.HasSuffix(lower, ".map")
}

// resolver maps URL paths to files under a root. It keeps no state between
// calls, so a file dropped into the root is found by the next request.
type resolver struct {
	root *os.Root
	// dir is the root's real path (symlinks evaluated), for checking where
	// a symlink inside the root leads; empty skips that check.
	dir string
}

// newResolver returns a resolver for root, which is the folder dir.
func newResolver(root *os.Root, dir string) resolver {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		real = dir
	}
	return resolver{root: root, dir: real}
}

// public reports whether file (already free of hidden segments) may be
// served: when it is reached through a symlink, the target must obey the
// same rules, so pub.txt -> _private/secret.txt or env.txt -> .env stay
// private. os.Root already keeps the target inside the root.
func (rv resolver) public(file string) bool {
	if rv.dir == "" {
		return true
	}
	if !rv.linked(file) {
		return true
	}
	real, err := filepath.EvalSymlinks(filepath.Join(rv.dir, filepath.FromSlash(file)))
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(rv.dir, real)
	if err != nil || !filepath.IsLocal(rel) {
		return false
	}
	segs := strings.Split(filepath.ToSlash(rel), "/")
	for _, s := range segs {
		if hidden(s) {
			return false
		}
	}
	return !unlisted(segs[len(segs)-1])
}

// linked reports whether any component of file is a symlink (one lstat per
// component; a component that cannot be read counts as linked, so the
// careful path decides).
func (rv resolver) linked(file string) bool {
	p := ""
	for _, seg := range strings.Split(file, "/") {
		if p == "" {
			p = seg
		} else {
			p += "/" + seg
		}
		fi, err := rv.root.Lstat(p)
		if err != nil || fi.Mode()&fs.ModeSymlink != 0 {
			return true
		}
	}
	return false
}

// resolve maps a decoded URL path (as in url.URL.Path) to a route. It returns
// ErrBadPath for paths that could leave the root and ErrNotFound when nothing
// answers. The File of a returned route is always local to the root and has no
// hidden segment.
func (rv resolver) resolve(urlPath string) (Route, error) {
	if urlPath == "" || urlPath[0] != '/' {
		urlPath = "/" + urlPath
	}
	for i := 0; i < len(urlPath); i++ {
		if c := urlPath[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return Route{}, ErrBadPath
		}
	}
	prefix := ""
	p := urlPath
	for _, pre := range dirigiblePrefixes {
		if strings.HasPrefix(p, pre) {
			prefix, p = pre[:len(pre)-1], p[len(pre)-1:]
			break
		}
	}
	trailing := strings.HasSuffix(p, "/")
	segs := splitSegments(p)
	for _, s := range segs {
		if s == "." || s == ".." {
			return Route{}, ErrBadPath
		}
	}

	// The whole path names a file (or a folder).
	if r, err := rv.exact(segs, trailing); err == nil || !errors.Is(err, ErrNotFound) {
		if err == nil {
			switch r.Kind {
			case RouteScript, RoutePage:
				r.ServicePath = urlPath
			case RouteRedirect:
				// From the cleaned segments: "//docs" must not become the
				// protocol-relative (open) redirect "//docs/".
				r.Location = (&url.URL{Path: prefix + "/" + strings.Join(segs, "/") + "/"}).EscapedPath()
			}
		}
		return r, err
	}

	// A script followed by a resource path: the first prefix that is a script.
	// With a trailing slash the whole path may name one too: /api/x/ is the
	// root ("/") of the service scripts/api/x.ts, as in Dirigible, once no
	// folder api/x/ answered.
	n := len(segs)
	if trailing {
		n++
	}
	if n > maxFileSegments {
		n = maxFileSegments
	}
	for i := 1; i < n; i++ {
		last := segs[i-1]
		if hidden(last) {
			return Route{}, ErrNotFound
		}
		file := strings.Join(segs[:i], "/")
		if r, ok := rv.script(file); ok {
			r.Resource = strings.Join(segs[i:], "/")
			if trailing {
				r.Resource += "/"
			}
			r.ServicePath = prefix + "/" + strings.Join(segs[:i], "/")
			return r, nil
		}
		if fi, err := rv.root.Stat(file); err != nil || !fi.IsDir() {
			break
		}
	}
	return Route{}, ErrNotFound
}

// exact resolves segs as a whole: a script or page (explicit or clean
// name), a static file, or a folder (index or redirect).
func (rv resolver) exact(segs []string, trailing bool) (Route, error) {
	for _, s := range segs {
		if hidden(s) {
			return Route{}, ErrNotFound
		}
	}
	if len(segs) > maxFileSegments {
		return Route{}, ErrNotFound
	}
	file := strings.Join(segs, "/")
	// A clean or explicit script name tries the scripts first (one stat for
	// the common /hello), a clean name then the pages; another extension
	// tries the file itself first.
	if file != "" && !trailing && (IsScript(file) || path.Ext(file) == "") {
		if r, ok := rv.script(file); ok {
			return r, nil
		}
		if path.Ext(file) == "" {
			if r, ok := rv.page(file); ok {
				return r, nil
			}
		}
	}
	name := file
	if name == "" {
		name = "."
	}
	fi, err := rv.root.Stat(name)
	if err != nil {
		if file != "" && !trailing && !IsScript(file) && path.Ext(file) != "" {
			if r, ok := rv.script(file); ok { // "user.profile" → user.profile.js
				return r, nil
			}
			if r, ok := rv.page(file); ok {
				return r, nil
			}
		}
		return Route{}, ErrNotFound
	}
	if fi.Mode().IsRegular() {
		if trailing || IsScript(file) || unlisted(segs[len(segs)-1]) || !rv.public(file) {
			return Route{}, ErrNotFound
		}
		if kindOf(file).kind == kindPage {
			return Route{Kind: RoutePage, File: file, Info: fi}, nil
		}
		return Route{Kind: RouteStatic, File: file, Info: fi}, nil
	}
	if !fi.IsDir() {
		return Route{}, ErrNotFound
	}
	if !trailing && file != "" {
		return Route{Kind: RouteRedirect}, nil
	}
	index := path.Join(file, "index")
	if r, ok := rv.script(index); ok {
		return r, nil
	}
	if r, ok := rv.page(index); ok {
		return r, nil
	}
	return Route{}, ErrNotFound
}

// page finds the page a clean name names: file plus each page extension in
// turn.
func (rv resolver) page(file string) (Route, bool) {
	for _, k := range fileKinds {
		if k.kind != kindPage {
			continue
		}
		name := file + k.ext
		if fi, err := rv.root.Stat(name); err == nil && fi.Mode().IsRegular() && rv.public(name) {
			return Route{Kind: RoutePage, File: name, Info: fi}, true
		}
	}
	return Route{}, false
}

// script finds the script that file names: file itself when it has a script
// extension, else file plus each script extension in turn. An explicit name
// that is missing falls back to the other script extensions of the same base
// (Dirigible's /services/js/x.js runs x.ts).
func (rv resolver) script(file string) (Route, bool) {
	if unlisted(path.Base(file)) { // a declaration file is not a script
		return Route{}, false
	}
	base := file
	if k := kindOf(file); k.kind == kindScript {
		if fi, err := rv.root.Stat(file); err == nil && fi.Mode().IsRegular() && rv.public(file) {
			return Route{Kind: RouteScript, File: file, Info: fi}, true
		}
		base = strings.TrimSuffix(file, k.ext)
	}
	for _, k := range fileKinds {
		name := base + k.ext
		if k.kind != kindScript || name == file || unlisted(path.Base(name)) {
			continue
		}
		if fi, err := rv.root.Stat(name); err == nil && fi.Mode().IsRegular() && rv.public(name) {
			return Route{Kind: RouteScript, File: name, Info: fi}, true
		}
	}
	return Route{}, false
}

// splitSegments splits a slash path into its non-empty segments.
func splitSegments(p string) []string {
	segs := make([]string, 0, 4)
	for p != "" {
		i := strings.IndexByte(p, '/')
		var s string
		if i < 0 {
			s, p = p, ""
		} else {
			s, p = p[:i], p[i+1:]
		}
		if s != "" {
			segs = append(segs, s)
		}
	}
	return segs
}
