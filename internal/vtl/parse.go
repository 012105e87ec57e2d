package vtl

import (
	"fmt"
	"strconv"
	"strings"
)

// The template tree.
type (
	node any

	textNode struct{ s string }
	refNode  struct {
		ref *refExpr
	}
	setNode struct {
		target *refExpr
		val    expr
	}
	ifNode struct {
		conds  []expr
		bodies [][]node
		els    []node
	}
	foreachNode struct {
		name string
		iter expr
		body []node
	}
	breakNode struct{}
	stopNode  struct{}
	macroDef  struct {
		name   string
		params []string
		body   []node
	}
	macroCall struct {
		def  *macroDef
		args []expr
	}
)

// Expressions.
type (
	expr any

	refExpr struct {
		root  string
		parts []part
		raw   string // the reference as written
	}
	litExpr   struct{ v any }
	strExpr   struct{ nodes []node } // "..." with $refs or #directives inside
	listExpr  struct{ items []expr }
	rangeExpr struct{ lo, hi expr }
	mapExpr   struct{ keys, vals []expr }
	binExpr   struct {
		op   string
		l, r expr
	}
	notExpr struct{ x expr }
)

const (
	partProp = iota
	partCall
	partIndex
)

type part struct {
	kind int
	name string
	args []expr
	idx  expr
}

// Template is a parsed mapping template, safe for concurrent use.
type Template struct {
	nodes []node
}

// ParseError is a template that does not parse.
type ParseError struct {
	Pos int
	Msg string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("template parse error at offset %d: %s", e.Pos, e.Msg)
}

// MaxTemplateSize is API Gateway's limit on a mapping template (300 KB).
const MaxTemplateSize = 300 << 10

// Parse parses a mapping template.
func Parse(src string) (*Template, error) {
	if len(src) > MaxTemplateSize {
		return nil, &ParseError{Pos: MaxTemplateSize, Msg: "template larger than 300 KB"}
	}
	p := &parser{src: src, macros: map[string]*macroDef{}}
	nodes, term, err := p.block()
	if err != nil {
		return nil, err
	}
	if term != "" {
		return nil, p.errf("#%s without a matching #if/#foreach", term)
	}
	return &Template{nodes: nodes}, nil
}

type parser struct {
	src    string
	pos    int
	depth  int
	macros map[string]*macroDef
}

func (p *parser) errf(format string, a ...any) error {
	return &ParseError{Pos: p.pos, Msg: fmt.Sprintf(format, a...)}
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errf("nesting too deep")
	}
	return nil
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' }

// ident reads an identifier at pos (Velocity: letters, digits, '_' and '-';
// a '-' only when another identifier character follows).
func (p *parser) ident() string {
	s := p.pos
	if p.pos >= len(p.src) || !isIdentStart(p.src[p.pos]) {
		return ""
	}
	p.pos++
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if isIdentChar(c) || c == '-' && p.pos+1 < len(p.src) && isIdentChar(p.src[p.pos+1]) {
			p.pos++
			continue
		}
		break
	}
	return p.src[s:p.pos]
}

