package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
	"github.com/evanw/esbuild/pkg/api"
)

// The wrapper every module body is compiled in: a fresh function scope per
// run, so top-level bindings never outlive the request. The prefix has no
// newline, so line numbers of the transformed code stay as they are.
const (
	wrapperPrefix = "(function (exports, require, module, __filename, __dirname) {"
	// asyncWrapperPrefix wraps a module with a top-level await.
	asyncWrapperPrefix = "(async function (exports, require, module, __filename, __dirname) {"
	wrapperSuffix      = "\n})"
	// sourceMapURL names the in-memory source map; the parser asks our loader
	// for it and never reads a file.
	sourceMapURL = "dirigo-source.map"
)

// A fileKind is what dirigo makes of a file, decided by its extension.
type fileKind uint8

// The kinds of files.
const (
	// kindOther is any other file: static for a URL, JavaScript for require
	// (as in Node).
	kindOther fileKind = iota
	// kindScript runs when a URL names it, and is a module for require.
	kindScript
	// kindJSON is data: static for a URL, its value for require.
	kindJSON
	// kindPage is HTML: a server page when it has a <script runat="server">
	// block, else a static file; a clean URL tries it after the scripts, a
	// folder's index too. Never a module.
	kindPage
)

// An extKind is one row of the table of file kinds.
type extKind struct {
	ext  string
	kind fileKind
	// loader is how esbuild reads a script of this extension.
	loader api.Loader
}

// fileKinds is the one table of file kinds: routing, require and the loader
// all read it. Within a kind, rows are in the order a name without
// extension tries them: a clean URL tries the scripts, then the pages;
// require tries the scripts, then JSON.
var fileKinds = [...]extKind{
	{".js", kindScript, api.LoaderJS},
	{".ts", kindScript, api.LoaderTS},
	{".mjs", kindScript, api.LoaderJS},
	{".cjs", kindScript, api.LoaderJS},
	{".mts", kindScript, api.LoaderTS},
	{".cts", kindScript, api.LoaderTS},
	{".json", kindJSON, api.LoaderNone},
	{".html", kindPage, api.LoaderNone},
	{".htm", kindPage, api.LoaderNone},
}

// kindOf returns the row of name's extension, compared without case (on a
// case-insensitive file system /hello.JS names hello.js, whose source must
// never be served as a static file). Its ext is the extension as name spells
// it; a name with no known extension is kindOther with ext "".
func kindOf(name string) extKind {
	ext := path.Ext(name)
	if ext == "" {
		return extKind{}
	}
	for _, k := range fileKinds {
		if strings.EqualFold(ext, k.ext) {
			k.ext = ext
			return k
		}
	}
	return extKind{}
}

// racyWindow is how long after its modification a file's stat is not trusted
// alone: file times are coarse (a clock tick), so two writes of the same size
// inside one tick look alike. Within the window the content hash decides.
const racyWindow = 2 * time.Second

// A fileVersion identifies one version of a file by its stat data.
type fileVersion struct {
	size, mtime, ctime int64
	ino, dev           uint64
}

// compiled is one compiled version of a file. It is immutable once stored.
type compiled struct {
	ver  fileVersion
	gen  uint64 // watcher generation in which ver was last checked
	sum  uint64 // content hash, checked while the version is racy
	prog *goja.Program
	err  error
	moduleInfo
	// page is set for a server page (prog is then the page's function).
	page *page
	// static is set for an HTML file without a server block: no program.
	static bool
}

// loader compiles script files under the root to *goja.Program, once per
// file version, and shares the programs with every VM. ESM, TypeScript and
// modern syntax go through esbuild to strict CommonJS with an in-memory
// source map, so errors point at the original file, line and column.
type loader struct {
	root  *os.Root
	now   func() time.Time
	seed  maphash.Seed
	files sync.Map // file → *compiled

	mu       sync.Mutex
	inflight map[string]*sync.WaitGroup
}

func newLoader(root *os.Root) *loader {
	return &loader{root: root, now: time.Now, seed: maphash.MakeSeed(), inflight: map[string]*sync.WaitGroup{}}
}

// program returns the compiled program of file (a slash path relative to
// the root). gen is the watcher's generation (0 when nothing watches the
// root): a program checked in the same generation is returned without
// touching the file system; otherwise the file's stat decides. A compile
// error is returned as a *ScriptError and cached for that version like a
// program; a missing file is an fs.ErrNotExist error.
func (l *loader) program(file string, gen uint64) (*compiled, error) {
	var cur *compiled
	if v, ok := l.files.Load(file); ok {
		cur = v.(*compiled)
		if gen != 0 && cur.gen == gen {
			return cur, cur.err
		}
	}
	fi, err := l.root.Stat(file)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", file, fs.ErrNotExist)
	}
	ver := versionOf(fi)
	if cur != nil && cur.ver == ver && !l.racy(fi) {
		if gen != 0 {
			nc := *cur
			nc.gen = gen
			l.files.Store(file, &nc)
		}
		return cur, cur.err
	}
	for {
		// Compile, or wait for the request already compiling this file.
		l.mu.Lock()
		if wg, busy := l.inflight[file]; busy {
			l.mu.Unlock()
			wg.Wait()
			if v, ok := l.files.Load(file); ok && v.(*compiled).ver == ver {
				c := v.(*compiled)
				return c, c.err
			}
			continue
		}
		wg := new(sync.WaitGroup)
		wg.Add(1)
		l.inflight[file] = wg
		l.mu.Unlock()

		c, err := l.load(file, ver, gen)
		l.mu.Lock()
		delete(l.inflight, file)
		l.mu.Unlock()
		wg.Done()
		if err != nil {
			return nil, err
		}
		return c, c.err
	}
}

