package utils

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxXMLDepth bounds the nesting of the documents xmlToJSON and jsonToXML
// accept, so hostile input cannot make them recurse without bound.
const maxXMLDepth = 512

var errTooDeep = fmt.Errorf("nesting deeper than %d levels", maxXMLDepth)

// An xmlNode is an element as xmlToJSON sees it.
type xmlNode struct {
	name     string
	attrs    []xml.Attr // Name.Local holds the qualified name
	children []*xmlNode
	text     strings.Builder // the text nodes that are not blank, joined
	cdata    *string         // the last CDATA section
}

// xmlToJSON converts an XML document to JSON as Dirigible's Xml2Json does
// (utils/xml toJson): the root element becomes {"root": value}; an element
// with only text is its text; otherwise an object of "#text" (the text that
// is not blank), "-name" for each attribute (in name order, as the DOM
// lists them), its child elements (an array when a name repeats) and
// "#cdata-section" (the base64 of its CDATA). The JSON is indented by two
// spaces, as Gson prints it. Entities are not expanded beyond XML's own,
// and nesting is bounded.
func xmlToJSON(src string) (string, error) {
	d := xml.NewDecoder(strings.NewReader(src))
	d.Strict = true
	// The document is a string already: whatever its declaration says.
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil }
	var root *xmlNode
	var stack []*xmlNode
	for {
		before := d.InputOffset()
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && root != nil {
				return "", errors.New("xml: more than one root element")
			}
			if len(stack) >= maxXMLDepth {
				return "", fmt.Errorf("xml: %w", errTooDeep)
			}
			n := &xmlNode{name: qualified(t.Name)}
			for _, a := range t.Attr {
				n.attrs = append(n.attrs, xml.Attr{Name: xml.Name{Local: qualified(a.Name)}, Value: a.Value})
			}
			if len(stack) == 0 {
				root = n
			} else {
				top := stack[len(stack)-1]
				top.children = append(top.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) == 0 || stack[len(stack)-1].name != qualified(t.Name) {
				return "", fmt.Errorf("xml: unexpected end element </%s>", qualified(t.Name))
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			isCDATA := strings.HasPrefix(src[before:d.InputOffset()], "<![CDATA[")
			if len(stack) == 0 {
				if isCDATA || strings.TrimSpace(string(t)) != "" {
					return "", errors.New("xml: text outside the root element")
				}
				continue
			}
			top := stack[len(stack)-1]
			switch {
			case isCDATA:
				s := string(t)
				top.cdata = &s
			case strings.TrimSpace(string(t)) != "":
				top.text.Write(t)
			}
		}
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("xml: element <%s> is not closed", stack[len(stack)-1].name)
	}
	if root == nil {
		return "", errors.New("xml: no root element")
	}
	doc := &ordered{}
	doc.set(root.name, root.value())
	var b strings.Builder
	writeJSON(&b, doc, 0)
	return b.String(), nil
}

func qualified(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// value is the JSON value of an element.
func (n *xmlNode) value() any {
	text := n.text.String()
	if len(n.attrs) == 0 && len(n.children) == 0 && n.cdata == nil {
		if text != "" {
			return text
		}
		return &ordered{}
	}
	o := &ordered{}
	if text != "" {
		o.set("#text", text)
	}
	attrs := slices.Clone(n.attrs)
	slices.SortStableFunc(attrs, func(a, b xml.Attr) int { return strings.Compare(a.Name.Local, b.Name.Local) })
	for _, a := range attrs {
		o.set("-"+a.Name.Local, a.Value)
	}
	for _, c := range n.children {
		v := c.value()
		switch prev, ok := o.get(c.name); {
		case !ok:
			o.set(c.name, v)
		case isList(prev):
			o.set(c.name, append(prev.([]any), v))
		default:
			o.set(c.name, []any{prev, v})
		}
	}
	if n.cdata != nil {
		o.set("#cdata-section", base64.StdEncoding.EncodeToString([]byte(*n.cdata)))
	}
	return o
}

func isList(v any) bool { _, ok := v.([]any); return ok }

// ordered is a JSON object that keeps the order of its keys; setting a key
// again keeps its place.
type ordered struct {
	keys []string
	vals map[string]any
}

func (o *ordered) set(k string, v any) {
	if o.vals == nil {
		o.vals = map[string]any{}
	}
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *ordered) get(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok
}

// writeJSON writes v as Gson's pretty printer does (two spaces, "key":
// value, no HTML escaping).
func writeJSON(b *strings.Builder, v any, indent int) {
	newline := func(n int) {
		b.WriteByte('\n')
		b.WriteString(strings.Repeat("  ", n))
	}
	switch v := v.(type) {
	case *ordered:
		if len(v.keys) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			newline(indent + 1)
			writeJSONString(b, k)
			b.WriteString(": ")
			writeJSON(b, v.vals[k], indent+1)
		}
		newline(indent)
		b.WriteByte('}')
	case []any:
		if len(v) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			newline(indent + 1)
			writeJSON(b, e, indent+1)
		}
		newline(indent)
		b.WriteByte(']')
	case string:
		writeJSONString(b, v)
	}
}