// block parses nodes up to #end, #else or #elseif (returned as term, the
// position left after the terminator; for elseif, before its '(').
func (p *parser) block() (nodes []node, term string, err error) {
	if err := p.enter(); err != nil {
		return nil, "", err
	}
	defer func() { p.depth-- }()
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			nodes = append(nodes, &textNode{s: text.String()})
			text.Reset()
		}
	}
	for p.pos < len(p.src) {
		i := strings.IndexAny(p.src[p.pos:], "$#\\")
		if i < 0 {
			text.WriteString(p.src[p.pos:])
			p.pos = len(p.src)
			break
		}
		text.WriteString(p.src[p.pos : p.pos+i])
		p.pos += i
		switch p.src[p.pos] {
		case '\\':
			n := 0
			for p.pos+n < len(p.src) && p.src[p.pos+n] == '\\' {
				n++
			}
			at := p.pos + n
			if at < len(p.src) && p.src[at] == '$' {
				save := p.pos
				p.pos = at
				r, ok, err := p.ref()
				if err == nil && ok {
					text.WriteString(strings.Repeat("\\", n/2))
					if n%2 == 1 {
						text.WriteString(r.raw)
					} else {
						flush()
						nodes = append(nodes, &refNode{ref: r})
					}
					continue
				}
				p.pos = save
			}
			if at < len(p.src) && p.src[at] == '#' && at+1 < len(p.src) && (isIdentStart(p.src[at+1]) || p.src[at+1] == '{') {
				// \#directive: the directive as text.
				text.WriteString(strings.Repeat("\\", n/2))
				if n%2 == 1 {
					text.WriteByte('#')
					p.pos = at + 1
					continue
				}
				p.pos = at
				continue
			}
			text.WriteString(p.src[p.pos:at])
			p.pos = at
		case '$':
			save := p.pos
			r, ok, err := p.ref()
			if err != nil {
				return nil, "", err
			}
			if !ok {
				p.pos = save + 1
				text.WriteByte('$')
				continue
			}
			flush()
			nodes = append(nodes, &refNode{ref: r})
		case '#':
			n, term, handled, err := p.directive()
			if err != nil {
				return nil, "", err
			}
			if !handled {
				text.WriteByte('#')
				p.pos++
				continue
			}
			if term != "" {
				flush()
				return nodes, term, nil
			}
			if n != nil {
				if _, isSet := n.(*setNode); isSet {
					// Velocity 1.7's #set token takes the spaces and tabs
					// before it: they are not output.
					t := strings.TrimRight(text.String(), " \t")
					text.Reset()
					text.WriteString(t)
				}
				flush()
				nodes = append(nodes, n)
			}
		}
	}
	flush()
	return nodes, "", nil
}

// gobble eats spaces/tabs and one newline after a directive, when the
// newline follows.
func (p *parser) gobble() {
	i := p.pos
	for i < len(p.src) && (p.src[i] == ' ' || p.src[i] == '\t') {
		i++
	}
	switch {
	case strings.HasPrefix(p.src[i:], "\r\n"):
		p.pos = i + 2
	case i < len(p.src) && (p.src[i] == '\n' || p.src[i] == '\r'):
		p.pos = i + 1
	}
}

func (p *parser) ws() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) expect(c byte) error {
	p.ws()
	if p.pos >= len(p.src) || p.src[p.pos] != c {
		return p.errf("expected %q", c)
	}
	p.pos++
	return nil
}

// directive parses at '#'. handled=false: the '#' is text.
func (p *parser) directive() (n node, term string, handled bool, err error) {
	src := p.src
	start := p.pos
	rest := src[p.pos+1:]
	switch {
	case strings.HasPrefix(rest, "#"):
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			p.pos += 1 + i + 1
		} else {
			p.pos = len(src)
		}
		return nil, "", true, nil
	case strings.HasPrefix(rest, "*"):
		if i := strings.Index(rest[1:], "*#"); i >= 0 {
			p.pos += 2 + i + 2
		} else {
			p.pos = len(src)
		}
		return nil, "", true, nil
	case strings.HasPrefix(rest, "[["):
		if i := strings.Index(rest[2:], "]]#"); i >= 0 {
			p.pos += 3 + i + 3
			return &textNode{s: rest[2 : 2+i]}, "", true, nil
		}
		return nil, "", false, nil
	}
	p.pos++
	brace := false
	if p.pos < len(src) && src[p.pos] == '{' {
		brace = true
		p.pos++
	}
	name := ""
	for p.pos < len(src) && (src[p.pos] >= 'a' && src[p.pos] <= 'z' || src[p.pos] >= 'A' && src[p.pos] <= 'Z' || src[p.pos] >= '0' && src[p.pos] <= '9' || src[p.pos] == '_') {
		p.pos++
	}
	name = src[start+1+b2i(brace) : p.pos]
	if brace {
		if p.pos >= len(src) || src[p.pos] != '}' {
			p.pos = start
			return nil, "", false, nil
		}
		p.pos++
	}
	switch name {
	case "end", "else", "break", "stop":
		p.gobble()
		switch name {
		case "break":
			return &breakNode{}, "", true, nil
		case "stop":
			return &stopNode{}, "", true, nil
		}
		return nil, name, true, nil
	case "elseif":
		return nil, "elseif", true, nil
	case "set":
		if err := p.expect('('); err != nil {
			return nil, "", true, err
		}
		p.ws()
		if p.pos >= len(src) || src[p.pos] != '$' {
			return nil, "", true, p.errf("#set needs a reference")
		}
		target, ok, err := p.ref()
		if err != nil {
			return nil, "", true, err
		}
		if !ok {
			return nil, "", true, p.errf("#set needs a reference")
		}
		if len(target.parts) > 0 && target.parts[len(target.parts)-1].kind == partCall {
			return nil, "", true, p.errf("#set cannot assign to a method call")
		}
		if err := p.expect('='); err != nil {
			return nil, "", true, err
		}
		v, err := p.expr()
		if err != nil {
			return nil, "", true, err
		}
		if err := p.expect(')'); err != nil {
			return nil, "", true, err
		}
		p.gobble()
		return &setNode{target: target, val: v}, "", true, nil
	case "if":
		n, err := p.ifRest()
		return n, "", true, err
	case "foreach":
		n, err := p.foreachRest()
		return n, "", true, err
	case "macro":
		err := p.macroRest()
		return nil, "", true, err
	}
	if def, ok := p.macros[name]; ok {
		save := p.pos
		p.ws()
		if p.pos < len(src) && src[p.pos] == '(' {
			p.pos++
			var args []expr
			for {
				p.ws()
				if p.pos < len(src) && src[p.pos] == ')' {
					p.pos++
					break
				}
				if p.pos < len(src) && src[p.pos] == ',' {
					p.pos++
					continue
				}
				a, err := p.expr()
				if err != nil {
					return nil, "", true, err
				}
				args = append(args, a)
			}
			p.gobble()
			return &macroCall{def: def, args: args}, "", true, nil
		}
		p.pos = save
	}
	p.pos = start
	return nil, "", false, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (p *parser) cond() (expr, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	c, err := p.expr()
	if err != nil {
		return nil, err
	}
	if err := p.expect(')'); err != nil {
		return nil, err
	}
	p.gobble()
	return c, nil
}

