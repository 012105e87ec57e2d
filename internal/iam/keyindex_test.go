package iam

import (
	"context"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// TestKeyIndexBuiltForOlderStores: keys written without index records (by
// a gatehouse from before the index) are indexed once at start, so that
// the quota and DeleteUser's conflict check still see them.
func TestKeyIndexBuiltForOlderStores(t *testing.T) {
	s, _ := newDiffService(t)
	ctx := context.Background()
	k := &AccessKey{ID: "AKIAOLDSTOREKEY00001", Account: dAccounts[0], User: "bob", Status: "Active", Secret: s.box.Seal("x", "AKIAOLDSTOREKEY00001")}
	if _, err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.Delete(kindIAMMeta, metaKeyOwnerIndex); err != nil {
			return err
		}
		return createJSON(tx, kindAccessKey, k.ID, k) // no index record
	}); err != nil {
		t.Fatal(err)
	}
	owned := func() int {
		var n int
		if _, err := s.store.View(ctx, func(r store.Reader) error {
			ks, err := ownedKeys(r, dAccounts[0], "bob")
			n = len(ks)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := owned(); n != 0 {
		t.Fatalf("before the index is built: %d keys, want 0", n)
	}
	if err := s.ensureKeyIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if n := owned(); n != 1 {
		t.Fatalf("after: %d keys, want 1", n)
	}
	// Moving and deleting keep the index in step.
	if _, err := s.store.Update(ctx, func(tx store.Tx) error {
		old := *k
		k.User = "carol"
		return putKey(tx, k, &old)
	}); err != nil {
		t.Fatal(err)
	}
	if n := owned(); n != 0 {
		t.Fatalf("after moving to carol: bob has %d keys", n)
	}
	if _, err := s.store.Update(ctx, func(tx store.Tx) error { return deleteKey(tx, k) }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.View(ctx, func(r store.Reader) error {
		recs, err := r.List(kindKeyOwner, "")
		if len(recs) != 0 { // the test store holds no other key
			t.Errorf("index records left: %d", len(recs))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
