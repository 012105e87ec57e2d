package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// View keeps an immutable snapshot of type T built from the store, and
// rebuilds and swaps it atomically whenever a transaction touches one of its
// kinds. Readers call Load on the hot path: one atomic load, no locks, no
// store access. If a rebuild fails the last good snapshot stays in place
// (never an empty one, which could fail open) and the rebuild is retried
// with backoff until it succeeds; meanwhile the view counts as behind and
// its staleness grows, which the server bounds (--max-staleness).
type View[T any] struct {
	name  string
	kinds []string
	build func(ctx context.Context, r Reader) (*T, error)
	// apply, when set, makes the next snapshot from the current one and
	// what changed since it (NewIncrementalView).
	apply func(ctx context.Context, r Reader, prev *T, d Diff) (*T, error)
	s     *Store
	// buildMu serializes making and publishing snapshots: an incremental
	// step must start from the snapshot of the revision its diff starts
	// at, and writers that arrive while one is made are usually covered by
	// it (their change committed before its read) and skip their own.
	buildMu sync.Mutex
	cur     atomic.Pointer[T]
	rev     atomic.Int64
	log     *slog.Logger

	listeners atomic.Pointer[[]func(*T)]

	// Catch-up state. Written under mu; read with atomic loads so that
	// Staleness stays lock-free for the request path.
	mu sync.Mutex
	// want is the newest revision delivered that this view must reflect;
	// the view is behind while rev < want.
	want atomic.Int64
	// pendingSince (store clock, unix ns) is when the view first fell
	// behind want; meaningful only while behind.
	pendingSince atomic.Int64
	// syncedAt (store clock, unix ns) is the last time the view was
	// confirmed to reflect the whole store (a complete poll).
	syncedAt atomic.Int64
	failures atomic.Int64 // consecutive failed rebuilds
	nextTry  atomic.Int64 // Store.mono() deadline of the next attempt; 0: none
	lastErr  atomic.Pointer[string]
}

// FirstBuildTimeout bounds a full build of a view (the first one, and
// recovery after a failed step).
const FirstBuildTimeout = 2 * time.Minute

// NewView builds the first snapshot synchronously (so a server never serves
// from nothing) and then rebuilds it after every committed change to one of
// kinds (record kinds, or kind prefixes ending in "/"), before the Update
// that made the change returns.
func NewView[T any](ctx context.Context, s *Store, name string, kinds []string, log *slog.Logger, build func(ctx context.Context, r Reader) (*T, error)) (*View[T], error) {
	return NewIncrementalView(ctx, s, name, kinds, log, build, nil)
}

// NewIncrementalView is NewView for a snapshot that can be brought up to
// date from the records changed since it was made: after a change, apply
// is called with the current snapshot and the diff (the records of kinds
// written or deleted since its revision, read in the same consistent
// transaction as r) and returns the next one without modifying prev, which
// readers may still hold. The cost of a write is then that of its change,
// not of the whole state (issue #17). build remains for the first snapshot,
// for backends that cannot diff, and for recovery: after a failed attempt
// the next one is a full rebuild. apply nil is NewView.
func NewIncrementalView[T any](ctx context.Context, s *Store, name string, kinds []string, log *slog.Logger,
	build func(ctx context.Context, r Reader) (*T, error),
	apply func(ctx context.Context, r Reader, prev *T, d Diff) (*T, error)) (*View[T], error) {
	if log == nil {
		log = slog.Default()
	}
	v := &View[T]{name: name, kinds: kinds, build: build, apply: apply, s: s, log: log}
	v.syncedAt.Store(s.now())
	// Attach before the first build so that no change committed while it
	// runs goes unseen.
	s.attach(v)
	// The first build reads everything: with a million records it takes
	// longer than one operation's bound (Options.Timeout) on a busy
	// machine, and failing it would keep the server from ever starting
	// (issue #17). It is bounded by FirstBuildTimeout instead; a store that
	// does not answer still fails the start, later.
	octx, cancel := context.WithTimeout(ctx, max(s.opts.Timeout, FirstBuildTimeout))
	err := v.Rebuild(octx)
	cancel()
	if err != nil {
		s.detach(v)
		return nil, err
	}
	v.settle()
	s.startAt(v.Rev())
	return v, nil
}

