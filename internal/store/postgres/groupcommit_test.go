package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// TestGroupCommitBatchesWaitingWriters holds the committer's transaction
// open until seven more writers are queued, and checks that those seven
// commit as one batch, each with its own revision and change-feed row;
// that the one whose function fails and the one whose write PostgreSQL
// refuses (aborting its savepoint) are the only ones rolled back.
func TestGroupCommitBatchesWaitingWriters(t *testing.T) {
	ctx := context.Background()
	b, err := Open(ctx, freshDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	release, running := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		_, err := b.Update(ctx, func(tx store.Tx) error {
			close(running)
			<-release
			return tx.Put("g", "first", nil)
		})
		first <- err
	}()
	<-running // the committer is busy with it; the next ones queue
	boom := errors.New("boom")
	type result struct {
		i   int
		c   store.Change
		err error
	}
	results := make(chan result, 7)
	for i := range 7 {
		go func() {
			c, err := b.Update(ctx, func(tx store.Tx) error {
				if err := tx.Put("g", strconv.Itoa(i), nil); err != nil {
					return err
				}
				switch i {
				case 3:
					return boom
				case 5:
					// A NUL byte is not valid text: PostgreSQL fails the
					// statement and the transaction until the savepoint
					// is rolled back.
					return tx.Put("g", "bad\x00", nil)
				}
				return nil
			})
			results <- result{i, c, err}
		}()
	}
	for b.q.Queued() < 7 {
		runtime.Gosched()
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	revs := map[int64]bool{}
	for range 7 {
		r := <-results
		switch {
		case r.i == 3 && !errors.Is(r.err, boom):
			t.Errorf("writer 3: err = %v, want boom", r.err)
		case r.i == 5 && r.err == nil:
			t.Errorf("writer 5: a NUL in a key was accepted")
		case r.i != 3 && r.i != 5 && r.err != nil:
			t.Errorf("writer %d: %v", r.i, r.err)
		case r.i != 3 && r.i != 5:
			if revs[r.c.Rev] || r.c.Rev < 2 || r.c.Rev > 6 {
				t.Errorf("writer %d: revision %d (seen: %v)", r.i, r.c.Rev, revs)
			}
			revs[r.c.Rev] = true
		}
	}
	if batches, txs := b.BatchStats(); batches != 2 || txs != 6 {
		t.Errorf("BatchStats = %d batches of %d transactions, want 2 and 6 (1 + 5 together)", batches, txs)
	}
	s := store.New(b)
	for _, k := range []string{"3", "5"} {
		if _, err := s.Get(ctx, "g", k); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the failed writer's Put of %s is visible: %v", k, err)
		}
	}
	rs, err := s.List(ctx, "g", "")
	if err != nil || len(rs) != 6 {
		t.Errorf("records = %d (%v), want 6", len(rs), err)
	}
	// Every revision has its row in the change feed, in order.
	cs, err := b.Changes(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 6 {
		t.Fatalf("change feed: %d changes, want 6: %v", len(cs), cs)
	}
	for i, c := range cs {
		if c.Rev != int64(i+1) || len(c.Kinds) != 1 || c.Kinds[0] != "g" {
			t.Errorf("change %d = %+v, want revision %d of kind g", i, c, i+1)
		}
	}
}

// TestGroupCommitTwoNodesInterleave runs writers on two backends (two
// nodes) on one database at once: every write commits with a distinct
// revision, and the change feed holds exactly those revisions.
func TestGroupCommitTwoNodesInterleave(t *testing.T) {
	url := freshDB(t)
	ctx := context.Background()
	var nodes []*Backend
	for range 2 {
		b, err := Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		nodes = append(nodes, b)
	}
	var mu sync.Mutex
	revs := map[int64]bool{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				c, err := nodes[w%2].Update(ctx, func(tx store.Tx) error {
					return tx.Put("n", fmt.Sprintf("%d-%d", w, i), []byte("x"))
				})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if revs[c.Rev] {
					t.Errorf("revision %d given twice", c.Rev)
				}
				revs[c.Rev] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	cs, err := nodes[0].Changes(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 200 || len(revs) != 200 {
		t.Fatalf("%d changes in the feed, %d revisions acknowledged, want 200", len(cs), len(revs))
	}
	for i, c := range cs {
		if c.Rev != int64(i+1) || !revs[c.Rev] {
			t.Fatalf("change %d has revision %d", i, c.Rev)
		}
	}
}

// BenchmarkConcurrentWrites is durable writes/s on PostgreSQL from 16
// concurrent writers (one small record each), the store's share of a
// node's IAM write rate:
//
//	GATEHOUSE_TEST_PGURL=$(.ci/postgres.sh) go test ./internal/store/postgres -run '^$' -bench ConcurrentWrites -benchtime 3000x
func BenchmarkConcurrentWrites(b *testing.B) {
	url := freshDB(b)
	ctx := context.Background()
	be, err := Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	var n atomic.Int64
	b.SetParallelism(8) // 8 × GOMAXPROCS writers
	t0 := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if _, err := be.Update(ctx, func(tx store.Tx) error {
				return tx.Put("bench", strconv.FormatInt(i, 10), []byte(`{"name":"x"}`))
			}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(t0).Seconds(), "writes/s")
	if batches, txs := be.BatchStats(); batches > 0 {
		b.ReportMetric(float64(txs)/float64(batches), "writes/commit")
	}
}
