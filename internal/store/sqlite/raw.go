package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// rawConn is a read-only connection opened on the SQLite library itself
// (modernc.org/sqlite/lib) rather than through database/sql, for the bulk
// reads of a full snapshot build (ScanParts). Through database/sql every
// row costs a new Go string for its key and a new []byte for its value,
// which the driver copies out of SQLite's memory before Scan sees it: for
// the million access keys of issue #17 that was an eighth of the build's
// CPU and most of its garbage. Here a row's value is handed to the caller
// where SQLite has it, valid until the next row (store.ScanParts already
// forbids keeping rec.Value).
//
// A rawConn, like the libc.TLS it runs on, is used by one goroutine at a
// time (ScanParts opens it on its own goroutine and scans on another).
type rawConn struct {
	tls *libc.TLS
	db  uintptr
}

// openRaw opens path read-only. The file is in WAL mode (the writers'
// connection set it), so this connection reads without blocking writers.
func openRaw(path string) (*rawConn, error) {
	tls := libc.NewTLS()
	name, err := libc.CString(path)
	if err != nil {
		tls.Close()
		return nil, err
	}
	defer libc.Xfree(tls, name)
	pp := libc.Xmalloc(tls, 8)
	if pp == 0 {
		tls.Close()
		return nil, errors.New("sqlite: out of memory")
	}
	defer libc.Xfree(tls, pp)
	*(*uintptr)(cptr(&pp)) = 0
	rc := lib.Xsqlite3_open_v2(tls, name, pp, lib.SQLITE_OPEN_READONLY|lib.SQLITE_OPEN_NOMUTEX, 0)
	c := &rawConn{tls: tls, db: *(*uintptr)(cptr(&pp))}
	if rc != lib.SQLITE_OK {
		err := fmt.Errorf("sqlite: open %s: %w", path, c.err(rc))
		c.close()
		return nil, err
	}
	lib.Xsqlite3_busy_timeout(tls, c.db, 10000) // as the pooled connections (Open)
	return c, nil
}

// cptr is the C address held in *p as an unsafe.Pointer (SQLite's memory
// is outside the Go heap, and never moves).
func cptr(p *uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(p)) }

func (c *rawConn) close() {
	if c.db != 0 {
		lib.Xsqlite3_close_v2(c.tls, c.db)
		c.db = 0
	}
	c.tls.Close()
}

func (c *rawConn) err(rc int32) error {
	if c.db == 0 {
		return fmt.Errorf("SQLite result code %d", rc)
	}
	return fmt.Errorf("%s (SQLite result code %d)", libc.GoString(lib.Xsqlite3_errmsg(c.tls, c.db)), rc)
}

// exec runs a statement without arguments or results.
func (c *rawConn) exec(q string) error {
	s, err := c.prepare(q)
	if err != nil {
		return err
	}
	defer s.close()
	_, err = s.step()
	return err
}

// rawStmt is a prepared statement of a rawConn with its text arguments
// bound (their C copies live as long as it does).
type rawStmt struct {
	c     *rawConn
	p     uintptr
	binds []uintptr
}

func (c *rawConn) prepare(q string, args ...string) (*rawStmt, error) {
	zq, err := libc.CString(q)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(c.tls, zq)
	pp := libc.Xmalloc(c.tls, 8)
	if pp == 0 {
		return nil, errors.New("sqlite: out of memory")
	}
	defer libc.Xfree(c.tls, pp)
	*(*uintptr)(cptr(&pp)) = 0
	if rc := lib.Xsqlite3_prepare_v2(c.tls, c.db, zq, -1, pp, 0); rc != lib.SQLITE_OK {
		return nil, c.err(rc)
	}
	s := &rawStmt{c: c, p: *(*uintptr)(cptr(&pp))}
	for i, a := range args {
		z, err := libc.CString(a)
		if err != nil {
			s.close()
			return nil, err
		}
		s.binds = append(s.binds, z)
		// SQLITE_STATIC (0): z outlives the statement's use of it.
		if rc := lib.Xsqlite3_bind_text(c.tls, s.p, int32(i+1), z, int32(len(a)), 0); rc != lib.SQLITE_OK {
			s.close()
			return nil, c.err(rc)
		}
	}
	return s, nil
}

// step advances to the next row: false at the end.
func (s *rawStmt) step() (bool, error) {
	switch rc := lib.Xsqlite3_step(s.c.tls, s.p); rc {
	case lib.SQLITE_ROW:
		return true, nil
	case lib.SQLITE_DONE:
		return false, nil
	default:
		return false, s.c.err(rc)
	}
}

// bytes is column i of the current row, in SQLite's memory: valid until the
// next step or close.
func (s *rawStmt) bytes(i int32) []byte {
	p := lib.Xsqlite3_column_blob(s.c.tls, s.p, i)
	n := lib.Xsqlite3_column_bytes(s.c.tls, s.p, i)
	if p == 0 || n <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(cptr(&p)), n)
}

func (s *rawStmt) int64(i int32) int64 { return lib.Xsqlite3_column_int64(s.c.tls, s.p, i) }

func (s *rawStmt) close() {
	if s.p != 0 {
		lib.Xsqlite3_finalize(s.c.tls, s.p)
		s.p = 0
	}
	for _, z := range s.binds {
		libc.Xfree(s.c.tls, z)
	}
	s.binds = nil
}

// rawRange is one range of a split scan on its own raw connection, in a
// read transaction that has been checked to see revision seen.
type rawRange struct {
	c *rawConn
}

// beginRaw opens a raw connection and a read transaction on it; ok is
// false (and nothing is left open) if that transaction does not see
// revision seen, i.e. a commit came in after the caller's transaction
// began.
func beginRaw(path string, seen int64) (r *rawRange, ok bool, err error) {
	c, err := openRaw(path)
	if err != nil {
		return nil, false, err
	}
	if err := c.exec("BEGIN"); err != nil {
		c.close()
		return nil, false, err
	}
	// The read transaction starts with this first read (WAL): from here
	// on it sees one state of the file.
	s, err := c.prepare(`SELECT value FROM meta WHERE name = 'rev'`)
	if err != nil {
		c.close()
		return nil, false, err
	}
	row, err := s.step()
	var rev int64
	if row {
		rev = s.int64(0)
	}
	s.close()
	if err != nil || !row || rev != seen {
		c.close()
		if err == nil && !row {
			err = errors.New("sqlite: no revision in meta")
		}
		return nil, false, err
	}
	return &rawRange{c: c}, true, nil
}

// end ends the read transaction and closes the connection.
func (r *rawRange) end() {
	_ = r.c.exec("COMMIT")
	r.c.close()
}

// scan is scanRange on the raw connection: the records of kind with
// lo <= key (< hi if bounded) in key order. rec.Key is a new string,
// rec.Value SQLite's memory (valid during the call only).
func (r *rawRange) scan(ctx context.Context, kind, lo, hi string, bounded bool, stop *atomic.Bool, fn func(store.Record) error) error {
	q, args := rangeQuery(kind, lo, hi, bounded)
	s, err := r.c.prepare(q, args...)
	if err != nil {
		return err
	}
	defer s.close()
	rec := store.Record{Kind: kind}
	for n := 0; ; n++ {
		if stop != nil && stop.Load() {
			return nil
		}
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		row, err := s.step()
		if err != nil || !row {
			return err
		}
		rec.Key = string(s.bytes(0))
		rec.Value = s.bytes(1)
		rec.Rev = s.int64(2)
		if err := fn(rec); err != nil {
			return err
		}
	}
}
