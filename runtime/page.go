package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// A server page (PROIV Active Web) is an HTML file with <script
// runat="server"> blocks. It compiles, once per file version, into one
// function: the text between the blocks is sent by calls of an emit
// function (with the index of a text kept in Go, so it is sent byte for
// byte and never becomes a JavaScript string), and the code of each block
// is copied where it stands. The blocks thus share one scope, as in one
// script: a variable of the first is visible in the next, a function
// declared in the last can be called from the first, and a statement may
// even span blocks (if (x) { in one, } in a later one). A source map sends
// every position in the generated code back to the page's own line and
// column.

// pageEmitName is the parameter of a page's function that sends text.
const pageEmitName = "__dirigo_emit"

// pagePrefix opens the function a page compiles to: the module wrapper's
// parameters (a page is not a module: exports and module are undefined)
// and the emit function.
const pagePrefix = "(function (exports, require, module, __filename, __dirname, " + pageEmitName + ") {"

// pageContentType is the Content-Type of a page's response unless it sets one.
const pageContentType = "text/html; charset=utf-8"

// maxPageBytes bounds the size of a server page. A larger HTML file is read
// once per version without being kept: without a server block it is a
// static file, with one an error.
const maxPageBytes = 8 << 20

// page is what a compiled server page needs besides its program.
type page struct {
	// texts are the runs of text between the blocks, in the order the
	// program sends them.
	texts []string
}

// compilePage compiles an HTML file. It returns a nil page (and no error)
// when the file has no server block: it is then a static file.
func compilePage(file string, src []byte) (*goja.Program, *page, error) {
	parts, err := splitPage(src)
	if err != nil {
		var pe *pageSyntaxError
		if errors.As(err, &pe) {
			return nil, nil, pageError(file, src, pe)
		}
		return nil, nil, &ScriptError{File: file, Message: err.Error()}
	}
	if parts == nil {
		return nil, nil, nil
	}
	g := pageGen{src: src}
	g.pos.init(src)
	pg := &page{}
	g.mark(1, 1, -1)
	g.write(pagePrefix)
	// text collects the text before the next block; at is where the run
	// of parts between two blocks starts (the end tag of the previous one):
	// an emit call and a syntax error there are reported at it.
	var text []byte
	at := -1
	emit := func() {
		if len(text) == 0 {
			return
		}
		line, col := g.pos.advance(at)
		g.mark(line, col, -1)
		g.write(pageEmitName + "(" + strconv.Itoa(len(pg.texts)) + ");")
		pg.texts = append(pg.texts, string(text))
		text = text[:0]
	}
	last := 0 // start of the last block's end tag
	for i, p := range parts {
		switch p.kind {
		case partText:
			if at < 0 {
				at = p.start
			}
			text = append(text, src[p.start:p.end]...)
		case partTag:
			if at < 0 {
				at = p.start
			}
			if i > 0 && parts[i-1].kind == partCode {
				last = p.start
			}
		case partCode:
			emit()
			at = -1
			g.write("\n")
			g.code(p.start, p.end, true)
			g.write("\n")
		}
	}
	emit()
	line, col := g.pos.advance(last)
	g.write("\n")
	g.mark(line, col, -1)
	g.write("//# sourceMappingURL=" + sourceMapURL + "\n})")
	srcMap, err := json.Marshal(map[string]any{
		"version": 3, "sources": []string{path.Base(file)}, "names": []string{}, "mappings": g.m.String(),
	})
	if err != nil {
		return nil, nil, err
	}
	glue := false
	prog, err := compileJS(file, g.b.String(), srcMap, func(line, col int) (int, int) {
		l, c, code := g.original(line, col-1)
		glue = !code
		return l, c
	})
	if err != nil {
		var se *ScriptError
		if glue && errors.As(err, &se) {
			// The parser stumbled on code the page compiles to (an emit
			// call, the function's end), which says nothing to the page's
			// author: a block ends before its statement does. The position
			// is that block's end tag.
			se.Message = "SyntaxError: Unexpected end of input (a block leaves a statement open)"
		}
		return nil, nil, err
	}
	return prog, pg, nil
}

// pageGen writes the code a page compiles to and its source map.
type pageGen struct {
	src []byte
	pos posCounter // position in src of the last byte mapped
	b   strings.Builder
	// line (1-based) and col (0-based, in bytes) of the next byte written,
	// counted as goja counts them; lastCR is set after a "\r".
	line, col int
	lastCR    bool
	// m is the source map's mappings; segs the segments on the current line;
	// the p fields are the previous segment's values (VLQ fields are deltas).
	m                       strings.Builder
	segs                    int
	pCol, pSrcLine, pSrcCol int
	anchors                 []pageAnchor
}

// A pageAnchor maps a position in the generated code to the page.
type pageAnchor struct {
	genLine, genCol int // genCol 0-based, in bytes
	off             int // byte offset in the page of code copied there, or -1
	line, col       int // in the page, 1-based
}

