// Package postgres is the shared store backend: several gatehouse nodes use
// one PostgreSQL database, each keeping its own snapshots fresh by polling
// the changes table (store.Store.Poll). Writers serialize on the revision
// row, so revisions are dense and every node sees changes in commit order.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/groupcommit"
)

// migrations are applied in order; index i brings the schema to version
// i+1. Never edit a released entry: append a new one.
var migrations = []string{
	`CREATE TABLE gatehouse_records (
		kind  TEXT   NOT NULL,
		key   TEXT   NOT NULL COLLATE "C",
		value BYTEA  NOT NULL,
		rev   BIGINT NOT NULL,
		PRIMARY KEY (kind, key)
	);
	CREATE TABLE gatehouse_meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
	INSERT INTO gatehouse_meta (name, value) VALUES ('rev', 0);
	CREATE TABLE gatehouse_changes (rev BIGINT PRIMARY KEY, kinds TEXT NOT NULL);`,
	// Deletions are recorded (tombstones) and records are indexed by
	// revision, so that every node's snapshots catch up by reading what
	// changed since their revision (store.DiffReader). diff_floor is the
	// revision from which deletions are known.
	`CREATE INDEX gatehouse_records_rev ON gatehouse_records (rev);
	CREATE TABLE gatehouse_tombstones (
		kind TEXT   NOT NULL,
		key  TEXT   NOT NULL COLLATE "C",
		rev  BIGINT NOT NULL,
		PRIMARY KEY (kind, key)
	);
	CREATE INDEX gatehouse_tombstones_rev ON gatehouse_tombstones (rev);
	INSERT INTO gatehouse_meta (name, value) SELECT 'diff_floor', value FROM gatehouse_meta WHERE name = 'rev';`,
}

// Backend is a store.Backend on a PostgreSQL database.
type Backend struct {
	pool *pgxpool.Pool

	q *groupcommit.Queue // the writers' queue; nil until Open succeeds

	batches, batched atomic.Int64
}

// Options tune the connection.
type Options struct {
	// Timeout is the store's operation timeout (store.Options.Timeout). The
	// database enforces it too, as statement_timeout and
	// idle_in_transaction_session_timeout, so that a node cut off in the
	// middle of a transaction neither holds the writers' lock nor has its
	// transaction committed long after it gave up: once the server has
	// waited that long for the next statement (or the COMMIT), it aborts
	// the transaction. Zero leaves the server's settings alone.
	Timeout time.Duration
}

// Open connects to url (postgres://...) and migrates the schema.
func Open(ctx context.Context, url string) (*Backend, error) {
	return OpenWithOptions(ctx, url, Options{})
}

// OpenWithOptions is Open with Options.
func OpenWithOptions(ctx context.Context, url string, o Options) (*Backend, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if o.Timeout > 0 {
		ms := strconv.FormatInt(max(o.Timeout.Milliseconds(), 1), 10)
		rp := cfg.ConnConfig.RuntimeParams
		for _, k := range []string{"statement_timeout", "idle_in_transaction_session_timeout"} {
			if _, set := rp[k]; !set { // the operator's URL wins
				rp[k] = ms
			}
		}
		if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > o.Timeout {
			cfg.ConnConfig.ConnectTimeout = o.Timeout
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	b := &Backend{pool: pool}
	if err := b.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	b.q = groupcommit.Start(maxBatch, b.commitBatch)
	return b, nil
}

func (b *Backend) migrate(ctx context.Context) error {
	return pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		// One migrator at a time across nodes starting together.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7346572911)`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS gatehouse_schema (version INT NOT NULL)`); err != nil {
			return err
		}
		var v int
		err := tx.QueryRow(ctx, `SELECT version FROM gatehouse_schema`).Scan(&v)
		if errors.Is(err, pgx.ErrNoRows) {
			if _, err := tx.Exec(ctx, `INSERT INTO gatehouse_schema (version) VALUES (0)`); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if v > len(migrations) {
			return fmt.Errorf("database schema version %d is newer than this gatehouse (%d)", v, len(migrations))
		}
		for i := v; i < len(migrations); i++ {
			if _, err := tx.Exec(ctx, migrations[i]); err != nil {
				return fmt.Errorf("migration %d: %w", i+1, err)
			}
		}
		_, err = tx.Exec(ctx, `UPDATE gatehouse_schema SET version = $1`, len(migrations))
		return err
	})
}

