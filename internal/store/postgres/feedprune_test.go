package postgres

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// keySet is a view of the keys of kind "k/items", counting how it was made.
type keySet struct{ keys []string }

// TestPrunedFeedMakesALaggingNodeRebuild: node A prunes the change feed
// (and the deletion records) past node B's position while B is not
// polling; B's next poll gets no partial list but a gap, and B's view
// catches up with a full rebuild that reflects the deletion it could no
// longer read as a diff. The feed is bounded: the pruned rows are gone.
// Then B follows by diff again.
func TestPrunedFeedMakesALaggingNodeRebuild(t *testing.T) {
	ctx := context.Background()
	url := freshDB(t)
	open := func(o store.Options) (*store.Store, *Backend) {
		bk, err := Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		s := store.NewWithOptions(bk, o)
		t.Cleanup(func() { s.Close() })
		return s, bk
	}
	a, ab := open(store.Options{TombstoneKeep: 1})
	b, bb := open(store.Options{})
	var builds, applies atomic.Int32
	read := func(r store.Reader) (*keySet, error) {
		rs, err := r.List("k/items", "")
		ks := &keySet{}
		for _, rec := range rs {
			ks.keys = append(ks.keys, rec.Key)
		}
		return ks, err
	}
	view, err := store.NewIncrementalView(ctx, b, "keys", []string{"k/"}, nil,
		func(ctx context.Context, r store.Reader) (*keySet, error) {
			builds.Add(1)
			return read(r)
		},
		func(ctx context.Context, r store.Reader, prev *keySet, d store.Diff) (*keySet, error) {
			applies.Add(1)
			return read(r) // the content is what matters here, not how it is derived
		})
	if err != nil {
		t.Fatal(err)
	}
	write := func(fn func(tx store.Tx) error) {
		t.Helper()
		if _, err := a.Update(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"x", "y", "z"} {
		write(func(tx store.Tx) error { return tx.Create("k/items", k, nil) })
	}
	if err := b.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := view.Load().keys; !slices.Equal(got, []string{"x", "y", "z"}) {
		t.Fatalf("B's view = %v", got)
	}
	builds0, applies0 := builds.Load(), applies.Load()
	// B lags: A revokes y, creates w, writes two other kinds, and prunes.
	write(func(tx store.Tx) error { return tx.Delete("k/items", "y") })
	write(func(tx store.Tx) error { return tx.Create("k/items", "w", nil) })
	write(func(tx store.Tx) error { return tx.Create("other", "1", nil) })
	write(func(tx store.Tx) error { return tx.Create("other", "2", nil) })
	if n, err := a.PruneTombstones(ctx); err != nil || n != 1 {
		t.Fatalf("PruneTombstones = %d, %v; want y's deletion record", n, err)
	}
	var left int
	if err := ab.pool.QueryRow(ctx, `SELECT count(*) FROM gatehouse_changes`).Scan(&left); err != nil || left != 1 {
		t.Fatalf("change feed rows after the prune = %d (%v), want 1 (the newest revision)", left, err)
	}
	var gap *store.FeedGapError
	if _, err := bb.Changes(ctx, 3); !errors.As(err, &gap) || gap.Since != 3 || gap.Floor != 6 || gap.Rev != 7 {
		t.Fatalf("Changes(3) after the prune = %v, want a FeedGapError (since 3, floor 6, rev 7)", err)
	}
	if cs, err := bb.Changes(ctx, 6); err != nil || len(cs) != 1 || cs[0].Rev != 7 {
		t.Fatalf("Changes(6) = %v, %v; want revision 7", cs, err)
	}
	if err := b.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := view.Load().keys; !slices.Equal(got, []string{"w", "x", "z"}) {
		t.Fatalf("B's view after the gap = %v, want [w x z]: a pruned change was lost", got)
	}
	if builds.Load() != builds0+1 {
		t.Errorf("full builds after the gap: %d, want 1 (the diff from 3 is refused below the floor)", builds.Load()-builds0)
	}
	if h := b.Health(); h.SyncError != "" || h.Views[0].Behind {
		t.Errorf("B's health after catching up = %+v", h)
	}
	// The position moved past the gap: B follows by diff again.
	write(func(tx store.Tx) error { return tx.Create("k/items", "v", nil) })
	if err := b.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := view.Load().keys; !slices.Equal(got, []string{"v", "w", "x", "z"}) {
		t.Fatalf("B's view = %v, want [v w x z]", got)
	}
	if applies.Load() <= applies0 {
		t.Errorf("no diff applied after the gap")
	}
}
