package store

import (
	"context"
	"sync"
	"sync/atomic"
)

// Store wraps a Backend with an in-process change feed. It is what domain
// packages receive.
type Store struct {
	b Backend

	mu    sync.Mutex
	subs  map[int]chan Change
	next  int
	hooks []func(context.Context, Change)
	// seen is the newest revision this process knows it has published.
	seen atomic.Int64
}

// New returns a Store over b.
func New(b Backend) *Store {
	return &Store{b: b, subs: map[int]chan Change{}}
}

// Update runs fn in a read-write transaction, commits it durably and then
// notifies subscribers. Views are rebuilt before Update returns, so a caller
// that was told "created" can use what it created on the very next request.
func (s *Store) Update(ctx context.Context, fn func(Tx) error) (int64, error) {
	c, err := s.b.Update(ctx, fn)
	if err != nil {
		return 0, err
	}
	if len(c.Kinds) > 0 {
		s.publish(ctx, c)
	}
	s.advance(c.Rev)
	return c.Rev, nil
}

func (s *Store) advance(rev int64) {
	for {
		old := s.seen.Load()
		if rev <= old || s.seen.CompareAndSwap(old, rev) {
			return
		}
	}
}

// hook registers fn to run synchronously after every committed change.
func (s *Store) hook(fn func(context.Context, Change)) {
	s.mu.Lock()
	s.hooks = append(s.hooks, fn)
	s.mu.Unlock()
}

// View runs fn over a consistent read-only state.
func (s *Store) View(ctx context.Context, fn func(Reader) error) (int64, error) {
	return s.b.View(ctx, fn)
}

// Get reads one record outside any transaction.
func (s *Store) Get(ctx context.Context, kind, key string) (Record, error) {
	var r Record
	_, err := s.b.View(ctx, func(tx Reader) error {
		var err error
		r, err = tx.Get(kind, key)
		return err
	})
	return r, err
}

// List reads records by prefix outside any transaction.
func (s *Store) List(ctx context.Context, kind, prefix string) ([]Record, error) {
	var rs []Record
	_, err := s.b.View(ctx, func(tx Reader) error {
		var err error
		rs, err = tx.List(kind, prefix)
		return err
	})
	return rs, err
}

// Subscribe returns a channel of committed changes and a function to stop.
// The channel is buffered; when a subscriber falls behind, changes are
// merged rather than dropped, so a subscriber always learns that something
// changed.
func (s *Store) Subscribe() (<-chan Change, func()) {
	ch := make(chan Change, 1)
	s.mu.Lock()
	id := s.next
	s.next++
	s.subs[id] = ch
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		if c, ok := s.subs[id]; ok {
			delete(s.subs, id)
			close(c)
		}
		s.mu.Unlock()
	}
}

func (s *Store) publish(ctx context.Context, c Change) {
	s.mu.Lock()
	hooks := s.hooks
	s.mu.Unlock()
	// Detach from the caller's cancellation: a rebuild must finish even if
	// the client that caused it went away.
	hctx := context.WithoutCancel(ctx)
	for _, h := range hooks {
		h(hctx, c)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.subs {
		select {
		case ch <- c:
		default:
			// Merge with the pending change so nothing is lost.
			select {
			case old := <-ch:
				ch <- merge(old, c)
			default:
				ch <- c
			}
		}
	}
}

func merge(a, b Change) Change {
	seen := map[string]bool{}
	var kinds []string
	for _, k := range append(append([]string{}, a.Kinds...), b.Kinds...) {
		if !seen[k] {
			seen[k] = true
			kinds = append(kinds, k)
		}
	}
	rev := a.Rev
	if b.Rev > rev {
		rev = b.Rev
	}
	return Change{Rev: rev, Kinds: kinds}
}

// Poll asks the backend for changes committed by other processes (other
// gatehouse nodes on a shared database) since the newest revision this
// process has seen, and publishes them so views rebuild. Multi-node
// deployments call it from a loop; on error the views keep serving their
// last good snapshot.
func (s *Store) Poll(ctx context.Context) error {
	since := s.seen.Load()
	cs, err := s.b.Changes(ctx, since)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.Rev <= s.seen.Load() {
			continue // already published by a local Update
		}
		s.publish(ctx, c)
		s.advance(c.Rev)
	}
	return nil
}

// Shared reports whether the backend is shared between processes and so
// needs Poll.
func (s *Store) Shared() bool {
	sh, ok := s.b.(interface{ Shared() bool })
	return ok && sh.Shared()
}

// Close closes the backend. Subscribers' channels are closed.
func (s *Store) Close() error {
	s.mu.Lock()
	for id, ch := range s.subs {
		close(ch)
		delete(s.subs, id)
	}
	s.mu.Unlock()
	return s.b.Close()
}
