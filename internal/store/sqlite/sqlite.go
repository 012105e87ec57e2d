// Package sqlite is the embedded store backend: one SQLite file in WAL mode
// with synchronous=FULL, through the pure-Go modernc.org/sqlite driver, so
// gatehouse stays a single static binary and a commit is on disk before it
// is acknowledged.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/groupcommit"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// migrations are applied in order; index i brings the schema to version i+1.
// Never edit a released entry: append a new one.
var migrations = []string{
	`CREATE TABLE records (
		kind  TEXT    NOT NULL,
		key   TEXT    NOT NULL,
		value BLOB    NOT NULL,
		rev   INTEGER NOT NULL,
		PRIMARY KEY (kind, key)
	) WITHOUT ROWID;
	CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
	INSERT INTO meta (name, value) VALUES ('rev', 0);`,
	// Deletions are recorded (tombstones) and records are indexed by
	// revision, so that a snapshot catches up by reading what changed
	// since its revision (store.DiffReader). diff_floor is the revision
	// from which deletions are known.
	`CREATE INDEX records_rev ON records (rev);
	CREATE TABLE tombstones (
		kind TEXT    NOT NULL,
		key  TEXT    NOT NULL,
		rev  INTEGER NOT NULL,
		PRIMARY KEY (kind, key)
	) WITHOUT ROWID;
	CREATE INDEX tombstones_rev ON tombstones (rev);
	INSERT INTO meta (name, value) SELECT 'diff_floor', value FROM meta WHERE name = 'rev';`,
}

// Backend is a store.Backend on one SQLite file.
type Backend struct {
	w *sql.DB // one connection: SQLite has one writer; BEGIN IMMEDIATE
	r *sql.DB // readers see a consistent WAL snapshot per transaction

	q *groupcommit.Queue // the writers' queue; nil until Open succeeds

	path string // the file, for raw read connections (raw.go)

	batches, batched atomic.Int64
}

// Open opens (creating if needed) the database at path and migrates it.
func Open(ctx context.Context, path string) (*Backend, error) {
	pragmas := "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	u := "file:" + (&url.URL{Path: path}).EscapedPath() + "?"
	w, err := sql.Open("sqlite", u+pragmas+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", u+pragmas+"&mode=ro")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	b := &Backend{w: w, r: r, path: path}
	if err := b.migrate(ctx); err != nil {
		_ = errors.Join(r.Close(), w.Close())
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	b.q = groupcommit.Start(maxBatch, b.commitBatch)
	return b, nil
}

func (b *Backend) migrate(ctx context.Context) error {
	if _, err := b.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return err
	}
	tx, err := b.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var v int
	err = tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	if v > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this gatehouse (%d)", v, len(migrations))
	}
	for i := v; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, len(migrations)); err != nil {
		return err
	}
	return tx.Commit()
}

// Update implements store.Backend with group commit (package
// groupcommit): the writers queued together share one database
// transaction and one commit, each in its own savepoint with its own
// revision; Update returns after that commit.
func (b *Backend) Update(ctx context.Context, fn func(store.Tx) error) (store.Change, error) {
	return b.q.Update(ctx, fn)
}

// maxBatch bounds the transactions committed together, so that one batch
// neither holds the writers' lock for long nor grows without end under a
// flood of writers.
const maxBatch = 256

