package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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
