package iam

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/store"
	"github.com/gatehouse-dev/gatehouse/internal/store/sqlite"
)

// BenchmarkStartupBuild is the start-up path of a seeded data directory
// (bench/scale -seed-users … -data-dir DIR leaves DIR/large): open the
// store, then the IAM service's first full build, as the server does.
// With -cpuprofile / -memprofile it is how issue #17's start-up was
// profiled:
//
//	GATEHOUSE_SCALE_DIR=DIR/large go test ./internal/iam -run '^$' -bench StartupBuild -benchtime 1x -cpuprofile cpu.out
//
// It logs the live heap after the build; GATEHOUSE_SCALE_HEAPPROFILE=FILE
// also writes a heap profile then, with the snapshot alive.
func BenchmarkStartupBuild(b *testing.B) {
	dir := os.Getenv("GATEHOUSE_SCALE_DIR")
	if dir == "" {
		b.Skip("GATEHOUSE_SCALE_DIR names no seeded data directory")
	}
	ctx := context.Background()
	mk, err := authn.LoadMasterKey(dir, "")
	if err != nil {
		b.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	for b.Loop() {
		t0 := time.Now()
		be, err := sqlite.Open(ctx, filepath.Join(dir, "gatehouse.db"))
		if err != nil {
			b.Fatal(err)
		}
		st := store.NewWithOptions(be, store.Options{Timeout: 2 * time.Minute})
		s, err := New(ctx, Config{Store: st, Log: quiet, MasterKey: mk, DefaultAccount: "000000000000"})
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(t0)
		// The live heap the snapshot holds (after a collection), and
		// optionally where it is (GATEHOUSE_SCALE_HEAPPROFILE=FILE).
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.Logf("build: %s, %d users, %d keys, live heap %d MiB", took.Round(time.Millisecond), s.Snapshot().users.len(),
			s.Snapshot().keys.len(), ms.HeapAlloc>>20)
		if p := os.Getenv("GATEHOUSE_SCALE_HEAPPROFILE"); p != "" {
			f, err := os.Create(p)
			if err != nil {
				b.Fatal(err)
			}
			if err := pprof.WriteHeapProfile(f); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
		runtime.KeepAlive(s)
		st.Close()
	}
}