// commitBatch runs the transactions of batch in one SQLite transaction and
// answers each.
func (b *Backend) commitBatch(batch []*groupcommit.Request) {
	// Bounded by the earliest deadline in the batch (groupcommit.Context).
	ctx, cancel := groupcommit.Context(batch)
	defer cancel()
	type done struct {
		r *groupcommit.Request
		c store.Change
	}
	var pending []done // ran and wrote: answered after the commit
	fail := func(err error) {
		for _, d := range pending {
			d.r.Answer(groupcommit.Result{Err: err})
		}
	}
	sqlTx, err := b.w.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range batch {
			r.Answer(groupcommit.Result{Err: err})
		}
		return
	}
	defer sqlTx.Rollback()
	var rev int64
	if err := sqlTx.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = 'rev'`).Scan(&rev); err != nil {
		for _, r := range batch {
			r.Answer(groupcommit.Result{Err: err})
		}
		return
	}
	start := rev
	for i, r := range batch {
		if err := r.Ctx.Err(); err != nil {
			r.Answer(groupcommit.Result{Err: err})
			continue
		}
		res, wrote, err := b.runOne(ctx, sqlTx, r, rev+1)
		if err != nil {
			// The savepoint could not be rolled back or released: the
			// SQLite transaction is in doubt, so the whole batch fails.
			fail(err)
			for _, q := range batch[i:] {
				q.Answer(groupcommit.Result{Err: err})
			}
			return
		}
		if !wrote {
			// Nothing to commit for it (an error of its own, a panic, or
			// no writes): answer now.
			if res.Err == nil && !res.Panicked {
				res.Change = store.Change{Rev: rev}
			}
			r.Answer(res)
			continue
		}
		rev++
		pending = append(pending, done{r, res.Change})
	}
	if len(pending) == 0 {
		return
	}
	if err := ctx.Err(); err != nil {
		fail(err) // never COMMIT past a writer's deadline
		return
	}
	if _, err := sqlTx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE name = 'rev'`, rev); err != nil {
		fail(err)
		return
	}
	if err := sqlTx.Commit(); err != nil {
		fail(err)
		return
	}
	b.batches.Add(1)
	b.batched.Add(rev - start)
	for _, d := range pending {
		d.r.Answer(groupcommit.Result{Change: d.c})
	}
}

// runOne runs one writer's fn inside a savepoint at revision rev. wrote
// reports that it succeeded and wrote something (its change is then in
// res); otherwise its writes are undone and res is its answer. err is a
// failure of the surrounding transaction.
func (b *Backend) runOne(ctx context.Context, sqlTx *sql.Tx, r *groupcommit.Request, rev int64) (res groupcommit.Result, wrote bool, err error) {
	if _, err := sqlTx.ExecContext(ctx, `SAVEPOINT w`); err != nil {
		return res, false, err
	}
	t := &tx{ctx: ctx, q: sqlTx, rev: rev, kinds: map[string]bool{}}
	func() {
		defer func() {
			if p := recover(); p != nil {
				res = groupcommit.Result{Panicked: true, PanicVal: p}
			}
		}()
		res.Err = r.Fn(t)
	}()
	if res.Err != nil || res.Panicked || len(t.kinds) == 0 {
		if _, err := sqlTx.ExecContext(ctx, `ROLLBACK TO w`); err != nil {
			return res, false, err
		}
		if _, err := sqlTx.ExecContext(ctx, `RELEASE w`); err != nil {
			return res, false, err
		}
		return res, false, nil
	}
	if _, err := sqlTx.ExecContext(ctx, `RELEASE w`); err != nil {
		return res, false, err
	}
	kinds := make([]string, 0, len(t.kinds))
	for k := range t.kinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return groupcommit.Result{Change: store.Change{Rev: rev, Kinds: kinds}}, true, nil
}

// BatchStats returns how many group commits there were and how many
// transactions they committed (tests, benchmarks).
func (b *Backend) BatchStats() (batches, txs int64) { return b.batches.Load(), b.batched.Load() }

// View implements store.Backend.
func (b *Backend) View(ctx context.Context, fn func(store.Reader) error) (int64, error) {
	sqlTx, err := b.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, err
	}
	defer sqlTx.Rollback()
	var rev int64
	if err := sqlTx.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = 'rev'`).Scan(&rev); err != nil {
		return 0, err
	}
	if err := fn(&tx{ctx: ctx, q: sqlTx, db: b.r, seen: rev, path: b.path}); err != nil {
		return 0, err
	}
	return rev, nil
}

// Changes implements store.Backend: one process owns the file, so there are
// never changes from elsewhere.
func (b *Backend) Changes(context.Context, int64) ([]store.Change, error) { return nil, nil }

// Probe implements store.Prober: BEGIN IMMEDIATE takes the writers' lock
// and the commit of a probe row (which no snapshot reads, and which creates
// no revision) goes through the WAL and fsync like every write, so a
// read-only file, a full disk or a lock held elsewhere all show.
func (b *Backend) Probe(ctx context.Context) error {
	tx, err := b.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta (name, value) VALUES ('probe', 1)
		ON CONFLICT (name) DO UPDATE SET value = value + 1`); err != nil {
		return err
	}
	return tx.Commit()
}