// Load returns the current snapshot. It is never nil.
func (v *View[T]) Load() *T { return v.cur.Load() }

// Rev returns the store revision the current snapshot was built from.
func (v *View[T]) Rev() int64 { return v.rev.Load() }

// OnSwap registers fn to be called with each new snapshot after it is
// published (e.g. to pre-warm caches). fn must not block.
func (v *View[T]) OnSwap(fn func(*T)) {
	for {
		old := v.listeners.Load()
		var next []func(*T)
		if old != nil {
			next = append(next, *old...)
		}
		next = append(next, fn)
		if v.listeners.CompareAndSwap(old, &next) {
			return
		}
	}
}

// Rebuild builds a new snapshot now from a full read and publishes it.
func (v *View[T]) Rebuild(ctx context.Context) error {
	v.buildMu.Lock()
	defer v.buildMu.Unlock()
	return v.make(ctx, false)
}

// make makes the next snapshot, incrementally when it can, and publishes
// it. Called with buildMu held.
func (v *View[T]) make(ctx context.Context, incremental bool) error {
	var snap *T
	prev, since := v.cur.Load(), v.rev.Load()
	incremental = incremental && v.apply != nil && prev != nil
	// A full build reads every record: bounded like the first one.
	bound := v.s.opts.Timeout
	if !incremental {
		bound = max(bound, FirstBuildTimeout)
	}
	rev, err := v.s.viewWithin(ctx, bound, func(r Reader) error {
		var err error
		if incremental {
			var d Diff
			d, err = r.(DiffReader).ChangedSince(since) // r is a guardReader
			if err == nil {
				snap, err = v.apply(ctx, r, prev, v.filter(d))
				return err
			}
			if !errors.Is(err, ErrNoDiff) {
				return err
			}
		}
		snap, err = v.build(ctx, r)
		return err
	})
	if err != nil {
		return err
	}
	if snap == nil {
		return fmt.Errorf("store: snapshot %s: build returned nothing", v.name)
	}
	// Publish only forward: a slow rebuild must not replace a newer one.
	for {
		old := v.rev.Load()
		if rev < old {
			return nil
		}
		if v.rev.CompareAndSwap(old, rev) {
			v.cur.Store(snap)
			break
		}
	}
	if ls := v.listeners.Load(); ls != nil {
		for _, fn := range *ls {
			fn(snap)
		}
	}
	return nil
}

func (v *View[T]) wants(c Change) bool {
	for _, k := range c.Kinds {
		if k == AllKinds || v.wantsKind(k) {
			return true
		}
	}
	return false
}

func (v *View[T]) wantsKind(k string) bool {
	for _, w := range v.kinds {
		if k == w || (strings.HasSuffix(w, "/") && strings.HasPrefix(k, w)) {
			return true
		}
	}
	return false
}

// filter keeps the part of d this view reads.
func (v *View[T]) filter(d Diff) Diff {
	var out Diff
	for _, r := range d.Changed {
		if v.wantsKind(r.Kind) {
			out.Changed = append(out.Changed, r)
		}
	}
	for _, k := range d.Deleted {
		if v.wantsKind(k.Kind) {
			out.Deleted = append(out.Deleted, k)
		}
	}
	return out
}

func (v *View[T]) viewName() string { return v.name }

func (v *View[T]) current() bool { return v.rev.Load() >= v.want.Load() }

// deliver records that c must be reflected and, if the view wants it,
// catches up now.
func (v *View[T]) deliver(ctx context.Context, c Change) error {
	if !v.wants(c) {
		return nil
	}
	v.mu.Lock()
	if c.Rev > v.want.Load() {
		v.want.Store(c.Rev)
	}
	if !v.current() && v.pendingSince.Load() == 0 {
		v.pendingSince.Store(v.s.now())
	}
	v.mu.Unlock()
	return v.catchUp(ctx)
}

