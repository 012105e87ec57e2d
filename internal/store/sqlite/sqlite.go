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
	"net/url"
	"sort"

	"github.com/gatehouse-dev/gatehouse/internal/store"

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
	b := &Backend{w: w, r: r}
	if err := b.migrate(ctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
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

// Update implements store.Backend.
func (b *Backend) Update(ctx context.Context, fn func(store.Tx) error) (store.Change, error) {
	sqlTx, err := b.w.BeginTx(ctx, nil)
	if err != nil {
		return store.Change{}, err
	}
	defer sqlTx.Rollback()
	var rev int64
	if err := sqlTx.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = 'rev'`).Scan(&rev); err != nil {
		return store.Change{}, err
	}
	t := &tx{ctx: ctx, q: sqlTx, rev: rev + 1, kinds: map[string]bool{}}
	if err := fn(t); err != nil {
		return store.Change{}, err
	}
	if len(t.kinds) == 0 {
		return store.Change{Rev: rev}, nil
	}
	if _, err := sqlTx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE name = 'rev'`, t.rev); err != nil {
		return store.Change{}, err
	}
	if err := sqlTx.Commit(); err != nil {
		return store.Change{}, err
	}
	kinds := make([]string, 0, len(t.kinds))
	for k := range t.kinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return store.Change{Rev: t.rev, Kinds: kinds}, nil
}

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
	if err := fn(&tx{ctx: ctx, q: sqlTx}); err != nil {
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

// Ping checks that the database answers.
func (b *Backend) Ping(ctx context.Context) error { return b.r.PingContext(ctx) }

// Close implements store.Backend.
func (b *Backend) Close() error {
	return errors.Join(b.r.Close(), b.w.Close())
}

type tx struct {
	ctx   context.Context
	q     *sql.Tx
	rev   int64
	kinds map[string]bool // nil in read-only transactions
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
