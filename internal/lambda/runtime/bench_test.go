package runtime

import (
	"context"
	"sort"
	"strconv"
	"testing"
	"time"
)

// BenchmarkColdStartIsolation: a Go function's cold start (process start
// to its first response) with and without the sandbox.
func BenchmarkColdStartIsolation(b *testing.B) {
	dir := goFunction(b)
	for _, iso := range []string{IsolationNone, IsolationSandbox} {
		b.Run(iso, func(b *testing.B) {
			m := newManager(b, func(c *ManagerConfig) { c.Isolation = iso })
			s := testSpec(b, m, "provided.al2023", dir, "bootstrap", 10*time.Second)
			ds := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s2 := *s
				s2.Revision = strconv.Itoa(i) // a new instance each time
				t0 := time.Now()
				res, err := m.Invoke(context.Background(), &s2, Invocation{RequestID: "b" + strconv.Itoa(i), Payload: []byte(`{}`)})
				if err != nil || res.FunctionError != "" {
					b.Fatalf("%v %+v", err, res)
				}
				ds = append(ds, time.Since(t0))
			}
			b.StopTimer()
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			b.ReportMetric(float64(ds[len(ds)/2].Microseconds()), "p50-µs")
		})
	}
}
