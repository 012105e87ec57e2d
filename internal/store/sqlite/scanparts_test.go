package sqlite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// scanAll runs store.ScanParts over kind/prefix in a View of s and returns
// the keys of each range, in the order fn saw them.
func scanAll(t *testing.T, s *store.Store, kind, prefix string, parts int, during func()) [][]string {
	t.Helper()
	out := make([][]string, parts)
	var mu sync.Mutex
	if _, err := s.View(context.Background(), func(r store.Reader) error {
		if during != nil {
			during()
		}
		return store.ScanParts(r, kind, prefix, parts, func(p int, rec store.Record) error {
			if string(rec.Value) != "v"+rec.Key {
				return fmt.Errorf("record %s: value %q", rec.Key, rec.Value)
			}
			mu.Lock()
			out[p] = append(out[p], rec.Key)
			mu.Unlock()
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestScanPartsReadsEveryRecordOnceInOrder: the ranges of a split scan
// together hold exactly the records a plain scan reads, each range in key
// order and every range's keys after the previous range's, for random
// access-key-like ids, keys of varied lengths, a prefix, one record and
// none.
func TestScanPartsReadsEveryRecordOnceInOrder(t *testing.T) {
	ctx := context.Background()
	b, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	// One write of 3,500 records: under -race on a loaded machine it
	// outlasts the default 5 s write timeout.
	s := store.NewWithOptions(b, store.Options{Timeout: time.Minute})
	defer s.Close()
	rnd := rand.New(rand.NewPCG(3, 4))
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	want := map[string][]string{}
	if _, err := s.Update(ctx, func(tx store.Tx) error {
		for range 3000 {
			var sb strings.Builder
			sb.WriteString("AKIA")
			for range 16 {
				sb.WriteByte(alpha[rnd.IntN(len(alpha))])
			}
			want["key"] = append(want["key"], sb.String())
		}
		for i := range 500 {
			want["var"] = append(want["var"], fmt.Sprintf("acct/%s", strings.Repeat("x", i%7)+fmt.Sprint(i)))
		}
		want["one"] = []string{"only"}
		for kind, keys := range want {
			for _, k := range keys {
				if err := tx.Put(kind, k, []byte("v"+k)); err != nil {
					return err
				}
			}
		}
		return tx.Put("other", "AKIA0", []byte("vAKIA0"))
	}); err != nil {
		t.Fatal(err)
	}
	for kind := range want {
		sort.Strings(want[kind])
	}
	want["none"] = nil
	for _, kind := range []string{"key", "var", "one", "none"} {
		for _, parts := range []int{1, 2, 3, 8} {
			got := scanAll(t, s, kind, "", parts, nil)
			var all []string
			for _, g := range got {
				if !slices.IsSorted(g) {
					t.Fatalf("%s, %d parts: a range is not in key order", kind, parts)
				}
				all = append(all, g...)
			}
			if !slices.Equal(all, want[kind]) {
				t.Fatalf("%s, %d parts: %d keys, want %d (or not in order across ranges)", kind, parts, len(all), len(want[kind]))
			}
			if kind == "key" && parts > 1 && (len(got[0]) == 0 || len(got[1]) == 0) {
				t.Errorf("%s, %d parts: ranges of %d and %d keys: not split", kind, parts, len(got[0]), len(got[1]))
			}
		}
	}
	var pre []string
	for _, k := range want["var"] {
		if strings.HasPrefix(k, "acct/xx") {
			pre = append(pre, k)
		}
	}
	if got := slices.Concat(scanAll(t, s, "var", "acct/xx", 3, nil)...); !slices.Equal(got, pre) {
		t.Fatalf("prefix: %d keys, want %d", len(got), len(pre))
	}
}

// TestScanPartsOneStateDespiteACommit: a commit between the start of the
// read and the split scan does not show in any range (the sibling
// transactions would see it, so the ranges are read in the first).
func TestScanPartsOneStateDespiteACommit(t *testing.T) {
	ctx := context.Background()
	b, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	s := store.New(b)
	defer s.Close()
	put := func(keys ...string) {
		if _, err := s.Update(ctx, func(tx store.Tx) error {
			for _, k := range keys {
				if err := tx.Put("k", k, []byte("v"+k)); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	for i := range 200 {
		keys = append(keys, fmt.Sprintf("K%04d", i))
	}
	put(keys...)
	got := scanAll(t, s, "k", "", 2, func() { put("K0150x", "K0001x") })
	if all := slices.Concat(got...); !slices.Equal(all, keys) {
		t.Fatalf("split scan saw %d keys, want the %d before the commit", len(all), len(keys))
	}
}

// TestScanPartsStopsAtTheFirstError: fn's error from one range comes back
// as it is (not as a store failure), and the other ranges stop.
func TestScanPartsStopsAtTheFirstError(t *testing.T) {
	ctx := context.Background()
	b, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	s := store.New(b)
	defer s.Close()
	if _, err := s.Update(ctx, func(tx store.Tx) error {
		for i := range 1000 {
			if err := tx.Put("k", fmt.Sprintf("K%04d", i), nil); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	bad := errors.New("bad record")
	_, err = s.View(ctx, func(r store.Reader) error {
		return store.ScanParts(r, "k", "", 2, func(p int, rec store.Record) error {
			if rec.Key == "K0900" {
				return bad
			}
			return nil
		})
	})
	if err != bad {
		t.Fatalf("err = %v, want fn's error as it is", err)
	}
}

func TestSplitPoints(t *testing.T) {
	for _, c := range []struct {
		first, last string
		parts       int
		want        []string
	}{
		{"A", "C", 2, []string{"B"}},
		{"AKIAAAAA", "AKIAZZZZ", 2, []string{"AKIAM\xcd\xcd\xcd\x80"}},
		{"a", "b", 4, []string{"a@", "a\x80", "a\xc0"}},
		{"x", "x", 2, nil},
		{"ab", "a", 2, nil},
		{"a", "a\x01", 4, []string{"a\x00@", "a\x00\x80", "a\x00\xc0"}},
		{"a", "a\x00", 2, nil}, // equal once padded: one range
	} {
		got := splitPoints(c.first, c.last, c.parts)
		if !slices.Equal(got, c.want) {
			t.Errorf("splitPoints(%q, %q, %d) = %q, want %q", c.first, c.last, c.parts, got, c.want)
		}
		prev := c.first
		for _, s := range got {
			if s <= prev || s > c.last {
				t.Errorf("splitPoints(%q, %q, %d): %q out of order", c.first, c.last, c.parts, s)
			}
			prev = s
		}
	}
}

// TestScanPartsUsesRawConnections: in a read transaction every range of a
// split scan gets a raw read connection that sees the transaction's
// revision (so the scan does not fall back to database/sql unseen), and
// after a commit none is handed out.
func TestScanPartsUsesRawConnections(t *testing.T) {
	ctx := context.Background()
	b, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	s := store.New(b)
	defer s.Close()
	if _, err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("k", "a", []byte("1")) }); err != nil {
		t.Fatal(err)
	}
	if _, err := b.View(ctx, func(r store.Reader) error {
		tx := r.(*tx)
		rs := tx.beginRawRanges(3)
		if len(rs) != 3 {
			t.Fatalf("%d raw ranges, want 3", len(rs))
		}
		var keys []string
		err := rs[0].scan(ctx, "k", "", "", false, nil, func(rec store.Record) error {
			keys = append(keys, rec.Key+"="+string(rec.Value))
			return nil
		})
		for _, r := range rs {
			r.end()
		}
		if err != nil || !slices.Equal(keys, []string{"a=1"}) {
			t.Fatalf("raw scan: %v %v", keys, err)
		}
		// A commit after this transaction began: no raw range sees its state.
		if _, err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("k", "b", []byte("2")) }); err != nil {
			t.Fatal(err)
		}
		if rs := tx.beginRawRanges(2); rs != nil {
			t.Fatalf("raw ranges after a commit: %d", len(rs))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