// Shared tells the store that other processes write here too.
func (b *Backend) Shared() bool { return true }

// Update implements store.Backend with group commit, as the SQLite
// backend does: the transaction is handed to this node's committer
// goroutine, which runs every transaction queued behind it in one
// PostgreSQL transaction (under the revision row's lock, each in its own
// savepoint so that one's error undoes only its writes), gives each its
// own revision and change-feed row, and commits them together: one WAL
// flush for the batch instead of one per write, while writers (on every
// node) still serialize on the revision row. Update returns only after
// that COMMIT, so every acknowledged write is durable (issue #17: one
// fsync per write held node A at 342 writes/s). fn runs on the committer
// goroutine after the transactions queued before it, and sees their
// writes, exactly as if they had run one after the other.
func (b *Backend) Update(ctx context.Context, fn func(store.Tx) error) (store.Change, error) {
	return b.q.Update(ctx, fn)
}

// maxBatch bounds the transactions committed together, so that one batch
// holds the writers' row lock (which other nodes wait on) only so long.
const maxBatch = 128

// commitBatch runs the transactions of batch in one PostgreSQL transaction
// and answers each.
func (b *Backend) commitBatch(batch []*groupcommit.Request) {
	// Bounded by the earliest deadline in the batch (groupcommit.Context).
	ctx, cancel := groupcommit.Context(batch)
	defer cancel()
	failAll := func(rs []*groupcommit.Request, err error) {
		for _, r := range rs {
			r.Answer(groupcommit.Result{Err: err})
		}
	}
	ptx, err := b.pool.Begin(ctx)
	if err != nil {
		failAll(batch, err)
		return
	}
	defer ptx.Rollback(context.Background())
	var rev int64
	// The row lock serializes writers across nodes: each transaction sees
	// every earlier commit, so read-modify-write in fn never loses updates,
	// and revisions commit in order.
	if err := ptx.QueryRow(ctx, `SELECT value FROM gatehouse_meta WHERE name = 'rev' FOR UPDATE`).Scan(&rev); err != nil {
		failAll(batch, err)
		return
	}
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
	var revs []int64
	var kinds []string
	for i, r := range batch {
		if err := r.Ctx.Err(); err != nil {
			r.Answer(groupcommit.Result{Err: err})
			continue
		}
		res, wrote, err := runOne(ctx, ptx, r, rev+1, len(batch) > 1)
		if err != nil {
			// The savepoint could not be rolled back or released: the
			// transaction is in doubt, so the whole batch fails.
			fail(err)
			failAll(batch[i:], err)
			return
		}
		if !wrote {
			if res.Err == nil && !res.Panicked {
				res.Change = store.Change{Rev: rev}
			}
			r.Answer(res)
			continue
		}
		rev++
		revs = append(revs, rev)
		kinds = append(kinds, strings.Join(res.Change.Kinds, "\n"))
		pending = append(pending, done{r, res.Change})
	}
	if len(pending) == 0 {
		return
	}
	if err := ctx.Err(); err != nil {
		fail(err) // never COMMIT past a writer's deadline
		return
	}
	// The revision and the batch's change-feed rows in one round trip.
	var end pgx.Batch
	end.Queue(`UPDATE gatehouse_meta SET value = $1 WHERE name = 'rev'`, rev)
	end.Queue(`INSERT INTO gatehouse_changes (rev, kinds) SELECT * FROM unnest($1::bigint[], $2::text[])`, revs, kinds)
	if err := ptx.SendBatch(ctx, &end).Close(); err != nil {
		fail(err)
		return
	}
	if err := ptx.Commit(ctx); err != nil {
		fail(err)
		return
	}
	b.batches.Add(1)
	b.batched.Add(int64(len(pending)))
	for _, d := range pending {
		d.r.Answer(groupcommit.Result{Change: d.c})
	}
}

