package vtl

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf16"
)

// call invokes method name on v with Java semantics for the receiver's
// class (String, Map, List, numbers, booleans, built-in objects).
func (ev *evaluator) call(v any, name string, args []any) (any, error) {
	switch x := v.(type) {
	case string:
		return ev.stringMethod(x, name, args)
	case *Map:
		return ev.mapMethod(x, name, args)
	case *List:
		return ev.listMethod(x, name, args)
	case object:
		return x.call(ev, name, args, false)
	case *foreachState:
		if len(args) == 0 {
			switch name {
			case "hasNext", "isHasNext", "getHasNext":
				return x.has, nil
			case "getIndex":
				return int64(x.index), nil
			case "getCount":
				return int64(x.count), nil
			case "isFirst", "getFirst":
				return x.index == 0, nil
			case "isLast", "getLast":
				return !x.has, nil
			}
		}
		return nil, nil
	}
	switch name {
	case "toString":
		if len(args) == 0 {
			return toString(v), nil
		}
	case "equals":
		if len(args) == 1 {
			return equal(v, args[0]) && sameKind(v, args[0]), nil
		}
	case "intValue", "longValue":
		if i, ok := toInt(v); ok && isNum(v) {
			return i, nil
		}
	case "doubleValue", "floatValue":
		if isNum(v) {
			return toFloat(v), nil
		}
	case "booleanValue":
		if b, ok := v.(bool); ok {
			return b, nil
		}
	}
	return nil, nil // no such method: Velocity renders the reference as null
}

func sameKind(a, b any) bool {
	switch a.(type) {
	case int64:
		_, ok := b.(int64)
		return ok
	case float64:
		_, ok := b.(float64)
		return ok
	case bool:
		_, ok := b.(bool)
		return ok
	}
	return true
}

// Java strings index UTF-16 code units.
type jstr []uint16

func toJ(s string) jstr       { return utf16.Encode([]rune(s)) }
func (j jstr) String() string { return string(utf16.Decode(j)) }

func jindex(h, n jstr, from int) int {
	if from < 0 {
		from = 0
	}
	for i := from; i+len(n) <= len(h); i++ {
		if eq16(h[i:i+len(n)], n) {
			return i
		}
	}
	return -1
}

func jlastIndex(h, n jstr) int {
	for i := len(h) - len(n); i >= 0; i-- {
		if eq16(h[i:i+len(n)], n) {
			return i
		}
	}
	return -1
}

func eq16(a, b jstr) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func argStr(args []any, i int) (string, bool) {
	if i >= len(args) || args[i] == nil {
		return "", false
	}
	return toString(args[i]), true
}

func argInt(args []any, i int) (int, bool) {
	if i >= len(args) {
		return 0, false
	}
	n, ok := args[i].(int64)
	if !ok || n > 1<<31 || n < -(1<<31) {
		return 0, false
	}
	return int(n), true
}

func (ev *evaluator) regex(pat string) (*regexp.Regexp, error) {
	if re, ok := ev.res[pat]; ok {
		return re, nil
	}
	if len(pat) > 4096 {
		return nil, evalErr("regular expression too long")
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, evalErr("invalid regular expression %q: %v", pat, err)
	}
	if ev.res == nil {
		ev.res = map[string]*regexp.Regexp{}
	}
	if len(ev.res) < 64 {
		ev.res[pat] = re
	}
	return re, nil
}

