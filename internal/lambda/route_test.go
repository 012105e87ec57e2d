package lambda

import (
	"math/rand/v2"
	"testing"
)

// TestRouteSplit: entry.route sends an alias's additional version its
// weight's share of draws. The source is math/rand's PCG with a fixed
// seed, as in production but reproducible: the count is the same on every
// run, and within 1% of the weight over 100000 draws.
func TestRouteSplit(t *testing.T) {
	for _, w := range []float64{0, 0.01, 0.3, 0.5, 0.99, 1} {
		base := &entry{fn: &function{}}
		base.base = base
		v1 := &entry{fn: &function{Version: "1"}, base: base}
		v2 := &entry{fn: &function{Version: "2"}, base: base}
		base.versions = map[string]*entry{"1": v1, "2": v2}
		a := &entry{fn: base.fn, base: base, alias: &alias{Name: "live", FunctionVersion: "1", Weights: map[string]float64{"2": w}}}
		r := rand.New(rand.NewPCG(1, 2))
		const n = 100000
		got := 0
		for range n {
			if a.route(r.Float64) == v2 {
				got++
			}
		}
		if share := float64(got) / n; share < w-0.01 || share > w+0.01 {
			t.Errorf("weight %v: version 2 got %d of %d", w, got, n)
		}
		if w == 0 && got != 0 || w == 1 && got != n {
			t.Errorf("weight %v: version 2 got %d of %d", w, got, n)
		}
	}
}