func (p *parser) ifRest() (node, error) {
	n := &ifNode{}
	c, err := p.cond()
	if err != nil {
		return nil, err
	}
	for {
		body, term, err := p.block()
		if err != nil {
			return nil, err
		}
		n.conds = append(n.conds, c)
		n.bodies = append(n.bodies, body)
		switch term {
		case "end":
			return n, nil
		case "elseif":
			if c, err = p.cond(); err != nil {
				return nil, err
			}
		case "else":
			body, term, err := p.block()
			if err != nil {
				return nil, err
			}
			if term != "end" {
				return nil, p.errf("#else without #end")
			}
			n.els = body
			return n, nil
		default:
			return nil, p.errf("#if without #end")
		}
	}
}

func (p *parser) foreachRest() (node, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	p.ws()
	if p.pos >= len(p.src) || p.src[p.pos] != '$' {
		return nil, p.errf("#foreach needs a loop variable")
	}
	p.pos++
	name := p.ident()
	if name == "" {
		return nil, p.errf("#foreach needs a loop variable")
	}
	p.ws()
	if !strings.HasPrefix(p.src[p.pos:], "in") {
		return nil, p.errf("#foreach: expected 'in'")
	}
	p.pos += 2
	it, err := p.expr()
	if err != nil {
		return nil, err
	}
	if err := p.expect(')'); err != nil {
		return nil, err
	}
	p.gobble()
	body, term, err := p.block()
	if err != nil {
		return nil, err
	}
	if term != "end" {
		return nil, p.errf("#foreach without #end")
	}
	return &foreachNode{name: name, iter: it, body: body}, nil
}