// write appends generated code, counting lines as goja does ("\r\n", "\r",
// "\n", U+2028, U+2029).
func (g *pageGen) write(s string) {
	if g.line == 0 {
		g.line = 1
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		g.b.WriteByte(c)
		switch {
		case c == '\n' && g.lastCR:
			g.lastCR = false
		case c == '\n' || c == '\r':
			g.newline()
			g.lastCR = c == '\r'
		case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9):
			g.b.WriteString(s[i+1 : i+3])
			i += 2
			g.newline()
			g.lastCR = false
		default:
			g.col++
			g.lastCR = false
		}
	}
}

func (g *pageGen) newline() {
	g.line++
	g.col = 0
	g.segs = 0
	g.pCol = 0
	g.m.WriteByte(';')
}

// mark maps the next byte written to the page's line and col; off is the
// byte's offset in the page when it is copied from there, else -1.
func (g *pageGen) mark(line, col, off int) {
	if g.line == 0 {
		g.line = 1
	}
	if g.segs > 0 {
		if g.col+1 == g.pCol {
			return // one segment per column
		}
		g.m.WriteByte(',')
	}
	// goja looks a column up 1-based and returns the original column as it
	// is stored, so both are stored 1-based.
	g.m.WriteString(encodeVLQ([]int{g.col + 1 - g.pCol, 0, line - 1 - g.pSrcLine, col - g.pSrcCol}))
	g.segs++
	g.pCol, g.pSrcLine, g.pSrcCol = g.col+1, line-1, col
	g.anchors = append(g.anchors, pageAnchor{genLine: g.line, genCol: g.col, off: off, line: line, col: col})
}

// code copies the block source src[start:end], mapping to its place in
// the page the first byte of each generated line, of each word (identifier,
// keyword, number), of each quoted literal and of each run of other
// characters after white space. Like esbuild's maps for scripts, it has no
// mapping for the "(" of a call, so a call's frame points at the callee.
//
// A block that opens with "<!--" (old pages hid their code from browsers
// so) gets "//--" there: HTML-like comments are not JavaScript in goja, and
// no JavaScript statement starts with "<". (The usual "//-->" closing is a
// JavaScript comment already.)
func (g *pageGen) code(start, end int, block bool) {
	if block {
		i := start
		for i < end && (g.src[i] == ' ' || g.src[i] == '\t' || g.src[i] == '\n' || g.src[i] == '\r') {
			i++
		}
		if bytes.HasPrefix(g.src[i:end], []byte("<!--")) {
			g.code(start, i, false)
			line, col := g.pos.advance(i)
			g.mark(line, col, i)
			g.write("//--")
			start = i + 4
		}
	}
	for i := start; i < end; {
		c := g.src[i]
		n := 1
		if c == 0xE2 && i+2 < end && g.src[i+1] == 0x80 && (g.src[i+2] == 0xA8 || g.src[i+2] == 0xA9) {
			n = 3
		}
		if g.col == 0 || !spaceByte(c) && !(c >= 0x80 && c < 0xC0) && (i == start || spaceByte(g.src[i-1]) ||
			wordByte(c) && !wordByte(g.src[i-1]) || c == '"' || c == '\'' || c == '`') {
			line, col := g.pos.advance(i)
			g.mark(line, col, i)
		}
		g.write(string(g.src[i : i+n]))
		i += n
	}
}

func spaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// wordByte reports whether c can be inside an identifier or a number
// (bytes of non-ASCII characters count as such).
func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c >= 0x80
}

// original returns the page position of a position in the generated code
// (col 0-based, in bytes), and whether it is in code copied from a block.
func (g *pageGen) original(genLine, genCol int) (line, col int, code bool) {
	i := sort.Search(len(g.anchors), func(i int) bool {
		a := g.anchors[i]
		return a.genLine > genLine || a.genLine == genLine && a.genCol > genCol
	})
	if i == 0 {
		return 1, 1, false
	}
	a := g.anchors[i-1]
	if a.off >= 0 && a.genLine == genLine {
		// On one line, code is copied byte for byte: the exact position.
		var pc posCounter
		pc.init(g.src)
		line, col = pc.advance(a.off + genCol - a.genCol)
		return line, col, true
	}
	return a.line, a.col, a.off >= 0
}

// posCounter finds the line and column of byte offsets in a file, counted
// as an editor does: lines end at "\n", "\r\n" or "\r"; columns are
// 1-based, in UTF-16 code units (as in JavaScript stacks and source maps);
// a byte order mark takes no column.
type posCounter struct {
	src       []byte
	off       int
	line, col int
}

func (p *posCounter) init(src []byte) {
	*p = posCounter{src: src, line: 1, col: 1}
	if bytes.HasPrefix(src, []byte("\uFEFF")) {
		p.off = 3
	}
}

