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
func freshDB(t *testing.T) string {
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
