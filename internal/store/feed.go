package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Options tune a Store. The zero value gives the defaults.
type Options struct {
	// Timeout bounds every store operation: a write transaction from BEGIN
	// to COMMIT, a read, a snapshot rebuild, one poll of the change feed, a
	// write probe. A write that runs out of time is rolled back and fails
	// with ErrUnavailable; it never commits later (see Update). Default 5 s.
	Timeout time.Duration
	// PollInterval is how often Run asks a shared backend for other nodes'
	// changes. Default 500 ms.
	PollInterval time.Duration
	// ProbeInterval is how often Run checks that the store can still write
	// when no write has succeeded for that long. Default 5 s.
	ProbeInterval time.Duration
	// PruneInterval is how often Run removes deletion records older than
	// TombstoneKeep revisions (store.TombstonePruner). Default 1 min.
	PruneInterval time.Duration
	// TombstoneKeep is how many revisions of deletion records are kept for
	// views (this node's, other nodes') catching up by diff; a view further
	// behind rebuilds from a full read. Default 100,000.
	TombstoneKeep int64
	// RetryBase and RetryMax bound the jittered exponential backoff between
	// attempts to rebuild a snapshot that failed. Defaults 100 ms and 5 s.
	RetryBase, RetryMax time.Duration
	// Now is the clock staleness is measured with (tests); default the
	// monotonic clock. Timers (polls, retries, probes) use real time.
	Now func() time.Time
	// Log receives the store's own events (unreachable, recovered, rebuild
	// failures); default slog.Default().
	Log *slog.Logger
	// OnRebuild, when set, is called after every attempt to bring a view up
	// to date, once its outcome is recorded (tests). It must not block.
	OnRebuild func(view string, err error)
}

// DefaultTimeout is Options.Timeout's default.
const DefaultTimeout = 5 * time.Second

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 500 * time.Millisecond
	}
	if o.ProbeInterval <= 0 {
		o.ProbeInterval = 5 * time.Second
	}
	if o.PruneInterval <= 0 {
		o.PruneInterval = time.Minute
	}
	if o.TombstoneKeep <= 0 {
		o.TombstoneKeep = 100000
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 100 * time.Millisecond
	}
	if o.RetryMax < o.RetryBase {
		o.RetryMax = max(5*time.Second, o.RetryBase)
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return o
}

// Store wraps a Backend with an in-process change feed. It is what domain
// packages receive.
//
// Every snapshot (View) attached to the store is kept current: after a
// local write, before Update returns; after another node's write, when Run
// polls the feed. A rebuild that fails is retried with backoff, and the
// feed position never moves past a change some view has not applied, so
// a revocation seen is a revocation applied, however late. Staleness (how
// long since a view was last known to reflect the store) is what the
// server bounds with --max-staleness.
type Store struct {
	b      Backend
	opts   Options
	shared bool
	born   time.Time // origin of the monotonic clock for retry deadlines

	mu    sync.Mutex
	subs  map[int]chan Change
	next  int
	views atomic.Pointer[[]follower]

	pollMu sync.Mutex // one poll at a time
	// pos is the feed position: every change up to pos has been applied by
	// every view. Only a complete Poll advances it.
	pos    atomic.Int64
	posSet atomic.Bool
	// syncedAt (store clock, unix ns) is the start of the last poll that
	// fetched the whole feed and left every view current.
	syncedAt atomic.Int64
	syncErr  atomic.Pointer[string]

	lastWrite atomic.Int64 // store clock, unix ns, of the last committed write or probe
	writeErr  atomic.Pointer[string]

	kick chan struct{} // wakes Run to re-arm the retry timer
}

// follower is what the store keeps views through (View[T] for every T).
type follower interface {
	viewName() string
	deliver(ctx context.Context, c Change) error
	catchUp(ctx context.Context) error
	current() bool
	confirm(at int64)
	retryAt() (time.Duration, bool)
	status(now int64) ViewStatus
	staleness(now int64) time.Duration
}

// New returns a Store over b with default Options.
func New(b Backend) *Store { return NewWithOptions(b, Options{}) }

