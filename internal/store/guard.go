package store

import (
	"errors"
	"sync"
)

// guardTx and guardReader hand domain code a transaction whose failures
// are classified once: ErrNotFound and ErrExists are answers about the
// records and pass through; anything else the backend returns is a failure
// of the store and matches ErrUnavailable, so every surface answers it as
// a temporary failure rather than an internal error.
type guardTx struct{ tx Tx }

func (g guardTx) Get(kind, key string) (Record, error) {
	r, err := g.tx.Get(kind, key)
	return r, classify("read", err)
}

func (g guardTx) List(kind, prefix string) ([]Record, error) {
	rs, err := g.tx.List(kind, prefix)
	return rs, classify("read", err)
}

func (g guardTx) Put(kind, key string, value []byte) error {
	return classify("write", g.tx.Put(kind, key, value))
}

func (g guardTx) Create(kind, key string, value []byte) error {
	return classify("write", g.tx.Create(kind, key, value))
}

func (g guardTx) Delete(kind, key string) error {
	return classify("write", g.tx.Delete(kind, key))
}

type guardReader struct{ r Reader }

func (g guardReader) Get(kind, key string) (Record, error) {
	r, err := g.r.Get(kind, key)
	return r, classify("read", err)
}

func (g guardReader) List(kind, prefix string) ([]Record, error) {
	rs, err := g.r.List(kind, prefix)
	return rs, classify("read", err)
}

// Scan passes streaming through; an error of fn comes back as it is.
func (g guardReader) Scan(kind, prefix string, fn func(Record) error) error {
	var fnErr error
	err := Scan(g.r, kind, prefix, func(rec Record) error {
		fnErr = fn(rec)
		return fnErr
	})
	if err != nil && err == fnErr {
		return err
	}
	return classify("read", err)
}

// ScanParts passes the split scan through; an error of fn comes back as
// it is.
func (g guardReader) ScanParts(kind, prefix string, parts int, fn func(int, Record) error) error {
	var mu sync.Mutex
	var fnErrs []error // fn's own errors, from any range
	err := ScanParts(g.r, kind, prefix, parts, func(p int, rec Record) error {
		err := fn(p, rec)
		if err != nil {
			mu.Lock()
			fnErrs = append(fnErrs, err)
			mu.Unlock()
		}
		return err
	})
	mu.Lock()
	defer mu.Unlock()
	for _, e := range fnErrs {
		if err == e {
			return err
		}
	}
	return classify("read", err)
}

// ChangedSince passes DiffReader through; a backend without it answers
// ErrNoDiff.
func (g guardReader) ChangedSince(since int64) (Diff, error) {
	dr, ok := g.r.(DiffReader)
	if !ok {
		return Diff{}, ErrNoDiff
	}
	d, err := dr.ChangedSince(since)
	if errors.Is(err, ErrNoDiff) {
		return Diff{}, err
	}
	return d, classify("read", err)
}

func classify(op string, err error) error {
	if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrExists) {
		return err
	}
	return unavailable(op, err)
}
