package vtl

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// ParseJSON decodes JSON text into Values: objects as *Map keeping their
// order (Jackson's LinkedHashMap), arrays as *List, integral numbers as
// int64, others float64. It accepts exactly what encoding/json accepts
// (FuzzParseJSON checks) and is several times faster than decoding
// token by token.
func ParseJSON(data []byte) (any, error) {
	p := jsonParser{s: data}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.s) {
		return nil, p.errf("unexpected data after the JSON value")
	}
	return v, nil
}

type jsonParser struct {
	s []byte
	i int
}

func (p *jsonParser) errf(format string, a ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", p.i, fmt.Sprintf(format, a...))
}

func (p *jsonParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	p.ws()
	if p.i >= len(p.s) {
		return nil, p.errf("unexpected end of input")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		m := NewMap()
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return m, nil
		}
		for {
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				return nil, p.errf("expected a string key")
			}
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, p.errf("expected ':'")
			}
			p.i++
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			m.Set(k, v)
			p.ws()
			if p.i >= len(p.s) {
				return nil, p.errf("unterminated object")
			}
			if p.s[p.i] == '}' {
				p.i++
				return m, nil
			}
			if p.s[p.i] != ',' {
				return nil, p.errf("expected ',' or '}'")
			}
			p.i++
		}
	case c == '[':
		p.i++
		l := &List{}
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return l, nil
		}
		for {
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			l.items = append(l.items, v)
			p.ws()
			if p.i >= len(p.s) {
				return nil, p.errf("unterminated array")
			}
			if p.s[p.i] == ']' {
				p.i++
				return l, nil
			}
			if p.s[p.i] != ',' {
				return nil, p.errf("expected ',' or ']'")
			}
			p.i++
		}
	case c == '"':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	for _, w := range []struct {
		lit string
		v   any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if len(p.s)-p.i >= len(w.lit) && string(p.s[p.i:p.i+len(w.lit)]) == w.lit {
			p.i += len(w.lit)
			return w.v, nil
		}
	}
	return nil, p.errf("unexpected %q", p.s[p.i])
}

// str reads a string at '"'. Strings without escapes and with valid UTF-8
// are sliced; the rest are decoded by encoding/json (escapes, surrogate
// pairs, invalid UTF-8 as U+FFFD).
func (p *jsonParser) str() (string, error) {
	start := p.i
	p.i++
	simple := true
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			raw := p.s[start:p.i]
			if simple {
				return string(raw[1 : len(raw)-1]), nil
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return "", p.errf("bad string: %v", err)
			}
			return s, nil
		case c == '\\':
			simple = false
			p.i += 2
		case c < 0x20:
			return "", p.errf("control character in a string")
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(p.s[p.i:])
			if r == utf8.RuneError && n == 1 {
				simple = false
			}
			p.i += n
		default:
			p.i++
		}
	}
	return "", p.errf("unterminated string")
}

var errNumber = errors.New("bad number")

// number reads a JSON number (RFC 8259 grammar).
func (p *jsonParser) number() (any, error) {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.s[p.i] == '-' {
		p.i++
	}
	if p.i < len(p.s) && p.s[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return nil, p.errf("%v", errNumber)
	}
	integral := true
	if p.i < len(p.s) && p.s[p.i] == '.' {
		integral = false
		p.i++
		if digits() == 0 {
			return nil, p.errf("%v", errNumber)
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		integral = false
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, p.errf("%v", errNumber)
		}
	}
	lit := string(p.s[start:p.i])
	if integral {
		if i, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return i, nil
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) { // out of range: ±Inf or 0, as Java's parseDouble
		return nil, p.errf("number %s: %v", lit, err)
	}
	return f, nil
}