// NewWithOptions returns a Store over b.
func NewWithOptions(b Backend, o Options) *Store {
	s := &Store{b: b, opts: o.withDefaults(), subs: map[int]chan Change{}, born: time.Now(), kick: make(chan struct{}, 1)}
	sh, ok := b.(interface{ Shared() bool })
	s.shared = ok && sh.Shared()
	now := s.now()
	s.syncedAt.Store(now)
	s.lastWrite.Store(now)
	return s
}

// now is the store clock in nanoseconds: the injected clock's Unix time,
// or by default the monotonic time since the store was made, so that a
// wall-clock step (NTP) neither hides staleness nor fakes it.
func (s *Store) now() int64 {
	if s.opts.Now != nil {
		return s.opts.Now().UnixNano()
	}
	return int64(time.Since(s.born))
}
func (s *Store) mono() time.Duration    { return time.Since(s.born) }
func (s *Store) log() *slog.Logger      { return s.opts.Log }
func (s *Store) Timeout() time.Duration { return s.opts.Timeout }

// opCtx bounds one store operation.
func (s *Store) opCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opts.Timeout)
}

// Update runs fn in a read-write transaction, commits it durably and then
// brings every view up to date. Views are rebuilt before Update returns, so
// a caller that was told "created" can use what it created on the very
// next request (if a rebuild fails, the write stands and the view is
// retried in the background; staleness then grows until it succeeds).
//
// The whole transaction is bounded by Options.Timeout and by ctx. Errors
// returned by fn come back as they are; every other failure matches
// ErrUnavailable and means the transaction did not commit: it is rolled
// back, and COMMIT is never sent once the deadline has passed. The one
// exception is a deadline that expires after COMMIT was sent and before
// the database answered: the outcome is then unknown to gatehouse (as it
// is to any client of any database), and the database decides it within
// the server-side idle-transaction timeout the backend sets.
func (s *Store) Update(ctx context.Context, fn func(Tx) error) (int64, error) {
	octx, cancel := s.opCtx(ctx)
	var fnErr error
	c, err := s.b.Update(octx, func(tx Tx) error {
		fnErr = fn(guardTx{tx})
		return fnErr
	})
	cancel()
	if err != nil {
		if fnErr != nil && err == fnErr && !isContextErr(err) && !errors.Is(err, ErrUnavailable) {
			return 0, err // fn's own answer (ErrExists, a domain error)
		}
		if !errors.Is(err, context.Canceled) || ctx.Err() == nil {
			// A client that went away says nothing about the store.
			s.noteWrite(err)
		}
		return 0, unavailable("write", err)
	}
	if len(c.Kinds) == 0 {
		return c.Rev, nil
	}
	s.noteWrite(nil)
	// Detach from the caller's cancellation: a rebuild must finish even if
	// the client that caused it went away.
	if err := s.publish(context.WithoutCancel(ctx), c); err != nil {
		s.log().Error("write committed but a snapshot did not apply it yet; retrying", "rev", c.Rev, "err", err)
	}
	if !s.shared {
		s.advance(c.Rev)
	}
	// On a shared store the position stays where the last poll left it:
	// other nodes' changes before c.Rev may not have been seen yet, and
	// the next poll delivers them (and c again, which views skip).
	return c.Rev, nil
}

func isContextErr(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

func (s *Store) advance(rev int64) {
	for {
		old := s.pos.Load()
		if rev <= old || s.pos.CompareAndSwap(old, rev) {
			return
		}
	}
}

// attach adds a view to the followers.
func (s *Store) attach(f follower) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next []follower
	if old := s.views.Load(); old != nil {
		next = append(next, *old...)
	}
	next = append(next, f)
	s.views.Store(&next)
}

// detach removes a view (one whose first build failed).
func (s *Store) detach(f follower) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.views.Load()
	if old == nil {
		return
	}
	var next []follower
	for _, g := range *old {
		if g != f {
			next = append(next, g)
		}
	}
	s.views.Store(&next)
}

func (s *Store) followers() []follower {
	if v := s.views.Load(); v != nil {
		return *v
	}
	return nil
}

// startAt sets the feed position from the first view built: polling
// starts from what that view already reflects rather than from the
// beginning of history.
func (s *Store) startAt(rev int64) {
	if s.posSet.CompareAndSwap(false, true) {
		s.advance(rev)
	}
}

