package iam

import (
	"hash/maphash"
	"iter"
	"math/bits"
)

// pmap is a persistent (immutable, structurally shared) map from strings to
// V: a hash array mapped trie with 32-way nodes. A snapshot holds its
// entities in pmaps so that the next snapshot is made by copying only the
// path to each changed entry (O(log32 n) nodes) rather than the whole map,
// while readers of the published snapshot go on reading it without locks.
// A Go map would have to be copied whole on every write (issue #17); a
// sharded copy-on-write map still copies n/shards entries per change. The
// zero pmap is empty and ready to use.
//
// Written here rather than imported: the persistent maps on the module
// proxy that fit are built for other uses (hashicorp/go-immutable-radix
// allocates a watch channel per node and leaf, hundreds of bytes an entry,
// which a million access keys cannot afford). BenchmarkPmap compares it
// with a Go map.
type pmap[V any] struct {
	root *pnode[V]
	n    int
}

// pnode is one trie node. A node either branches on 5 bits of the hash
// (bitmap says which of the 32 slots are present, entries holds them in
// slot order) or, below the last level, holds leaves whose 64-bit hashes
// collide (coll).
type pnode[V any] struct {
	bitmap  uint32
	entries []pentry[V]
	coll    []pleaf[V]
	edit    *editToken // the builder allowed to change this node in place
}

type pentry[V any] struct {
	child *pnode[V] // non-nil: a subtree; nil: the leaf below
	leaf  pleaf[V]
}

type pleaf[V any] struct {
	hash uint64
	key  string
	val  V
}

// editToken identifies one pbuilder; a node it created may be changed in
// place by it and by no one else (nodes of a published pmap carry a token
// no live builder holds).
type editToken struct{ _ byte }

const pmapMaxShift = 60 // the last level uses the top 4 bits of the hash

var pmapSeed = maphash.MakeSeed()

func phash(k string) uint64 { return maphash.String(pmapSeed, k) }

// len returns the number of entries.
func (m pmap[V]) len() int { return m.n }

// get returns the value of k, or V's zero value.
func (m pmap[V]) get(k string) V {
	v, _ := m.lookup(k)
	return v
}

// lookup returns the value of k and whether it is present.
func (m pmap[V]) lookup(k string) (V, bool) {
	h := phash(k)
	n := m.root
	for shift := uint(0); n != nil; shift += 5 {
		if n.coll != nil {
			for _, l := range n.coll {
				if l.key == k {
					return l.val, true
				}
			}
			break
		}
		bit := uint32(1) << ((h >> shift) & 31)
		if n.bitmap&bit == 0 {
			break
		}
		e := &n.entries[bits.OnesCount32(n.bitmap&(bit-1))]
		if e.child != nil {
			n = e.child
			continue
		}
		if e.leaf.hash == h && e.leaf.key == k {
			return e.leaf.val, true
		}
		break
	}
	var zero V
	return zero, false
}

// all iterates over every entry, in no particular order.
func (m pmap[V]) all() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) { m.root.walk(yield) }
}

// keys iterates over every key, in no particular order.
func (m pmap[V]) keys() iter.Seq[string] {
	return func(yield func(string) bool) {
		m.root.walk(func(k string, _ V) bool { return yield(k) })
	}
}

func (n *pnode[V]) walk(yield func(string, V) bool) bool {
	if n == nil {
		return true
	}
	for _, l := range n.coll {
		if !yield(l.key, l.val) {
			return false
		}
	}
	for i := range n.entries {
		e := &n.entries[i]
		if e.child != nil {
			if !e.child.walk(yield) {
				return false
			}
		} else if !yield(e.leaf.key, e.leaf.val) {
			return false
		}
	}
	return true
}

// with returns m with k set to v.
func (m pmap[V]) with(k string, v V) pmap[V] {
	b := m.builder()
	b.set(k, v)
	return b.done()
}

// without returns m without k.
func (m pmap[V]) without(k string) pmap[V] {
	b := m.builder()
	b.del(k)
	return b.done()
}

// pbuilder makes a new pmap from an old one by a series of changes; nodes
// it copied once are changed in place afterwards, so a batch of changes
// (or a full build) does not copy a path per change. The old pmap is never
// modified.
type pbuilder[V any] struct {
	m    pmap[V]
	edit *editToken
}

func (m pmap[V]) builder() *pbuilder[V] { return &pbuilder[V]{m: m, edit: &editToken{}} }

// done returns the built map. The builder may go on being used: it takes a
// new token, so the map returned is never changed by it again.
func (b *pbuilder[V]) done() pmap[V] {
	b.edit = &editToken{}
	return b.m
}

func (b *pbuilder[V]) get(k string) V                 { return b.m.get(k) }
func (b *pbuilder[V]) lookup(k string) (V, bool)      { return b.m.lookup(k) }
func (b *pbuilder[V]) len() int                       { return b.m.n }
func (b *pbuilder[V]) writable(n *pnode[V]) *pnode[V] { return n.writable(b.edit) }

func (b *pbuilder[V]) set(k string, v V) {
	var added bool
	b.m.root, added = b.insert(b.m.root, 0, phash(k), k, v)
	if added {
		b.m.n++
	}
}

func (b *pbuilder[V]) del(k string) {
	var removed bool
	b.m.root, removed = b.remove(b.m.root, 0, phash(k), k)
	if removed {
		b.m.n--
	}
}

