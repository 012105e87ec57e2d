package sqlite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Backend {
		b, err := Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	})
}

func TestReopenKeepsState(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s := store.New(b)
	if _, err := s.Update(ctx, func(tx store.Tx) error { return tx.Create("k", "x", []byte("hello")) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	b, err = Open(ctx, path) // migrations must be idempotent
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	r, err := store.New(b).Get(ctx, "k", "x")
	if err != nil || string(r.Value) != "hello" {
		t.Fatalf("after reopen Get = %q, %v", r.Value, err)
	}
}

// TestCrashLosesNothingAcknowledged runs a child process that writes
// records as fast as it can and reports each acknowledged revision on
// stdout, kills it with SIGKILL mid-stream, and checks that the reopened
// store is intact and holds every acknowledged write.
func TestCrashLosesNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test re-executes the test binary; skipped in -short")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	for round := 0; round < 3; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashWriterChild$")
		cmd.Env = append(os.Environ(), "GATEHOUSE_CRASH_DB="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := make(chan int, 1<<16)
		go func() {
			buf := make([]byte, 1<<16)
			var line []byte
			for {
				n, err := out.Read(buf)
				for _, c := range buf[:n] {
					if c == '\n' {
						if v, err := strconv.Atoi(strings.TrimPrefix(string(line), "ack ")); err == nil {
							acked <- v
						}
						line = line[:0]
					} else {
						line = append(line, c)
					}
				}
				if err != nil {
					close(acked)
					return
				}
			}
		}()
		// Kill the writer once it has acknowledged some writes (more each
		// round), whatever the machine's speed: a signal, not a sleep.
		want, last := 20+40*round, -1
		deadline := time.After(2 * time.Minute)
	wait:
		for last < want {
			select {
			case v, ok := <-acked:
				if !ok {
					break wait
				}
				last = v
			case <-deadline:
				break wait
			}
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		for v := range acked {
			last = v
		}
		if last < 0 {
			t.Fatalf("round %d: child acknowledged nothing", round)
		}
		ctx := context.Background()
		b, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("round %d: reopen after kill -9: %v", round, err)
		}
		var integrity string
		if err := b.r.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
			t.Fatalf("round %d: integrity_check = %q, %v", round, integrity, err)
		}
		s := store.New(b)
		r, err := s.Get(ctx, "crash", "last")
		if err != nil {
			t.Fatalf("round %d: Get last: %v", round, err)
		}
		got, _ := strconv.Atoi(string(r.Value))
		if got < last {
			t.Fatalf("round %d: store has last=%d but child acknowledged %d: acknowledged write lost", round, got, last)
		}
		// Each write also created one record per value: all must be there.
		rs, err := s.List(ctx, "crash/items", "")
		if err != nil || len(rs) < last {
			t.Fatalf("round %d: %d items, want at least %d (%v)", round, len(rs), last, err)
		}
		b.Close()
		t.Logf("round %d: %d writes acknowledged before kill -9, store intact", round, last)
	}
}

// TestCrashWriterChild is the child of TestCrashLosesNothingAcknowledged.
func TestCrashWriterChild(t *testing.T) {
	path := os.Getenv("GATEHOUSE_CRASH_DB")
	if path == "" {
		t.Skip("only runs as the child of TestCrashLosesNothingAcknowledged")
	}
	ctx := context.Background()
	b, err := Open(ctx, path)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	s := store.New(b)
	n := 0
	if r, err := s.Get(ctx, "crash", "last"); err == nil {
		n, _ = strconv.Atoi(string(r.Value))
	} else if !errors.Is(err, store.ErrNotFound) {
		os.Exit(1)
	}
	for {
		n++
		v := n
		_, err := s.Update(ctx, func(tx store.Tx) error {
			if err := tx.Create("crash/items", fmt.Sprintf("%08d", v), make([]byte, 512)); err != nil {
				return err
			}
			return tx.Put("crash", "last", []byte(strconv.Itoa(v)))
		})
		if err != nil {
			fmt.Println("update:", err)
			os.Exit(1)
		}
		fmt.Printf("ack %d\n", v)
	}
}

