package utils

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
)

// The expressions of filters ([?(@.price < 10)]) and scripts
// ([(@.length-1)]) are a small JavaScript subset evaluated here, never by
// eval: literals, @ (the value), @property, @parent, @parentProperty,
// @path, the sandbox's names, member access (a.b, a['b'], a[0]), calls of
// the sandbox's functions, of an object's own functions and of a few
// string and array methods, unary ! - + typeof, * / % + -, comparisons,
// equality (== != === !==), && || and ?:, with parentheses.
type node interface{}

type (
	litNode     struct{ v any } // float64, string, bool, nil (null) or undefinedLit
	currentNode struct{}        // @
	specialNode struct{ name string }
	identNode   struct{ name string }
	memberNode  struct {
		obj  node
		name string // when key is nil
		key  node
	}
	callNode struct {
		callee node
		args   []node
	}
	unaryNode struct {
		op string
		x  node
	}
	binaryNode struct {
		op   string
		l, r node
	}
	condNode struct{ cond, then, els node }
)

type undefinedLit struct{}

// A lexeme of an expression.
type lexeme struct {
	kind byte // 'n' number, 's' string, 'i' identifier, '@' @-name, 'p' punctuation, 0 end
	text string
	num  float64
}

var errExpr = errors.New("invalid expression")

// punctuators, longest first.
var punctuators = []string{"===", "!==", "==", "!=", "<=", ">=", "&&", "||",
	"<", ">", "+", "-", "*", "/", "%", "!", "(", ")", "[", "]", ".", ",", "?", ":"}

func lex(src string) ([]lexeme, error) {
	var out []lexeme
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := i
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.' || src[j] == 'e' || src[j] == 'E' || src[j] == 'x' || src[j] == 'X' ||
				(src[j] >= 'a' && src[j] <= 'f') || (src[j] >= 'A' && src[j] <= 'F') ||
				((src[j] == '+' || src[j] == '-') && (src[j-1] == 'e' || src[j-1] == 'E') && !strings.HasPrefix(src[i:], "0x"))) {
				j++
			}
			text := src[i:j]
			var v float64
			var err error
			if strings.HasPrefix(text, "0x") || strings.HasPrefix(text, "0X") {
				var u uint64
				u, err = strconv.ParseUint(text[2:], 16, 64)
				v = float64(u)
			} else {
				v, err = strconv.ParseFloat(text, 64)
			}
			if err != nil {
				return nil, fmt.Errorf("%w: bad number %q", errExpr, text)
			}
			out = append(out, lexeme{kind: 'n', text: text, num: v})
			i = j
		case c == '\'' || c == '"':
			s, n, err := lexString(src[i:])
			if err != nil {
				return nil, err
			}
			out = append(out, lexeme{kind: 's', text: s})
			i += n
		case c == '@':
			j := i + 1
			for j < len(src) && isIdentByte(src[j]) {
				j++
			}
			out = append(out, lexeme{kind: '@', text: src[i+1 : j]})
			i = j
		case isIdentByte(c) && !(c >= '0' && c <= '9'):
			j := i
			for j < len(src) && isIdentByte(src[j]) {
				j++
			}
			out = append(out, lexeme{kind: 'i', text: src[i:j]})
			i = j
		default:
			found := false
			for _, p := range punctuators {
				if strings.HasPrefix(src[i:], p) {
					if p == "/" && regexpCanStart(out) {
						return nil, fmt.Errorf("%w: regular expression literals are not supported", errExpr)
					}
					out = append(out, lexeme{kind: 'p', text: p})
					i += len(p)
					found = true
					break
				}
			}
			if !found {
				return nil, fmt.Errorf("%w: unexpected %q", errExpr, string(c))
			}
		}
	}
	return out, nil
}

// regexpCanStart reports whether a / after the lexemes so far would start
// a regular expression literal rather than divide.
func regexpCanStart(prev []lexeme) bool {
	if len(prev) == 0 {
		return true
	}
	l := prev[len(prev)-1]
	return l.kind == 'p' && l.text != ")" && l.text != "]"
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// lexString reads a quoted string literal with JavaScript's escapes.
func lexString(s string) (string, int, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == q {
			return b.String(), i + 1, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			break
		}
		switch e := s[i]; e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case '0':
			b.WriteByte(0)
		case 'u':
			if i+4 < len(s) {
				if v, err := strconv.ParseUint(s[i+1:i+5], 16, 16); err == nil {
					r := rune(v)
					if utf16.IsSurrogate(r) && i+10 < len(s) && s[i+5] == '\\' && s[i+6] == 'u' {
						if lo, err := strconv.ParseUint(s[i+7:i+11], 16, 16); err == nil {
							r = utf16.DecodeRune(r, rune(lo))
							i += 6
						}
					}
					b.WriteRune(r)
					i += 4
					continue
				}
			}
			return "", 0, fmt.Errorf("%w: bad \\u escape", errExpr)
		default:
			b.WriteByte(e)
		}
	}
	return "", 0, fmt.Errorf("%w: unclosed string", errExpr)
}

