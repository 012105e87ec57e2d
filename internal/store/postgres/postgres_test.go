package postgres

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/storetest"
)

var dbSeq atomic.Int64

// freshDB creates an empty database on the server at GATEHOUSE_TEST_PGURL
// and returns its URL. Tests skip when the variable is unset (.ci/run
// starts a PostgreSQL server and sets it).
func freshDB(t testing.TB) string {
	t.Helper()
	base := os.Getenv("GATEHOUSE_TEST_PGURL")
	if base == "" {
		t.Skip("GATEHOUSE_TEST_PGURL not set; PostgreSQL store tests need a server (.ci/run starts one)")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect %s: %v", base, err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("gh_test_%d_%d", os.Getpid(), dbSeq.Add(1))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, base)
		if err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Backend {
		b, err := Open(context.Background(), freshDB(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	})
}

// TestTwoNodesSeeEachOthersChanges runs two stores on one database, as two
// gatehouse nodes would, and checks that a write on one reaches the other's
// view through Poll.
func TestTwoNodesSeeEachOthersChanges(t *testing.T) {
	url := freshDB(t)
	ctx := context.Background()
	open := func() *store.Store {
		b, err := Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		s := store.New(b)
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	if !a.Shared() {
		t.Fatal("postgres store does not report Shared")
	}
	type snap struct{ keys []string }
	view, err := store.NewView(ctx, b, "t", []string{"t/"}, nil, func(ctx context.Context, r store.Reader) (*snap, error) {
		rs, err := r.List("t/items", "")
		s := &snap{}
		for _, r := range rs {
			s.keys = append(s.keys, r.Key)
		}
		return s, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Update(ctx, func(tx store.Tx) error { return tx.Create("t/items", "x", []byte("1")) }); err != nil {
		t.Fatal(err)
	}
	if len(view.Load().keys) != 0 {
		t.Fatal("node b saw node a's write before polling")
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(view.Load().keys) == 0 && time.Now().Before(deadline) {
		if err := b.Poll(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := fmt.Sprint(view.Load().keys); got != "[x]" {
		t.Fatalf("node b view = %s after poll, want [x]", got)
	}
	// A local write on b is not published twice by the next poll.
	builds := view.Rev()
	if _, err := b.Update(ctx, func(tx store.Tx) error { return tx.Create("t/items", "y", nil) }); err != nil {
		t.Fatal(err)
	}
	if err := b.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if view.Rev() <= builds || fmt.Sprint(view.Load().keys) != "[x y]" {
		t.Fatalf("view after local write = %v rev %d", view.Load().keys, view.Rev())
	}
}

func TestListPrefixIsLiteral(t *testing.T) {
	b, err := Open(context.Background(), freshDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s := store.New(b)
	ctx := context.Background()
	s.Update(ctx, func(tx store.Tx) error {
		tx.Put("k", "a%b/1", nil)
		tx.Put("k", "axb/1", nil)
		return tx.Put("k", "a_b/1", nil)
	})
	rs, err := s.List(ctx, "k", "a%")
	if err != nil || len(rs) != 1 || rs[0].Key != "a%b/1" {
		t.Fatalf("List(a%%) = %v, %v", rs, err)
	}
}

// twoNodes opens two stores on one fresh database, as two gatehouse nodes.
func twoNodes(t *testing.T, bo store.Options) (a, b *store.Store) {
	t.Helper()
	url := freshDB(t)
	open := func(o store.Options) *store.Store {
		bk, err := Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		s := store.NewWithOptions(bk, o)
		t.Cleanup(func() { s.Close() })
		return s
	}
	return open(store.Options{}), open(bo)
}

// TestFeedPositionHoldsUntilEveryViewApplies: a change that node B's view
// fails to apply is delivered again by the next poll instead of being
// skipped, and B does not count as synced meanwhile.
func TestFeedPositionHoldsUntilEveryViewApplies(t *testing.T) {
	ctx := context.Background()
	events := make(storetest.Rebuilds, 100)
	// No backoff: every poll retries at once, so the test needs no timers.
	a, b := twoNodes(t, store.Options{RetryBase: time.Nanosecond, RetryMax: time.Nanosecond, OnRebuild: func(view string, err error) {
		if view == "flaky" {
			events.Hook(view, err)
		}
	}})
	f := &storetest.Flaky{}
	flaky, err := store.NewView(ctx, b, "flaky", []string{"flaky/"}, nil, f.Build)
	if err != nil {
		t.Fatal(err)
	}
	other := &storetest.Flaky{}
	if _, err := store.NewView(ctx, b, "other", []string{"other/"}, nil, other.Build); err != nil {
		t.Fatal(err)
	}
	f.Fail.Store(2)
	for _, kind := range []string{"flaky/items", "other/items"} {
		if _, err := a.Update(ctx, func(tx store.Tx) error { return tx.Create(kind, "revoked", nil) }); err != nil {
			t.Fatal(err)
		}
	}
	// Poll 1: the rebuild fails on delivery and again on the immediate retry.
	if err := b.Poll(ctx); err == nil {
		t.Fatal("Poll with a view that failed to apply the change = nil, want an error (not synced)")
	}
	if got := flaky.Load().N; got != 0 {
		t.Fatalf("flaky view N = %d after failed rebuilds, want the last good snapshot (0)", got)
	}
	if h := b.Health(); h.SyncError == "" {
		t.Errorf("health after an incomplete poll has no sync error: %+v", h)
	}
	// Poll 2 fetches the same changes again (the position did not move)
	// and the third attempt succeeds.
	if err := b.Poll(ctx); err != nil {
		t.Fatalf("second Poll = %v, want nil", err)
	}
	if got := flaky.Load().N; got != 1 {
		t.Fatalf("flaky view N = %d after the retry, want 1: a change seen but not applied was skipped", got)
	}
	if h := b.Health(); h.SyncError != "" || h.Views[0].Behind {
		t.Errorf("health after recovery = %+v", h)
	}
	if failed := events.WaitSuccess(t); failed != 2 {
		t.Errorf("failed attempts = %d, want 2", failed)
	}
}

// TestLocalWriteDoesNotSkipOtherNodesChanges: node B's own write must not
// move its feed position past another node's earlier change that B has
// not polled yet (to kinds B's write did not touch).
func TestLocalWriteDoesNotSkipOtherNodesChanges(t *testing.T) {
	ctx := context.Background()
	a, b := twoNodes(t, store.Options{})
	keys := &storetest.Flaky{}
	keysView, err := store.NewView(ctx, b, "keys", []string{"flaky/"}, nil, keys.Build)
	if err != nil {
		t.Fatal(err)
	}
	// A revokes (a change to the keys' kind); B, before polling, writes
	// something else.
	if _, err := a.Update(ctx, func(tx store.Tx) error { return tx.Create("flaky/items", "k", nil) }); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Update(ctx, func(tx store.Tx) error { return tx.Create("unrelated", "x", nil) }); err != nil {
		t.Fatal(err)
	}
	if err := b.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if got := keysView.Load().N; got != 1 {
		t.Fatalf("node B's keys view N = %d after polling, want 1: its own later write hid node A's change", got)
	}
}
