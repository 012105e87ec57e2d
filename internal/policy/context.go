package policy

import "strings"

// Context holds a request's condition keys. Keys are looked up
// case-insensitively (aws:SourceIP and AWS:SourceIp are the same key,
// including the tag part of aws:PrincipalTag/K). A Context is meant to be
// reused: Reset it and fill it again for the next request; after the first
// few requests it allocates nothing. It is not safe for concurrent
// mutation.
type Context struct {
	entries []entry
	multi   []string // backing store for multi-valued keys
}

type entry struct {
	key    string
	value  string // single value
	lo, hi int    // multi values are c.multi[lo:hi]
	multi  bool
}

// Reset removes every key, keeping the storage.
func (c *Context) Reset() {
	c.entries = c.entries[:0]
	clear(c.multi)
	c.multi = c.multi[:0]
}

func (c *Context) find(key string) int {
	for i := range c.entries {
		k := c.entries[i].key
		if len(k) == len(key) && (k == key || strings.EqualFold(k, key)) {
			return i
		}
	}
	return -1
}

// Set sets a single-valued key, replacing any previous value.
func (c *Context) Set(key, value string) {
	e := entry{key: key, value: value}
	if i := c.find(key); i >= 0 {
		c.entries[i] = e
		return
	}
	c.entries = append(c.entries, e)
}

// SetMulti sets a multi-valued key (aws:TagKeys, …:amr). An empty values
// list is a key that is present with an empty set, which ForAllValues and
// ForAnyValue treat differently from an absent key.
func (c *Context) SetMulti(key string, values ...string) {
	lo := len(c.multi)
	c.multi = append(c.multi, values...)
	e := entry{key: key, lo: lo, hi: len(c.multi), multi: true}
	if i := c.find(key); i >= 0 {
		c.entries[i] = e
		return
	}
	c.entries = append(c.entries, e)
}

// Delete removes key.
func (c *Context) Delete(key string) {
	if i := c.find(key); i >= 0 {
		c.entries = append(c.entries[:i], c.entries[i+1:]...)
	}
}

// Get returns the values of key and whether it is present. The slice must
// not be modified; a single-valued key returns a one-element slice.
func (c *Context) Get(key string) (values []string, ok bool) {
	i := c.find(key)
	if i < 0 {
		return nil, false
	}
	e := &c.entries[i]
	if e.multi {
		return c.multi[e.lo:e.hi:e.hi], true
	}
	return []string{e.value}, true
}

// Has reports whether key is present, without Get's allocation.
func (c *Context) Has(key string) bool { return c.find(key) >= 0 }

// Len returns the number of keys.
func (c *Context) Len() int { return len(c.entries) }

// Range calls f for each key in insertion order; multi reports whether the
// key was set with SetMulti.
func (c *Context) Range(f func(key string, values []string, multi bool)) {
	for i := range c.entries {
		e := &c.entries[i]
		if e.multi {
			f(e.key, c.multi[e.lo:e.hi:e.hi], true)
		} else {
			f(e.key, []string{e.value}, false)
		}
	}
}

// lookup is the allocation-free form of Get used by evaluation: it returns
// the single value, or the multi-valued slice.
func (c *Context) lookup(key string) (single string, multi []string, isMulti, ok bool) {
	if c == nil {
		return "", nil, false, false
	}
	i := c.find(key)
	if i < 0 {
		return "", nil, false, false
	}
	e := &c.entries[i]
	if e.multi {
		return "", c.multi[e.lo:e.hi:e.hi], true, true
	}
	return e.value, nil, false, true
}

// SetPrincipal sets the principal keys AWS derives from the caller:
// aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:userid and
// (IAM users only) aws:username. For role sessions aws:PrincipalArn is the
// role ARN, not the session ARN.
func (c *Context) SetPrincipal(p Principal) {
	switch p.Kind {
	case PrincipalAnonymous:
		c.Set("aws:PrincipalAccount", "anonymous")
		c.Set("aws:PrincipalType", "Anonymous")
		c.Set("aws:userid", "anonymous")
		return
	case PrincipalService, PrincipalWebIdentity:
		return
	}
	arn := p.ARN
	if p.Kind == PrincipalAssumedRole && p.RoleARN != "" {
		arn = p.RoleARN
	}
	c.Set("aws:PrincipalArn", arn)
	c.Set("aws:PrincipalAccount", p.AccountID)
	c.Set("aws:PrincipalType", p.Kind.String())
	if p.UserID != "" {
		c.Set("aws:userid", p.UserID)
	}
	if p.Kind == PrincipalUser && p.Username != "" {
		c.Set("aws:username", p.Username)
	}
}