// PruneTombstones implements store.TombstonePruner on the writers'
// connection (so between two group commits), in one transaction: the
// deletions and the new floor commit together or not at all.
func (b *Backend) PruneTombstones(ctx context.Context, keep int64) (int64, error) {
	tx, err := b.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var rev, floor int64
	if err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = 'rev'`).Scan(&rev); err != nil {
		return 0, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = 'diff_floor'`).Scan(&floor); err != nil {
		return 0, err
	}
	upTo := rev - keep
	if upTo <= floor {
		return 0, nil
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM tombstones WHERE rev <= ?`, upTo)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE name = 'diff_floor'`, upTo); err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

// Ping checks that the database answers.
func (b *Backend) Ping(ctx context.Context) error { return b.r.PingContext(ctx) }

// Close implements store.Backend.
func (b *Backend) Close() error {
	if !b.q.Close() { // a batch under way commits (or fails) and answers first
		return nil
	}
	return errors.Join(b.r.Close(), b.w.Close())
}

type tx struct {
	ctx   context.Context
	q     *sql.Tx
	rev   int64
	kinds map[string]bool // nil in read-only transactions
	// Read-only transactions (View): the readers' pool and the revision
	// this transaction sees, for ScanParts' sibling transactions.
	db   *sql.DB
	seen int64
	// path is the database file, for ScanParts' raw connections (raw.go);
	// "" in write transactions.
	path string
}

func (t *tx) Get(kind, key string) (store.Record, error) {
	r := store.Record{Kind: kind, Key: key}
	err := t.q.QueryRowContext(t.ctx, `SELECT value, rev FROM records WHERE kind = ? AND key = ?`, kind, key).Scan(&r.Value, &r.Rev)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Record{}, store.ErrNotFound
	}
	return r, err
}

