package iam

import (
	"bytes"
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

// baseLoader fills a keyBase from records streamed in key order. The ids,
// users and sealed secrets of a chunk's entries share one string (one
// allocation per keyChunk keys rather than one per key: fewer objects
// to allocate and for the collector to track), and the account and status
// strings are shared between entries.
type baseLoader struct {
	chunks [][]KeyEntry
	n      int
	last   []byte
	dec    keyDecoder
	arena  []byte             // the current chunk's strings, end to end
	spans  [keyChunk][3]int32 // per entry of the chunk: end of id, user, secret in arena; -1: decoded by encoding/json
	sorted bool
}

func newBaseLoader() *baseLoader { return &baseLoader{sorted: true} }

func (l *baseLoader) add(value []byte) error {
	if l.n%keyChunk == 0 {
		l.seal()
		l.chunks = append(l.chunks, make([]KeyEntry, keyChunk))
	}
	j := l.n % keyChunk
	e := &l.chunks[len(l.chunks)-1][j]
	if f, ok := l.dec.fastSpans(value); ok {
		l.arena = append(l.arena, f.id...)
		l.spans[j][0] = int32(len(l.arena))
		l.arena = append(l.arena, f.user...)
		l.spans[j][1] = int32(len(l.arena))
		l.arena = append(l.arena, f.secret...)
		l.spans[j][2] = int32(len(l.arena))
		e.Account, e.Status, e.Created, e.Bootstrap = l.dec.str(f.account), l.dec.str(f.status), f.created, f.bootstrap
		l.order(f.id)
	} else {
		if err := json.Unmarshal(value, &e.AccessKey); err != nil {
			return err
		}
		l.spans[j][0] = -1
		l.order([]byte(e.ID))
	}
	l.n++
	return nil
}

// order notes whether the ids come in byte order (a backend whose
// collation is not byte order would not give them so).
func (l *baseLoader) order(id []byte) {
	if l.n > 0 && bytes.Compare(l.last, id) >= 0 {
		l.sorted = false
	}
	l.last = append(l.last[:0], id...)
}

// seal points the entries of the last chunk at one copy of its arena. It
// empties the arena, so that sealing again does nothing.
func (l *baseLoader) seal() {
	if len(l.chunks) == 0 || len(l.arena) == 0 {
		return
	}
	c := l.chunks[len(l.chunks)-1]
	m := l.n - (len(l.chunks)-1)*keyChunk
	str := string(l.arena)
	var at int32
	for j := range m {
		sp := l.spans[j]
		if sp[0] < 0 {
			continue
		}
		e := &c[j]
		e.ID, e.User, e.Secret = str[at:sp[0]], str[sp[0]:sp[1]], str[sp[1]:sp[2]]
		at = sp[2]
	}
	l.arena = l.arena[:0]
}

// done returns the base, sorted and without duplicate ids.
func (l *baseLoader) done() *keyBase {
	l.seal()
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

// joinLoaders returns the base of the loaders' entries, in order: each
// loader's after the previous one's (store.ScanParts gives every range's
// keys after the previous range's). The entries move into the first
// loader's chunks, in place, so that no second array is made.
func joinLoaders(lds []*baseLoader) *keyBase {
	dst := lds[0]
	for _, src := range lds[1:] {
		src.seal()
		dst.seal()
		dst.appendLoader(src)
	}
	return dst.done()
}

// appendLoader moves src's sealed entries after l's, reusing src's chunks.
func (l *baseLoader) appendLoader(src *baseLoader) {
	if src.n == 0 {
		return
	}
	if !src.sorted || (l.n > 0 && src.at(0).ID <= l.at(l.n-1).ID) {
		l.sorted = false
	}
	// Fill l's last chunk from the front of src, then shift src's
	// entries left by as many slots and take its chunks.
	free := (keyChunk - l.n%keyChunk) % keyChunk
	if l.n == 0 {
		free = 0
	}
	k := min(free, src.n)
	if k > 0 {
		last := l.chunks[len(l.chunks)-1]
		at := l.n % keyChunk
		moveEntries(src, 0, last[at:at+k])
		l.n += k
	}
	rest := src.n - k
	if rest == 0 {
		return
	}
	if k > 0 {
		// Shift src left by k slots, chunk by chunk.
		for i := 0; i < rest; i += keyChunk {
			c := src.chunks[i/keyChunk]
			m := min(keyChunk, rest-i)
			for j := range m {
				c[j] = *src.at(i + j + k)
			}
		}
	}
	used := (rest + keyChunk - 1) / keyChunk
	l.chunks = append(l.chunks, src.chunks[:used]...)
	// Clear the slots past the end (they hold copies of moved entries).
	if m := rest % keyChunk; m != 0 {
		clear(l.chunks[len(l.chunks)-1][m:])
	}
	l.n += rest
	src.chunks, src.n = nil, 0
}

// moveEntries copies src's entries from i on into dst.
func moveEntries(src *baseLoader, i int, dst []KeyEntry) {
	for j := range dst {
		dst[j] = *src.at(i + j)
	}
}

func (l *baseLoader) at(i int) *KeyEntry { return &l.chunks[i/keyChunk][i%keyChunk] }

// keySpans are the parts of a canonical access key record (keyDecoder.fast).
type keySpans struct {
	id, account, user, secret, status []byte
	created                           time.Time
	bootstrap                         bool
}
