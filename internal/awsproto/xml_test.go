package awsproto

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// fields is an XMLResult of (name, value) pairs.
type fields [][2]string

func (f fields) WriteXML(x *XMLWriter) {
	for _, kv := range f {
		x.Element(kv[0], kv[1])
	}
}

func requestWithID(id string) *http.Request {
	r := httptest.NewRequest("POST", "/", nil)
	return r.WithContext(WithMeta(r.Context(), &Meta{RequestID: id}))
}

// texts decodes doc strictly and returns the text of every element with
// the given local name.
func texts(doc []byte, name string) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var out []string
	var cur *strings.Builder
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == name {
				cur = new(strings.Builder)
			}
		case xml.CharData:
			if cur != nil {
				cur.Write(tok)
			}
		case xml.EndElement:
			if tok.Name.Local == name && cur != nil {
				out = append(out, cur.String())
				cur = nil
			}
		}
	}
}

// xmlSafe is what a value reads back as: XML cannot carry invalid UTF-8
// or most control characters, which the writer replaces with U+FFFD.
func xmlSafe(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s) // an invalid byte decodes as U+FFFD
		s = s[n:]
		if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF {
			b.WriteRune(r)
		} else {
			b.WriteRune('\uFFFD')
		}
	}
	return b.String()
}

func TestXMLWriterEscapes(t *testing.T) {
	hostile := []string{"a&b<c", "</Value><Injected>x</Injected><Value>", `"'>`, "]]>", "&amp;", "\x00\x01\x1f", "\xff\xfe", "line\nbreak\r\ttab", "é ✓ 𝄞"}
	for _, v := range hostile {
		t.Run(v, func(t *testing.T) {
			for name, write := range map[string]func(w http.ResponseWriter, r *http.Request){
				"fast result": func(w http.ResponseWriter, r *http.Request) {
					WriteQuery(w, r, STSNamespace, "AssumeRole", fields{{"Value", v}})
				},
				"reflected result": func(w http.ResponseWriter, r *http.Request) {
					WriteQuery(w, r, IAMNamespace, "GetUser", struct{ Value string }{v})
				},
				"error": func(w http.ResponseWriter, r *http.Request) {
					WriteQueryError(w, r, IAMNamespace, awserr.ValidationError.New(v))
				},
			} {
				rec := httptest.NewRecorder()
				write(rec, requestWithID(v))
				tag := "Value"
				if name == "error" {
					tag = "Message"
				}
				got, err := texts(rec.Body.Bytes(), tag)
				if err != nil {
					t.Fatalf("%s: malformed XML: %v\n%s", name, err, rec.Body)
				}
				if len(got) != 1 || got[0] != xmlSafe(v) {
					t.Errorf("%s: got %s %q, want [%q]", name, tag, got, xmlSafe(v))
				}
				ids, _ := texts(rec.Body.Bytes(), "RequestId")
				if len(ids) != 1 || ids[0] != xmlSafe(v) {
					t.Errorf("%s: got RequestId %q, want [%q]", name, ids, xmlSafe(v))
				}
				if n, _ := texts(rec.Body.Bytes(), "Injected"); len(n) != 0 {
					t.Errorf("%s: a value opened an element", name)
				}
			}
		})
	}
}

// TestXMLWriterRefusesBadNames: element names come from code; one that is
// not a plain name fails the response as InternalFailure rather than
// writing markup.
func TestXMLWriterRefusesBadNames(t *testing.T) {
	for _, name := range []string{"", "a b", "a>b", "<x", "x/", "1x", "-x", "a&b", "é"} {
		t.Run(name, func(t *testing.T) {
			for what, write := range map[string]func(w http.ResponseWriter, r *http.Request){
				"element": func(w http.ResponseWriter, r *http.Request) {
					WriteQuery(w, r, STSNamespace, "Op", fields{{name, "v"}})
				},
				"operation": func(w http.ResponseWriter, r *http.Request) { WriteQuery(w, r, STSNamespace, name, fields{{"A", "v"}}) },
			} {
				rec := httptest.NewRecorder()
				write(rec, testRequest())
				codes, err := texts(rec.Body.Bytes(), "Code")
				if err != nil || rec.Code != 500 || len(codes) != 1 || codes[0] != "InternalFailure" {
					t.Errorf("%s %q: got %d %v %s, want 500 InternalFailure", what, name, rec.Code, err, rec.Body)
				}
			}
		})
	}
}

// TestFastAndReflectedResultsAgree: an XMLResult writes what encoding/xml
// writes for the same shape.
func TestFastAndReflectedResultsAgree(t *testing.T) {
	v := "a&b<c>\"'\n\t\x01\xff"
	fast := httptest.NewRecorder()
	WriteQuery(fast, testRequest(), IAMNamespace, "GetUserPolicy", fields{{"UserName", v}, {"PolicyName", "p"}, {"PolicyDocument", v}})
	slow := httptest.NewRecorder()
	WriteQuery(slow, testRequest(), IAMNamespace, "GetUserPolicy", struct{ UserName, PolicyName, PolicyDocument string }{v, "p", v})
	if fast.Body.String() != slow.Body.String() {
		t.Errorf("got\n%s\nwant (encoding/xml)\n%s", fast.Body, slow.Body)
	}
}

// FuzzXMLWriter: whatever the values and request id, the response is
// well-formed and each value reads back as written (XML-safe).
func FuzzXMLWriter(f *testing.F) {
	for _, s := range []string{"", "a&b<c", "]]>", "\x00", "\xff", "</RequestId>", "é"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, value, id string) {
		rec := httptest.NewRecorder()
		WriteQuery(rec, requestWithID(id), STSNamespace, "AssumeRole", fields{{"Value", value}})
		got, err := texts(rec.Body.Bytes(), "Value")
		if err != nil {
			t.Fatalf("malformed XML: %v\n%q", err, rec.Body)
		}
		if len(got) != 1 || got[0] != xmlSafe(value) {
			t.Fatalf("got %q, want [%q]", got, xmlSafe(value))
		}
		ids, _ := texts(rec.Body.Bytes(), "RequestId")
		if len(ids) != 1 || ids[0] != xmlSafe(id) {
			t.Fatalf("got RequestId %q, want [%q]", ids, xmlSafe(id))
		}
		if !utf8.Valid(rec.Body.Bytes()) {
			t.Fatalf("body is not UTF-8: %q", rec.Body)
		}
	})
}