func (n *pnode[V]) writable(edit *editToken) *pnode[V] {
	if n.edit == edit {
		return n
	}
	c := &pnode[V]{bitmap: n.bitmap, edit: edit}
	if n.entries != nil {
		c.entries = make([]pentry[V], len(n.entries), len(n.entries)+1)
		copy(c.entries, n.entries)
	}
	if n.coll != nil {
		c.coll = make([]pleaf[V], len(n.coll), len(n.coll)+1)
		copy(c.coll, n.coll)
	}
	return c
}

func (b *pbuilder[V]) insert(n *pnode[V], shift uint, h uint64, k string, v V) (*pnode[V], bool) {
	if n == nil {
		return b.pair(shift, pleaf[V]{h, k, v}, nil), true
	}
	if n.coll != nil {
		n = b.writable(n)
		for i := range n.coll {
			if n.coll[i].key == k {
				n.coll[i].val = v
				return n, false
			}
		}
		n.coll = append(n.coll, pleaf[V]{h, k, v})
		return n, true
	}
	bit := uint32(1) << ((h >> shift) & 31)
	i := bits.OnesCount32(n.bitmap & (bit - 1))
	if n.bitmap&bit == 0 {
		n = b.writable(n)
		n.entries = append(n.entries, pentry[V]{})
		copy(n.entries[i+1:], n.entries[i:])
		n.entries[i] = pentry[V]{leaf: pleaf[V]{h, k, v}}
		n.bitmap |= bit
		return n, true
	}
	e := n.entries[i]
	if e.child != nil {
		c, added := b.insert(e.child, shift+5, h, k, v)
		if c != e.child {
			n = b.writable(n)
			n.entries[i].child = c
		}
		return n, added
	}
	n = b.writable(n)
	if e.leaf.hash == h && e.leaf.key == k {
		n.entries[i].leaf.val = v
		return n, false
	}
	l := e.leaf
	n.entries[i] = pentry[V]{child: b.pair(shift+5, l, &pleaf[V]{h, k, v})}
	return n, true
}

// pair makes a node at shift holding a (and b, if not nil), which differ in
// key and whose hashes agree on every level above shift.
func (b *pbuilder[V]) pair(shift uint, a pleaf[V], c *pleaf[V]) *pnode[V] {
	if shift > pmapMaxShift {
		n := &pnode[V]{coll: []pleaf[V]{a}, edit: b.edit}
		if c != nil {
			n.coll = append(n.coll, *c)
		}
		return n
	}
	ia := (a.hash >> shift) & 31
	if c == nil {
		return &pnode[V]{bitmap: 1 << ia, entries: []pentry[V]{{leaf: a}}, edit: b.edit}
	}
	ic := (c.hash >> shift) & 31
	if ia == ic {
		return &pnode[V]{bitmap: 1 << ia, entries: []pentry[V]{{child: b.pair(shift+5, a, c)}}, edit: b.edit}
	}
	first, second := pentry[V]{leaf: a}, pentry[V]{leaf: *c}
	if ic < ia {
		first, second = second, first
	}
	return &pnode[V]{bitmap: 1<<ia | 1<<ic, entries: []pentry[V]{first, second}, edit: b.edit}
}

func (b *pbuilder[V]) remove(n *pnode[V], shift uint, h uint64, k string) (*pnode[V], bool) {
	if n == nil {
		return nil, false
	}
	if n.coll != nil {
		for i := range n.coll {
			if n.coll[i].key == k {
				if len(n.coll) == 1 {
					return nil, true
				}
				n = b.writable(n)
				n.coll = append(n.coll[:i], n.coll[i+1:]...)
				return n, true
			}
		}
		return n, false
	}
	bit := uint32(1) << ((h >> shift) & 31)
	if n.bitmap&bit == 0 {
		return n, false
	}
	i := bits.OnesCount32(n.bitmap & (bit - 1))
	e := n.entries[i]
	if e.child != nil {
		c, removed := b.remove(e.child, shift+5, h, k)
		if !removed {
			return n, false
		}
		n = b.writable(n)
		switch {
		case c == nil:
			n.dropEntry(i, bit)
		case c.coll == nil && len(c.entries) == 1 && c.entries[0].child == nil:
			// Pull a lone leaf up so that the trie stays as shallow as
			// its contents need.
			n.entries[i] = c.entries[0]
		case len(c.coll) == 1:
			n.entries[i] = pentry[V]{leaf: c.coll[0]}
		default:
			n.entries[i].child = c
		}
		if len(n.entries) == 0 {
			return nil, true
		}
		return n, true
	}
	if e.leaf.hash != h || e.leaf.key != k {
		return n, false
	}
	if len(n.entries) == 1 {
		return nil, true
	}
	n = b.writable(n)
	n.dropEntry(i, bit)
	return n, true
}

func (n *pnode[V]) dropEntry(i int, bit uint32) {
	copy(n.entries[i:], n.entries[i+1:])
	n.entries[len(n.entries)-1] = pentry[V]{} // let go of what it pointed to
	n.entries = n.entries[:len(n.entries)-1]
	n.bitmap &^= bit
}

// pset is a persistent set of strings.
type pset = pmap[struct{}]

// setAdd returns the set at k of m with member added.
func setAdd(b *pbuilder[pset], k, member string) {
	s := b.get(k)
	if _, ok := s.lookup(member); ok {
		return
	}
	b.set(k, s.with(member, updateRoleOut{}))
}

// setRemove returns the set at k of m without member; an empty set is
// removed.
func setRemove(b *pbuilder[pset], k, member string) {
	s, ok := b.lookup(k)
	if !ok {
		return
	}
	if _, ok := s.lookup(member); !ok {
		return
	}
	s = s.without(member)
	if s.len() == 0 {
		b.del(k)
		return
	}
	b.set(k, s)
}
