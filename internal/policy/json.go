package policy

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON parser that keeps byte offsets (for StartPosition/EndPosition
// and error locations), keeps object members in order and lets the
// validator see duplicate keys, which encoding/json would silently merge.

type jkind uint8

const (
	jnull jkind = iota
	jbool
	jnumber
	jstring
	jarray
	jobject
)

type jvalue struct {
	kind     jkind
	str      string // string value, number literal, or "true"/"false"
	arr      []jvalue
	obj      []jmember
	off, end int // byte offsets of the value in the document
}

type jmember struct {
	key   string
	off   int
	value jvalue
}

func (v *jvalue) get(key string) (*jvalue, bool) {
	for i := range v.obj {
		if v.obj[i].key == key {
			return &v.obj[i].value, true
		}
	}
	return nil, false
}

type jparser struct {
	b     []byte
	i     int
	depth int
}

const maxDepth = 64

func parseJSON(b []byte) (jvalue, error) {
	p := &jparser{b: b}
	p.ws()
	v, err := p.value()
	if err != nil {
		return v, err
	}
	p.ws()
	if p.i != len(p.b) {
		return v, p.errf()
	}
	return v, nil
}

func (p *jparser) errf() error {
	return &SyntaxError{Msg: msgSyntax, Offset: p.i}
}

func (p *jparser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jparser) value() (jvalue, error) {
	if p.i >= len(p.b) {
		return jvalue{}, p.errf()
	}
	start := p.i
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.string()
		return jvalue{kind: jstring, str: s, off: start, end: p.i}, err
	case c == 't':
		return p.lit("true", jbool)
	case c == 'f':
		return p.lit("false", jbool)
	case c == 'n':
		return p.lit("null", jnull)
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	}
	return jvalue{}, p.errf()
}

func (p *jparser) lit(s string, k jkind) (jvalue, error) {
	start := p.i
	if len(p.b)-p.i < len(s) || string(p.b[p.i:p.i+len(s)]) != s {
		return jvalue{}, p.errf()
	}
	p.i += len(s)
	return jvalue{kind: k, str: s, off: start, end: p.i}, nil
}

func (p *jparser) number() (jvalue, error) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.b) && '0' <= p.b[p.i] && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.b) && p.b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return jvalue{}, p.errf()
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return jvalue{}, p.errf()
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return jvalue{}, p.errf()
		}
	}
	return jvalue{kind: jnumber, str: string(p.b[start:p.i]), off: start, end: p.i}, nil
}

func (p *jparser) string() (string, error) {
	p.i++ // opening quote
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			s := string(p.b[start:p.i])
			p.i++
			if !utf8.ValidString(s) {
				return "", &SyntaxError{Msg: msgSyntax, Offset: start}
			}
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.i++
	}
	buf := append([]byte(nil), p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(buf) {
				return "", &SyntaxError{Msg: msgSyntax, Offset: start}
			}
			return string(buf), nil
		case c < 0x20:
			return "", p.errf()
		case c == '\\':
			p.i++
			if p.i >= len(p.b) {
				return "", p.errf()
			}
			e := p.b[p.i]
			p.i++
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", p.errf()
				}
				if utf16.IsSurrogate(r) {
					if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
						p.i += 2
						r2, ok := p.hex4()
						if !ok {
							return "", p.errf()
						}
						r = utf16.DecodeRune(r, r2)
					} else {
						r = utf8.RuneError
					}
				}
				buf = utf8.AppendRune(buf, r)
			default:
				return "", p.errf()
			}
		default:
			buf = append(buf, c)
			p.i++
		}
	}
	return "", p.errf()
}

func (p *jparser) hex4() (rune, bool) {
	if len(p.b)-p.i < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

func (p *jparser) array() (jvalue, error) {
	v := jvalue{kind: jarray, off: p.i}
	if p.depth++; p.depth > maxDepth {
		return v, p.errf()
	}
	defer func() { p.depth-- }()
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		v.end = p.i
		return v, nil
	}
	for {
		p.ws()
		e, err := p.value()
		if err != nil {
			return v, err
		}
		v.arr = append(v.arr, e)
		p.ws()
		if p.i >= len(p.b) {
			return v, p.errf()
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			v.end = p.i
			return v, nil
		default:
			return v, p.errf()
		}
	}
}

func (p *jparser) object() (jvalue, error) {
	v := jvalue{kind: jobject, off: p.i}
	if p.depth++; p.depth > maxDepth {
		return v, p.errf()
	}
	defer func() { p.depth-- }()
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		v.end = p.i
		return v, nil
	}
	for {
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return v, p.errf()
		}
		koff := p.i
		k, err := p.string()
		if err != nil {
			return v, err
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return v, p.errf()
		}
		p.i++
		p.ws()
		e, err := p.value()
		if err != nil {
			return v, err
		}
		v.obj = append(v.obj, jmember{key: k, off: koff, value: e})
		p.ws()
		if p.i >= len(p.b) {
			return v, p.errf()
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			v.end = p.i
			return v, nil
		default:
			return v, p.errf()
		}
	}
}

// position converts a byte offset into a 1-based line and column.
func position(doc []byte, off int) Position {
	line, col := 1, 1
	for i := 0; i < off && i < len(doc); i++ {
		if doc[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return Position{Line: line, Column: col}
}
