package utils

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

// The cases of Dirigible's Xml2JsonTest (basic, array, attributes, text
// with attributes, CDATA, CDATA with attributes), written here, and more.
var xmlJSONCases = []struct {
	name, xml, json string
}{
	{"basic", `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<order>
  <id>o1</id>
  <state>new</state>
  <customer>
    <name>Ann</name>
  </customer>
</order>`, `{
  "order": {
    "id": "o1",
    "state": "new",
    "customer": {
      "name": "Ann"
    }
  }
}`},
	{"array", `<list>
  <n>1</n>
  <n>2</n>
  <n>3</n>
</list>`, `{
  "list": {
    "n": [
      "1",
      "2",
      "3"
    ]
  }
}`},
	{"attributes", `<doc><title>t</title><link href="/x"/><empty/></doc>`, `{
  "doc": {
    "title": "t",
    "link": {
      "-href": "/x"
    },
    "empty": {}
  }
}`},
	{"text and attributes", `<doc><price amount="3" currency="EUR">three</price></doc>`, `{
  "doc": {
    "price": {
      "#text": "three",
      "-amount": "3",
      "-currency": "EUR"
    }
  }
}`},
	{"cdata", `<doc><code><![CDATA[a < b]]></code></doc>`, `{
  "doc": {
    "code": {
      "#cdata-section": "YSA8IGI="
    }
  }
}`},
	{"cdata and attributes", `<doc><code lang="js" v="2"><![CDATA[x]]></code></doc>`, `{
  "doc": {
    "code": {
      "-lang": "js",
      "-v": "2",
      "#cdata-section": "eA=="
    }
  }
}`},
	{"repeated objects and entities", `<r><i z="0" k="1">a &amp; b</i><i k="2"><sub>s</sub></i><x:y xmlns:x="urn:x">q</x:y></r>`, `{
  "r": {
    "i": [
      {
        "#text": "a & b",
        "-k": "1",
        "-z": "0"
      },
      {
        "-k": "2",
        "sub": "s"
      }
    ],
    "x:y": {
      "#text": "q",
      "-xmlns:x": "urn:x"
    }
  }
}`},
	{"escapes in JSON", "<a>\"q\"\t\\ \u2028 </a>", `{
  "a": "\"q\"\t\\ \u2028 "
}`},
}

func TestXMLToJSON(t *testing.T) {
	for _, tc := range xmlJSONCases {
		got, err := xmlToJSON(tc.xml)
		if err != nil || got != tc.json {
			t.Errorf("%s: %v\n%s\nwant\n%s", tc.name, err, got, tc.json)
		}
	}
}

// condense drops white space between tags and the XML declaration, as
// Dirigible's test compares.
func condense(s string) string {
	if i := strings.Index(s, "?>"); strings.HasPrefix(s, "<?xml") && i > 0 {
		s = s[i+2:]
	}
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		b.WriteString(strings.TrimSpace(line))
	}
	return b.String()
}

func TestJSONToXML(t *testing.T) {
	for _, tc := range xmlJSONCases[:6] {
		got, err := jsonToXML(tc.json)
		want := strings.ReplaceAll(condense(tc.xml), "<empty/>", "<empty></empty>")
		want = strings.ReplaceAll(want, `<link href="/x"/>`, `<link href="/x"></link>`)
		if err != nil || got != want {
			t.Errorf("%s: %v\n%s\nwant\n%s", tc.name, err, got, want)
		}
	}
	for in, want := range map[string]string{
		`{"a":{"-x":"1\"<","#text":"a&b"}}`:                `<a x="1&quot;&lt;">a&amp;b</a>`,
		`{"a":{"n":1.50,"t":true,"z":null,"l":[[1,2],3]}}`: `<a><n>1.50</n><t>true</t><l>1</l><l>2</l><l>3</l></a>`,
		`{"a":{"#cdata-section":"eF1dPnk="}}`:              `<a><![CDATA[x]]]]><![CDATA[>y]]></a>`,
		`{"a":"x","a":"y"}`:                                `<a>y</a>`,
		`{}`:                                               ``,
	} {
		got, err := jsonToXML(in)
		if err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		`[1]`:                           "not an object",
		`{"a b":1}`:                     "not an XML element name",
		`{"a":{"-x y":"1"}}`:            "not an XML attribute name",
		`{"<s>":{}}`:                    "not an XML element name",
		`{"a":{"#cdata-section":"@@"}}`: "not base64",
		`{"a":1} x`:                     "after the JSON",
		`{"a":`:                         "unexpected EOF",
		strings.Repeat(`{"a":`, maxXMLDepth+1) + `1` + strings.Repeat("}", maxXMLDepth+1): "nesting deeper",
	} {
		if _, err := jsonToXML(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.40s: %v, want %q", in, err, want)
		}
	}
}

func TestXMLToJSONErrors(t *testing.T) {
	deep := strings.Repeat("<a>", maxXMLDepth+1) + strings.Repeat("</a>", maxXMLDepth+1)
	for in, want := range map[string]string{
		"":         "no root element",
		"<a></b>":  "unexpected end element",
		"<a>":      "not closed",
		"<a/><b/>": "more than one root",
		"text<a/>": "outside the root",
		`<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>`: "invalid character entity",
		deep:               "nesting deeper",
		"<a x='1' x='2'/>": "",
	} {
		_, err := xmlToJSON(in)
		if want == "" {
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.40q: %v, want %q", in, err, want)
		}
	}
	// Just under the limit is fine.
	ok := strings.Repeat("<a>", maxXMLDepth) + strings.Repeat("</a>", maxXMLDepth)
	if _, err := xmlToJSON(ok); err != nil {
		t.Errorf("%d levels: %v", maxXMLDepth, err)
	}
}

// FuzzXMLToJSON: any input gives an error or valid JSON, without panicking
// or recursing past the limit; converting that JSON back gives XML that
// parses.
func FuzzXMLToJSON(f *testing.F) {
	for _, tc := range xmlJSONCases {
		f.Add(tc.xml)
	}
	f.Add(`<a><b x="1">t<c/>u</b><b/></a>`)
	f.Fuzz(func(t *testing.T, src string) {
		out, err := xmlToJSON(src)
		if err != nil {
			return
		}
		if !json.Valid([]byte(out)) {
			t.Fatalf("invalid JSON %q from %q", out, src)
		}
		back, err := jsonToXML(out)
		if err != nil {
			return // names that are XML names but not ours (a prefix alone)
		}
		d := xml.NewDecoder(strings.NewReader(back))
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%q → %q → invalid XML %q: %v", src, out, back, err)
			}
		}
	})
}

// FuzzJSONToXML: any input gives an error or XML that parses.
func FuzzJSONToXML(f *testing.F) {
	for _, tc := range xmlJSONCases {
		f.Add(tc.json)
	}
	f.Add(`{"a":[{"-k":"v","#text":"<&>"},[1,[2]],null]}`)
	f.Fuzz(func(t *testing.T, src string) {
		out, err := jsonToXML(src)
		if err != nil {
			return
		}
		d := xml.NewDecoder(strings.NewReader("<root>" + out + "</root>"))
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%q → invalid XML %q: %v", src, out, err)
			}
		}
	})
}
