package utils

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
)

// The escapers of utils/escape behave as commons-lang3's StringEscapeUtils,
// which Dirigible calls. Strings are handled as Java does, in UTF-16 units:
// a character outside the BMP is escaped as its two surrogates.

// escapeJavaLike escapes s with the given short escapes and \uXXXX for
// every unit outside [lo, hi].
func escapeJavaLike(s string, short map[rune]string, lo, hi rune) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if e, ok := short[r]; ok {
			b.WriteString(e)
			continue
		}
		if r >= lo && r <= hi {
			b.WriteRune(r)
			continue
		}
		if r > 0xFFFF {
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, "\\u%04X\\u%04X", r1, r2)
			continue
		}
		fmt.Fprintf(&b, "\\u%04X", r)
	}
	return b.String()
}

var (
	javaEscapes = map[rune]string{'"': `\"`, '\\': `\\`, '\b': `\b`, '\n': `\n`, '\t': `\t`, '\f': `\f`, '\r': `\r`}
	ecmaEscapes = map[rune]string{'\'': `\'`, '"': `\"`, '\\': `\\`, '/': `\/`, '\b': `\b`, '\n': `\n`, '\t': `\t`, '\f': `\f`, '\r': `\r`}
	jsonEscapes = map[rune]string{'"': `\"`, '\\': `\\`, '/': `\/`, '\b': `\b`, '\n': `\n`, '\t': `\t`, '\f': `\f`, '\r': `\r`}
)

func escapeJava(s string) string       { return escapeJavaLike(s, javaEscapes, 32, 0x7f) }
func escapeEcmaScript(s string) string { return escapeJavaLike(s, ecmaEscapes, 32, 0x7f) }
func escapeJSON(s string) string       { return escapeJavaLike(s, jsonEscapes, 32, 0x7e) }

// unescapeJava undoes Java, JavaScript and JSON escapes as lang3's
// UNESCAPE_JAVA: octal (\0 to \377), \uXXXX (any number of u), the short
// escapes, and a backslash before anything else is dropped.
func unescapeJava(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			if c == '\\' {
				continue // a trailing backslash is dropped
			}
			b.WriteByte(c)
			continue
		}
		n := s[i+1]
		switch {
		case n >= '0' && n <= '7':
			// Up to three octal digits, three only when the first is 0-3.
			j := i + 2
			for j < len(s) && j < i+4 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			if j == i+4 && s[i+1] > '3' {
				j--
			}
			v, _ := strconv.ParseUint(s[i+1:j], 8, 32)
			b.WriteRune(rune(v))
			i = j - 1
		case n == 'u':
			j := i + 1
			for j < len(s) && s[j] == 'u' {
				j++
			}
			if j < len(s) && s[j] == '+' {
				j++
			}
			if j+4 > len(s) {
				return "", fmt.Errorf("Less than 4 hex digits in unicode value: '%s' due to end of CharSequence", s[i:])
			}
			v, err := strconv.ParseUint(s[j:j+4], 16, 32)
			if err != nil {
				return "", fmt.Errorf("Unable to parse unicode value: %s", s[i:j+4])
			}
			writeUnit(&b, uint16(v), s, &j)
			i = j + 3
		default:
			switch n {
			case 'b':
				b.WriteByte('\b')
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'f':
				b.WriteByte('\f')
			case 'r':
				b.WriteByte('\r')
			case '\\', '"', '\'':
				b.WriteByte(n)
			default:
				continue // a backslash before anything else is dropped
			}
			i++
		}
	}
	return b.String(), nil
}

// writeUnit writes the UTF-16 unit u; a high surrogate followed by an
// escaped low surrogate (\uDC00..) is joined into one character, and the
// index j is moved past the second escape.
func writeUnit(b *strings.Builder, u uint16, s string, j *int) {
	if utf16.IsSurrogate(rune(u)) && u < 0xDC00 {
		k := *j + 4
		if k+6 <= len(s) && s[k] == '\\' && s[k+1] == 'u' {
			if lo, err := strconv.ParseUint(s[k+2:k+6], 16, 32); err == nil && lo >= 0xDC00 && lo <= 0xDFFF {
				b.WriteRune(utf16.DecodeRune(rune(u), rune(lo)))
				*j = k + 2
				return
			}
		}
	}
	b.WriteRune(rune(u)) // a lone surrogate becomes U+FFFD
}

