package vtl

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf16"
)

// Input is the request (or integration response) a template sees as
// $input.
type Input struct {
	Body []byte
	// Parameters for $input.params(): path, querystring, header (values
	// are strings). Nil maps are empty.
	Path, QueryString, Header *Map

	parsed  bool
	json    any
	jsonErr error
}

// BodyError is a body $input.path/$input.json could not parse as JSON.
// On a request API Gateway answers 400 "Could not parse request body into
// json: ..."; on a response, 500.
type BodyError struct{ Err error }

func (e *BodyError) Error() string { return "Could not parse request body into json: " + e.Err.Error() }

// Vars are the top-level references of an API Gateway mapping template.
type Vars struct {
	Input          *Input
	Context        *Map // $context (changed by #set, e.g. responseOverride)
	StageVariables *Map
}

// Render evaluates t against an API Gateway request.
func (t *Template) Render(v Vars, lim Limits) (string, error) {
	in := v.Input
	if in == nil {
		in = &Input{}
	}
	for _, m := range []**Map{&in.Path, &in.QueryString, &in.Header} {
		if *m == nil {
			*m = NewMap()
		}
	}
	if v.Context == nil {
		v.Context = NewMap()
	}
	if v.StageVariables == nil {
		v.StageVariables = NewMap()
	}
	vars := map[string]any{
		"input":          &inputObj{in: in},
		"util":           utilObj{},
		"context":        v.Context,
		"stageVariables": v.StageVariables,
	}
	return t.Execute(vars, lim)
}

type inputObj struct{ in *Input }

func (inputObj) name() string { return "$input" }

func (o *inputObj) body() (any, error) {
	in := o.in
	if !in.parsed {
		in.parsed = true
		if strings.TrimSpace(string(in.Body)) == "" {
			in.json = NewMap() // an empty payload is {} to $input.path/json
		} else if v, err := ParseJSON(in.Body); err != nil {
			in.jsonErr = &BodyError{Err: err}
		} else {
			in.json = v
		}
	}
	return in.json, in.jsonErr
}

func (o *inputObj) call(ev *evaluator, method string, args []any, property bool) (any, error) {
	in := o.in
	switch method {
	case "body", "getBody":
		if len(args) == 0 {
			s := string(in.Body)
			return s, ev.charge(len(s))
		}
	case "params", "getParams":
		switch len(args) {
		case 0:
			m := NewMap()
			m.Set("path", in.Path)
			m.Set("querystring", in.QueryString)
			m.Set("header", in.Header)
			return m, nil
		case 1:
			name, ok := argStr(args, 0)
			if !ok {
				return "", nil
			}
			if v, ok := in.Path.Get(name); ok {
				return v, nil
			}
			if v, ok := in.QueryString.Get(name); ok {
				return v, nil
			}
			for _, k := range in.Header.keys {
				if strings.EqualFold(k, name) {
					return in.Header.m[k], nil
				}
			}
			return "", nil
		}
	case "path", "json":
		if property || len(args) != 1 {
			return nil, nil
		}
		p, ok := argStr(args, 0)
		if !ok {
			return nil, nil
		}
		root, err := o.body()
		if err != nil {
			return nil, err
		}
		v, err := ev.jsonPath(root, p)
		if err != nil {
			return nil, err
		}
		if method == "path" {
			return v, nil
		}
		if v == nil {
			return "", nil // unverified against AWS: a missing path renders as nothing
		}
		var b strings.Builder
		toJSON(&b, v, 0)
		return b.String(), ev.charge(b.Len())
	}
	return nil, nil
}

type utilObj struct{}

func (utilObj) name() string { return "$util" }

func (utilObj) call(ev *evaluator, method string, args []any, property bool) (any, error) {
	if property || len(args) != 1 {
		return nil, nil
	}
	if args[0] == nil {
		return nil, nil
	}
	s := toString(args[0])
	out := func(r string) (any, error) { return r, ev.charge(len(r)) }
	switch method {
	case "escapeJavaScript":
		return out(EscapeJavaScript(s))
	case "parseJson":
		v, err := ParseJSON([]byte(s))
		if err != nil {
			return nil, evalErr("$util.parseJson: %v", err)
		}
		return v, ev.charge(len(s))
	case "urlEncode":
		return out(URLEncode(s))
	case "urlDecode":
		r, err := URLDecode(s)
		if err != nil {
			return nil, evalErr("$util.urlDecode: %v", err)
		}
		return out(r)
	case "base64Encode":
		return out(base64.StdEncoding.EncodeToString([]byte(s)))
	case "base64Decode":
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			// Java's decoder also accepts a missing padding.
			if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err != nil {
				return nil, evalErr("$util.base64Decode: %v", err)
			}
		}
		return out(string(b))
	}
	return nil, nil
}

