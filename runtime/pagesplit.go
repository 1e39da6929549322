package runtime

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// A partKind tells what a span of a page file is.
type partKind uint8

// The kinds of page parts.
const (
	// partText is markup sent to the client as it is in the file.
	partText partKind = iota
	// partTag is the start or end tag of a server block: neither sent nor run.
	partTag
	// partCode is the source of a server block, run where it stands.
	partCode
)

// A pagePart is the span [start, end) of a page file.
type pagePart struct {
	kind       partKind
	start, end int
}

// A pageSyntaxError is a page that cannot be split into blocks; off is the
// byte offset it is reported at.
type pageSyntaxError struct {
	off int
	msg string
}

func (e *pageSyntaxError) Error() string { return e.msg }

// splitPage splits an HTML file into text, server-block tags and server
// code. The parts cover src without gap or overlap, in order; each block is
// a start tag, its code (possibly empty) and an end tag. A block is a
// <script> start tag whose runat attribute is "server" (name and value in
// any case, quoted or not, entities decoded, as a browser tokenizes it).
// A server tag inside a comment, an attribute value or the text of a
// client <script> is text. Elements whose content a browser reads as text
// (title, textarea, style, noscript, ...) are scanned for blocks like the
// rest of the page, so a block there runs rather than being sent to the
// client as source. A page with no block returns no parts.
func splitPage(src []byte) ([]pagePart, error) {
	var parts []pagePart
	blocks := 0
	err := scanPage(bytes.NewReader(src), func(p pagePart) {
		if p.kind == partCode {
			blocks++
		}
		if n := len(parts); n > 0 && p.kind != partTag && parts[n-1].kind == p.kind {
			parts[n-1].end = p.end
			return
		}
		parts = append(parts, p)
	})
	if err != nil || blocks == 0 {
		return nil, err
	}
	if n := len(parts); parts[n-1].end < len(src) { // bytes the tokenizer left at EOF
		if parts[n-1].kind == partText {
			parts[n-1].end = len(src)
		} else {
			parts = append(parts, pagePart{kind: partText, start: parts[n-1].end, end: len(src)})
		}
	}
	return parts, nil
}

// hasServerBlock reports whether the HTML read from r has a server block,
// reading it once without keeping it (for files too large to be pages).
func hasServerBlock(r io.Reader) bool {
	found := false
	err := scanPage(r, func(p pagePart) { found = found || p.kind == partTag })
	return found || err != nil
}

// scanPage tokenizes the HTML read from r and reports its parts in order.
// Text parts may be reported in pieces. Everything after the last reported
// part is text the tokenizer could not read as a token (a tag cut by the
// end of the file).
func scanPage(r io.Reader, emit func(pagePart)) error {
	z := html.NewTokenizer(r)
	off := 0
	open := -1 // offset of the start tag of the block being read, or -1
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		n := len(z.Raw())
		kind := partText
		switch {
		case open >= 0 && tt == html.TextToken:
			kind = partCode
		case open >= 0:
			// The tokenizer reads a script's text up to "</script", so the
			// token after the code is the block's end tag.
			kind, open = partTag, -1
		case tt == html.StartTagToken || tt == html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "script" {
				// Markup inside title, textarea, style... is scanned too.
				z.NextIsNotRawText()
				break
			}
			if !hasAttr {
				break
			}
			server, src := scriptAttrs(z)
			if !server {
				break
			}
			if src {
				return &pageSyntaxError{off: off, msg: `a <script runat="server"> block cannot have a src attribute (use require)`}
			}
			kind, open = partTag, off
			emit(pagePart{kind: kind, start: off, end: off + n})
			// The block's code, possibly empty, always follows its start tag.
			emit(pagePart{kind: partCode, start: off + n, end: off + n})
			off += n
			continue
		}
		emit(pagePart{kind: kind, start: off, end: off + n})
		off += n
	}
	if open >= 0 {
		return &pageSyntaxError{off: open, msg: `<script runat="server"> is not closed by </script>`}
	}
	return nil
}

// scriptAttrs reads the attributes of a script start tag: whether runat is
// "server" (the first runat counts, as in a browser) and whether it has src.
func scriptAttrs(z *html.Tokenizer) (server, src bool) {
	seen := false
	for more := true; more; {
		var key, val []byte
		key, val, more = z.TagAttr()
		switch string(key) {
		case "runat":
			if !seen {
				seen = true
				server = strings.EqualFold(string(val), "server")
			}
		case "src":
			src = true
		}
	}
	return server, src
}

// pageError formats a pageSyntaxError at its line and column in src.
func pageError(file string, src []byte, e *pageSyntaxError) *ScriptError {
	var pc posCounter
	pc.init(src)
	line, col := pc.advance(e.off)
	return &ScriptError{File: file, Line: line, Column: col, Message: fmt.Sprintf("SyntaxError: %s", e.msg)}
}
