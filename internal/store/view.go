package store

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
)

// View keeps an immutable snapshot of type T built from the store, and
// rebuilds and swaps it atomically whenever a transaction touches one of its
// kinds. Readers call Load on the hot path: one atomic load, no locks, no
// store access. If a rebuild fails the last good snapshot stays in place
// (never an empty one, which could fail open).
type View[T any] struct {
	name  string
	kinds []string
	build func(ctx context.Context, r Reader) (*T, error)
	s     *Store
	cur   atomic.Pointer[T]
	rev   atomic.Int64
	log   *slog.Logger

	listeners atomic.Pointer[[]func(*T)]
}

// NewView builds the first snapshot synchronously (so a server never serves
// from nothing) and then rebuilds it after every committed change to one of
// kinds (record kinds, or kind prefixes ending in "/"), before the Update
// that made the change returns.
func NewView[T any](ctx context.Context, s *Store, name string, kinds []string, log *slog.Logger, build func(ctx context.Context, r Reader) (*T, error)) (*View[T], error) {
	if log == nil {
		log = slog.Default()
	}
	v := &View[T]{name: name, kinds: kinds, build: build, s: s, log: log}
	if err := v.Rebuild(ctx); err != nil {
		return nil, err
	}
	s.advance(v.Rev())
	s.hook(func(ctx context.Context, c Change) {
		if !v.wants(c) {
			return
		}
		if err := v.Rebuild(ctx); err != nil {
			v.log.Error("snapshot rebuild failed; serving the previous one", "view", v.name, "err", err)
		}
	})
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

// Rebuild builds a new snapshot now and publishes it.
func (v *View[T]) Rebuild(ctx context.Context) error {
	var snap *T
	rev, err := v.s.View(ctx, func(r Reader) error {
		var err error
		snap, err = v.build(ctx, r)
		return err
	})
	if err != nil {
		return err
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
		for _, w := range v.kinds {
			if k == w || (strings.HasSuffix(w, "/") && strings.HasPrefix(k, w)) {
				return true
			}
		}
	}
	return false
}
