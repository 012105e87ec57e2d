package cli

import (
	"context"
	"math"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The soft memory limit serve keeps when neither GOGC nor GOMEMLIMIT is
// set. serve runs the collector at GOGC=400 (the request path's live heap
// is small, and fewer collections proxy ~15-25% more requests/s), which
// lets the heap grow to five times what is live: with a million access
// keys (~430 MiB live) 1.1 GiB resident was measured after a few thousand
// writes (issue #17). The limit bounds the headroom instead: it aims at
// the larger of heapFloor and live heap × 1.5, so a small server keeps
// GOGC=400's pacing (its 5× stays under the floor) and a large one
// collects at about GOGC=50 rather than thrashing against a fixed cap.
const (
	heapFloor = 640 << 20
	heapEvery = 2 * time.Second
	// heapStep is the most the limit goes down per heapEvery below the
	// memory the process has (1/8 of it): dropping to the aim at once
	// after a million-key start-up forced a collection and a scavenge of
	// the build's garbage in one go (healthy 7.5-8.3 s -> 11.1-12.6 s, and
	// a 3.4 s write stall when it came later, back to back at load ~10).
	heapStep = 8
)

// heapLimit keeps the limit in step, every heapEvery, until ctx ends.
func heapLimit(ctx context.Context) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/total:bytes"}}
	go func() {
		t := time.NewTicker(heapEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				metrics.Read(sample)
				debug.SetMemoryLimit(nextLimit(u64(sample[0].Value), u64(sample[1].Value)))
			}
		}
	}()
}

func u64(v metrics.Value) uint64 {
	if v.Kind() == metrics.KindUint64 {
		return v.Uint64()
	}
	return 0
}

// nextLimit is the limit for a live heap of live bytes in a process that
// has total bytes of memory from the OS: the aim (limitFor), but no more
// than a step below total.
func nextLimit(live, total uint64) int64 {
	aim := limitFor(live)
	if total > math.MaxInt64 {
		return aim
	}
	if floor := int64(total - total/heapStep); aim < floor {
		return floor
	}
	return aim
}

func limitFor(live uint64) int64 {
	l := live + live/2
	if l < heapFloor {
		return heapFloor
	}
	if l > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(l)
}