// escapeCsv quotes s when it holds a comma, a quote, CR or LF.
func escapeCsv(s string) string {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// unescapeCsv undoes escapeCsv: only a quoted value that needed its quotes
// is unquoted.
func unescapeCsv(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	inner := s[1 : len(s)-1]
	if !strings.ContainsAny(inner, ",\"\r\n") {
		return s
	}
	return strings.ReplaceAll(inner, `""`, `"`)
}

// The entity tables: XML's five, then HTML 4's ISO-8859-1 and extended
// entities.
var (
	basicEntities = map[rune]string{'"': "quot", '&': "amp", '<': "lt", '>': "gt"}
	iso88591Names = strings.Fields(`nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr
		deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest
		Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml
		ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig
		agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml
		eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml`)
	html40Extended = map[rune]string{
		402: "fnof", 913: "Alpha", 914: "Beta", 915: "Gamma", 916: "Delta", 917: "Epsilon", 918: "Zeta", 919: "Eta",
		920: "Theta", 921: "Iota", 922: "Kappa", 923: "Lambda", 924: "Mu", 925: "Nu", 926: "Xi", 927: "Omicron",
		928: "Pi", 929: "Rho", 931: "Sigma", 932: "Tau", 933: "Upsilon", 934: "Phi", 935: "Chi", 936: "Psi",
		937: "Omega", 945: "alpha", 946: "beta", 947: "gamma", 948: "delta", 949: "epsilon", 950: "zeta", 951: "eta",
		952: "theta", 953: "iota", 954: "kappa", 955: "lambda", 956: "mu", 957: "nu", 958: "xi", 959: "omicron",
		960: "pi", 961: "rho", 962: "sigmaf", 963: "sigma", 964: "tau", 965: "upsilon", 966: "phi", 967: "chi",
		968: "psi", 969: "omega", 977: "thetasym", 978: "upsih", 982: "piv", 8226: "bull", 8230: "hellip",
		8242: "prime", 8243: "Prime", 8254: "oline", 8260: "frasl", 8472: "weierp", 8465: "image", 8476: "real",
		8482: "trade", 8501: "alefsym", 8592: "larr", 8593: "uarr", 8594: "rarr", 8595: "darr", 8596: "harr",
		8629: "crarr", 8656: "lArr", 8657: "uArr", 8658: "rArr", 8659: "dArr", 8660: "hArr", 8704: "forall",
		8706: "part", 8707: "exist", 8709: "empty", 8711: "nabla", 8712: "isin", 8713: "notin", 8715: "ni",
		8719: "prod", 8721: "sum", 8722: "minus", 8727: "lowast", 8730: "radic", 8733: "prop", 8734: "infin",
		8736: "ang", 8743: "and", 8744: "or", 8745: "cap", 8746: "cup", 8747: "int", 8756: "there4", 8764: "sim",
		8773: "cong", 8776: "asymp", 8800: "ne", 8801: "equiv", 8804: "le", 8805: "ge", 8834: "sub", 8835: "sup",
		8836: "nsub", 8838: "sube", 8839: "supe", 8853: "oplus", 8855: "otimes", 8869: "perp", 8901: "sdot",
		8968: "lceil", 8969: "rceil", 8970: "lfloor", 8971: "rfloor", 9001: "lang", 9002: "rang", 9674: "loz",
		9824: "spades", 9827: "clubs", 9829: "hearts", 9830: "diams", 338: "OElig", 339: "oelig", 352: "Scaron",
		353: "scaron", 376: "Yuml", 710: "circ", 732: "tilde", 8194: "ensp", 8195: "emsp", 8201: "thinsp",
		8204: "zwnj", 8205: "zwj", 8206: "lrm", 8207: "rlm", 8211: "ndash", 8212: "mdash", 8216: "lsquo",
		8217: "rsquo", 8218: "sbquo", 8220: "ldquo", 8221: "rdquo", 8222: "bdquo", 8224: "dagger",
		8225: "Dagger", 8240: "permil", 8249: "lsaquo", 8250: "rsaquo", 8364: "euro",
	}
)

// An entitySet is the entities one escaper writes and its unescaper reads.
type entitySet struct {
	names map[rune]string
	runes map[string]rune
}

func newEntitySet(iso, extended, apos bool) *entitySet {
	e := &entitySet{names: map[rune]string{}, runes: map[string]rune{}}
	add := func(r rune, name string) {
		e.names[r] = name
		e.runes[name] = r
	}
	for r, n := range basicEntities {
		add(r, n)
	}
	if apos {
		add('\'', "apos")
	}
	if iso {
		for i, n := range iso88591Names {
			add(rune(0xA0+i), n)
		}
	}
	if extended {
		for r, n := range html40Extended {
			add(r, n)
		}
	}
	return e
}

var (
	xmlEntities   = newEntitySet(false, false, true)
	html3Entities = newEntitySet(true, false, false)
	html4Entities = newEntitySet(true, true, false)
)

// escape replaces every character that has an entity with it.
func (e *entitySet) escape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if n, ok := e.names[r]; ok {
			b.WriteByte('&')
			b.WriteString(n)
			b.WriteByte(';')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// unescape replaces the set's named entities and numeric entities
// (&#NNN; and &#xHH;, the semicolon required) by their characters;
// anything else is left as it is.
func (e *entitySet) unescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '&' {
			b.WriteByte(s[i])
			continue
		}
		semi := strings.IndexByte(s[i:], ';')
		if semi < 2 || semi > 32 {
			b.WriteByte('&')
			continue
		}
		name := s[i+1 : i+semi]
		if name[0] == '#' {
			num, base := name[1:], 10
			if len(num) > 0 && (num[0] == 'x' || num[0] == 'X') {
				num, base = num[1:], 16
			}
			v, err := strconv.ParseUint(num, base, 32)
			if err != nil || num == "" || num[0] == '+' || v > 0x10FFFF {
				b.WriteByte('&')
				continue
			}
			b.WriteRune(rune(v))
			i += semi
			continue
		}
		if r, ok := e.runes[name]; ok {
			b.WriteRune(r)
			i += semi
			continue
		}
		b.WriteByte('&')
	}
	return b.String()
}