// TestCrashConcurrentWritersLoseNothingAcknowledged is the crash test with
// group commit at work: eight writers in the child share batches (and
// their fsyncs); after kill -9 every write any of them was told had
// committed must be in the reopened store.
func TestCrashConcurrentWritersLoseNothingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test re-executes the test binary; skipped in -short")
	}
	const writers = 8
	path := filepath.Join(t.TempDir(), "crash.db")
	for round := 0; round < 3; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashConcurrentChild$")
		cmd.Env = append(os.Environ(), "GATEHOUSE_CRASH_DB="+path, "GATEHOUSE_CRASH_ROUND="+strconv.Itoa(round))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		type ack struct{ w, seq int }
		acks := make(chan ack, 1<<16)
		go func() {
			defer close(acks)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				var a ack
				if _, err := fmt.Sscanf(sc.Text(), "ack %d %d", &a.w, &a.seq); err == nil {
					acks <- a
				}
			}
		}()
		// Kill once every writer has had some writes acknowledged (more
		// each round): a signal from the child, not a sleep.
		acked := map[int][]int{}
		total, want := 0, writers*(10+20*round)
		deadline := time.After(2 * time.Minute)
	wait:
		for total < want {
			select {
			case a, ok := <-acks:
				if !ok {
					break wait
				}
				acked[a.w] = append(acked[a.w], a.seq)
				total++
			case <-deadline:
				break wait
			}
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		for a := range acks {
			acked[a.w] = append(acked[a.w], a.seq)
			total++
		}
		if total == 0 {
			t.Fatalf("round %d: child acknowledged nothing", round)
		}
		ctx := context.Background()
		b, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("round %d: reopen after kill -9: %v", round, err)
		}
		var integrity string
		if err := b.r.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
			t.Fatalf("round %d: integrity_check = %q, %v", round, integrity, err)
		}
		s := store.New(b)
		for w, seqs := range acked {
			for _, seq := range seqs {
				if _, err := s.Get(ctx, "crash/items", fmt.Sprintf("r%d/w%d/%08d", round, w, seq)); err != nil {
					t.Fatalf("round %d: writer %d's acknowledged write %d: %v: acknowledged write lost", round, w, seq, err)
				}
			}
		}
		b.Close()
		t.Logf("round %d: %d writes acknowledged by %d writers before kill -9, all in the store", round, total, len(acked))
	}
}

// TestCrashConcurrentChild is the child of
// TestCrashConcurrentWritersLoseNothingAcknowledged.
func TestCrashConcurrentChild(t *testing.T) {
	path := os.Getenv("GATEHOUSE_CRASH_DB")
	if path == "" {
		t.Skip("only runs as the child of TestCrashConcurrentWritersLoseNothingAcknowledged")
	}
	round := os.Getenv("GATEHOUSE_CRASH_ROUND")
	ctx := context.Background()
	b, err := Open(ctx, path)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	s := store.New(b)
	var mu sync.Mutex // one line at a time on stdout
	for w := 0; w < 8; w++ {
		go func() {
			for seq := 1; ; seq++ {
				_, err := s.Update(ctx, func(tx store.Tx) error {
					return tx.Create("crash/items", fmt.Sprintf("r%s/w%d/%08d", round, w, seq), make([]byte, 512))
				})
				mu.Lock()
				if err != nil {
					fmt.Println("update:", err)
					os.Exit(1)
				}
				fmt.Printf("ack %d %d\n", w, seq)
				mu.Unlock()
			}
		}()
	}
	select {}
}

// TestGroupCommitBatchesWaitingWriters holds the writers' transaction
// open until seven more writers are queued, and checks that those seven
// commit as one batch, each with its own revision, and that the one whose
// function fails is the only one rolled back.
func TestGroupCommitBatchesWaitingWriters(t *testing.T) {
	ctx := context.Background()
	b, err := Open(ctx, filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	release, running := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		_, err := b.Update(ctx, func(tx store.Tx) error {
			close(running)
			<-release
			return tx.Put("g", "first", nil)
		})
		first <- err
	}()
	<-running // the committer is busy with it; the next ones queue
	boom := errors.New("boom")
	type result struct {
		i   int
		c   store.Change
		err error
	}
	results := make(chan result, 7)
	for i := 0; i < 7; i++ {
		go func() {
			c, err := b.Update(ctx, func(tx store.Tx) error {
				if err := tx.Put("g", strconv.Itoa(i), nil); err != nil {
					return err
				}
				if i == 3 {
					return boom
				}
				return nil
			})
			results <- result{i, c, err}
		}()
	}
	// The first transaction is running (it holds the committer); wait
	// until the other seven are queued behind it.
	for b.q.Queued() < 7 {
		runtime.Gosched()
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	revs := map[int64]bool{}
	for i := 0; i < 7; i++ {
		r := <-results
		switch {
		case r.i == 3 && !errors.Is(r.err, boom):
			t.Errorf("writer 3: err = %v, want boom", r.err)
		case r.i != 3 && r.err != nil:
			t.Errorf("writer %d: %v", r.i, r.err)
		case r.i != 3:
			if revs[r.c.Rev] || r.c.Rev < 2 || r.c.Rev > 7 {
				t.Errorf("writer %d: revision %d (seen: %v)", r.i, r.c.Rev, revs)
			}
			revs[r.c.Rev] = true
		}
	}
	if batches, txs := b.BatchStats(); batches != 2 || txs != 7 {
		t.Errorf("BatchStats = %d batches of %d transactions, want 2 and 7 (1 + 6 together)", batches, txs)
	}
	s := store.New(b)
	if _, err := s.Get(ctx, "g", "3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the failed writer's Put is visible: %v", err)
	}
	rs, err := s.List(ctx, "g", "")
	if err != nil || len(rs) != 7 {
		t.Errorf("records = %d (%v), want 7", len(rs), err)
	}
}