// exprParser is a recursive-descent parser over lexemes, bounded in depth.
type exprParser struct {
	toks  []lexeme
	pos   int
	depth int
}

// parseExpr parses a filter or script expression.
func parseExpr(src string) (node, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &exprParser{toks: toks}
	n, err := p.cond()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("%w: unexpected %q", errExpr, p.toks[p.pos].text)
	}
	return n, nil
}

func (p *exprParser) peek() lexeme {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return lexeme{}
}

func (p *exprParser) accept(text string) bool {
	if t := p.peek(); t.kind == 'p' && t.text == text {
		p.pos++
		return true
	}
	return false
}

func (p *exprParser) enter() error {
	p.depth++
	if p.depth > maxExprDepth {
		return fmt.Errorf("%w: nested deeper than %d", errExpr, maxExprDepth)
	}
	return nil
}

func (p *exprParser) cond() (node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	c, err := p.binary(0)
	if err != nil || !p.accept("?") {
		return c, err
	}
	then, err := p.cond()
	if err != nil {
		return nil, err
	}
	if !p.accept(":") {
		return nil, fmt.Errorf("%w: expected :", errExpr)
	}
	els, err := p.cond()
	if err != nil {
		return nil, err
	}
	return condNode{c, then, els}, nil
}

// precedence levels of the binary operators, loosest first.
var binaryLevels = [][]string{
	{"||"}, {"&&"}, {"==", "!=", "===", "!=="}, {"<", "<=", ">", ">="}, {"+", "-"}, {"*", "/", "%"},
}

func (p *exprParser) binary(level int) (node, error) {
	if level == len(binaryLevels) {
		return p.unary()
	}
	l, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		op := ""
		if t.kind == 'p' {
			for _, o := range binaryLevels[level] {
				if t.text == o {
					op = o
				}
			}
		}
		if op == "" {
			return l, nil
		}
		p.pos++
		r, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		l = binaryNode{op, l, r}
	}
}

func (p *exprParser) unary() (node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	t := p.peek()
	if t.kind == 'p' && (t.text == "!" || t.text == "-" || t.text == "+") || t.kind == 'i' && t.text == "typeof" {
		p.pos++
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return unaryNode{t.text, x}, nil
	}
	return p.postfix()
}

func (p *exprParser) postfix() (node, error) {
	n, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.accept("."):
			t := p.peek()
			if t.kind != 'i' {
				return nil, fmt.Errorf("%w: expected a name after .", errExpr)
			}
			p.pos++
			n = memberNode{obj: n, name: t.text}
		case p.accept("["):
			k, err := p.cond()
			if err != nil {
				return nil, err
			}
			if !p.accept("]") {
				return nil, fmt.Errorf("%w: expected ]", errExpr)
			}
			n = memberNode{obj: n, key: k}
		case p.accept("("):
			var args []node
			for !p.accept(")") {
				if len(args) > 0 && !p.accept(",") {
					return nil, fmt.Errorf("%w: expected , or )", errExpr)
				}
				a, err := p.cond()
				if err != nil {
					return nil, err
				}
				args = append(args, a)
			}
			n = callNode{n, args}
		default:
			return n, nil
		}
	}
}

func (p *exprParser) primary() (node, error) {
	t := p.peek()
	p.pos++
	switch t.kind {
	case 'n':
		return litNode{t.num}, nil
	case 's':
		return litNode{t.text}, nil
	case '@':
		switch t.text {
		case "":
			return currentNode{}, nil
		case "property", "parent", "parentProperty", "path":
			return specialNode{t.text}, nil
		}
		return nil, fmt.Errorf("%w: unknown @%s", errExpr, t.text)
	case 'i':
		switch t.text {
		case "true":
			return litNode{true}, nil
		case "false":
			return litNode{false}, nil
		case "null":
			return litNode{nil}, nil
		case "undefined":
			return litNode{undefinedLit{}}, nil
		}
		return identNode{t.text}, nil
	case 'p':
		if t.text == "(" {
			n, err := p.cond()
			if err != nil {
				return nil, err
			}
			if !p.accept(")") {
				return nil, fmt.Errorf("%w: expected )", errExpr)
			}
			return n, nil
		}
		return nil, fmt.Errorf("%w: unexpected %q", errExpr, t.text)
	}
	return nil, fmt.Errorf("%w: unexpected end", errExpr)
}
