package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

var (
	// ErrNotFound is returned when a record does not exist.
	ErrNotFound = errors.New("store: record not found")
	// ErrExists is returned by Create when the record already exists.
	ErrExists = errors.New("store: record already exists")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("store: closed")
	// ErrUnavailable marks every failure of the store itself, as opposed to
	// an answer about the records: the database is unreachable, an operation
	// ran past Options.Timeout, the file cannot be written (read-only, disk
	// full), or this node's snapshots are older than the staleness bound.
	// Handlers answer it with their surface's AWS ServiceUnavailable
	// (package awsproto renders it); test with errors.Is.
	ErrUnavailable = errors.New("store: unavailable")
)

// unavailable wraps err, the failure of op, so that it matches both
// ErrUnavailable and err itself (context.DeadlineExceeded, driver errors).
func unavailable(op string, err error) error {
	if err == nil || errors.Is(err, ErrUnavailable) {
		return err
	}
	return &unavailableError{op: op, err: err}
}

type unavailableError struct {
	op  string
	err error
}

func (e *unavailableError) Error() string   { return "store: " + e.op + ": " + e.err.Error() }
func (e *unavailableError) Unwrap() []error { return []error{ErrUnavailable, e.err} }

// StaleError is returned by Store.Fresh when a snapshot is older than the
// allowed staleness. It matches ErrUnavailable.
type StaleError struct {
	View      string        // the stalest snapshot
	Staleness time.Duration // how long since it was last known to reflect the store
	Max       time.Duration // the bound (--max-staleness)
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("store: snapshot %q was last confirmed current %s ago, over the %s bound", e.View,
		e.Staleness.Round(time.Millisecond), e.Max)
}

// Is makes a StaleError match ErrUnavailable.
func (e *StaleError) Is(target error) bool { return target == ErrUnavailable }

// Record is one stored entity. Kind groups records like a table ("iam/user");
// Key is unique within a kind and sorts lexically, so hierarchical keys
// ("ACCOUNT/NAME") list by prefix.
type Record struct {
	Kind  string
	Key   string
	Value []byte
	Rev   int64 // store revision of the last write to this record
}

// Reader reads records. Within a transaction it sees the transaction's own
// writes.
type Reader interface {
	Get(kind, key string) (Record, error)
	// List returns the records of kind whose key starts with prefix, in key order.
	List(kind, prefix string) ([]Record, error)
}

// Scan calls fn with each record of kind whose key starts with prefix, in
// key order, reading them as it goes: a full build of a snapshot over a
// million records then holds one record at a time rather than all of them
// (issue #17). fn must not keep rec.Value after it returns (the backend may
// reuse it). Readers of backends that cannot stream read a List.
func Scan(r Reader, kind, prefix string, fn func(rec Record) error) error {
	if sc, ok := r.(scanner); ok {
		return sc.Scan(kind, prefix, fn)
	}
	rs, err := r.List(kind, prefix)
	if err != nil {
		return err
	}
	for _, rec := range rs {
		if err := fn(rec); err != nil {
			return err
		}
	}
	return nil
}

// scanner is implemented by the readers of backends that stream (see Scan).
type scanner interface {
	Scan(kind, prefix string, fn func(Record) error) error
}

// ScanParts is Scan with the records split into up to parts consecutive
// key ranges read concurrently, each on its own connection but all from
// the same state of the store as r (a backend that cannot promise that
// reads them one after the other on r). fn(p, rec) is called for the
// records of range p in key order, concurrently for different ranges;
// every key of range p sorts before every key of range p+1. A full build
// of a million-record snapshot then uses more than one core for the
// reading (issue #17). The first error (fn's, as it is, or the store's)
// stops every range; fn must not keep rec.Value after it returns.
func ScanParts(r Reader, kind, prefix string, parts int, fn func(part int, rec Record) error) error {
	if ps, ok := r.(partScanner); ok && parts > 1 {
		return ps.ScanParts(kind, prefix, parts, fn)
	}
	return Scan(r, kind, prefix, func(rec Record) error { return fn(0, rec) })
}

// partScanner is implemented by the readers of backends that can read
// one state from several connections (see ScanParts).
type partScanner interface {
	ScanParts(kind, prefix string, parts int, fn func(part int, rec Record) error) error
}