// racy reports whether fi was modified so recently that its stat data may
// not tell two versions apart.
func (l *loader) racy(fi fs.FileInfo) bool {
	return l.now().Sub(fi.ModTime()) < racyWindow
}

// load reads and compiles file. An unreadable file is an error (not cached);
// a compile error is cached in the returned entry.
func (l *loader) load(file string, ver fileVersion, gen uint64) (*compiled, error) {
	isPage := kindOf(file).kind == kindPage
	if isPage && ver.size > maxPageBytes {
		return l.loadLarge(file, ver, gen)
	}
	src, err := l.root.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	sum := maphash.Bytes(l.seed, src)
	if v, ok := l.files.Load(file); ok {
		if c := v.(*compiled); c.sum == sum {
			// Same content (a touch, or a racy version re-checked).
			nc := *c
			nc.ver, nc.gen = ver, gen
			l.files.Store(file, &nc)
			return &nc, nil
		}
	}
	var c *compiled
	if isPage {
		prog, pg, cerr := compilePage(file, src)
		c = &compiled{ver: ver, gen: gen, sum: sum, prog: prog, err: cerr, page: pg, static: pg == nil && cerr == nil}
	} else {
		tsconfig := ""
		if strings.EqualFold(path.Ext(file), ".ts") {
			tsconfig = l.tsconfigFor(file)
		}
		prog, info, cerr := compileModule(file, src, tsconfig)
		c = &compiled{ver: ver, gen: gen, sum: sum, prog: prog, err: cerr, moduleInfo: info}
	}
	l.files.Store(file, c)
	return c, nil
}

// loadLarge checks an HTML file larger than maxPageBytes, reading it once
// without keeping it: without a server block it is static; with one, an
// error (such a page would cost its size in memory for every version).
func (l *loader) loadLarge(file string, ver fileVersion, gen uint64) (*compiled, error) {
	f, err := l.root.Open(file)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	defer f.Close()
	c := &compiled{ver: ver, gen: gen, static: true}
	if hasServerBlock(f) {
		c.static = false
		c.err = &ScriptError{File: file, Message: fmt.Sprintf("Error: a server page is limited to %d MiB", maxPageBytes>>20)}
	}
	l.files.Store(file, c)
	return c, nil
}

// moduleInfo is what the loader learns of a module as it compiles it.
type moduleInfo struct {
	// plain is set when the code never mentions module, exports or this:
	// run as the request's script, it needs no module object.
	plain bool
	// esm is set for an ES module: its imports (and require calls)
	// resolve packages with the "import" condition.
	esm bool
	// async is set for a module with a top-level await: prog is an async
	// function.
	async bool
	// esmExports is set for an ES module with exports: the only
	// assignment of module.exports in it is esbuild's, of its exports.
	esmExports bool
	// imports are the static imports of an ES module, in order.
	imports []importRecord
}

