package iam

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
)

// rowDecoder decodes user and managed policy records for a build: with
// 100,000 of each behind a million-key start-up, encoding/json's
// reflection was the largest decoding cost left after the access keys
// (keydecode.go; issue #17). As there, only records in the exact form
// json.Marshal writes (which is how every one is written) are read by
// hand, and anything else goes to encoding/json: the fast path accepts only
// what it reads exactly as encoding/json would (TestRowDecoderMatches-
// EncodingJSON, FuzzRowDecoder). Account ids and paths, repeated in every
// record, are shared.
type rowDecoder struct {
	keys keyDecoder // its intern table
}

func (d *rowDecoder) user(b []byte) (*User, error) {
	if u, ok := d.fastUser(b); ok {
		return u, nil
	}
	u := new(User)
	if err := json.Unmarshal(b, u); err != nil {
		return nil, err
	}
	return u, nil
}

func (d *rowDecoder) policy(b []byte) (*ManagedPolicy, error) {
	if p, ok := d.fastPolicy(b); ok {
		return p, nil
	}
	p := new(ManagedPolicy)
	if err := json.Unmarshal(b, p); err != nil {
		return nil, err
	}
	return p, nil
}

// fastUser reads {"account":…,"name":…,"path":…,"id":…,"created":…
// [,"inline":[{"name":…,"doc":…},…]][,"attached":[…]][,"boundary":…]
// [,"tags":[{"k":…,"v":…},…]][,"groups":[…]]}.
func (d *rowDecoder) fastUser(b []byte) (*User, bool) {
	p := &rowParser{keyParser: keyParser{b: b}, d: d}
	u := new(User)
	ok := p.lit(`{"account":`) && p.istr(&u.Account) && p.lit(`,"name":`) && p.str(&u.Name) &&
		p.lit(`,"path":`) && p.istr(&u.Path) && p.lit(`,"id":`) && p.str(&u.ID) &&
		p.lit(`,"created":`) && p.time(&u.Created)
	if ok && p.lit(`,"inline":`) {
		ok = p.inline(&u.Inline)
	}
	if ok && p.lit(`,"attached":`) {
		ok = p.strs(&u.Attached)
	}
	if ok && p.lit(`,"boundary":`) {
		ok = p.str(&u.Boundary)
	}
	if ok && p.lit(`,"tags":`) {
		ok = p.tags(&u.Tags)
	}
	if ok && p.lit(`,"groups":`) {
		ok = p.strs(&u.Groups)
	}
	return u, ok && p.end()
}

// fastPolicy reads {"account":…,"name":…,"path":…,"id":…[,"description":…],
// "created":…,"updated":…,"default":…,"next":N,"versions":null|[{"id":…,
// "doc":…,"created":…},…][,"tags":[…]]}.
func (d *rowDecoder) fastPolicy(b []byte) (*ManagedPolicy, bool) {
	p := &rowParser{keyParser: keyParser{b: b}, d: d}
	m := new(ManagedPolicy)
	ok := p.lit(`{"account":`) && p.istr(&m.Account) && p.lit(`,"name":`) && p.str(&m.Name) &&
		p.lit(`,"path":`) && p.istr(&m.Path) && p.lit(`,"id":`) && p.str(&m.ID)
	if ok && p.lit(`,"description":`) {
		ok = p.str(&m.Description)
	}
	ok = ok && p.lit(`,"created":`) && p.time(&m.Created) && p.lit(`,"updated":`) && p.time(&m.Updated) &&
		p.lit(`,"default":`) && p.istr(&m.DefaultVersion) && p.lit(`,"next":`) && p.int(&m.NextVersion) &&
		p.lit(`,"versions":`)
	if ok && !p.lit(`null`) {
		ok = p.list(func() bool {
			var v PolicyVersion
			if !(p.lit(`{"id":`) && p.istr(&v.ID) && p.lit(`,"doc":`) && p.str(&v.Document) &&
				p.lit(`,"created":`) && p.time(&v.Created) && p.lit(`}`)) {
				return false
			}
			m.Versions = append(m.Versions, v)
			return true
		})
	}
	if ok && p.lit(`,"tags":`) {
		ok = p.tags(&m.Tags)
	}
	return m, ok && p.end()
}

