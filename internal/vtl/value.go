package vtl

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
)

// Values a template works with are Go values standing in for the Java
// objects Velocity sees: nil (null), string, int64 (Integer/Long),
// float64 (Double), bool, *Map (LinkedHashMap: insertion order) and *List
// (ArrayList).

// Map is an insertion-ordered string-keyed map.
type Map struct {
	keys []string
	m    map[string]any
	once bool // a second Set of a key marks dup (SetOnce)
	dup  bool
}

// SetOnce makes every later Set of a key already present mark the map as
// Duplicated (API Gateway's overrides "may only be applied once").
func (m *Map) SetOnce() { m.once = true }

// Duplicated reports whether a key was set again after SetOnce.
func (m *Map) Duplicated() bool { return m.dup }

// NewMap returns an empty map.
func NewMap() *Map { return &Map{m: map[string]any{}} }

// Set adds or replaces k.
func (m *Map) Set(k string, v any) {
	if _, ok := m.m[k]; !ok {
		m.keys = append(m.keys, k)
	} else if m.once {
		m.dup = true
	}
	m.m[k] = v
}

// Get returns the value of k.
func (m *Map) Get(k string) (any, bool) {
	v, ok := m.m[k]
	return v, ok
}

// Delete removes k.
func (m *Map) Delete(k string) {
	if _, ok := m.m[k]; !ok {
		return
	}
	delete(m.m, k)
	for i, x := range m.keys {
		if x == k {
			m.keys = append(m.keys[:i:i], m.keys[i+1:]...)
			break
		}
	}
}

// Keys returns the keys in insertion order.
func (m *Map) Keys() []string { return m.keys }

// Len is the number of entries.
func (m *Map) Len() int { return len(m.keys) }

// StringMap builds a Map from string pairs, keys in the given order.
func StringMap(keys []string, get func(string) string) *Map {
	m := NewMap()
	for _, k := range keys {
		m.Set(k, get(k))
	}
	return m
}

// List is a mutable list.
type List struct{ items []any }

// NewList returns a list holding items.
func NewList(items ...any) *List { return &List{items: items} }

// Items returns the elements.
func (l *List) Items() []any { return l.items }

// toString renders v as Java's String.valueOf would (null as "").
func toString(v any) string {
	var b strings.Builder
	writeString(&b, v, 0)
	return b.String()
}

func writeString(b *strings.Builder, v any, depth int) {
	if depth > maxDepth {
		b.WriteString("...")
		return
	}
	switch x := v.(type) {
	case nil:
	case string:
		b.WriteString(x)
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(javaDouble(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case *Map:
		b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			if x.m[k] == nil {
				b.WriteString("null")
			} else {
				writeString(b, x.m[k], depth+1)
			}
		}
		b.WriteByte('}')
	case *List:
		b.WriteByte('[')
		for i, e := range x.items {
			if i > 0 {
				b.WriteString(", ")
			}
			if e == nil {
				b.WriteString("null")
			} else {
				writeString(b, e, depth+1)
			}
		}
		b.WriteByte(']')
	case *foreachState:
		b.WriteString("org.apache.velocity.runtime.directive.ForeachScope")
	case object:
		b.WriteString(x.name())
	}
}

// javaDouble formats f as Java's Double.toString.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	a := math.Abs(f)
	if a == 0 || (a >= 1e-3 && a < 1e7) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // 1.5E+10
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

// maxDepth bounds nesting of parsed JSON, of templates and of rendering.
const maxDepth = 256

var errTooDeep = errors.New("nesting too deep")

// toJSON serializes v as JSON (the way API Gateway's $input.json renders
// a JSONPath result).
func toJSON(b *strings.Builder, v any, depth int) {
	if depth > maxDepth {
		b.WriteString("null")
		return
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		writeJSONString(b, x)
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			b.WriteString("null")
			return
		}
		b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case *Map:
		b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			toJSON(b, x.m[k], depth+1)
		}
		b.WriteByte('}')
	case *List:
		b.WriteByte('[')
		for i, e := range x.items {
			if i > 0 {
				b.WriteByte(',')
			}
			toJSON(b, e, depth+1)
		}
		b.WriteByte(']')
	default:
		writeJSONString(b, toString(v))
	}
}

func writeJSONString(b *strings.Builder, s string) {
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false) // Jackson does not escape <, > and &
	_ = e.Encode(s)
	b.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}
