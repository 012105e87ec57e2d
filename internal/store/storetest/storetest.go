// Package storetest is the conformance suite every store backend passes:
// the sqlite backend runs it today, a postgres backend will run the same.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Run exercises a fresh, empty backend made by open.
func Run(t *testing.T, open func(t *testing.T) store.Backend) {
	ctx := context.Background()
	t.Run("CreateGetListDelete", func(t *testing.T) {
		s := store.New(open(t))
		rev, err := s.Update(ctx, func(tx store.Tx) error {
			for _, k := range []string{"a/1", "a/2", "b/1", "a/10"} {
				if err := tx.Create("k", k, []byte("v-"+k)); err != nil {
					return err
				}
			}
			return tx.Create("other", "a/1", []byte("x"))
		})
		if err != nil || rev != 1 {
			t.Fatalf("Update = %d, %v; want 1, nil", rev, err)
		}
		r, err := s.Get(ctx, "k", "a/2")
		if err != nil || string(r.Value) != "v-a/2" || r.Rev != 1 {
			t.Fatalf("Get = %+v, %v", r, err)
		}
		rs, err := s.List(ctx, "k", "a/")
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, r := range rs {
			keys = append(keys, r.Key)
		}
		if got, want := fmt.Sprint(keys), "[a/1 a/10 a/2]"; got != want {
			t.Fatalf("List(a/) keys = %s, want %s", got, want)
		}
		all, _ := s.List(ctx, "k", "")
		if len(all) != 4 {
			t.Fatalf("List(\"\") = %d records, want 4", len(all))
		}
		if _, err := s.Update(ctx, func(tx store.Tx) error { return tx.Create("k", "a/1", nil) }); !errors.Is(err, store.ErrExists) {
			t.Fatalf("Create existing: err = %v, want ErrExists", err)
		}
		if _, err := s.Update(ctx, func(tx store.Tx) error { return tx.Delete("k", "zz") }); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Delete missing: err = %v, want ErrNotFound", err)
		}
		if _, err := s.Update(ctx, func(tx store.Tx) error { return tx.Delete("k", "a/1") }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, "k", "a/1"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Get deleted: err = %v, want ErrNotFound", err)
		}
	})
	t.Run("RollbackOnError", func(t *testing.T) {
		s := store.New(open(t))
		boom := errors.New("boom")
		_, err := s.Update(ctx, func(tx store.Tx) error {
			if err := tx.Put("k", "x", []byte("1")); err != nil {
				return err
			}
			if r, err := tx.Get("k", "x"); err != nil || string(r.Value) != "1" {
				t.Errorf("read own write = %q, %v", r.Value, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
		if _, err := s.Get(ctx, "k", "x"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("rolled-back write visible: %v", err)
		}
	})
	t.Run("PutReplacesAndBumpsRevision", func(t *testing.T) {
		s := store.New(open(t))
		for i := 1; i <= 3; i++ {
			rev, err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("k", "x", []byte{byte('0' + i)}) })
			if err != nil || rev != int64(i) {
				t.Fatalf("Update %d = %d, %v", i, rev, err)
			}
		}
		r, _ := s.Get(ctx, "k", "x")
		if string(r.Value) != "3" || r.Rev != 3 {
			t.Fatalf("Get = %q rev %d, want 3 rev 3", r.Value, r.Rev)
		}
		rev, err := s.Update(ctx, func(tx store.Tx) error { return nil })
		if err != nil || rev != 3 {
			t.Fatalf("empty Update = %d, %v; want 3 (no new revision)", rev, err)
		}
	})
	t.Run("ViewRebuildsBeforeUpdateReturns", func(t *testing.T) {
		s := store.New(open(t))
		type snap struct{ n int }
		builds := 0
		v, err := store.NewView(ctx, s, "count", []string{"count/"}, nil, func(ctx context.Context, r store.Reader) (*snap, error) {
			builds++
			rs, err := r.List("count/items", "")
			return &snap{n: len(rs)}, err
		})
		if err != nil {
			t.Fatal(err)
		}
		if v.Load().n != 0 {
			t.Fatalf("initial snapshot n = %d", v.Load().n)
		}
		for i := 0; i < 3; i++ {
			if _, err := s.Update(ctx, func(tx store.Tx) error { return tx.Create("count/items", fmt.Sprint(i), nil) }); err != nil {
				t.Fatal(err)
			}
			if got := v.Load().n; got != i+1 {
				t.Fatalf("after write %d snapshot n = %d, want %d", i, got, i+1)
			}
		}
		before := builds
		if _, err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("unrelated", "x", nil) }); err != nil {
			t.Fatal(err)
		}
		if builds != before {
			t.Fatalf("unrelated kind rebuilt the view")
		}
		if v.Rev() != 3 {
			t.Fatalf("view rev = %d, want 3", v.Rev())
		}
	})
	t.Run("ConcurrentUpdatesSerialize", func(t *testing.T) {
		s := store.New(open(t))
		var wg sync.WaitGroup
		const n = 20
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Update(ctx, func(tx store.Tx) error {
					r, err := tx.Get("c", "counter")
					v := 0
					if err == nil {
						fmt.Sscan(string(r.Value), &v)
					} else if !errors.Is(err, store.ErrNotFound) {
						return err
					}
					return tx.Put("c", "counter", []byte(fmt.Sprint(v+1)))
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		r, err := s.Get(ctx, "c", "counter")
		if err != nil || string(r.Value) != fmt.Sprint(n) {
			t.Fatalf("counter = %q, %v; want %d (lost update)", r.Value, err, n)
		}
	})
}