// rowParser reads the canonical JSON of one record; every method returns
// false on anything it does not read exactly as encoding/json would.
type rowParser struct {
	keyParser
	d   *rowDecoder
	buf []byte
}

func (p *rowParser) end() bool { return p.lit(`}`) && p.i == len(p.b) }

// raw reads a JSON string and gives its contents unescaped. It knows the
// two-character escapes; a \u escape, a control character or invalid
// UTF-8 (which encoding/json would replace) leaves the record to
// encoding/json. The result aliases p.b or p.buf.
func (p *rowParser) raw() ([]byte, bool) {
	b := p.b
	if p.i >= len(b) || b[p.i] != '"' {
		return nil, false
	}
	start := p.i + 1
	escaped, high := false, false
	j := start
	for ; j < len(b); j++ {
		c := b[j]
		if c == '"' {
			break
		}
		switch {
		case c == '\\':
			escaped = true
			j++
			if j >= len(b) {
				return nil, false
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			default:
				return nil, false
			}
		case c < 0x20:
			return nil, false
		case c >= 0x80:
			high = true
		}
	}
	if j >= len(b) {
		return nil, false
	}
	s := b[start:j]
	p.i = j + 1
	if high && !utf8.Valid(s) {
		return nil, false
	}
	if !escaped {
		return s, true
	}
	out := p.buf[:0]
	for k := 0; k < len(s); k++ {
		c := s[k]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		k++
		switch s[k] {
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		default:
			c = s[k]
		}
		out = append(out, c)
	}
	p.buf = out
	return out, true
}

func (p *rowParser) str(out *string) bool {
	s, ok := p.raw()
	if ok {
		*out = string(s)
	}
	return ok
}

// istr is str for values many records share.
func (p *rowParser) istr(out *string) bool {
	s, ok := p.raw()
	if ok {
		*out = p.d.keys.str(s)
	}
	return ok
}

// time reads a time as encoding/json does: by handing the quoted string,
// which has no escapes, to time.Time's own UnmarshalJSON.
func (p *rowParser) time(out *time.Time) bool {
	from := p.i
	var s []byte
	if !p.keyParser.str(&s) {
		return false
	}
	return out.UnmarshalJSON(p.b[from:p.i]) == nil
}

// int reads -?(0|[1-9][0-9]*) that fits an int.
func (p *rowParser) int(out *int) bool {
	from, j := p.i, p.i
	if j < len(p.b) && p.b[j] == '-' {
		j++
	}
	digits := j
	for j < len(p.b) && p.b[j] >= '0' && p.b[j] <= '9' {
		j++
	}
	if j == digits || (p.b[digits] == '0' && j > digits+1) {
		return false
	}
	n, err := strconv.Atoi(string(p.b[from:j]))
	if err != nil {
		return false
	}
	*out, p.i = n, j
	return true
}

// list reads a non-empty array, calling elem for each element (an empty
// array, which json.Marshal never writes for these omitempty fields, is
// left to encoding/json).
func (p *rowParser) list(elem func() bool) bool {
	if !p.lit(`[`) {
		return false
	}
	for {
		if !elem() {
			return false
		}
		if p.lit(`]`) {
			return true
		}
		if !p.lit(`,`) {
			return false
		}
	}
}

func (p *rowParser) strs(out *[]string) bool {
	return p.list(func() bool {
		var s string
		if !p.str(&s) {
			return false
		}
		*out = append(*out, s)
		return true
	})
}

func (p *rowParser) inline(out *[]InlinePolicy) bool {
	return p.list(func() bool {
		var ip InlinePolicy
		if !(p.lit(`{"name":`) && p.str(&ip.Name) && p.lit(`,"doc":`) && p.str(&ip.Document) && p.lit(`}`)) {
			return false
		}
		*out = append(*out, ip)
		return true
	})
}

func (p *rowParser) tags(out *[]authn.Tag) bool {
	return p.list(func() bool {
		var t authn.Tag
		if !(p.lit(`{"k":`) && p.str(&t.Key) && p.lit(`,"v":`) && p.str(&t.Value) && p.lit(`}`)) {
			return false
		}
		*out = append(*out, t)
		return true
	})
}
