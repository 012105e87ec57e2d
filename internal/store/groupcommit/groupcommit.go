// Package groupcommit is the writer queue both SQL backends share: Update
// hands a transaction to one committer goroutine, which runs every
// transaction queued behind it in one database transaction (each in its
// own savepoint, so that one's error undoes only its own writes) and
// commits them together: one log flush for the batch instead of one per
// write (issue #17). Update returns only after that commit, so every
// acknowledged write is durable. What a batch does in the database is the
// backend's commit function; the queue, the batching, the deadlines and
// the answers are here.
package groupcommit

import (
	"context"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Request is one queued transaction.
type Request struct {
	Ctx  context.Context
	Fn   func(store.Tx) error
	done chan Result // buffered: the committer never blocks on it
}

// Answer gives the request its outcome; each request is answered once.
func (r *Request) Answer(res Result) { r.done <- res }

// Fail answers the request with err.
func (r *Request) Fail(err error) { r.done <- Result{Err: err} }

// Result is a request's outcome. A panic in Fn is carried back and
// re-raised in the writer's goroutine.
type Result struct {
	Change   store.Change
	Err      error
	Panicked bool
	PanicVal any
}

// Queue is the queue and its committer goroutine.
type Queue struct {
	reqs    chan *Request
	quit    chan struct{} // closed by Close
	stopped chan struct{} // closed when the committer has stopped
	closing sync.Once
	max     int
	commit  func(batch []*Request)
}

// Start starts the committer: commit runs each batch (at most max
// requests) and must answer every request in it.
func Start(max int, commit func(batch []*Request)) *Queue {
	q := &Queue{reqs: make(chan *Request, max), quit: make(chan struct{}), stopped: make(chan struct{}), max: max, commit: commit}
	go q.run()
	return q
}

// Update queues fn and waits for its outcome. fn runs on the committer
// goroutine after the transactions queued before it, and sees their
// writes, exactly as if they had run one after the other.
func (q *Queue) Update(ctx context.Context, fn func(store.Tx) error) (store.Change, error) {
	req := &Request{Ctx: ctx, Fn: fn, done: make(chan Result, 1)}
	select {
	case q.reqs <- req:
	case <-ctx.Done():
		return store.Change{}, ctx.Err()
	case <-q.quit:
		return store.Change{}, store.ErrClosed
	}
	// Wait for the outcome even if ctx ends meanwhile: the committer
	// checks ctx before running fn and bounds the batch by the earliest
	// deadline in it, so the answer comes in time and is always the truth
	// (never "failed" for a write that commits).
	var res Result
	select {
	case res = <-req.done:
	case <-q.stopped:
		// Closed: the committer answered before stopping, or never saw
		// the request.
		select {
		case res = <-req.done:
		default:
			return store.Change{}, store.ErrClosed
		}
	}
	if res.Panicked {
		panic(res.PanicVal)
	}
	return res.Change, res.Err
}

// Close stops the committer after the batch under way has committed (or
// failed) and answered; queued requests get store.ErrClosed. It reports
// whether this call was the first.
func (q *Queue) Close() bool {
	first := false
	q.closing.Do(func() {
		first = true
		close(q.quit)
	})
	if first {
		<-q.stopped
	}
	return first
}

// run is the committer: batches until Close.
func (q *Queue) run() {
	defer close(q.stopped)
	batch := make([]*Request, 0, q.max)
	for {
		var first *Request
		select {
		case first = <-q.reqs:
		case <-q.quit:
			q.drain()
			return
		}
		batch = append(batch[:0], first)
		// Everything that queued while the previous batch was committing
		// joins this one: that is where the batching comes from, without
		// waiting for more writers than are already there.
	more:
		for len(batch) < q.max {
			select {
			case r := <-q.reqs:
				batch = append(batch, r)
			default:
				break more
			}
		}
		q.commit(batch)
		clear(batch)
	}
}

// drain fails every queued request (at Close).
func (q *Queue) drain() {
	for {
		select {
		case r := <-q.reqs:
			r.Fail(store.ErrClosed)
		default:
			return
		}
	}
}

// Context is the context a batch runs under: bounded by the earliest
// deadline in it (each writer's Options.Timeout), so that past it nothing
// is committed and a writer told "unavailable" because its time ran out
// never sees its write commit later. A writer that merely went away
// (cancelled) does not cancel the others' batch.
func Context(batch []*Request) (context.Context, context.CancelFunc) {
	var deadline time.Time
	for _, r := range batch {
		if d, ok := r.Ctx.Deadline(); ok && (deadline.IsZero() || d.Before(deadline)) {
			deadline = d
		}
	}
	if deadline.IsZero() {
		return context.WithCancel(context.Background())
	}
	return context.WithDeadline(context.Background(), deadline)
}

// Queued is the number of requests waiting behind the batch under way
// (tests use it to line writers up behind a batch).
func (q *Queue) Queued() int { return len(q.reqs) }
