package awsproto

import (
	"bytes"
	"encoding/xml"
	"errors"
	"sync"
)

// XMLWriter builds the XML of a Query response. It is gatehouse's one XML
// writer (internal/archtest fails the build if another package writes
// markup): element names come from code and are checked, and every value
// goes through the same escaping, so no string a client chose can end an
// element or open one.
//
// A result whose shape is fixed implements XMLResult and writes itself
// with Element/Start/End, skipping encoding/xml's reflection (AssumeRole is
// the hot operation, and reflection was a tenth of its cost); any other
// result is marshalled by encoding/xml, which escapes the same way.
type XMLWriter struct {
	buf bytes.Buffer
	err error
}

// XMLResult is a Query result that writes its own elements, the content of
// the {op}Result element.
type XMLResult interface {
	WriteXML(x *XMLWriter)
}

var errXMLName = errors.New("awsproto: invalid XML element name")

// Start writes <name>.
func (x *XMLWriter) Start(name string) {
	x.name(name)
	x.buf.WriteByte('<')
	x.buf.WriteString(name)
	x.buf.WriteByte('>')
}

// End writes </name>.
func (x *XMLWriter) End(name string) {
	x.name(name)
	x.buf.WriteString("</")
	x.buf.WriteString(name)
	x.buf.WriteByte('>')
}

// Element writes <name>value</name> with value escaped.
func (x *XMLWriter) Element(name, value string) {
	x.Start(name)
	x.Text(value)
	x.End(name)
}

// Text writes s as character data: markup characters become references,
// and characters XML cannot carry (invalid UTF-8, most controls) become
// U+FFFD, exactly as encoding/xml escapes.
func (x *XMLWriter) Text(s string) {
	if needsEscape(s) {
		_ = xml.EscapeText(&x.buf, []byte(s))
		return
	}
	x.buf.WriteString(s) // ids, base64 tokens, ARNs: the common case
}

// name records an error for a name that is not a plain XML name. Names
// come from code, so this is a bug; the response becomes InternalFailure
// rather than malformed XML.
func (x *XMLWriter) name(n string) {
	if x.err == nil && !validName(n) {
		x.err = errXMLName
	}
}

// validName accepts the names AWS's Query protocols use: an ASCII letter
// or '_' followed by ASCII letters, digits, '_', '-' or '.'.
func validName(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '<', c == '>', c == '&', c == '\'', c == '"', c < 0x20, c >= 0x80:
			return true
		}
	}
	return false
}

var xmlPool = sync.Pool{New: func() any { return new(XMLWriter) }}

func getXMLWriter() *XMLWriter {
	x := xmlPool.Get().(*XMLWriter)
	x.buf.Reset()
	x.err = nil
	return x
}

// putXMLWriter returns x to the pool unless it grew unusually large (a
// big policy listing), so the pool does not pin that memory.
func putXMLWriter(x *XMLWriter) {
	if x.buf.Cap() <= 64<<10 {
		xmlPool.Put(x)
	}
}

// xmlDecl starts every Query response body.
const xmlDecl = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// open writes <name xmlns="ns">.
func (x *XMLWriter) open(name, ns string) {
	x.name(name)
	x.buf.WriteByte('<')
	x.buf.WriteString(name)
	x.buf.WriteString(` xmlns="`)
	x.Text(ns)
	x.buf.WriteString(`">`)
}

// openOp writes <{op}{suffix} xmlns="ns"> without building the name.
func (x *XMLWriter) openOp(op, suffix, ns string) {
	x.name(op)
	x.buf.WriteByte('<')
	x.buf.WriteString(op)
	x.buf.WriteString(suffix)
	x.buf.WriteString(` xmlns="`)
	x.Text(ns)
	x.buf.WriteString(`">`)
}

// tag writes <{op}{suffix}> or, with end, </{op}{suffix}>; suffix is a
// constant name part.
func (x *XMLWriter) tag(end bool, op, suffix string) {
	x.name(op)
	if end {
		x.buf.WriteString("</")
	} else {
		x.buf.WriteByte('<')
	}
	x.buf.WriteString(op)
	x.buf.WriteString(suffix)
	x.buf.WriteByte('>')
}
