package iam

import (
	"encoding/json"
	"iter"
	"sort"
	"time"
)

// keyTable holds a snapshot's access keys by id: an immutable base, made
// by the last full build as one sorted array of entries (shared by every
// snapshot after it), and a persistent overlay of what changed since (an
// entry, or nil for a base key deleted). A million keys at start-up are a
// million array slots filled in key order as the store streams them, not
// a million trie insertions, allocations and pointers for the collector
// to chase (issue #17); writes afterwards cost what they cost before, in
// the overlay. A restart folds the overlay into a new base.
type keyTable struct {
	base *keyBase
	over pmap[*KeyEntry]
	n    int
}

// keyBase is the entries in id order, in chunks of keyChunk so that
// loading a million does not copy the array each time it grows.
type keyBase struct {
	chunks [][]KeyEntry // never modified once published
	n      int
}

const keyChunk = 4096

func (b *keyBase) at(i int) *KeyEntry { return &b.chunks[i/keyChunk][i%keyChunk] }

func (b *keyBase) find(id string) *KeyEntry {
	if b == nil {
		return nil
	}
	i := sort.Search(b.n, func(i int) bool { return b.at(i).ID >= id })
	if i == b.n || b.at(i).ID != id {
		return nil
	}
	return b.at(i)
}

// get returns the entry of id, or nil.
func (t keyTable) get(id string) *KeyEntry {
	if v, ok := t.over.lookup(id); ok {
		return v
	}
	return t.base.find(id)
}

func (t keyTable) len() int { return t.n }

// all yields every key (base keys not shadowed, then the overlay's).
func (t keyTable) all() iter.Seq2[string, *KeyEntry] {
	return func(yield func(string, *KeyEntry) bool) {
		if t.base != nil {
			for i := range t.base.n {
				e := t.base.at(i)
				if _, shadowed := t.over.lookup(e.ID); shadowed {
					continue
				}
				if !yield(e.ID, e) {
					return
				}
			}
		}
		for id, e := range t.over.all() {
			if e != nil && !yield(id, e) {
				return
			}
		}
	}
}

func (t keyTable) builder() *keyTableBuilder {
	return &keyTableBuilder{base: t.base, over: t.over.builder(), n: t.n}
}

type keyTableBuilder struct {
	base *keyBase
	over *pbuilder[*KeyEntry]
	n    int
}

func (b *keyTableBuilder) get(id string) *KeyEntry {
	if v, ok := b.over.lookup(id); ok {
		return v
	}
	return b.base.find(id)
}

func (b *keyTableBuilder) set(id string, e *KeyEntry) {
	if b.get(id) == nil {
		b.n++
	}
	b.over.set(id, e)
}

func (b *keyTableBuilder) del(id string) {
	if b.get(id) == nil {
		return
	}
	b.n--
	if b.base.find(id) != nil {
		b.over.set(id, nil) // hides the base entry
	} else {
		b.over.del(id)
	}
}

func (b *keyTableBuilder) done() keyTable { return keyTable{base: b.base, over: b.over.done(), n: b.n} }

// baseLoader fills a keyBase from records streamed in key order. Each
// entry's id, user and sealed secret share one allocation, and the
// account and status strings are shared between entries.
type baseLoader struct {
	chunks [][]KeyEntry
	n      int
	last   string
	dec    keyDecoder
	buf    []byte
	sorted bool
}

func newBaseLoader() *baseLoader { return &baseLoader{sorted: true} }

func (l *baseLoader) add(value []byte) error {
	if l.n%keyChunk == 0 {
		l.chunks = append(l.chunks, make([]KeyEntry, keyChunk))
	}
	e := &l.chunks[len(l.chunks)-1][l.n%keyChunk]
	if f, ok := l.dec.fastSpans(value); ok {
		l.buf = append(append(append(l.buf[:0], f.id...), f.user...), f.secret...)
		s := string(l.buf)
		i, u := len(f.id), len(f.id)+len(f.user)
		e.ID, e.User, e.Secret = s[:i], s[i:u], s[u:]
		e.Account, e.Status, e.Created, e.Bootstrap = l.dec.str(f.account), l.dec.str(f.status), f.created, f.bootstrap
	} else if err := json.Unmarshal(value, &e.AccessKey); err != nil {
		return err
	}
	if l.n > 0 && l.last >= e.ID {
		l.sorted = false // a backend whose collation is not byte order
	}
	l.last = e.ID
	l.n++
	return nil
}

// done returns the base, sorted and without duplicate ids.
func (l *baseLoader) done() *keyBase {
	if l.sorted {
		return &keyBase{chunks: l.chunks, n: l.n}
	}
	all := make([]*KeyEntry, 0, l.n)
	for i := range l.n {
		all = append(all, &l.chunks[i/keyChunk][i%keyChunk])
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	b := &keyBase{}
	for i, e := range all {
		if i > 0 && all[i-1].ID == e.ID {
			continue
		}
		if b.n%keyChunk == 0 {
			b.chunks = append(b.chunks, make([]KeyEntry, keyChunk))
		}
		c := b.chunks[len(b.chunks)-1]
		k := &c[b.n%keyChunk]
		k.AccessKey, k.owner = e.AccessKey, e.owner
		b.n++
	}
	return b
}

// keySpans are the parts of a canonical access key record (keyDecoder.fast).
type keySpans struct {
	id, account, user, secret, status []byte
	created                           time.Time
	bootstrap                         bool
}
