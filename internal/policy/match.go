package policy

import (
	"strings"
	"unsafe"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
)

// Patterns are stored "encoded": '*' and '?' are wildcards and a NUL byte
// makes the next byte literal. Policy documents cannot contain NUL (only
// tab, newline, carriage return and U+0020–U+00FF are allowed), so the
// escape is unambiguous. ${*}, ${?} and the text of substituted policy
// variables are written escaped, so a '*' coming from a variable's value is
// not a wildcard.

const esc = arn.Escape

type matchKind uint8

const (
	mAll    matchKind = iota // "*"
	mExact                   // no wildcards; lit is the unescaped text
	mPrefix                  // lit followed by one trailing "*"
	mGlob                    // anything else
)

// pattern is a compiled wildcard pattern, possibly with policy variables.
type pattern struct {
	kind matchKind
	enc  string    // encoded pattern (without variables)
	lit  string    // literal for mExact / mPrefix
	tmpl *template // non-nil when the pattern contains policy variables
	fold bool      // ASCII case-insensitive (actions)
	svc  string    // actions: lower-case service prefix, "" for "*"
}

// template is a pattern with policy variables, resolved per request.
type template struct {
	parts []tpart
}

type tpart struct {
	enc     string // policy text, kept as written (wildcards stay wildcards)
	key     string // context key (isVar)
	def     string // default value, policy text
	hasDef  bool
	isVar   bool
	escChar bool // ${*} ${?} ${$}: enc is the literal character
}

func newPattern(enc string, tmpl *template, fold bool) pattern {
	p := pattern{enc: enc, tmpl: tmpl, fold: fold}
	if tmpl != nil {
		p.kind = mGlob
		return p
	}
	if enc == "*" {
		p.kind = mAll
		return p
	}
	wild, escaped := -1, false
	n := 0
	for i := 0; i < len(enc); i++ {
		switch enc[i] {
		case esc:
			escaped = true
			i++
		case '*', '?':
			n++
			wild = i
		}
	}
	switch {
	case n == 0:
		p.kind = mExact
		p.lit = unescape(enc, escaped)
	case n == 1 && wild == len(enc)-1 && enc[wild] == '*':
		p.kind = mPrefix
		p.lit = unescape(enc[:wild], escaped)
	default:
		p.kind = mGlob
	}
	if fold {
		p.lit = strings.ToLower(p.lit)
	}
	return p
}

func unescape(s string, escaped bool) string {
	if !escaped {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == esc && i+1 < len(s) {
			i++
		}
		b = append(b, s[i])
	}
	return string(b)
}

// match reports whether v matches a pattern without variables.
func (p *pattern) match(v string) bool {
	switch p.kind {
	case mAll:
		return true
	case mExact:
		if p.fold {
			return strings.EqualFold(p.lit, v)
		}
		return p.lit == v
	case mPrefix:
		if len(v) < len(p.lit) {
			return false
		}
		if p.fold {
			return strings.EqualFold(p.lit, v[:len(p.lit)])
		}
		return v[:len(p.lit)] == p.lit
	}
	return glob(p.enc, v, p.fold)
}

// resolve appends the template with its variables substituted to dst. In
// glob mode the result is an encoded pattern (values and ${*} escaped);
// otherwise plain text. ok is false when a variable has no value and no
// default.
func (t *template) resolve(dst []byte, ctx *Context, rec *recorder, globMode bool) ([]byte, bool) {
	return t.resolveWild(dst, ctx, rec, globMode, false)
}

// resolveWild is resolve; with wild, a variable without value becomes "*"
// so the caller can ask whether any value could have matched.
func (t *template) resolveWild(dst []byte, ctx *Context, rec *recorder, globMode, wild bool) ([]byte, bool) {
	for i := range t.parts {
		pt := &t.parts[i]
		if pt.escChar {
			if globMode && pt.enc != "$" {
				dst = append(dst, esc)
			}
			dst = append(dst, pt.enc...)
			continue
		}
		if !pt.isVar {
			dst = append(dst, pt.enc...)
			continue
		}
		v, _, isMulti, ok := ctx.lookup(pt.key)
		if !ok || isMulti {
			if rec != nil && !ok {
				rec.missing(pt.key)
			}
			if !pt.hasDef {
				if wild {
					dst = append(dst, '*')
					continue
				}
				return dst, false
			}
			dst = append(dst, pt.def...)
			continue
		}
		if globMode {
			dst = appendEscaped(dst, v)
		} else {
			dst = append(dst, v...)
		}
	}
	return dst, true
}

func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '*', '?', esc:
			dst = append(dst, esc, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// bytesString views b as a string without copying; b must not change while
// the string is in use.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// glob matches v against an encoded pattern p: '*' any run, '?' one
// character, esc-escaped bytes literal. The one matcher lives in package arn.
func glob(p, v string, fold bool) bool { return arn.GlobEscaped(p, v, fold) }

// colons5 finds the first five colons of s.
func colons5(s string, idx *[5]int) bool { return arn.Colons(s, idx) }

// arnGlob matches an encoded ARN pattern against an ARN section by
// section (arn.Match), so that no wildcard crosses one of the first five
// colons. When the pattern is not ARN-shaped (e.g. "*", or a non-ARN
// resource), the two are compared whole; an ARN-shaped pattern never
// matches a value that is not.
func arnGlob(p, v string) bool { return arn.Match(p, v) }