// View runs fn over a consistent read-only state, bounded by
// Options.Timeout. Errors of fn come back as they are; failures of the
// store match ErrUnavailable.
func (s *Store) View(ctx context.Context, fn func(Reader) error) (int64, error) {
	return s.viewWithin(ctx, s.opts.Timeout, fn)
}

// viewWithin is View bounded by d rather than Options.Timeout (a view's
// full build, see FirstBuildTimeout).
func (s *Store) viewWithin(ctx context.Context, d time.Duration, fn func(Reader) error) (int64, error) {
	octx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var fnErr error
	rev, err := s.b.View(octx, func(r Reader) error {
		fnErr = fn(guardReader{r})
		return fnErr
	})
	if err != nil && (fnErr == nil || err != fnErr || isContextErr(err)) {
		err = unavailable("read", err)
	}
	return rev, err
}

// Get reads one record outside any transaction.
func (s *Store) Get(ctx context.Context, kind, key string) (Record, error) {
	var r Record
	_, err := s.View(ctx, func(tx Reader) error {
		var err error
		r, err = tx.Get(kind, key)
		return err
	})
	return r, err
}

// List reads records by prefix outside any transaction.
func (s *Store) List(ctx context.Context, kind, prefix string) ([]Record, error) {
	var rs []Record
	_, err := s.View(ctx, func(tx Reader) error {
		var err error
		rs, err = tx.List(kind, prefix)
		return err
	})
	return rs, err
}

// Subscribe returns a channel of committed changes and a function to stop.
// The channel is buffered; when a subscriber falls behind, changes are
// merged rather than dropped, so a subscriber always learns that something
// changed. A change may be announced more than once (a poll that could not
// complete is repeated).
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

