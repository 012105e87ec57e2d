package store

import (
	"context"
	"errors"
)

var (
	// ErrNotFound is returned when a record does not exist.
	ErrNotFound = errors.New("store: record not found")
	// ErrExists is returned by Create when the record already exists.
	ErrExists = errors.New("store: record already exists")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("store: closed")
)

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

// Change tells subscribers that a transaction committed.
type Change struct {
	Rev   int64
	Kinds []string // the kinds it wrote, sorted, without duplicates
}

// Backend is what a storage engine implements.
type Backend interface {
	// Update runs fn in a serializable read-write transaction and commits it
	// durably (fsync'd) before returning the new revision. If fn returns an
	// error nothing is written and that error is returned as is.
	Update(ctx context.Context, fn func(Tx) error) (Change, error)
	// View runs fn in a read-only transaction over a consistent state and
	// returns the revision it saw.
	View(ctx context.Context, fn func(Reader) error) (int64, error)
	// Changes returns changes committed by other writers (other nodes) since
	// rev, for backends shared between processes; a single-process backend
	// returns nothing.
	Changes(ctx context.Context, since int64) ([]Change, error)
	Close() error
}