// Tx is a read-write transaction.
type Tx interface {
	Reader
	// Put creates or replaces a record.
	Put(kind, key string, value []byte) error
	// Create stores a new record and fails with ErrExists if it is there.
	Create(kind, key string, value []byte) error
	// Delete removes a record and fails with ErrNotFound if it is not there.
	Delete(kind, key string) error
}

// Key names one record.
type Key struct{ Kind, Key string }

// Diff is what changed in the store after a revision: every record written
// since (as it is now) and every record deleted since and not re-created.
// Applying it to a snapshot built at that revision gives the snapshot of
// the revision the diff was read at.
type Diff struct {
	Changed []Record
	Deleted []Key
}

// ErrNoDiff is returned by DiffReader.ChangedSince when the store cannot
// tell what changed since a revision (it predates the deletion records);
// the caller rebuilds from a full read instead.
var ErrNoDiff = errors.New("store: no diff from that revision")

// DiffReader is implemented by the readers of backends that record
// deletions, so that a view can catch up by reading only what changed.
type DiffReader interface {
	// ChangedSince returns what changed after revision since, up to the
	// revision of the read transaction, or ErrNoDiff.
	ChangedSince(since int64) (Diff, error)
}

// Change tells subscribers that a transaction committed.
type Change struct {
	Rev   int64
	Kinds []string // the kinds it wrote, sorted, without duplicates; or AllKinds
}

// AllKinds, as a Change's only kind, stands for every kind: what changed
// up to Rev is not known (the change feed was pruned past this node's
// position), so every view must catch up from the records.
const AllKinds = "*"

// FeedGapError is returned by Backend.Changes when changes after since have
// been pruned from the feed (they are older than the floor): the caller
// cannot know which kinds changed, and catches every view up to Rev, the
// store's revision as of the call, from the records instead. It matches
// ErrNoDiff.
type FeedGapError struct {
	Since, Floor, Rev int64
}

func (e *FeedGapError) Error() string {
	return fmt.Sprintf("store: the change feed after revision %d was pruned (it starts after %d; the store is at %d)", e.Since, e.Floor, e.Rev)
}

// Is makes a FeedGapError match ErrNoDiff.
func (e *FeedGapError) Is(target error) bool { return target == ErrNoDiff }

// Backend is what a storage engine implements.
type Backend interface {
	// Update runs fn in a serializable read-write transaction and commits it
	// durably (fsync'd) before returning the new revision. If fn returns an
	// error nothing is written and that error is returned as is.
	Update(ctx context.Context, fn func(Tx) error) (Change, error)
	// View runs fn in a read-only transaction over a consistent state and
	// returns the revision it saw.
	View(ctx context.Context, fn func(Reader) error) (int64, error)
	// Changes returns every change committed after since, in revision
	// order and complete up to the moment it runs (a caller that applies
	// them all is current as of the call), for backends shared between
	// processes; a single-process backend returns nothing. When changes
	// after since are gone (pruned, see TombstonePruner) it returns a
	// *FeedGapError instead, never an incomplete list.
	Changes(ctx context.Context, since int64) ([]Change, error)
	Close() error
}

// TombstonePruner is implemented by backends that record deletions
// (DiffReader). PruneTombstones removes, in one durable transaction, the
// deletion records more than keep revisions older than the current one
// and raises the diff floor to match, so that ChangedSince from a revision
// whose deletions are gone answers ErrNoDiff (the reader rebuilds from a
// full read) and never a diff missing a deletion. A node that has seen
// every revision since loses nothing; one that lags more than keep
// revisions rebuilds once. A backend with a change feed (Changes) prunes
// it to the same floor in the same transaction, so that the feed too
// stays bounded, and answers a node polling from below the floor with a
// FeedGapError. It returns how many deletion records it removed.
type TombstonePruner interface {
	PruneTombstones(ctx context.Context, keep int64) (int64, error)
}

// Prober is implemented by backends that can check, without changing any
// record, that a write would commit now: take the writers' lock, write a
// probe row and commit durably. The store runs it in the background so that
// health reports a store that cannot write before a client finds out.
type Prober interface {
	Probe(ctx context.Context) error
}