func (p *parser) macroRest() error {
	if err := p.expect('('); err != nil {
		return err
	}
	p.ws()
	name := p.ident()
	if name == "" {
		return p.errf("#macro needs a name")
	}
	switch name {
	case "set", "if", "elseif", "else", "end", "foreach", "macro", "break", "stop":
		return p.errf("#macro name %q is reserved", name)
	}
	def := &macroDef{name: name}
	for {
		p.ws()
		if p.pos < len(p.src) && p.src[p.pos] == ')' {
			p.pos++
			break
		}
		if p.pos < len(p.src) && p.src[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos >= len(p.src) || p.src[p.pos] != '$' {
			return p.errf("#macro parameters are references")
		}
		p.pos++
		a := p.ident()
		if a == "" {
			return p.errf("#macro parameters are references")
		}
		def.params = append(def.params, a)
	}
	p.gobble()
	p.macros[name] = def // visible inside its own body (recursion is bounded by depth)
	body, term, err := p.block()
	if err != nil {
		return err
	}
	if term != "end" {
		return p.errf("#macro without #end")
	}
	def.body = body
	return nil
}

// ref parses a reference at '$'. ok=false: not a reference (the '$' is
// text); pos is then unspecified.
func (p *parser) ref() (*refExpr, bool, error) {
	start := p.pos
	p.pos++
	if p.pos < len(p.src) && p.src[p.pos] == '!' {
		p.pos++
	}
	brace := false
	if p.pos < len(p.src) && p.src[p.pos] == '{' {
		brace = true
		p.pos++
	}
	root := p.ident()
	if root == "" {
		return nil, false, nil
	}
	r := &refExpr{root: root}
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c == '.' && p.pos+1 < len(p.src) && isIdentStart(p.src[p.pos+1]) {
			p.pos++
			name := p.ident()
			if p.pos < len(p.src) && p.src[p.pos] == '(' {
				p.pos++
				args, err := p.args(')')
				if err != nil {
					return nil, false, err
				}
				r.parts = append(r.parts, part{kind: partCall, name: name, args: args})
				continue
			}
			r.parts = append(r.parts, part{kind: partProp, name: name})
			continue
		}
		if c == '[' {
			save := p.pos
			p.pos++
			x, err := p.expr()
			if err != nil || p.expect(']') != nil {
				p.pos = save // "$a[" followed by text: the '[' is text
				break
			}
			r.parts = append(r.parts, part{kind: partIndex, idx: x})
			continue
		}
		break
	}
	if brace {
		if p.pos >= len(p.src) || p.src[p.pos] != '}' {
			return nil, false, nil
		}
		p.pos++
	}
	r.raw = p.src[start:p.pos]
	return r, true, nil
}

func (p *parser) args(close byte) ([]expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	var args []expr
	p.ws()
	if p.pos < len(p.src) && p.src[p.pos] == close {
		p.pos++
		return nil, nil
	}
	for {
		a, err := p.expr()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		p.ws()
		if p.pos >= len(p.src) {
			return nil, p.errf("unterminated argument list")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case close:
			p.pos++
			return args, nil
		default:
			return nil, p.errf("expected ',' or %q", close)
		}
	}
}

// Expressions, lowest precedence first.
func (p *parser) expr() (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	return p.binary(0)
}

var precedence = [][]string{
	{"||", "or"},
	{"&&", "and"},
	{"==", "!=", "eq", "ne"},
	{"<=", ">=", "<", ">", "le", "ge", "lt", "gt"},
	{"+", "-"},
	{"*", "/", "%"},
}

var opName = map[string]string{"or": "||", "and": "&&", "eq": "==", "ne": "!=", "le": "<=", "ge": ">=", "lt": "<", "gt": ">"}

func (p *parser) binary(level int) (expr, error) {
	if level == len(precedence) {
		return p.unary()
	}
	l, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		p.ws()
		op := p.op(precedence[level])
		if op == "" {
			return l, nil
		}
		r, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		if o, ok := opName[op]; ok {
			op = o
		}
		l = &binExpr{op: op, l: l, r: r}
	}
}

// op reads one of ops at pos; word operators need a non-identifier after.
func (p *parser) op(ops []string) string {
	rest := p.src[p.pos:]
	for _, o := range ops {
		if !strings.HasPrefix(rest, o) {
			continue
		}
		if isIdentStart(o[0]) && len(rest) > len(o) && isIdentChar(rest[len(o)]) {
			continue
		}
		if o == "-" && len(rest) > 1 && rest[1] == '-' {
			continue
		}
		if (o == "<" || o == ">") && len(rest) > 1 && rest[1] == '=' {
			continue
		}
		p.pos += len(o)
		return o
	}
	return ""
}

func (p *parser) unary() (expr, error) {
	p.ws()
	if p.pos < len(p.src) && p.src[p.pos] == '!' && !strings.HasPrefix(p.src[p.pos:], "!=") {
		p.pos++
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &notExpr{x: x}, nil
	}
	if strings.HasPrefix(p.src[p.pos:], "not") && (len(p.src) == p.pos+3 || !isIdentChar(p.src[p.pos+3])) {
		p.pos += 3
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &notExpr{x: x}, nil
	}
	return p.primary()
}

