package iam

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
)

// TestPmapAgainstMap runs random sets and deletes against a pmap and a Go
// map and checks, after every batch, that the new pmap equals the map and
// that every earlier pmap still equals the map it was taken with
// (persistence: a builder never changes a published map).
func TestPmapAgainstMap(t *testing.T) {
	for _, tc := range []struct {
		name  string
		keys  int
		batch int
	}{{"few keys, single changes", 40, 1}, {"many keys, batches", 5000, 64}, {"small key space, batches", 300, 8}} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(tc.keys)))
			var m pmap[int]
			ref := map[string]int{}
			type saved struct {
				m   pmap[int]
				ref map[string]int
			}
			var history []saved
			for round := range 400 {
				b := m.builder()
				for range tc.batch {
					k := fmt.Sprintf("k%d", r.IntN(tc.keys))
					if r.IntN(3) == 0 {
						b.del(k)
						delete(ref, k)
					} else {
						v := r.Int()
						b.set(k, v)
						ref[k] = v
					}
				}
				m = b.done()
				b.set("after-done", 1) // must not change m
				if round%20 == 0 {
					history = append(history, saved{m, maps.Clone(ref)})
				}
				checkPmap(t, m, ref)
			}
			for _, h := range history {
				checkPmap(t, h.m, h.ref)
			}
		})
	}
}

func checkPmap(t *testing.T, m pmap[int], ref map[string]int) {
	t.Helper()
	if m.len() != len(ref) {
		t.Fatalf("len %d, want %d", m.len(), len(ref))
	}
	seen := 0
	for k, v := range m.all() {
		if w, ok := ref[k]; !ok || w != v {
			t.Fatalf("entry %q=%d, want %d (present %v)", k, v, w, ok)
		}
		seen++
	}
	if seen != len(ref) {
		t.Fatalf("iterated %d entries, want %d", seen, len(ref))
	}
	for k, v := range ref {
		if got, ok := m.lookup(k); !ok || got != v {
			t.Fatalf("lookup %q = %d %v, want %d", k, got, ok, v)
		}
	}
	if _, ok := m.lookup("absent"); ok {
		t.Fatal("absent key found")
	}
}

// TestPmapCollisions forces leaves below the last level by inserting keys
// into a trie whose hashes are made equal (white-box: builds nodes with the
// same hash for different keys).
func TestPmapCollisions(t *testing.T) {
	b := pmap[int]{}.builder()
	const h = 0xdeadbeefcafef00d
	for i := range 5 {
		var added bool
		b.m.root, added = b.insert(b.m.root, 0, h, fmt.Sprint("c", i), i)
		if !added {
			t.Fatal("not added")
		}
	}
	m := b.done()
	n := m.root
	for n.coll == nil {
		n = n.entries[0].child
	}
	if len(n.coll) != 5 {
		t.Fatalf("collision leaves %d, want 5", len(n.coll))
	}
	b = m.builder()
	for i := range 5 {
		var removed bool
		b.m.root, removed = b.remove(b.m.root, 0, h, fmt.Sprint("c", i))
		if !removed {
			t.Fatal("not removed")
		}
	}
	if b.m.root != nil {
		t.Fatal("trie not empty after removing every key")
	}
	if len(n.coll) != 5 {
		t.Fatal("the published map changed")
	}
}

// BenchmarkPmap compares a lookup and the cost of making the next version
// after one change, against a Go map (which must be copied whole to make a
// new version without disturbing readers of the old one).
func BenchmarkPmap(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		keys := make([]string, n)
		var m pmap[*int]
		gm := map[string]*int{}
		bl := m.builder()
		for i := range keys {
			keys[i] = fmt.Sprintf("123456789012/user%07d", i)
			v := i
			bl.set(keys[i], &v)
			gm[keys[i]] = &v
		}
		m = bl.done()
		b.Run(fmt.Sprintf("get/pmap/%d", n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				_ = m.get(keys[i%n])
			}
		})
		b.Run(fmt.Sprintf("get/map/%d", n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				_ = gm[keys[i%n]]
			}
		})
		b.Run(fmt.Sprintf("next-version/pmap/%d", n), func(b *testing.B) {
			v := 1
			for i := 0; b.Loop(); i++ {
				_ = m.with(keys[i%n], &v)
			}
		})
		b.Run(fmt.Sprintf("next-version/map-copy/%d", n), func(b *testing.B) {
			v := 1
			for i := 0; b.Loop(); i++ {
				c := maps.Clone(gm)
				c[keys[i%n]] = &v
			}
		})
	}
}