// publish delivers c to every view (each rebuilds if it wants c and is not
// backing off) and then to subscribers. It returns the views' failures.
func (s *Store) publish(ctx context.Context, c Change) error {
	var errs []error
	for _, f := range s.followers() {
		if err := f.deliver(ctx, c); err != nil {
			errs = append(errs, err)
		}
	}
	s.mu.Lock()
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
	s.mu.Unlock()
	return errors.Join(errs...)
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

// retryBehind gives every view that is behind another attempt, unless it
// is backing off.
func (s *Store) retryBehind(ctx context.Context) error {
	var errs []error
	for _, f := range s.followers() {
		if !f.current() {
			if err := f.catchUp(ctx); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Poll asks the backend for changes committed since the feed position
// (other gatehouse nodes on a shared database), applies them to every view
// and retries views still behind. Only when every view is current does
// the position advance and the store count as synced: a change that some
// view failed to apply is fetched and delivered again by the next poll.
// Multi-node deployments call it from Run; on error the views keep serving
// their last good snapshot, and their staleness grows.
func (s *Store) Poll(ctx context.Context) error {
	s.pollMu.Lock()
	defer s.pollMu.Unlock()
	// Everything committed before start is in the answer below: a complete
	// poll confirms the views as of start, not as of its end.
	start := s.now()
	if !s.posSet.Load() {
		// No view yet: nothing to keep current, and no position to read
		// from short of the whole history.
		s.syncedAt.Store(start)
		return nil
	}
	since := s.pos.Load()
	octx, cancel := s.opCtx(ctx)
	cs, err := s.b.Changes(octx, since)
	cancel()
	var gap *FeedGapError
	if errors.As(err, &gap) {
		// The feed no longer holds what changed after since (pruned): every
		// view catches up to the store's revision from the records, by
		// diff if the deletion records reach back far enough, else by a
		// full rebuild (they are pruned to the same floor). Nothing is
		// skipped; the position moves only once every view is current.
		s.log().Warn("store: this node is behind the start of the change feed; every snapshot catches up from the records",
			"position", since, "feed_floor", gap.Floor, "rev", gap.Rev)
		cs, err = []Change{{Rev: gap.Rev, Kinds: []string{AllKinds}}}, nil
	}
	if err != nil {
		err = unavailable("read the change feed", err)
		msg := err.Error()
		s.syncErr.Store(&msg)
		return err
	}
	var errs []error
	if len(cs) > 0 {
		all := Change{Rev: cs[0].Rev}
		for _, c := range cs {
			all = merge(all, c)
		}
		// Views rebuild from a full read, so one delivery of the union
		// applies every change in it.
		if err := s.publish(ctx, all); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.retryBehind(ctx); err != nil {
		errs = append(errs, err)
	}
	behind := false
	for _, f := range s.followers() {
		if f.current() {
			f.confirm(start)
		} else {
			behind = true
		}
	}
	if behind {
		err := fmt.Errorf("store: feed position stays at %d until every snapshot applies the changes after it: %w", since, errors.Join(errs...))
		msg := err.Error()
		s.syncErr.Store(&msg)
		return err
	}
	if len(cs) > 0 {
		s.advance(cs[len(cs)-1].Rev)
	}
	s.syncedAt.Store(start)
	s.syncErr.Store(nil)
	return nil
}

// Shared reports whether the backend is shared between processes and so
// needs Poll.
func (s *Store) Shared() bool { return s.shared }

// Run keeps the store's views current until ctx ends: it polls a shared
// backend every PollInterval, retries failed rebuilds when their backoff
// expires, and probes whether the store can write every ProbeInterval.
// The server runs it for its whole life; without it, views catch up only
// on the next write.
func (s *Store) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.probeLoop(ctx)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.pruneLoop(ctx)
	}()
	defer wg.Wait()

	var pollC <-chan time.Time
	if s.shared {
		t := time.NewTicker(s.opts.PollInterval)
		defer t.Stop()
		pollC = t.C
	}
	retry := time.NewTimer(time.Hour)
	defer retry.Stop()
	failing := false
	for {
		// Wake for the earliest retry deadline of a view that is behind.
		wait, ok := time.Duration(0), false
		for _, f := range s.followers() {
			if at, due := f.retryAt(); due && (!ok || at < wait) {
				wait, ok = at, true
			}
		}
		var retryC <-chan time.Time
		if ok {
			retry.Reset(max(wait-s.mono(), 0))
			retryC = retry.C
		}
		select {
		case <-ctx.Done():
			return
		case <-pollC:
			err := s.Poll(ctx)
			switch {
			case err != nil && !failing && ctx.Err() == nil:
				s.log().Error("store: cannot sync; serving the last good snapshots until --max-staleness", "err", err)
				failing = true
			case err == nil && failing:
				s.log().Info("store: synced again")
				failing = false
			}
		case <-retryC:
			_ = s.retryBehind(ctx) // each view logs its own failures
		case <-s.kick:
		}
	}
}

// wake tells Run that a retry deadline changed.
func (s *Store) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *Store) probeLoop(ctx context.Context) {
	p, ok := s.b.(Prober)
	if !ok {
		return
	}
	t := time.NewTicker(s.opts.ProbeInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// A write that succeeded recently proves as much as a probe.
		if s.writeErr.Load() == nil && time.Duration(s.now()-s.lastWrite.Load()) < s.opts.ProbeInterval {
			continue
		}
		octx, cancel := s.opCtx(ctx)
		err := p.Probe(octx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		s.noteWrite(err)
	}
}

func (s *Store) pruneLoop(ctx context.Context) {
	if _, ok := s.b.(TombstonePruner); !ok {
		return
	}
	t := time.NewTicker(s.opts.PruneInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.PruneTombstones(ctx); err != nil && ctx.Err() == nil {
			s.log().Warn("store: pruning deletion records failed (retried later)", "err", err)
		}
	}
}

// PruneTombstones removes the deletion records older than TombstoneKeep
// revisions now (Run does it every PruneInterval) and returns how many.
func (s *Store) PruneTombstones(ctx context.Context) (int64, error) {
	p, ok := s.b.(TombstonePruner)
	if !ok {
		return 0, nil
	}
	octx, cancel := s.opCtx(ctx)
	defer cancel()
	n, err := p.PruneTombstones(octx, s.opts.TombstoneKeep)
	return n, unavailable("prune tombstones", err)
}

// Probe checks now that the store can write, records the outcome for
// Health and returns it.
func (s *Store) Probe(ctx context.Context) error {
	p, ok := s.b.(Prober)
	if !ok {
		return nil
	}
	octx, cancel := s.opCtx(ctx)
	err := p.Probe(octx)
	cancel()
	s.noteWrite(err)
	return unavailable("write probe", err)
}

func (s *Store) noteWrite(err error) {
	if err == nil {
		s.lastWrite.Store(s.now())
		if s.writeErr.Swap(nil) != nil {
			s.log().Info("store: writes succeed again")
		}
		return
	}
	msg := err.Error()
	if s.writeErr.Swap(&msg) == nil {
		s.log().Error("store: cannot write", "err", err)
	}
}

// Staleness returns the largest staleness of the store's views: how long
// since the stalest of them was last known to reflect everything in the
// store (a complete poll on a shared backend; for an embedded one, the
// time since a change it has not applied was committed), and the view's
// name. It is cheap enough for every request.
func (s *Store) Staleness() (string, time.Duration) {
	now := s.now()
	var name string
	var worst time.Duration
	for _, f := range s.followers() {
		if d := f.staleness(now); d > worst || name == "" {
			name, worst = f.viewName(), d
		}
	}
	if s.shared {
		if d := time.Duration(now - s.syncedAt.Load()); d > worst {
			name, worst = "feed", d
		}
	}
	return name, max(worst, 0)
}

// Fresh returns a *StaleError (matching ErrUnavailable) when a view is
// staler than maxStaleness, else nil.
func (s *Store) Fresh(maxStaleness time.Duration) error {
	name, d := s.Staleness()
	if d > maxStaleness {
		return &StaleError{View: name, Staleness: d, Max: maxStaleness}
	}
	return nil
}

// ViewStatus describes one snapshot for /_gatehouse/health.
type ViewStatus struct {
	Name string `json:"name"`
	// Rev is the store revision the snapshot was built from.
	Rev int64 `json:"rev"`
	// StalenessSeconds: how long since the snapshot was last known to
	// reflect the store.
	StalenessSeconds float64 `json:"stalenessSeconds"`
	// Behind: a committed change is not applied yet.
	Behind bool `json:"behind"`
	// FailedRebuilds counts consecutive failed attempts; LastError is the
	// last one's cause.
	FailedRebuilds int64 `json:"failedRebuilds"`
	// LastError is for the log and tests only: health is unauthenticated,
	// and database errors name hosts and internals.
	LastError string `json:"-"`
}

// Health is the store's state for /_gatehouse/health.
type Health struct {
	// Writable is false when the last write or write probe failed;
	// WriteError says why (log and tests only, like ViewStatus.LastError).
	Writable   bool   `json:"writable"`
	WriteError string `json:"-"`
	// Shared backends: Synced is false while polls of the change feed do
	// not complete (SyncError says why); SyncStalenessSeconds is the time
	// since the last complete one.
	Shared               bool         `json:"shared"`
	Synced               bool         `json:"synced"`
	SyncStalenessSeconds float64      `json:"syncStalenessSeconds"`
	SyncError            string       `json:"-"`
	Views                []ViewStatus `json:"views"`
}

// Health reports whether the store can write and how current each view is.
func (s *Store) Health() Health {
	now := s.now()
	h := Health{Writable: true, Synced: true, Shared: s.shared, Views: []ViewStatus{}}
	if e := s.writeErr.Load(); e != nil {
		h.Writable, h.WriteError = false, *e
	}
	if s.shared {
		h.SyncStalenessSeconds = max(time.Duration(now-s.syncedAt.Load()), 0).Seconds()
		if e := s.syncErr.Load(); e != nil {
			h.Synced, h.SyncError = false, *e
		}
	}
	for _, f := range s.followers() {
		h.Views = append(h.Views, f.status(now))
	}
	return h
}

// backoff is the delay before attempt n+1 after n consecutive failures:
// exponential from RetryBase, capped at RetryMax, with jitter over its
// upper half so that nodes failing together do not retry in step.
func (s *Store) backoff(n int64) time.Duration {
	d := s.opts.RetryBase
	for i := int64(1); i < n && d < s.opts.RetryMax; i++ {
		d *= 2
	}
	d = min(d, s.opts.RetryMax)
	return d/2 + rand.N(d/2+1)
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