func (p *parser) primary() (expr, error) {
	p.ws()
	if p.pos >= len(p.src) {
		return nil, p.errf("unexpected end of template in an expression")
	}
	c := p.src[p.pos]
	switch {
	case c == '$':
		r, ok, err := p.ref()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, p.errf("invalid reference")
		}
		return r, nil
	case c == '\'' || c == '"':
		return p.str(c)
	case c >= '0' && c <= '9' || c == '-' && p.pos+1 < len(p.src) && p.src[p.pos+1] >= '0' && p.src[p.pos+1] <= '9':
		return p.number()
	case c == '(':
		p.pos++
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		return x, p.expect(')')
	case c == '[':
		p.pos++
		p.ws()
		if p.pos < len(p.src) && p.src[p.pos] == ']' {
			p.pos++
			return &listExpr{}, nil
		}
		first, err := p.expr()
		if err != nil {
			return nil, err
		}
		p.ws()
		if strings.HasPrefix(p.src[p.pos:], "..") {
			p.pos += 2
			hi, err := p.expr()
			if err != nil {
				return nil, err
			}
			return &rangeExpr{lo: first, hi: hi}, p.expect(']')
		}
		l := &listExpr{items: []expr{first}}
		for {
			p.ws()
			if p.pos >= len(p.src) {
				return nil, p.errf("unterminated list")
			}
			if p.src[p.pos] == ']' {
				p.pos++
				return l, nil
			}
			if p.src[p.pos] != ',' {
				return nil, p.errf("expected ',' or ']'")
			}
			p.pos++
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			l.items = append(l.items, x)
		}
	case c == '{':
		p.pos++
		m := &mapExpr{}
		p.ws()
		if p.pos < len(p.src) && p.src[p.pos] == '}' {
			p.pos++
			return m, nil
		}
		for {
			k, err := p.expr()
			if err != nil {
				return nil, err
			}
			if err := p.expect(':'); err != nil {
				return nil, err
			}
			v, err := p.expr()
			if err != nil {
				return nil, err
			}
			m.keys, m.vals = append(m.keys, k), append(m.vals, v)
			p.ws()
			if p.pos >= len(p.src) {
				return nil, p.errf("unterminated map")
			}
			if p.src[p.pos] == '}' {
				p.pos++
				return m, nil
			}
			if p.src[p.pos] != ',' {
				return nil, p.errf("expected ',' or '}'")
			}
			p.pos++
		}
	}
	for _, w := range []struct {
		s string
		v any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(p.src[p.pos:], w.s) && (len(p.src) == p.pos+len(w.s) || !isIdentChar(p.src[p.pos+len(w.s)])) {
			p.pos += len(w.s)
			return &litExpr{v: w.v}, nil
		}
	}
	return nil, p.errf("unexpected %q in an expression", c)
}

func (p *parser) number() (expr, error) {
	s := p.pos
	if p.src[p.pos] == '-' {
		p.pos++
	}
	for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	float := false
	if p.pos+1 < len(p.src) && p.src[p.pos] == '.' && p.src[p.pos+1] >= '0' && p.src[p.pos+1] <= '9' {
		float = true
		p.pos++
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
	}
	lit := p.src[s:p.pos]
	if float {
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			return nil, p.errf("bad number %q", lit)
		}
		return &litExpr{v: f}, nil
	}
	i, err := strconv.ParseInt(lit, 10, 64)
	if err != nil {
		return nil, p.errf("bad number %q", lit)
	}
	return &litExpr{v: i}, nil
}

// str parses a string literal. Backslashes stay as written (Velocity 1.7
// does not unescape); a doubled quote is one quote. Double-quoted strings
// are templates themselves.
func (p *parser) str(q byte) (expr, error) {
	p.pos++
	var b strings.Builder
	for {
		if p.pos >= len(p.src) {
			return nil, p.errf("unterminated string")
		}
		c := p.src[p.pos]
		if c == '\\' && p.pos+1 < len(p.src) {
			b.WriteString(p.src[p.pos : p.pos+2])
			p.pos += 2
			continue
		}
		if c == q {
			if p.pos+1 < len(p.src) && p.src[p.pos+1] == q {
				b.WriteByte(q)
				p.pos += 2
				continue
			}
			p.pos++
			break
		}
		b.WriteByte(c)
		p.pos++
	}
	s := b.String()
	if q == '\'' || !strings.ContainsAny(s, "$#") {
		return &litExpr{v: s}, nil
	}
	sub := &parser{src: s, macros: p.macros, depth: p.depth}
	nodes, term, err := sub.block()
	if err != nil {
		return nil, err
	}
	if term != "" {
		return nil, p.errf("#%s inside a string", term)
	}
	return &strExpr{nodes: nodes}, nil
}