// catchUp rebuilds if the view is behind and not backing off. A failure
// schedules the next attempt (jittered exponential backoff) and leaves the
// last good snapshot in place.
func (v *View[T]) catchUp(ctx context.Context) error {
	if v.current() {
		v.settle()
		return nil
	}
	if at := v.nextTry.Load(); at != 0 && v.s.mono() < time.Duration(at) {
		return fmt.Errorf("store: snapshot %s is behind (revision %d of %d), next rebuild attempt in %s",
			v.name, v.Rev(), v.want.Load(), (time.Duration(at) - v.s.mono()).Round(time.Millisecond))
	}
	v.buildMu.Lock()
	if v.current() {
		// A snapshot made while this caller waited covers its change.
		v.buildMu.Unlock()
		v.settle()
		return nil
	}
	octx, cancel := v.s.opCtx(ctx)
	// After a failure, recover with a full rebuild.
	err := v.make(octx, v.failures.Load() == 0)
	cancel()
	v.buildMu.Unlock()
	if err != nil {
		v.mu.Lock()
		n := v.failures.Add(1)
		wait := v.s.backoff(n)
		v.nextTry.Store(int64(v.s.mono() + wait))
		msg := err.Error()
		v.lastErr.Store(&msg)
		v.mu.Unlock()
		v.s.wake()
		lvl := slog.LevelWarn
		if n == 1 {
			lvl = slog.LevelError
		}
		v.log.Log(ctx, lvl, "snapshot rebuild failed; serving the previous one and retrying",
			"view", v.name, "attempt", n, "retry_in", wait.Round(time.Millisecond), "err", err)
		err = fmt.Errorf("store: snapshot %s: rebuild failed (attempt %d): %w", v.name, n, err)
		v.observe(err)
		return err
	}
	v.settle()
	v.observe(nil)
	return nil
}

func (v *View[T]) observe(err error) {
	if f := v.s.opts.OnRebuild; f != nil {
		f(v.name, err)
	}
}

// settle clears the behind state once the snapshot reflects want.
func (v *View[T]) settle() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.current() {
		return
	}
	v.pendingSince.Store(0)
	if n := v.failures.Swap(0); n > 0 {
		v.log.Info("snapshot rebuilt after failures", "view", v.name, "failed_attempts", n, "rev", v.Rev())
	}
	v.nextTry.Store(0)
	v.lastErr.Store(nil)
}

// confirm records that a complete poll at time at found the view current.
func (v *View[T]) confirm(at int64) {
	for {
		old := v.syncedAt.Load()
		if at <= old || v.syncedAt.CompareAndSwap(old, at) {
			return
		}
	}
}

// retryAt returns when the next rebuild attempt is due, if the view is
// behind and backing off.
func (v *View[T]) retryAt() (time.Duration, bool) {
	if v.current() {
		return 0, false
	}
	at := v.nextTry.Load()
	return time.Duration(at), at != 0
}

// staleness is how long since the view was last known to reflect the
// store: on a shared backend, since the last complete poll that found it
// current; on an embedded one, zero unless a committed change is not
// applied yet, then since that change was delivered.
func (v *View[T]) staleness(now int64) time.Duration {
	since := now
	if v.s.shared {
		since = v.syncedAt.Load()
	}
	if !v.current() {
		if p := v.pendingSince.Load(); p != 0 && p < since {
			since = p
		}
	}
	return max(time.Duration(now-since), 0)
}

func (v *View[T]) status(now int64) ViewStatus {
	st := ViewStatus{Name: v.name, Rev: v.Rev(), StalenessSeconds: v.staleness(now).Seconds(),
		Behind: !v.current(), FailedRebuilds: v.failures.Load()}
	if e := v.lastErr.Load(); e != nil {
		st.LastError = *e
	}
	return st
}
