package vtl

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// parseJSONTokens (the former decoder, a reference for FuzzParseJSON) decodes JSON text into Values (objects as *Map keeping their
// order, arrays as *List, integral numbers as int64, others float64).
func parseJSONTokens(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	v, err := decodeValue(d, 0)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err == nil {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

func decodeValue(d *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch x := t.(type) {
	case json.Delim:
		switch x {
		case '{':
			m := NewMap()
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeValue(d, depth+1)
				if err != nil {
					return nil, err
				}
				m.Set(k, v)
			}
			if _, err := d.Token(); err != nil {
				return nil, err
			}
			return m, nil
		case '[':
			l := &List{}
			for d.More() {
				v, err := decodeValue(d, depth+1)
				if err != nil {
					return nil, err
				}
				l.items = append(l.items, v)
			}
			if _, err := d.Token(); err != nil {
				return nil, err
			}
			return l, nil
		}
		return nil, errors.New("unexpected delimiter")
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i, nil
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return nil, err
		}
		return f, nil
	default:
		return x, nil // string, bool, nil
	}
}

// FuzzParseJSON: ParseJSON accepts what json.Valid accepts (up to its
// nesting limit) and decodes it to the values the token decoder gives.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,-0,1e3,"x\u00e9\ud83d\ude00"],"b":{"c":null,"d":true}}`, `"\xff"`, "[1,]", `{"a" 1}`,
		"123456789012345678901234567890", "1e999", `"a\tb"`, "\"\xc3\x28\"", "  [ ]  ", "{}x", "-", "01", "[\"\x01\"]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err1 := ParseJSON(b)
		if errors.Is(err1, errTooDeep) {
			return
		}
		if (err1 == nil) != json.Valid(b) {
			t.Fatalf("%q: ParseJSON err %v, json.Valid %v", b, err1, json.Valid(b))
		}
		if err1 != nil {
			return
		}
		want, err2 := parseJSONTokens(b)
		if err2 != nil && errors.Is(err2, strconv.ErrRange) {
			return
		}
		if err2 != nil {
			t.Fatalf("%q: token decoder: %v", b, err2)
		}
		var g, w strings.Builder
		toJSON(&g, got, 0)
		toJSON(&w, want, 0)
		if g.String() != w.String() {
			t.Fatalf("%q: %s != %s", b, g.String(), w.String())
		}
	})
}