func (t *tx) List(kind, prefix string) ([]store.Record, error) {
	var rows *sql.Rows
	var err error
	if hi, ok := prefixEnd(prefix); ok {
		rows, err = t.q.QueryContext(t.ctx, `SELECT key, value, rev FROM records WHERE kind = ? AND key >= ? AND key < ? ORDER BY key`, kind, prefix, hi)
	} else {
		rows, err = t.q.QueryContext(t.ctx, `SELECT key, value, rev FROM records WHERE kind = ? AND key >= ? ORDER BY key`, kind, prefix)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Record
	for rows.Next() {
		r := store.Record{Kind: kind}
		if err := rows.Scan(&r.Key, &r.Value, &r.Rev); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Scan implements store's streaming read (store.Scan): rows are handed to
// fn as they are read; rec.Value is only valid during the call.
func (t *tx) Scan(kind, prefix string, fn func(store.Record) error) error {
	hi, bounded := prefixEnd(prefix)
	return scanRange(t.ctx, t.q, kind, prefix, hi, bounded, nil, fn)
}

// rangeQuery is the query (and its arguments) of the records of kind with
// lo <= key (< hi if bounded) in key order, for scanRange and its raw twin
// (rawRange.scan).
func rangeQuery(kind, lo, hi string, bounded bool) (string, []string) {
	if bounded {
		return `SELECT key, value, rev FROM records WHERE kind = ? AND key >= ? AND key < ? ORDER BY key`, []string{kind, lo, hi}
	}
	return `SELECT key, value, rev FROM records WHERE kind = ? AND key >= ? ORDER BY key`, []string{kind, lo}
}

// scanRange streams the records of kind with lo <= key (< hi if bounded)
// in key order; it stops early, without error, once stop is set (another
// range failed).
func scanRange(ctx context.Context, q *sql.Tx, kind, lo, hi string, bounded bool, stop *atomic.Bool, fn func(store.Record) error) error {
	query, args := rangeQuery(kind, lo, hi, bounded)
	anys := make([]any, len(args))
	for i, a := range args {
		anys[i] = a
	}
	rows, err := q.QueryContext(ctx, query, anys...)
	if err != nil {
		return err
	}
	defer rows.Close()
	r := store.Record{Kind: kind}
	var raw sql.RawBytes
	for rows.Next() {
		if stop != nil && stop.Load() {
			return nil
		}
		if err := rows.Scan(&r.Key, &raw, &r.Rev); err != nil {
			return err
		}
		r.Value = raw
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ScanParts implements store.ScanParts: the key range of kind under prefix
// is cut at evenly spaced byte strings between its first and last key, and
// each range is read by its own read-only transaction on a raw connection
// (raw.go: no Go allocation per row but the key), or failing that each
// range after the first by a transaction of the readers' pool; either is
// used only if it sees the same revision as this one (every commit that
// changes a record moves the revision), so that all the ranges are of one
// state of the store. Otherwise, and in write transactions, the ranges are
// read here one after the other.
func (t *tx) ScanParts(kind, prefix string, parts int, fn func(int, store.Record) error) error {
	hi, bounded := prefixEnd(prefix)
	seq := func() error {
		return scanRange(t.ctx, t.q, kind, prefix, hi, bounded, nil, func(r store.Record) error { return fn(0, r) })
	}
	if t.db == nil {
		return seq()
	}
	var cuts []string
	if parts >= 2 {
		first, last, ok, err := t.keySpan(kind, prefix, hi, bounded)
		if err != nil {
			return err
		}
		if ok {
			cuts = splitPoints(first, last, parts)
		}
	}
	bounds := func(p int) (lo, up string, bnd bool) {
		lo, up, bnd = prefix, hi, bounded
		if p > 0 {
			lo = cuts[p-1]
		}
		if p < len(cuts) {
			up, bnd = cuts[p], true
		}
		return lo, up, bnd
	}
	// On raw connections when they all see this transaction's revision
	// (raw.go); else through database/sql as below.
	if t.path != "" {
		if rs := t.beginRawRanges(len(cuts) + 1); rs != nil {
			defer func() {
				for _, r := range rs {
					r.end()
				}
			}()
			return runParts(len(rs), func(p int, stop *atomic.Bool) error {
				lo, up, bnd := bounds(p)
				return rs[p].scan(t.ctx, kind, lo, up, bnd, stop, func(r store.Record) error { return fn(p, r) })
			})
		}
	}
	if len(cuts) == 0 {
		return seq()
	}
	txs := []*sql.Tx{t.q}
	defer func() {
		for _, x := range txs[1:] {
			_ = x.Rollback()
		}
	}()
	for range cuts {
		x, err := t.db.BeginTx(t.ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return err
		}
		txs = append(txs, x)
		var rev int64
		if err := x.QueryRowContext(t.ctx, `SELECT value FROM meta WHERE name = 'rev'`).Scan(&rev); err != nil {
			return err
		}
		if rev != t.seen {
			return seq() // a commit came in between
		}
	}
	return runParts(len(txs), func(p int, stop *atomic.Bool) error {
		lo, up, bnd := bounds(p)
		return scanRange(t.ctx, txs[p], kind, lo, up, bnd, stop, func(r store.Record) error { return fn(p, r) })
	})
}

// beginRawRanges opens n raw read transactions that all see this
// transaction's revision, or none (nil: a commit came in, or a raw
// connection could not be had; the caller falls back to database/sql).
func (t *tx) beginRawRanges(n int) []*rawRange {
	rs := make([]*rawRange, 0, n)
	for range n {
		r, same, err := beginRaw(t.path, t.seen)
		if err != nil || !same {
			for _, r := range rs {
				r.end()
			}
			return nil
		}
		rs = append(rs, r)
	}
	return rs
}

// runParts runs scan(p) for p in [0, n), p > 0 each on its own goroutine;
// the first error sets stop (which the others check per record) and is
// returned once all have ended.
func runParts(n int, scan func(p int, stop *atomic.Bool) error) error {
	var stop atomic.Bool
	errs := make([]error, n)
	var firstErr atomic.Int32 // 1 + the range whose error came first
	run := func(p int) {
		if err := scan(p, &stop); err != nil {
			errs[p] = err
			firstErr.CompareAndSwap(0, int32(p+1))
			stop.Store(true)
		}
	}
	var wg sync.WaitGroup
	for p := 1; p < n; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(p)
		}()
	}
	run(0)
	wg.Wait()
	if p := firstErr.Load(); p > 0 {
		return errs[p-1]
	}
	return nil
}

// keySpan returns the first and last key of kind under prefix; ok is false
// if there is none.
func (t *tx) keySpan(kind, prefix, hi string, bounded bool) (first, last string, ok bool, err error) {
	err = t.q.QueryRowContext(t.ctx, `SELECT key FROM records WHERE kind = ? AND key >= ? ORDER BY key LIMIT 1`, kind, prefix).Scan(&first)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	if bounded {
		err = t.q.QueryRowContext(t.ctx, `SELECT key FROM records WHERE kind = ? AND key < ? ORDER BY key DESC LIMIT 1`, kind, hi).Scan(&last)
	} else {
		err = t.q.QueryRowContext(t.ctx, `SELECT key FROM records WHERE kind = ? ORDER BY key DESC LIMIT 1`, kind).Scan(&last)
	}
	if errors.Is(err, sql.ErrNoRows) || (err == nil && last < first) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	return first, last, true, nil
}

// splitPoints returns up to parts-1 strictly increasing strings in
// (first, last], evenly spaced when the strings are read as base-256
// numbers (padded to one length, plus a byte): cut points for keys spread like random
// ids. Trailing zero bytes are dropped (a shorter string sorts first, so
// the ranges still cover every key).
func splitPoints(first, last string, parts int) []string {
	n := max(len(first), len(last)) + 1 // a byte more, for keys a byte apart
	pad := func(s string) *big.Int {
		b := make([]byte, n)
		copy(b, s)
		return new(big.Int).SetBytes(b)
	}
	a, b := pad(first), pad(last)
	d := new(big.Int).Sub(b, a)
	if d.Sign() <= 0 {
		return nil
	}
	var out []string
	prev := first
	for i := 1; i < parts; i++ {
		x := new(big.Int).Mul(d, big.NewInt(int64(i)))
		x.Quo(x, big.NewInt(int64(parts)))
		x.Add(x, a)
		s := strings.TrimRight(string(x.FillBytes(make([]byte, n))), "\x00")
		if s > prev && s <= last {
			out = append(out, s)
			prev = s
		}
	}
	return out
}

// prefixEnd returns the smallest string greater than every string with the
// given prefix, or false if there is none (empty prefix, or all 0xff).
func prefixEnd(prefix string) (string, bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

func (t *tx) Put(kind, key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	if t.kinds == nil {
		return errors.New("store: write in a read-only transaction")
	}
	_, err := t.q.ExecContext(t.ctx, `INSERT INTO records (kind, key, value, rev) VALUES (?, ?, ?, ?)
		ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, rev = excluded.rev`, kind, key, value, t.rev)
	if err == nil {
		t.kinds[kind] = true
	}
	return err
}

func (t *tx) Create(kind, key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	if t.kinds == nil {
		return errors.New("store: write in a read-only transaction")
	}
	res, err := t.q.ExecContext(t.ctx, `INSERT INTO records (kind, key, value, rev) VALUES (?, ?, ?, ?) ON CONFLICT (kind, key) DO NOTHING`, kind, key, value, t.rev)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrExists
	}
	t.kinds[kind] = true
	return nil
}

func (t *tx) Delete(kind, key string) error {
	if t.kinds == nil {
		return errors.New("store: write in a read-only transaction")
	}
	res, err := t.q.ExecContext(t.ctx, `DELETE FROM records WHERE kind = ? AND key = ?`, kind, key)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	if _, err := t.q.ExecContext(t.ctx, `INSERT INTO tombstones (kind, key, rev) VALUES (?, ?, ?)
		ON CONFLICT (kind, key) DO UPDATE SET rev = excluded.rev`, kind, key, t.rev); err != nil {
		return err
	}
	t.kinds[kind] = true
	return nil
}

// ChangedSince implements store.DiffReader.
func (t *tx) ChangedSince(since int64) (store.Diff, error) {
	var floor int64
	if err := t.q.QueryRowContext(t.ctx, `SELECT value FROM meta WHERE name = 'diff_floor'`).Scan(&floor); err != nil {
		return store.Diff{}, err
	}
	if since < floor {
		return store.Diff{}, store.ErrNoDiff
	}
	var d store.Diff
	rows, err := t.q.QueryContext(t.ctx, `SELECT kind, key, value, rev FROM records WHERE rev > ? ORDER BY rev, kind, key`, since)
	if err != nil {
		return store.Diff{}, err
	}
	present := map[store.Key]bool{}
	for rows.Next() {
		var r store.Record
		if err := rows.Scan(&r.Kind, &r.Key, &r.Value, &r.Rev); err != nil {
			rows.Close()
			return store.Diff{}, err
		}
		d.Changed = append(d.Changed, r)
		present[store.Key{Kind: r.Kind, Key: r.Key}] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return store.Diff{}, err
	}
	rows, err = t.q.QueryContext(t.ctx, `SELECT kind, key FROM tombstones WHERE rev > ? ORDER BY rev, kind, key`, since)
	if err != nil {
		return store.Diff{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var k store.Key
		if err := rows.Scan(&k.Kind, &k.Key); err != nil {
			return store.Diff{}, err
		}
		// Deleted and then created again: the record is in Changed.
		if !present[k] {
			d.Deleted = append(d.Deleted, k)
		}
	}
	return d, rows.Err()
}