// compileModule turns the source of a module into a program that evaluates
// to the module's wrapper function, and tells what it learnt of the module.
// In an ES module that exports something, module and exports are undefined
// (as in Node, so code that assigns module.exports when it is defined keeps
// its named exports); esbuild's own module.exports is left alone.
// Decorators are lowered: standard ones, or TypeScript's legacy ones when
// tsconfig (an esbuild TsconfigRaw, "" for none) enables
// experimentalDecorators.
func compileModule(file string, src []byte, tsconfig string) (*goja.Program, moduleInfo, error) {
	k := kindOf(file)
	if k.kind == kindJSON {
		if !json.Valid(src) {
			return nil, moduleInfo{}, &ScriptError{File: file, Message: "SyntaxError: invalid JSON"}
		}
		code := wrapperPrefix + "module.exports = " + string(src) + ";" + wrapperSuffix
		prog, err := compileJS(file, code, nil, nil)
		return prog, moduleInfo{}, err
	}
	if k.kind != kindScript { // any other file is JavaScript, as in Node
		k.loader = api.LoaderJS
	}
	opts := api.TransformOptions{
		Loader:         k.loader,
		Format:         api.FormatCommonJS,
		Target:         api.ESNext,
		Supported:      map[string]bool{"async-generator": false, "for-await": false, "dynamic-import": false, "decorators": false},
		TsconfigRaw:    tsconfig,
		Define:         map[string]string{"module": "undefined", "exports": "undefined"},
		Banner:         `"use strict";`,
		Sourcemap:      api.SourceMapExternal,
		SourcesContent: api.SourcesContentExclude,
		Sourcefile:     esbuildName(file),
		Platform:       api.PlatformNeutral,
		LogLevel:       api.LogLevelSilent,
		Charset:        api.CharsetUTF8,
	}
	text := string(src)
	res := api.Transform(text, opts)
	var masked map[srcPos]bool
	if isTLAError(res.Errors) {
		// A top-level await (tla.go): transform again with it masked.
		m, pos, err := maskTopLevelAwait(file, text, res.Errors)
		if err != nil {
			return nil, moduleInfo{}, compileFailure(file, err)
		}
		masked = pos
		res = api.Transform(m, opts)
	}
	if len(res.Errors) > 0 {
		m := res.Errors[0]
		se := &ScriptError{File: file, Message: "SyntaxError: " + m.Text}
		if m.Location != nil {
			se.Line, se.Column = m.Location.Line, m.Location.Column+1
		}
		return nil, moduleInfo{}, se
	}
	body := string(res.Code)
	info := moduleInfo{async: masked != nil}
	if masked != nil {
		var err error
		if body, res.Map, err = unmaskTopLevelAwait(body, res.Map, masked); err != nil {
			return nil, moduleInfo{}, compileFailure(file, err)
		}
	}
	info.plain = !strings.Contains(body, "module") && !strings.Contains(body, "exports") && !strings.Contains(body, "this")
	prefix := wrapperPrefix
	if info.async {
		prefix = asyncWrapperPrefix
	}
	code := prefix + body + "\n//# sourceMappingURL=" + sourceMapURL + wrapperSuffix
	ast, err := parseJS(file, code, adjustSourceMap(res.Map, len(prefix), path.Base(file)), nil)
	if err != nil {
		return nil, moduleInfo{}, err
	}
	if strings.Contains(body, "require(") {
		info.imports = importRecords(ast, text)
	}
	info.esmExports = strings.Contains(body, "module.exports = __toCommonJS(")
	info.esm = info.async || len(info.imports) > 0 || info.esmExports
	prog, err := compileAST(file, ast)
	return prog, info, err
}

// esbuildName is the name esbuild knows file by. esbuild would treat an
// .mjs or .mts importer as Node does a real ES module importing CommonJS
// (a default import is the whole exports object even for an ES module it
// made CommonJS of, __esModule or not), which would break every default
// import between two ES modules: as .js and .ts they import as any other.
func esbuildName(file string) string {
	base := path.Base(file)
	switch ext := path.Ext(base); {
	case strings.EqualFold(ext, ".mjs"):
		return strings.TrimSuffix(base, ext) + ".js"
	case strings.EqualFold(ext, ".mts"):
		return strings.TrimSuffix(base, ext) + ".ts"
	}
	return base
}

// compileFailure is a failure of the loader itself on file, as its error.
func compileFailure(file string, err error) error {
	var se *ScriptError
	if errors.As(err, &se) {
		return se
	}
	return &ScriptError{File: file, Message: "Error: " + err.Error()}
}

// compileJS parses and compiles code as strict JavaScript. srcMap, when not
// nil, is the only source map the parser may use. The parser reports syntax
// errors in the coordinates of code; orig, when not nil, maps them to the
// original file (the compiler's errors come mapped through srcMap).
func compileJS(file, code string, srcMap []byte, orig func(line, col int) (int, int)) (*goja.Program, error) {
	prg, err := parseJS(file, code, srcMap, orig)
	if err != nil {
		return nil, err
	}
	return compileAST(file, prg)
}

// parseJS parses code as compileJS does.
func parseJS(file, code string, srcMap []byte, orig func(line, col int) (int, int)) (*ast.Program, error) {
	opt := parser.WithDisableSourceMaps
	if srcMap != nil {
		opt = parser.WithSourceMapLoader(func(string) ([]byte, error) { return srcMap, nil })
	}
	prg, err := parser.ParseFile(nil, file, code, 0, opt)
	if err != nil {
		se := &ScriptError{File: file, Message: "SyntaxError: " + err.Error()}
		var list parser.ErrorList
		if errors.As(err, &list) && len(list) > 0 {
			se.Message = "SyntaxError: " + list[0].Message
			se.Line, se.Column = list[0].Position.Line, list[0].Position.Column
			if orig != nil {
				se.Line, se.Column = orig(se.Line, se.Column)
			}
		}
		return nil, se
	}
	return prg, nil
}

// compileAST compiles a parsed program as strict code.
func compileAST(file string, prg *ast.Program) (*goja.Program, error) {
	prog, err := goja.CompileAST(prg, true)
	if err != nil {
		se := &ScriptError{File: file, Message: strings.TrimPrefix(err.Error(), "SyntaxError: ")}
		var ce *goja.CompilerSyntaxError
		if errors.As(err, &ce) && ce.File != nil {
			// Mapped through the source map, which the parser has loaded.
			p := ce.File.Position(ce.Offset)
			se.Message = "SyntaxError: " + ce.Message
			se.Line, se.Column = p.Line, p.Column
		}
		return nil, se
	}
	return prog, nil
}