// javaReplacement turns a Java replacement string ($1, \$) into Go's
// (${1}, $$).
func javaReplacement(r string) string {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c == '\\' && i+1 < len(r):
			i++
			if r[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(r[i])
			}
		case c == '$':
			j := i + 1
			for j < len(r) && r[j] >= '0' && r[j] <= '9' {
				j++
			}
			if j == i+1 {
				b.WriteString("$$")
			} else {
				b.WriteString("${" + r[i+1:j] + "}")
				i = j - 1
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func (ev *evaluator) stringMethod(s, name string, args []any) (any, error) {
	out := func(r string) (any, error) { return r, ev.charge(len(r)) }
	switch name {
	case "toString", "trim", "toLowerCase", "toUpperCase", "length", "isEmpty", "isBlank", "strip", "intern":
		if len(args) != 0 {
			return nil, nil
		}
		switch name {
		case "toString", "intern":
			return s, nil
		case "trim":
			return strings.Trim(s, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "), nil
		case "strip":
			return strings.TrimSpace(s), nil
		case "toLowerCase":
			return out(strings.ToLower(s))
		case "toUpperCase":
			return out(strings.ToUpper(s))
		case "length":
			if isASCII(s) {
				return int64(len(s)), nil
			}
			return int64(len(toJ(s))), nil
		case "isEmpty":
			return s == "", nil
		case "isBlank":
			return strings.TrimSpace(s) == "", nil
		}
	case "equals", "equalsIgnoreCase", "contains", "startsWith", "endsWith", "concat", "matches", "compareTo":
		if len(args) < 1 {
			return nil, nil
		}
		a, ok := argStr(args, 0)
		switch name {
		case "equals":
			_, isStr := args[0].(string)
			return isStr && a == s, nil
		case "equalsIgnoreCase":
			return ok && strings.EqualFold(a, s), nil
		}
		if !ok {
			return nil, evalErr("%s(null)", name)
		}
		switch name {
		case "contains":
			return strings.Contains(s, a), nil
		case "startsWith":
			if off, ok := argInt(args, 1); ok {
				j := toJ(s)
				if off < 0 || off > len(j) {
					return false, nil
				}
				return strings.HasPrefix(j[off:].String(), a), nil
			}
			return strings.HasPrefix(s, a), nil
		case "endsWith":
			return strings.HasSuffix(s, a), nil
		case "concat":
			return out(s + a)
		case "compareTo":
			return int64(strings.Compare(s, a)), nil
		case "matches":
			re, err := ev.regex("^(?:" + a + ")$")
			if err != nil {
				return nil, err
			}
			return re.MatchString(s), nil
		}
	case "substring", "charAt":
		j := toJ(s)
		b, ok := argInt(args, 0)
		if !ok {
			return nil, nil
		}
		if name == "charAt" {
			if b < 0 || b >= len(j) {
				return nil, evalErr("charAt(%d) out of range for length %d", b, len(j))
			}
			return j[b : b+1].String(), nil
		}
		e := len(j)
		if len(args) > 1 {
			if e, ok = argInt(args, 1); !ok {
				return nil, nil
			}
		}
		if b < 0 || e > len(j) || b > e {
			return nil, evalErr("substring(%d, %d) out of range for length %d", b, e, len(j))
		}
		return j[b:e].String(), nil
	case "indexOf", "lastIndexOf":
		a, ok := argStr(args, 0)
		if !ok {
			return nil, nil
		}
		if isASCII(s) && isASCII(a) && len(args) == 1 {
			if name == "indexOf" {
				return int64(strings.Index(s, a)), nil
			}
			return int64(strings.LastIndex(s, a)), nil
		}
		if name == "lastIndexOf" {
			return int64(jlastIndex(toJ(s), toJ(a))), nil
		}
		from, _ := argInt(args, 1)
		return int64(jindex(toJ(s), toJ(a), from)), nil
	case "replace":
		a, ok1 := argStr(args, 0)
		b, ok2 := argStr(args, 1)
		if !ok1 || !ok2 {
			return nil, nil
		}
		if a == "" {
			return nil, nil
		}
		if n := strings.Count(s, a); n > 0 && len(b) > len(a) {
			if err := ev.charge(n * (len(b) - len(a))); err != nil {
				return nil, err
			}
		}
		return out(strings.ReplaceAll(s, a, b))
	case "replaceAll", "replaceFirst":
		a, ok1 := argStr(args, 0)
		b, ok2 := argStr(args, 1)
		if !ok1 || !ok2 {
			return nil, nil
		}
		re, err := ev.regex(a)
		if err != nil {
			return nil, err
		}
		repl := javaReplacement(b)
		if name == "replaceFirst" {
			loc := re.FindStringSubmatchIndex(s)
			if loc == nil {
				return s, nil
			}
			var dst []byte
			dst = re.ExpandString(dst, repl, s, loc)
			return out(s[:loc[0]] + string(dst) + s[loc[1]:])
		}
		// Bound the matches (and so the result) before building it.
		per := len(repl) + 48
		maxN := ev.remaining()/per + 1
		n := len(re.FindAllStringIndex(s, maxN+1))
		if n > maxN {
			return nil, fmt.Errorf("%w: replaceAll over %d matches", ErrBudget, maxN)
		}
		if err := ev.charge(n * per); err != nil {
			return nil, err
		}
		return out(re.ReplaceAllString(s, repl))
	case "split":
		a, ok := argStr(args, 0)
		if !ok {
			return nil, nil
		}
		limit := 0
		if len(args) > 1 {
			if limit, ok = argInt(args, 1); !ok {
				return nil, nil
			}
		}
		re, err := ev.regex(a)
		if err != nil {
			return nil, err
		}
		maxN := ev.remaining()/48 + 1
		n := maxN + 1
		if limit > 0 && limit < n {
			n = limit
		}
		parts := re.Split(s, n)
		if len(parts) > maxN {
			return nil, fmt.Errorf("%w: split into over %d parts", ErrBudget, maxN)
		}
		// Java drops a leading empty string for a zero-width match at 0,
		// and trailing empty strings when limit == 0.
		if len(parts) > 1 && parts[0] == "" && s != "" {
			if loc := re.FindStringIndex(s); loc != nil && loc[0] == 0 && loc[1] == 0 {
				parts = parts[1:]
			}
		}
		if limit == 0 {
			for len(parts) > 0 && parts[len(parts)-1] == "" {
				parts = parts[:len(parts)-1]
			}
			if len(parts) == 0 && s == "" {
				parts = []string{""}
			}
		}
		if err := ev.charge(len(parts) * 16); err != nil {
			return nil, err
		}
		l := &List{items: make([]any, len(parts))}
		for i, p := range parts {
			l.items[i] = p
		}
		return l, nil
	case "getBytes":
		return s, nil
	}
	return nil, nil
}

func (ev *evaluator) mapMethod(m *Map, name string, args []any) (any, error) {
	switch name {
	case "get", "getOrDefault":
		k, ok := argStr(args, 0)
		if !ok {
			return nil, nil
		}
		v, found := m.Get(k)
		if !found && name == "getOrDefault" && len(args) > 1 {
			return args[1], nil
		}
		return v, nil
	case "containsKey":
		k, ok := argStr(args, 0)
		if !ok {
			return false, nil
		}
		_, found := m.Get(k)
		return found, nil
	case "containsValue":
		if len(args) != 1 {
			return nil, nil
		}
		for _, k := range m.keys {
			if equal(m.m[k], args[0]) {
				return true, nil
			}
		}
		return false, nil
	case "keySet", "values", "entrySet":
		if err := ev.charge(len(m.keys) * 16); err != nil {
			return nil, err
		}
		l := &List{items: make([]any, len(m.keys))}
		for i, k := range m.keys {
			switch name {
			case "keySet":
				l.items[i] = k
			case "values":
				l.items[i] = m.m[k]
			default:
				e := NewMap()
				e.Set("key", k)
				e.Set("value", m.m[k])
				l.items[i] = e
			}
		}
		return l, nil
	case "size":
		return int64(m.Len()), nil
	case "isEmpty":
		return m.Len() == 0, nil
	case "put", "putIfAbsent":
		k, ok := argStr(args, 0)
		if !ok || len(args) != 2 {
			return nil, nil
		}
		prev, found := m.Get(k)
		if name == "putIfAbsent" && found && prev != nil {
			return prev, nil
		}
		if err := ev.charge(len(k) + 16); err != nil {
			return nil, err
		}
		m.Set(k, args[1])
		return prev, nil
	case "putAll":
		if o, ok := argMap(args); ok && o != m {
			if err := ev.charge(o.Len() * 16); err != nil {
				return nil, err
			}
			for _, k := range o.keys {
				m.Set(k, o.m[k])
			}
		}
		return nil, nil
	case "remove":
		k, ok := argStr(args, 0)
		if !ok {
			return nil, nil
		}
		prev, _ := m.Get(k)
		m.Delete(k)
		return prev, nil
	case "clear":
		m.keys, m.m = nil, map[string]any{}
		return nil, nil
	case "toString":
		s := toString(m)
		return s, ev.charge(len(s))
	case "equals":
		if len(args) == 1 {
			return toString(m) == toString(args[0]), nil
		}
	}
	return nil, nil
}

func argMap(args []any) (*Map, bool) {
	if len(args) != 1 {
		return nil, false
	}
	m, ok := args[0].(*Map)
	return m, ok
}

func (ev *evaluator) listMethod(l *List, name string, args []any) (any, error) {
	switch name {
	case "size", "count": // AWS's reference shows $input.path('$.pets').count()
		return int64(len(l.items)), nil
	case "isEmpty":
		return len(l.items) == 0, nil
	case "get":
		if len(args) != 1 {
			return nil, nil
		}
		i, ok := listIndex(args[0], len(l.items))
		if !ok {
			return nil, evalErr("index %s out of bounds for length %d", toString(args[0]), len(l.items))
		}
		return l.items[i], nil
	case "contains", "indexOf":
		if len(args) != 1 {
			return nil, nil
		}
		for i, x := range l.items {
			if equal(x, args[0]) {
				if name == "indexOf" {
					return int64(i), nil
				}
				return true, nil
			}
		}
		if name == "indexOf" {
			return int64(-1), nil
		}
		return false, nil
	case "add":
		if err := ev.charge(16); err != nil {
			return nil, err
		}
		switch len(args) {
		case 1:
			l.items = append(l.items, args[0])
			return true, nil
		case 2:
			i, ok := args[0].(int64)
			if !ok || i < 0 || i > int64(len(l.items)) {
				return nil, evalErr("add: index out of bounds")
			}
			l.items = append(l.items, nil)
			copy(l.items[i+1:], l.items[i:])
			l.items[i] = args[1]
			return nil, nil
		}
	case "addAll":
		if len(args) == 1 {
			if o, ok := args[0].(*List); ok {
				if err := ev.charge(len(o.items) * 16); err != nil {
					return nil, err
				}
				l.items = append(l.items, o.items...)
				return true, nil
			}
		}
	case "set":
		if len(args) == 2 {
			i, ok := listIndex(args[0], len(l.items))
			if !ok {
				return nil, evalErr("set: index out of bounds")
			}
			prev := l.items[i]
			l.items[i] = args[1]
			return prev, nil
		}
	case "remove":
		if len(args) == 1 {
			if i, ok := args[0].(int64); ok {
				if i < 0 || i >= int64(len(l.items)) {
					return nil, evalErr("remove: index out of bounds")
				}
				prev := l.items[i]
				l.items = append(l.items[:i:i], l.items[i+1:]...)
				return prev, nil
			}
			for i, x := range l.items {
				if equal(x, args[0]) {
					l.items = append(l.items[:i:i], l.items[i+1:]...)
					return true, nil
				}
			}
			return false, nil
		}
	case "clear":
		l.items = nil
		return nil, nil
	case "toString":
		s := toString(l)
		return s, ev.charge(len(s))
	case "equals":
		if len(args) == 1 {
			return toString(l) == toString(args[0]), nil
		}
	}
	return nil, nil
}

// listIndex is a Java List index: 0 <= i < n.
func listIndex(k any, n int) (int, bool) {
	i, ok := k.(int64)
	return int(i), ok && i >= 0 && i < int64(n)
}
