package iam

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestBaseLoaderMatchesJSON loads more than a chunk of keys, some in the
// canonical form (read by hand, strings shared per chunk) and some not
// (encoding/json), in order and shuffled with duplicates, and checks every
// entry against encoding/json's reading of its record.
func TestBaseLoaderMatchesJSON(t *testing.T) {
	n := keyChunk*2 + 17
	var recs [][]byte
	want := map[string]AccessKey{}
	for i := range n {
		k := AccessKey{ID: fmt.Sprintf("AKIA%016d", i), Account: "123456789012", Secret: fmt.Sprintf("sealed-%d", i*7),
			Status: "Active", Created: time.Date(2026, 1, 2, 3, 4, 5, i, time.UTC)}
		if i%3 != 0 {
			k.User = fmt.Sprintf("user%d", i/10)
		}
		if i%5 == 0 {
			k.Status = "Inactive"
		}
		b, err := json.Marshal(k)
		if err != nil {
			t.Fatal(err)
		}
		if i%11 == 0 {
			// Not canonical: read by encoding/json.
			b = append([]byte(" "), b...)
		}
		recs = append(recs, b)
		var got AccessKey
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		want[k.ID] = got
	}
	check := func(t *testing.T, recs [][]byte, cuts ...int) {
		// One loader per range between cuts, joined as a full build
		// joins the ranges of a split scan.
		var lds []*baseLoader
		from := 0
		for _, to := range append(cuts, len(recs)) {
			l := newBaseLoader()
			for _, r := range recs[from:to] {
				if err := l.add(r); err != nil {
					t.Fatal(err)
				}
			}
			lds = append(lds, l)
			from = to
		}
		b := joinLoaders(lds)
		if b.n != len(want) {
			t.Fatalf("%d entries, want %d", b.n, len(want))
		}
		var ids []string
		for i := range b.n {
			e := b.at(i)
			ids = append(ids, e.ID)
			w := want[e.ID]
			if !(e.ID == w.ID && e.Account == w.Account && e.User == w.User && e.Secret == w.Secret &&
				e.Status == w.Status && e.Created.Equal(w.Created) && e.Bootstrap == w.Bootstrap) {
				t.Fatalf("entry %d: %+v, want %+v", i, e.AccessKey, w)
			}
			if b.find(e.ID) != e {
				t.Fatalf("find(%s) does not return entry %d", e.ID, i)
			}
		}
		if !slices.IsSorted(ids) {
			t.Fatal("base not in id order")
		}
	}
	t.Run("ordered", func(t *testing.T) { check(t, recs) })
	// Ranges that end inside a chunk, on a chunk's end, at the start,
	// empty, and a first range shorter than the free part of a chunk.
	for _, cuts := range [][]int{{1000}, {keyChunk}, {0}, {n}, {5, 5, keyChunk + 3, 2*keyChunk + 1}, {keyChunk - 1, keyChunk + 2}} {
		t.Run(fmt.Sprintf("ordered in ranges %v", cuts), func(t *testing.T) { check(t, recs, cuts...) })
	}
	t.Run("ranges out of order", func(t *testing.T) {
		check(t, append(slices.Clone(recs[3000:]), recs[:3000]...), n-3000)
	})
	t.Run("shuffled with duplicates", func(t *testing.T) {
		sh := append(slices.Clone(recs), recs[:100]...)
		rand.New(rand.NewPCG(1, 2)).Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
		check(t, sh)
	})
}
