// Package storetest is the conformance suite every store backend passes:
// the sqlite backend runs it today, a postgres backend will run the same.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Clock is a settable clock for store.Options.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at a fixed instant.
func NewClock() *Clock { return &Clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Flaky is a snapshot loader that fails while Fail is positive, counting
// it down.
type Flaky struct{ Fail atomic.Int32 }

// ErrFlaky is what a Flaky loader fails with.
var ErrFlaky = errors.New("storetest: injected rebuild failure")

// Count is Flaky's snapshot: the number of records of kind "flaky/items".
type Count struct{ N int }

// Build is the loader to give store.NewView.
func (f *Flaky) Build(ctx context.Context, r store.Reader) (*Count, error) {
	if f.Fail.Add(-1) >= 0 {
		return nil, ErrFlaky
	}
	f.Fail.Store(0)
	rs, err := r.List("flaky/items", "")
	return &Count{N: len(rs)}, err
}

// Rebuilds collects store.Options.OnRebuild events.
type Rebuilds chan error

// Hook is the store.Options.OnRebuild to install.
func (rb Rebuilds) Hook(view string, err error) {
	select {
	case rb <- err:
	default:
	}
}

// WaitSuccess waits until an attempt succeeds and returns how many failed
// before it.
func (rb Rebuilds) WaitSuccess(t *testing.T) int {
	t.Helper()
	failed := 0
	deadline := time.After(20 * time.Second)
	for {
		select {
		case err := <-rb:
			if err == nil {
				return failed
			}
			failed++
		case <-deadline:
			t.Fatalf("no successful rebuild after %d failures: the failed rebuild is never retried", failed)
		}
	}
}

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
	t.Run("ChangedSinceAndIncrementalView", func(t *testing.T) {
		s := store.New(open(t))
		// The snapshot is the set of keys of kind "inc/items" with their
		// values; apply must see exactly what changed since its revision.
		type snap struct{ m map[string]string }
		var builds, applies int
		var lastDiff store.Diff
		v, err := store.NewIncrementalView(ctx, s, "inc", []string{"inc/"}, nil,
			func(ctx context.Context, r store.Reader) (*snap, error) {
				builds++
				rs, err := r.List("inc/items", "")
				m := map[string]string{}
				for _, rec := range rs {
					m[rec.Key] = string(rec.Value)
				}
				return &snap{m}, err
			},
			func(ctx context.Context, r store.Reader, prev *snap, d store.Diff) (*snap, error) {
				applies++
				lastDiff = d
				m := map[string]string{}
				for k, v := range prev.m {
					m[k] = v
				}
				for _, k := range d.Deleted {
					delete(m, k.Key)
				}
				for _, rec := range d.Changed {
					m[rec.Key] = string(rec.Value)
				}
				return &snap{m}, nil
			})
		if err != nil {
			t.Fatal(err)
		}
		step := func(fn func(tx store.Tx) error) {
			t.Helper()
			if _, err := s.Update(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		step(func(tx store.Tx) error {
			for _, k := range []string{"a", "b", "c"} {
				if err := tx.Create("inc/items", k, []byte(k+"1")); err != nil {
					return err
				}
			}
			return tx.Put("other", "x", nil) // not the view's kind
		})
		step(func(tx store.Tx) error { return tx.Delete("inc/items", "a") })
		step(func(tx store.Tx) error {
			if err := tx.Delete("inc/items", "b"); err != nil {
				return err
			}
			if err := tx.Create("inc/items", "b", []byte("b2")); err != nil { // deleted and re-created
				return err
			}
			return tx.Put("inc/items", "c", []byte("c2"))
		})
		if builds != 1 || applies != 3 {
			t.Fatalf("builds %d applies %d, want 1 and 3", builds, applies)
		}
		if got := fmt.Sprint(v.Load().m); got != "map[b:b2 c:c2]" {
			t.Fatalf("snapshot %s", got)
		}
		if len(lastDiff.Deleted) != 0 || len(lastDiff.Changed) != 2 {
			t.Fatalf("last diff %+v: want b and c changed, nothing deleted", lastDiff)
		}
		// A diff over several revisions, read directly.
		_, err = s.View(ctx, func(r store.Reader) error {
			d, err := r.(store.DiffReader).ChangedSince(1)
			if err != nil {
				return err
			}
			var ch, del []string
			for _, rec := range d.Changed {
				ch = append(ch, rec.Kind+":"+rec.Key)
			}
			for _, k := range d.Deleted {
				del = append(del, k.Kind+":"+k.Key)
			}
			slices.Sort(ch)
			if got := fmt.Sprint(ch, del); got != "[inc/items:b inc/items:c] [inc/items:a]" {
				t.Errorf("ChangedSince(1) = %s", got)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("PruneTombstonesKeepsDiffsCompleteOrRefused", func(t *testing.T) {
		b := open(t)
		if _, ok := b.(store.TombstonePruner); !ok {
			t.Skip("backend does not prune")
		}
		s := store.NewWithOptions(b, store.Options{TombstoneKeep: 2})
		// lagging is another Store on the same backend: its writes do not
		// reach s's view, which then lags until s writes.
		lagging := store.New(b)
		var builds int
		v, err := store.NewIncrementalView(ctx, s, "prune", []string{"p/"}, nil,
			func(ctx context.Context, r store.Reader) (*map[string]bool, error) {
				builds++
				rs, err := r.List("p/items", "")
				m := map[string]bool{}
				for _, rec := range rs {
					m[rec.Key] = true
				}
				return &m, err
			},
			func(ctx context.Context, r store.Reader, prev *map[string]bool, d store.Diff) (*map[string]bool, error) {
				m := maps.Clone(*prev)
				for _, k := range d.Deleted {
					delete(m, k.Key)
				}
				for _, rec := range d.Changed {
					m[rec.Key] = true
				}
				return &m, nil
			})
		if err != nil {
			t.Fatal(err)
		}
		write := func(st *store.Store, fn func(tx store.Tx) error) {
			t.Helper()
			if _, err := st.Update(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		write(s, func(tx store.Tx) error { return tx.Create("p/items", "a", nil) })  // rev 1, seen by the view
		write(lagging, func(tx store.Tx) error { return tx.Delete("p/items", "a") }) // 2
		write(lagging, func(tx store.Tx) error { return tx.Create("p/items", "b", nil) })
		write(lagging, func(tx store.Tx) error { return tx.Delete("p/items", "b") }) // 4
		write(lagging, func(tx store.Tx) error { return tx.Create("p/items", "c", nil) })
		// Revision 5: deletions at revisions <= 3 go, the floor becomes 3.
		n, err := s.PruneTombstones(ctx)
		if err != nil || n != 1 {
			t.Fatalf("PruneTombstones = %d, %v; want 1 (a's)", n, err)
		}
		if n, err := s.PruneTombstones(ctx); err != nil || n != 0 {
			t.Fatalf("again: %d, %v; want 0", n, err)
		}
		_, err = s.View(ctx, func(r store.Reader) error {
			dr := r.(store.DiffReader)
			if _, err := dr.ChangedSince(1); !errors.Is(err, store.ErrNoDiff) {
				t.Errorf("ChangedSince(1) after pruning: %v, want ErrNoDiff", err)
			}
			d, err := dr.ChangedSince(3)
			if err != nil {
				return err
			}
			if len(d.Deleted) != 1 || d.Deleted[0].Key != "b" || len(d.Changed) != 1 || d.Changed[0].Key != "c" {
				t.Errorf("ChangedSince(3) = %+v, want c changed and b deleted", d)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The view at revision 1 is behind the floor: it rebuilds in full
		// on its next catch-up, and has a's deletion right.
		write(s, func(tx store.Tx) error { return tx.Put("p/items", "d", nil) })
		if got := fmt.Sprint(*v.Load()); got != "map[c:true d:true]" || builds != 2 {
			t.Fatalf("view %s after %d builds, want map[c:true d:true] after 2", got, builds)
		}
	})
	t.Run("FailedRebuildIsRetriedWithBackoff", func(t *testing.T) {
		clock := NewClock()
		events := make(Rebuilds, 1000)
		s := store.NewWithOptions(open(t), store.Options{Now: clock.Now, OnRebuild: events.Hook,
			RetryBase: time.Millisecond, RetryMax: 8 * time.Millisecond, PollInterval: 5 * time.Millisecond})
		f := &Flaky{}
		v, err := store.NewView(ctx, s, "flaky", []string{"flaky/"}, nil, f.Build)
		if err != nil {
			t.Fatal(err)
		}
		f.Fail.Store(3)
		// The write commits even though the snapshot cannot apply it yet.
		if _, err := s.Update(ctx, func(tx store.Tx) error { return tx.Create("flaky/items", "a", nil) }); err != nil {
			t.Fatalf("Update with a failing rebuild = %v, want nil (the write committed)", err)
		}
		if got := v.Load().N; got != 0 {
			t.Fatalf("snapshot after failed rebuild N = %d, want the last good one (0)", got)
		}
		h := s.Health()
		if len(h.Views) != 1 || !h.Views[0].Behind || h.Views[0].FailedRebuilds != 1 || !strings.Contains(h.Views[0].LastError, ErrFlaky.Error()) {
			t.Fatalf("health after a failed rebuild = %+v, want the view behind with 1 failure and its error", h.Views)
		}
		// While it fails, staleness grows and the bound applies.
		clock.Advance(time.Minute)
		err = s.Fresh(30 * time.Second)
		var se *store.StaleError
		if !errors.As(err, &se) || !errors.Is(err, store.ErrUnavailable) || se.Staleness < time.Minute || se.View != "flaky" {
			t.Fatalf("Fresh(30s) a minute after the failure = %v, want a StaleError for view flaky matching ErrUnavailable of at least 1m", err)
		}
		// Run retries (2 more failures, then success) without another write.
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); s.Run(rctx) }()
		defer func() { cancel(); <-done }()
		if failed := events.WaitSuccess(t); failed != 3 {
			t.Errorf("failed attempts before success = %d, want 3 (1 on write, 2 retried)", failed)
		}
		if got := v.Load().N; got != 1 {
			t.Fatalf("snapshot after retry N = %d, want 1", got)
		}
		// One complete sync confirms it (a no-op on an embedded store).
		if err := s.Poll(ctx); err != nil {
			t.Fatalf("Poll after recovery = %v", err)
		}
		if err := s.Fresh(30 * time.Second); err != nil {
			t.Fatalf("Fresh after the retry succeeded = %v, want nil", err)
		}
		if h := s.Health(); h.Views[0].Behind || h.Views[0].FailedRebuilds != 0 || h.Views[0].LastError != "" {
			t.Fatalf("health after recovery = %+v", h.Views[0])
		}
	})
	t.Run("WriteTimesOutAndNeverCommits", func(t *testing.T) {
		const timeout = time.Second
		b := open(t)
		s := store.NewWithOptions(b, store.Options{Timeout: timeout})
		start := time.Now()
		_, err := s.Update(ctx, func(tx store.Tx) error {
			if err := tx.Put("k", "late", []byte("x")); err != nil {
				return err
			}
			// Hold the transaction past the store's deadline, as a hung
			// database or network would, then try to go on.
			<-time.After(timeout + 100*time.Millisecond)
			return tx.Put("k", "later", []byte("x"))
		})
		if !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("Update past the timeout = %v, want ErrUnavailable", err)
		}
		if d := time.Since(start); d > timeout+5*time.Second {
			t.Fatalf("Update took %s with a %s timeout", d, timeout)
		}
		if _, err := s.Get(ctx, "k", "late"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Get of the timed-out write = %v, want ErrNotFound (never committed)", err)
		}
		if h := s.Health(); h.Writable || h.WriteError == "" {
			t.Fatalf("health after a timed-out write = %+v, want not writable with the reason", h)
		}
		if err := s.Probe(ctx); err != nil {
			t.Fatalf("Probe = %v", err)
		}
		if h := s.Health(); !h.Writable {
			t.Fatalf("health after a successful probe = %+v, want writable", h)
		}
		// Domain answers are not store failures.
		if _, err := s.Update(ctx, func(tx store.Tx) error { return tx.Delete("k", "missing") }); !errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("Delete missing = %v, want ErrNotFound only", err)
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
