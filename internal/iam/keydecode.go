package iam

import (
	"bytes"
	"encoding/json"
	"time"
)

// keyDecoder decodes access key records for a full build, where a million
// of them made encoding/json's reflection the largest cost of a start-up
// (issue #17). Records in the exact form json.Marshal gives an AccessKey
// (which is how every one is written) are read by hand; anything else
// goes to encoding/json, so the fast path decides nothing on its own: it
// accepts only what it reads exactly as encoding/json would. The account
// and status strings, repeated in every record, are shared.
type keyDecoder struct {
	intern map[string]string
}

func (d *keyDecoder) decode(b []byte) (*AccessKey, error) {
	if k, ok := d.fast(b); ok {
		return k, nil
	}
	k := new(AccessKey)
	if err := json.Unmarshal(b, k); err != nil {
		return nil, err
	}
	return k, nil
}

func (d *keyDecoder) str(b []byte) string {
	if d.intern == nil {
		d.intern = map[string]string{}
	}
	if s, ok := d.intern[string(b)]; ok {
		return s
	}
	if len(d.intern) > 4096 {
		return string(b)
	}
	s := string(b)
	d.intern[s] = s
	return s
}

// fast reads {"id":…,"account":…[,"user":…],"secret":…,"status":…,
// "created":…[,"bootstrap":true]} with plain printable-ASCII strings.
func (d *keyDecoder) fast(b []byte) (*AccessKey, bool) {
	f, ok := d.fastSpans(b)
	if !ok {
		return nil, false
	}
	k := &AccessKey{ID: string(f.id), Account: d.str(f.account), Secret: string(f.secret), Status: d.str(f.status),
		Created: f.created, Bootstrap: f.bootstrap}
	if len(f.user) > 0 {
		k.User = string(f.user)
	}
	return k, true
}

func (d *keyDecoder) fastSpans(b []byte) (f keySpans, ok bool) {
	p := &keyParser{b: b}
	var created []byte
	ok = p.lit(`{"id":`) && p.str(&f.id) && p.lit(`,"account":`) && p.str(&f.account)
	if ok && p.peek(`,"user":`) {
		ok = p.lit(`,"user":`) && p.str(&f.user)
	}
	ok = ok && p.lit(`,"secret":`) && p.str(&f.secret) && p.lit(`,"status":`) && p.str(&f.status) &&
		p.lit(`,"created":`) && p.str(&created)
	if ok && p.peek(`,"bootstrap":true`) {
		ok = p.lit(`,"bootstrap":true`)
		f.bootstrap = true
	}
	// Only a "Z" time is certain to compare equal field by field with
	// what encoding/json makes of it.
	if !ok || !p.lit(`}`) || p.i != len(b) || len(created) == 0 || created[len(created)-1] != 'Z' {
		return f, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(created))
	if err != nil {
		return f, false
	}
	f.created = t
	return f, true
}

type keyParser struct {
	b []byte
	i int
}

func (p *keyParser) peek(s string) bool { return bytes.HasPrefix(p.b[p.i:], []byte(s)) }

func (p *keyParser) lit(s string) bool {
	if !p.peek(s) {
		return false
	}
	p.i += len(s)
	return true
}

// str reads a JSON string with no escapes and only printable ASCII.
func (p *keyParser) str(out *[]byte) bool {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return false
	}
	for j := p.i + 1; j < len(p.b); j++ {
		c := p.b[j]
		switch {
		case c == '"':
			*out = p.b[p.i+1 : j]
			p.i = j + 1
			return true
		case c == '\\' || c < 0x20 || c >= 0x7f:
			return false
		}
	}
	return false
}
