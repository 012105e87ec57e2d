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
	if len(d.intern) > 1024 {
		return string(b)
	}
	s := string(b)
	d.intern[s] = s
	return s
}

// fast reads {"id":…,"account":…[,"user":…],"secret":…,"status":…,
// "created":…[,"bootstrap":true]} with plain printable-ASCII strings.
func (d *keyDecoder) fast(b []byte) (*AccessKey, bool) {
	p := &keyParser{b: b}
	k := &AccessKey{}
	var id, acct, user, secret, status, created []byte
	ok := p.lit(`{"id":`) && p.str(&id) && p.lit(`,"account":`) && p.str(&acct)
	if ok && p.peek(`,"user":`) {
		ok = p.lit(`,"user":`) && p.str(&user)
	}
	ok = ok && p.lit(`,"secret":`) && p.str(&secret) && p.lit(`,"status":`) && p.str(&status) &&
		p.lit(`,"created":`) && p.str(&created)
	if ok && p.peek(`,"bootstrap":true`) {
		ok = p.lit(`,"bootstrap":true`)
		k.Bootstrap = true
	}
	if !ok || !p.lit(`}`) || p.i != len(b) {
		return nil, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(created))
	if err != nil {
		return nil, false
	}
	// encoding/json keeps the offset as written; so does time.Parse, but
	// only a "Z" time is certain to compare equal field by field.
	if created[len(created)-1] != 'Z' {
		return nil, false
	}
	k.ID, k.Account, k.Secret, k.Status, k.Created = string(id), d.str(acct), string(secret), d.str(status), t
	if len(user) > 0 {
		k.User = string(user)
	}
	return k, true
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