// EscapeJavaScript escapes s with JavaScript string rules as API Gateway
// does (Apache Commons Lang's escapeJavaScript): quotes, backslash and '/'
// get a backslash, control characters their short or \u00XX escape,
// non-ASCII characters \uXXXX (UTF-16 code units).
func EscapeJavaScript(s string) string {
	var b strings.Builder
	const hex = "0123456789ABCDEF"
	u := func(c uint16) {
		b.WriteString(`\u`)
		b.WriteByte(hex[c>>12&0xf])
		b.WriteByte(hex[c>>8&0xf])
		b.WriteByte(hex[c>>4&0xf])
		b.WriteByte(hex[c&0xf])
	}
	for _, r := range s {
		switch {
		case r >= 0x80:
			for _, c := range utf16.Encode([]rune{r}) {
				u(c)
			}
		case r < 0x20:
			switch r {
			case '\b':
				b.WriteString(`\b`)
			case '\n':
				b.WriteString(`\n`)
			case '\t':
				b.WriteString(`\t`)
			case '\f':
				b.WriteString(`\f`)
			case '\r':
				b.WriteString(`\r`)
			default:
				u(uint16(r))
			}
		case r == '\'' || r == '"' || r == '\\' || r == '/':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// URLEncode is Java's URLEncoder.encode(s, "UTF-8"): letters, digits and
// ".-*_" as they are, space as '+', everything else %XX.
func URLEncode(s string) string {
	var b strings.Builder
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '*' || c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
	}
	return b.String()
}

// URLDecode is Java's URLDecoder.decode(s, "UTF-8").
func URLDecode(s string) (string, error) {
	return url.QueryUnescape(s)
}

// jsonPath evaluates the JSONPath subset API Gateway supports: $, .key,
// ['key'], [n], [*], .*, [a,b], [start:end] and deep scan (..). A definite
// path gives its value (nil when absent), an indefinite one a list.
func (ev *evaluator) jsonPath(root any, path string) (any, error) {
	path = strings.TrimSpace(path)
	if !strings.HasPrefix(path, "$") {
		if strings.HasPrefix(path, "[") {
			path = "$" + path
		} else {
			path = "$." + path
		}
	}
	nodes := []any{root}
	definite := true
	i := 1
	for i < len(path) {
		if err := ev.step(); err != nil {
			return nil, err
		}
		deep := false
		switch {
		case strings.HasPrefix(path[i:], ".."):
			deep = true
			definite = false
			i += 2
		case path[i] == '.':
			i++
		}
		var sel selector
		if i < len(path) && path[i] == '[' {
			j, s, err := parseBracket(path, i)
			if err != nil {
				return nil, err
			}
			sel, i = s, j
		} else {
			j := i
			for j < len(path) && path[j] != '.' && path[j] != '[' {
				j++
			}
			name := path[i:j]
			if name == "" {
				return nil, evalErr("invalid JSONPath %q", path)
			}
			if name == "*" {
				sel = selector{wild: true}
			} else {
				sel = selector{keys: []string{name}}
			}
			i = j
		}
		if sel.wild || len(sel.keys) > 1 || len(sel.idx) > 1 || sel.slice {
			definite = false
		}
		var next []any
		visit := func(n any) error {
			if err := ev.step(); err != nil {
				return err
			}
			next = sel.apply(n, next)
			return nil
		}
		for _, n := range nodes {
			if deep {
				if err := walk(n, visit, 0); err != nil {
					return nil, err
				}
			} else if err := visit(n); err != nil {
				return nil, err
			}
		}
		if len(next) > 1<<20 {
			return nil, fmt.Errorf("%w: JSONPath result too large", ErrBudget)
		}
		nodes = next
	}
	if definite {
		if len(nodes) == 0 {
			return nil, nil
		}
		return nodes[0], nil
	}
	return &List{items: nodes}, nil
}

// walk visits n and every value below it, depth first.
func walk(n any, f func(any) error, depth int) error {
	if depth > maxDepth {
		return errTooDeep
	}
	if err := f(n); err != nil {
		return err
	}
	switch x := n.(type) {
	case *Map:
		for _, k := range x.keys {
			if err := walk(x.m[k], f, depth+1); err != nil {
				return err
			}
		}
	case *List:
		for _, e := range x.items {
			if err := walk(e, f, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

type selector struct {
	wild       bool
	keys       []string
	idx        []int
	slice      bool
	start, end int
	hasStart   bool
	hasEnd     bool
}

func (s selector) apply(n any, out []any) []any {
	switch x := n.(type) {
	case *Map:
		if s.wild {
			for _, k := range x.keys {
				out = append(out, x.m[k])
			}
		}
		for _, k := range s.keys {
			if v, ok := x.Get(k); ok {
				out = append(out, v)
			}
		}
	case *List:
		if s.wild {
			out = append(out, x.items...)
		}
		for _, i := range s.idx {
			if i < 0 {
				i += len(x.items)
			}
			if i >= 0 && i < len(x.items) {
				out = append(out, x.items[i])
			}
		}
		if s.slice {
			a, b := 0, len(x.items)
			if s.hasStart {
				a = s.start
			}
			if s.hasEnd {
				b = s.end
			}
			if a < 0 {
				a += len(x.items)
			}
			if b < 0 {
				b += len(x.items)
			}
			a, b = max(a, 0), min(b, len(x.items))
			if a < b {
				out = append(out, x.items[a:b]...)
			}
		}
	}
	return out
}

var errPath = errors.New("invalid JSONPath")

// parseBracket parses [..] at path[i]; returns the index after ']'.
func parseBracket(path string, i int) (int, selector, error) {
	end := -1
	var quote byte
	for j := i + 1; j < len(path); j++ {
		c := path[j]
		if quote != 0 {
			if c == quote {
				quote = 0
			}
			continue
		}
		if c == '\'' || c == '"' {
			quote = c
			continue
		}
		if c == ']' {
			end = j
			break
		}
	}
	if end < 0 {
		return 0, selector{}, evalErr("%v %q: unterminated [", errPath, path)
	}
	in := strings.TrimSpace(path[i+1 : end])
	var s selector
	switch {
	case in == "*":
		s.wild = true
	case strings.HasPrefix(in, "?"):
		return 0, s, evalErr("JSONPath filter expressions are not supported: %q", path)
	case strings.HasPrefix(in, "'") || strings.HasPrefix(in, "\""):
		for _, p := range splitTop(in) {
			p = strings.TrimSpace(p)
			if len(p) < 2 || p[0] != p[len(p)-1] || (p[0] != '\'' && p[0] != '"') {
				return 0, s, evalErr("%v %q", errPath, path)
			}
			s.keys = append(s.keys, p[1:len(p)-1])
		}
	case strings.Contains(in, ":"):
		s.slice = true
		a, b, _ := strings.Cut(in, ":")
		b, _, _ = strings.Cut(b, ":")
		if a = strings.TrimSpace(a); a != "" {
			n, err := atoi(a)
			if err != nil {
				return 0, s, evalErr("%v %q", errPath, path)
			}
			s.start, s.hasStart = n, true
		}
		if b = strings.TrimSpace(b); b != "" {
			n, err := atoi(b)
			if err != nil {
				return 0, s, evalErr("%v %q", errPath, path)
			}
			s.end, s.hasEnd = n, true
		}
	default:
		for _, p := range strings.Split(in, ",") {
			n, err := atoi(strings.TrimSpace(p))
			if err != nil {
				return 0, s, evalErr("%v %q", errPath, path)
			}
			s.idx = append(s.idx, n)
		}
	}
	return end + 1, s, nil
}

func splitTop(s string) []string {
	var out []string
	var quote byte
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			if c == quote {
				quote = 0
			}
			continue
		}
		if c == '\'' || c == '"' {
			quote = c
		} else if c == ',' {
			out = append(out, s[last:i])
			last = i + 1
		}
	}
	return append(out, s[last:])
}

func atoi(s string) (int, error) {
	n := 0
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	if s == "" || len(s) > 9 {
		return 0, errPath
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errPath
		}
		n = n*10 + int(s[i]-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}