// advance returns the position of offset to; offsets must not decrease.
func (p *posCounter) advance(to int) (line, col int) {
	for p.off < to && p.off < len(p.src) {
		c := p.src[p.off]
		switch {
		case c == '\n':
			if p.off == 0 || p.src[p.off-1] != '\r' {
				p.line++
				p.col = 1
			}
			p.off++
		case c == '\r':
			p.line++
			p.col = 1
			p.off++
		case c < utf8.RuneSelf:
			p.col++
			p.off++
		default:
			r, n := utf8.DecodeRune(p.src[p.off:])
			p.col++
			if r >= 0x10000 {
				p.col++ // a surrogate pair
			}
			p.off += n
		}
	}
	return p.line, p.col
}

// evalPage runs the compiled page file for the VM's call: its text and
// blocks in order, with the page globals (request, response, session) and
// a text/html content type unless the page sets another.
func (vm *VM) evalPage(file string, c *compiled) error {
	if c.page == nil {
		return &ScriptError{File: file, Message: `Error: an HTML file without a <script runat="server"> block is a static file, not a page`}
	}
	rt := vm.rt
	mf := vm.funcs[file]
	if mf == nil || mf.prog != c.prog {
		fnv, err := rt.RunProgram(c.prog)
		if err != nil {
			return err
		}
		fn, ok := goja.AssertFunction(fnv)
		if !ok {
			return fmt.Errorf("runtime: %s did not compile to a page function", file)
		}
		emit, err := vm.pageEmitter(c.page.texts)
		if err != nil {
			return err
		}
		abs := path.Join(vm.h.rootDir, file)
		mf = &moduleFunc{prog: c.prog, fn: fn, id: rt.ToValue(file), filename: rt.ToValue(abs),
			dirname: rt.ToValue(path.Dir(abs)), require: vm.requireFunc(path.Dir(file), modeRequire), emit: emit}
		vm.funcs[file] = mf
	}
	pb, err := vm.pageGlobals()
	if err != nil {
		return err
	}
	// The request's global (fresh, made by run) inherits the page globals.
	if err := rt.GlobalObject().SetPrototype(pb); err != nil {
		return fmt.Errorf("runtime: page globals: %w", err)
	}
	if call := vm.call; call != nil && call.req != nil {
		call.resp.Header().Set("Content-Type", pageContentType)
	}
	vm.modules[file] = vm.noExports
	undef := goja.Undefined()
	_, err = mf.fn(undef, undef, mf.require, undef, mf.filename, mf.dirname, mf.emit)
	return err
}

// pageEmitter returns the (frozen) function a page's program calls with the
// index of the text to send: into the response buffer over HTTP, to stdout
// in batch mode. It is made once per VM and page version.
func (vm *VM) pageEmitter(texts []string) (goja.Value, error) {
	f := vm.rt.ToValue(func(call goja.FunctionCall) goja.Value {
		i := call.Argument(0).ToInteger()
		c := vm.call
		if c == nil || i < 0 || i >= int64(len(texts)) {
			return goja.Undefined()
		}
		var err error
		if c.req != nil {
			_, err = c.resp.WriteString(texts[i])
		} else {
			_, err = io.WriteString(vm.h.stdout, texts[i])
		}
		if err != nil {
			panic(vm.rt.NewGoError(err))
		}
		return goja.Undefined()
	})
	if _, err := vm.harden(goja.Undefined(), f); err != nil {
		return nil, fmt.Errorf("freezing the page emitter: %w", err)
	}
	return f, nil
}

// pageGlobals returns the frozen object a page's global inherits from: the
// VM's base global plus each Module.Page binding. It is built on the VM's
// first page.
func (vm *VM) pageGlobals() (*goja.Object, error) {
	if vm.pageBase != nil {
		return vm.pageBase, nil
	}
	rt := vm.rt
	// Loaded against the base global, like every module.
	g := rt.GlobalObject()
	rt.SetGlobalObject(vm.base)
	defer rt.SetGlobalObject(g)
	pb := rt.CreateObject(vm.base)
	for _, m := range vm.h.pages {
		v, err := m.Load(vm)
		if err != nil {
			return nil, fmt.Errorf("loading page global %s: %w", m.Page, err)
		}
		// A module's exports are seen through the request's view, as
		// require gives them (a page may add its own properties).
		get := rt.ToValue(func(goja.FunctionCall) goja.Value { return vm.nativeView(v) })
		if err := pb.DefineAccessorProperty(m.Page, get, nil, goja.FLAG_FALSE, goja.FLAG_TRUE); err != nil {
			return nil, fmt.Errorf("setting page global %s: %w", m.Page, err)
		}
	}
	if _, err := vm.harden(goja.Undefined(), pb); err != nil {
		return nil, fmt.Errorf("freezing page globals: %w", err)
	}
	vm.pageBase = pb
	return pb, nil
}

// servePage serves an HTML file: as a page when it has a server block,
// else as a static file.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request, route Route, gen uint64, st *authState) (int, int64, bool) {
	c, err := s.h.loader.program(route.File, gen)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return http.StatusNotFound, plainError(w, http.StatusNotFound), false
	case err == nil && c.page == nil:
		status, n := s.serveStatic(w, r, route)
		return status, n, false
	}
	return s.serveScript(w, r, route, gen, st)
}