// writeJSONString writes s quoted with Gson's escapes.
func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\f':
			b.WriteString(`\f`)
		case '\u2028', '\u2029':
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// jsonToXML converts a JSON object to XML as Dirigible's Xml2Json does
// (utils/xml fromJson), the inverse of xmlToJSON: a key is an element, an
// array repeats its key, "-name" keys of an object are its attributes,
// "#text" its text and "#cdata-section" (base64) its CDATA; null values
// are left out. Unlike Dirigible, text and attribute values are escaped,
// and a key that is not an XML name is an error rather than broken XML.
func jsonToXML(src string) (string, error) {
	d := json.NewDecoder(strings.NewReader(src))
	d.UseNumber()
	v, err := readJSON(d, 0)
	if err != nil {
		return "", fmt.Errorf("xml: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return "", errors.New("xml: text after the JSON value")
	}
	root, ok := v.(*ordered)
	if !ok {
		return "", errors.New("xml: the JSON is not an object")
	}
	var b strings.Builder
	if err := writeXMLObject(&b, root); err != nil {
		return "", fmt.Errorf("xml: %w", err)
	}
	return b.String(), nil
}

// readJSON reads one JSON value, keeping the order of object keys.
func readJSON(d *json.Decoder, depth int) (any, error) {
	tok, err := d.Token()
	if err != nil {
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if depth >= maxXMLDepth {
			return nil, errTooDeep
		}
		switch t {
		case '{':
			o := &ordered{}
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, err
				}
				v, err := readJSON(d, depth+1)
				if err != nil {
					return nil, err
				}
				o.set(kt.(string), v)
			}
			_, err := d.Token() // '}'
			return o, err
		case '[':
			list := []any{}
			for d.More() {
				v, err := readJSON(d, depth+1)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			_, err := d.Token() // ']'
			return list, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, nil // string, json.Number, bool or nil
	}
}

func writeXMLObject(b *strings.Builder, o *ordered) error {
	for _, k := range o.keys {
		switch v := o.vals[k].(type) {
		case nil:
		case *ordered:
			if err := writeXMLElement(b, k, v); err != nil {
				return err
			}
		case []any:
			if err := writeXMLArray(b, k, v); err != nil {
				return err
			}
		default:
			if strings.HasPrefix(k, "-") {
				continue // an attribute, written with its element
			}
			if err := writeXMLPrimitive(b, k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func writeXMLElement(b *strings.Builder, name string, o *ordered) error {
	if !isXMLName(name) {
		return fmt.Errorf("%q is not an XML element name", name)
	}
	b.WriteString("<" + name)
	for _, k := range o.keys {
		v := o.vals[k]
		if !strings.HasPrefix(k, "-") || v == nil || isList(v) {
			continue
		}
		if _, ok := v.(*ordered); ok {
			continue
		}
		attr := k[1:]
		if !isXMLName(attr) {
			return fmt.Errorf("%q is not an XML attribute name", attr)
		}
		b.WriteString(" " + attr + `="`)
		xmlEscape(b, primitiveText(v), true)
		b.WriteByte('"')
	}
	b.WriteByte('>')
	if err := writeXMLObject(b, o); err != nil {
		return err
	}
	b.WriteString("</" + name + ">")
	return nil
}

func writeXMLArray(b *strings.Builder, name string, list []any) error {
	for _, e := range list {
		var err error
		switch e := e.(type) {
		case nil:
		case *ordered:
			err = writeXMLElement(b, name, e)
		case []any:
			err = writeXMLArray(b, name, e)
		default:
			err = writeXMLPrimitive(b, name, e)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func writeXMLPrimitive(b *strings.Builder, name string, v any) error {
	text := primitiveText(v)
	switch name {
	case "#text":
		xmlEscape(b, text, false)
	case "#cdata-section":
		data, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			return fmt.Errorf("#cdata-section is not base64: %w", err)
		}
		// Decoded as UTF-8, as Dirigible does (bad bytes become U+FFFD).
		text := strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
				return -1 // not allowed in XML 1.0
			}
			return r
		}, strings.ToValidUTF8(string(data), "\uFFFD"))
		b.WriteString("<![CDATA[")
		b.WriteString(strings.ReplaceAll(text, "]]>", "]]]]><![CDATA[>"))
		b.WriteString("]]>")
	default:
		if !isXMLName(name) {
			return fmt.Errorf("%q is not an XML element name", name)
		}
		b.WriteString("<" + name + ">")
		xmlEscape(b, text, false)
		b.WriteString("</" + name + ">")
	}
	return nil
}

func primitiveText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

func xmlEscape(b *strings.Builder, s string, attr bool) {
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"' && attr:
			b.WriteString("&quot;")
		case r == utf8.RuneError:
			b.WriteRune('\uFFFD')
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r':
			// Not allowed in XML 1.0: dropped.
		default:
			b.WriteRune(r)
		}
	}
}

// isXMLName reports whether s is an XML name (letters, digits, '_', ':',
// '.', '-', not starting with a digit, '.' or '-').
func isXMLName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case unicode.IsLetter(r), r == '_', r == ':':
		case i > 0 && (unicode.IsDigit(r) || r == '.' || r == '-' || unicode.Is(unicode.Mn, r)):
		default:
			return false
		}
	}
	return true
}