// runOne runs one writer's fn at revision rev, inside a savepoint when
// others share the transaction. wrote reports that it succeeded and wrote
// something (its change is then in res); otherwise its writes are undone
// and res is its answer. err is a failure of the surrounding transaction.
func runOne(ctx context.Context, ptx pgx.Tx, r *groupcommit.Request, rev int64, savepoint bool) (res groupcommit.Result, wrote bool, err error) {
	if savepoint {
		if _, err := ptx.Exec(ctx, `SAVEPOINT w`); err != nil {
			return res, false, err
		}
	}
	t := &tx{ctx: ctx, q: ptx, rev: rev, kinds: map[string]bool{}}
	func() {
		defer func() {
			if p := recover(); p != nil {
				res = groupcommit.Result{Panicked: true, PanicVal: p}
			}
		}()
		res.Err = r.Fn(t)
	}()
	if res.Err != nil || res.Panicked || len(t.kinds) == 0 {
		if !savepoint {
			// Alone in the transaction: nothing of it is committed (the
			// batch has nothing pending, so it is rolled back).
			return res, false, nil
		}
		if _, err := ptx.Exec(ctx, `ROLLBACK TO SAVEPOINT w`); err != nil {
			return res, false, err
		}
		return res, false, nil
	}
	// The savepoint is not released: RELEASE is one more round trip to
	// the server per write on the committer's critical path, and a later
	// SAVEPOINT w (the next transaction of the batch) shadows this one,
	// so ROLLBACK TO SAVEPOINT w always undoes only the transaction that
	// set the latest: "If savepoints with the same name already exist,
	// they will be inaccessible until newer identically-named savepoints
	// are released" (https://www.postgresql.org/docs/17/sql-savepoint.html).
	// Released or not, a savepoint's writes commit with the batch.
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

// View implements store.Backend with a repeatable-read snapshot.
func (b *Backend) View(ctx context.Context, fn func(store.Reader) error) (int64, error) {
	var rev int64
	err := pgx.BeginTxFunc(ctx, b.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(ptx pgx.Tx) error {
		if err := ptx.QueryRow(ctx, `SELECT value FROM gatehouse_meta WHERE name = 'rev'`).Scan(&rev); err != nil {
			return err
		}
		return fn(&tx{ctx: ctx, q: ptx})
	})
	return rev, err
}

// changesPage bounds one query of the change feed; Changes pages through
// a backlog (after a long cut) rather than holding it in one result.
const changesPage = 10000

// Changes implements store.Backend: every change committed after since,
// complete as of the call (it pages until a short page).
func (b *Backend) Changes(ctx context.Context, since int64) ([]store.Change, error) {
	var out []store.Change
	for {
		page, err := b.changesAfter(ctx, since)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < changesPage {
			return out, nil
		}
		since = page[len(page)-1].Rev
	}
}

// changesAfter reads one page of the feed, and the floor below which the
// feed was pruned, from one repeatable-read snapshot: a prune that
// commits meanwhile can never leave a page that silently misses changes.
func (b *Backend) changesAfter(ctx context.Context, since int64) ([]store.Change, error) {
	var out []store.Change
	err := pgx.BeginTxFunc(ctx, b.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(ptx pgx.Tx) error {
		var floor, rev int64
		if err := ptx.QueryRow(ctx, `SELECT (SELECT value FROM gatehouse_meta WHERE name = 'diff_floor'),
			(SELECT value FROM gatehouse_meta WHERE name = 'rev')`).Scan(&floor, &rev); err != nil {
			return err
		}
		if since < floor {
			return &store.FeedGapError{Since: since, Floor: floor, Rev: rev}
		}
		rows, err := ptx.Query(ctx, `SELECT rev, kinds FROM gatehouse_changes WHERE rev > $1 ORDER BY rev LIMIT `+strconv.Itoa(changesPage), since)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c store.Change
			var kinds string
			if err := rows.Scan(&c.Rev, &kinds); err != nil {
				return err
			}
			c.Kinds = strings.Split(kinds, "\n")
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// Probe implements store.Prober: it takes the writers' lock (so a stuck
// writer shows) and durably updates a probe row that no snapshot reads,
// without creating a revision.
func (b *Backend) Probe(ctx context.Context) error {
	return pgx.BeginFunc(ctx, b.pool, func(ptx pgx.Tx) error {
		if _, err := ptx.Exec(ctx, `SELECT value FROM gatehouse_meta WHERE name = 'rev' FOR UPDATE`); err != nil {
			return err
		}
		_, err := ptx.Exec(ctx, `INSERT INTO gatehouse_meta (name, value) VALUES ('probe', 1)
			ON CONFLICT (name) DO UPDATE SET value = gatehouse_meta.value + 1`)
		return err
	})
}

// PruneTombstones implements store.TombstonePruner in one transaction
// that holds the writers' row lock (so the revision cannot move under it),
// pruning the change feed (gatehouse_changes) to the same floor.
// Other nodes read the floor and the tombstones in one repeatable-read
// snapshot (View), so a diff is either complete or ErrNoDiff.
func (b *Backend) PruneTombstones(ctx context.Context, keep int64) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, b.pool, func(ptx pgx.Tx) error {
		var rev, floor int64
		if err := ptx.QueryRow(ctx, `SELECT value FROM gatehouse_meta WHERE name = 'rev' FOR UPDATE`).Scan(&rev); err != nil {
			return err
		}
		if err := ptx.QueryRow(ctx, `SELECT value FROM gatehouse_meta WHERE name = 'diff_floor'`).Scan(&floor); err != nil {
			return err
		}
		upTo := rev - keep
		if upTo <= floor {
			return nil
		}
		tag, err := ptx.Exec(ctx, `DELETE FROM gatehouse_tombstones WHERE rev <= $1`, upTo)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		// The change feed is bounded by the same floor: a node polling
		// from below it gets a FeedGapError and catches up from the
		// records (changesAfter).
		if _, err := ptx.Exec(ctx, `DELETE FROM gatehouse_changes WHERE rev <= $1`, upTo); err != nil {
			return err
		}
		_, err = ptx.Exec(ctx, `UPDATE gatehouse_meta SET value = $1 WHERE name = 'diff_floor'`, upTo)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Ping checks that the database answers.
func (b *Backend) Ping(ctx context.Context) error { return b.pool.Ping(ctx) }

// Close implements store.Backend: a batch under way commits (or fails)
// and answers first.
func (b *Backend) Close() error {
	if !b.q.Close() {
		return nil
	}
	b.pool.Close()
	return nil
}

type tx struct {
	ctx   context.Context
	q     pgx.Tx
	rev   int64
	kinds map[string]bool // nil in read-only transactions
}

func (t *tx) Get(kind, key string) (store.Record, error) {
	r := store.Record{Kind: kind, Key: key}
	err := t.q.QueryRow(t.ctx, `SELECT value, rev FROM gatehouse_records WHERE kind = $1 AND key = $2`, kind, key).Scan(&r.Value, &r.Rev)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Record{}, store.ErrNotFound
	}
	return r, err
}

func (t *tx) List(kind, prefix string) ([]store.Record, error) {
	// starts_with keeps the prefix literal (LIKE would treat % and _ as wildcards).
	rows, err := t.q.Query(t.ctx, `SELECT key, value, rev FROM gatehouse_records WHERE kind = $1 AND starts_with(key, $2) ORDER BY key`, kind, prefix)
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

func (t *tx) write() error {
	if t.kinds == nil {
		return errors.New("store: write in a read-only transaction")
	}
	return nil
}

func (t *tx) Put(kind, key string, value []byte) error {
	if err := t.write(); err != nil {
		return err
	}
	if value == nil {
		value = []byte{}
	}
	_, err := t.q.Exec(t.ctx, `INSERT INTO gatehouse_records (kind, key, value, rev) VALUES ($1, $2, $3, $4)
		ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, rev = excluded.rev`, kind, key, value, t.rev)
	if err == nil {
		t.kinds[kind] = true
	}
	return err
}

func (t *tx) Create(kind, key string, value []byte) error {
	if err := t.write(); err != nil {
		return err
	}
	if value == nil {
		value = []byte{}
	}
	tag, err := t.q.Exec(t.ctx, `INSERT INTO gatehouse_records (kind, key, value, rev) VALUES ($1, $2, $3, $4) ON CONFLICT (kind, key) DO NOTHING`, kind, key, value, t.rev)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return store.ErrExists
	}
	t.kinds[kind] = true
	return nil
}

func (t *tx) Delete(kind, key string) error {
	if err := t.write(); err != nil {
		return err
	}
	var tag pgconn.CommandTag
	tag, err := t.q.Exec(t.ctx, `DELETE FROM gatehouse_records WHERE kind = $1 AND key = $2`, kind, key)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return store.ErrNotFound
	}
	if _, err := t.q.Exec(t.ctx, `INSERT INTO gatehouse_tombstones (kind, key, rev) VALUES ($1, $2, $3)
		ON CONFLICT (kind, key) DO UPDATE SET rev = excluded.rev`, kind, key, t.rev); err != nil {
		return err
	}
	t.kinds[kind] = true
	return nil
}

// floorQuery is the oldest revision ChangedSince can start from.
const floorQuery = `SELECT value FROM gatehouse_meta WHERE name = 'diff_floor'`

// ChangedSince implements store.DiffReader. Writers serialize on the
// revision row and commit in revision order, so a repeatable-read
// snapshot holds every write up to its revision and none after it: the
// records and tombstones above since are exactly the changes in between.
func (t *tx) ChangedSince(since int64) (store.Diff, error) {
	// The floor, the records and the tombstones in one round trip (a
	// pipelined batch in this transaction's snapshot): every write's
	// catch-up on its node runs this under the view's lock (issue #17).
	// Below the floor the reads return nothing (a node that far behind
	// rebuilds from a full read).
	var floor int64
	var d store.Diff
	present := map[store.Key]bool{}
	var b pgx.Batch
	b.Queue(floorQuery).QueryRow(func(row pgx.Row) error {
		return row.Scan(&floor)
	})
	b.Queue(`SELECT kind, key, value, rev FROM gatehouse_records WHERE rev > $1 AND $1 >= (`+floorQuery+`) ORDER BY rev, kind, key`, since).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var r store.Record
			if err := rows.Scan(&r.Kind, &r.Key, &r.Value, &r.Rev); err != nil {
				return err
			}
			d.Changed = append(d.Changed, r)
			present[store.Key{Kind: r.Kind, Key: r.Key}] = true
		}
		return rows.Err()
	})
	b.Queue(`SELECT kind, key FROM gatehouse_tombstones WHERE rev > $1 AND $1 >= (`+floorQuery+`) ORDER BY rev, kind, key`, since).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var k store.Key
			if err := rows.Scan(&k.Kind, &k.Key); err != nil {
				return err
			}
			if !present[k] {
				d.Deleted = append(d.Deleted, k)
			}
		}
		return rows.Err()
	})
	if err := t.q.SendBatch(t.ctx, &b).Close(); err != nil {
		return store.Diff{}, err
	}
	if since < floor {
		return store.Diff{}, store.ErrNoDiff
	}
	return d, nil
}
