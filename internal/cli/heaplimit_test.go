package cli

import "testing"

func TestLimitFor(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int64
	}{
		{0, heapFloor},
		{20 << 20, heapFloor},
		{426 << 20, heapFloor},
		{500 << 20, 750 << 20},
		{2 << 30, 3 << 30},
	} {
		if got := limitFor(c.live); got != c.want {
			t.Errorf("limitFor(%d MiB) = %d MiB, want %d MiB", c.live>>20, got>>20, c.want>>20)
		}
	}
}

func TestNextLimitSteps(t *testing.T) {
	// A million-key start-up: 430 MiB live in 1,000 MiB from the OS. The
	// limit comes down by an eighth at a time, to live × 1.5.
	total := uint64(1000 << 20)
	var got []int64
	for range 10 {
		l := nextLimit(430<<20, total)
		got = append(got, l>>20)
		total = uint64(l)
	}
	if got[0] != 875 || got[len(got)-1] != limitFor(430<<20)>>20 {
		t.Errorf("limits %v MiB: want 875 first, the aim (%d) last", got, limitFor(430<<20)>>20)
	}
	if l := nextLimit(20<<20, 60<<20); l != heapFloor {
		t.Errorf("small server: limit %d MiB, want the floor", l>>20)
	}
}
