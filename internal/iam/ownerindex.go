package iam

import (
	"iter"
	"strings"
	"sync"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
)

// ownerIndex maps the owner of access keys (keyOwner: entityKey of a user,
// or account+"/" for the root) to the ids of its keys. Like keyTable it is
// an immutable base made by the last full build and a persistent overlay
// of the owners whose keys changed since, each with its whole set (an
// empty set hides a base owner). The base is one array of key positions
// grouped by owner and a map from owner to its run: a million keys cost
// 4 bytes each and one map entry per owner, instead of a persistent set
// per owner built by a million insertions, which had been a fifth of a
// million-key start-up's heap and an eighth of its CPU (issue #17).
type ownerIndex struct {
	base *ownerBase
	over pmap[pset]
}

// ownerRef is an owner as the base indexes it: the key's account and
// user ("" for the root), sharing the key entries' strings.
type ownerRef struct{ account, user string }

func splitOwner(owner string) ownerRef {
	a, u, _ := strings.Cut(owner, "/")
	return ownerRef{a, u}
}

type ownerSpan struct{ start, n int32 }

type ownerBase struct {
	keys  *keyBase
	pos   []int32 // positions in keys, grouped by owner
	spans map[ownerRef]ownerSpan
}

// ids yields the base ids of owner.
func (b *ownerBase) ids(owner string) iter.Seq[string] {
	return func(yield func(string) bool) {
		if b == nil {
			return
		}
		sp, ok := b.spans[splitOwner(owner)]
		if !ok {
			return
		}
		for _, p := range b.pos[sp.start : sp.start+sp.n] {
			if !yield(b.keys.at(int(p)).ID) {
				return
			}
		}
	}
}

func (b *ownerBase) has(owner string) bool {
	if b == nil {
		return false
	}
	_, ok := b.spans[splitOwner(owner)]
	return ok
}

// keys yields the ids of owner's keys, in no particular order.
func (x ownerIndex) keys(owner string) iter.Seq[string] {
	if s, ok := x.over.lookup(owner); ok {
		return s.keys()
	}
	return x.base.ids(owner)
}

// count returns how many keys owner has.
func (x ownerIndex) count(owner string) int {
	if s, ok := x.over.lookup(owner); ok {
		return s.len()
	}
	if x.base == nil {
		return 0
	}
	return int(x.base.spans[splitOwner(owner)].n)
}

// all yields every owner with at least one key, and its ids.
func (x ownerIndex) all() iter.Seq2[string, iter.Seq[string]] {
	return func(yield func(string, iter.Seq[string]) bool) {
		if x.base != nil {
			for r := range x.base.spans {
				owner := r.account + "/" + r.user
				if _, shadowed := x.over.lookup(owner); shadowed {
					continue
				}
				if !yield(owner, x.base.ids(owner)) {
					return
				}
			}
		}
		for owner, s := range x.over.all() {
			if s.len() > 0 && !yield(owner, s.keys()) {
				return
			}
		}
	}
}

func (x ownerIndex) builder() *ownerIndexBuilder {
	return &ownerIndexBuilder{base: x.base, over: x.over.builder()}
}

type ownerIndexBuilder struct {
	base *ownerBase
	over *pbuilder[pset]
}

// set returns owner's set as this step has it.
func (b *ownerIndexBuilder) set(owner string) pset {
	if s, ok := b.over.lookup(owner); ok {
		return s
	}
	var s pset
	if b.base.has(owner) {
		sb := s.builder()
		for id := range b.base.ids(owner) {
			sb.set(id, updateRoleOut{})
		}
		s = sb.done()
	}
	return s
}

func (b *ownerIndexBuilder) keys(owner string) iter.Seq[string] { return b.set(owner).keys() }

func (b *ownerIndexBuilder) add(owner, id string) {
	s := b.set(owner)
	if _, ok := s.lookup(id); ok {
		return
	}
	b.over.set(owner, s.with(id, updateRoleOut{}))
}

func (b *ownerIndexBuilder) remove(owner, id string) {
	s := b.set(owner)
	if _, ok := s.lookup(id); !ok {
		return
	}
	s = s.without(id)
	if s.len() == 0 && !b.base.has(owner) {
		b.over.del(owner)
		return
	}
	b.over.set(owner, s) // possibly empty: hides the base's run
}

func (b *ownerIndexBuilder) done() ownerIndex { return ownerIndex{base: b.base, over: b.over.done()} }

// linkOwners points each key of base at its owner's principal in snap
// (users and account roots) and returns the keys grouped by owner: one
// map lookup per key does both. (A million owner lookups in the users
// trie had been 12% of a start-up's CPU, issue #17.)
func linkOwners(base *keyBase, snap *Snapshot) *ownerBase {
	type owner struct {
		p *authn.Principal
		n int32 // keys, then the next free slot in pos
	}
	ord := make([]int32, base.n) // owner number of each key
	num := make(map[ownerRef]int32, snap.users.len()+snap.roots.len())
	owners := make([]owner, 0, snap.users.len()+snap.roots.len())
	// Every user and root first (a walk of the tries is cheaper than a
	// lookup in them per owner), then keys whose owner is not there.
	for k, u := range snap.users.all() {
		num[splitOwner(k)] = int32(len(owners))
		owners = append(owners, owner{p: u.principal})
	}
	for acct, p := range snap.roots.all() {
		num[ownerRef{acct, ""}] = int32(len(owners))
		owners = append(owners, owner{p: p})
	}
	// The lookups, on two goroutines over halves of the keys (the map
	// and owners are only read meanwhile): this runs after the key scan
	// and the other records' build, alone on the critical path of a
	// start-up (issue #17). A key whose owner is missing is marked -1
	// and numbered after, in key order.
	var wg sync.WaitGroup
	half := base.n / 2
	for _, rg := range [2][2]int{{0, half}, {half, base.n}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := rg[0]; i < rg[1]; i++ {
				e := base.at(i)
				o, ok := num[ownerRef{e.Account, strings.ToLower(e.User)}] // as keyOwner (no copy when lower already)
				if !ok {
					ord[i] = -1
					continue
				}
				ord[i] = o
				e.owner = owners[o].p
			}
		}()
	}
	wg.Wait()
	for i, o := range ord {
		if o < 0 {
			e := base.at(i)
			r := ownerRef{e.Account, strings.ToLower(e.User)}
			var ok bool
			if o, ok = num[r]; !ok {
				o = int32(len(owners))
				owners = append(owners, owner{})
				num[r] = o
			}
			ord[i] = o
			e.owner = owners[o].p
		}
		owners[o].n++
	}
	ob := &ownerBase{keys: base, pos: make([]int32, base.n), spans: make(map[ownerRef]ownerSpan, len(num))}
	var next int32
	for o := range owners {
		c := owners[o].n
		owners[o].n = next
		next += c
	}
	for r, o := range num {
		end := int32(base.n)
		if int(o)+1 < len(owners) {
			end = owners[o+1].n
		}
		if end > owners[o].n { // owners without keys are not indexed
			ob.spans[r] = ownerSpan{start: owners[o].n, n: end - owners[o].n}
		}
	}
	for i, o := range ord {
		ob.pos[owners[o].n] = int32(i)
		owners[o].n++
	}
	return ob
}
