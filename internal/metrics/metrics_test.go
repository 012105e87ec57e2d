package metrics

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestObserve(t *testing.T) {
	m := New()
	for i := 0; i < 3; i++ {
		m.Observe("iam", "CreateUser", 200, time.Millisecond)
	}
	m.Observe("iam", "CreateUser", 409, time.Millisecond)
	if got := testutil.ToFloat64(m.Requests.WithLabelValues("iam", "CreateUser", "200")); got != 3 {
		t.Errorf("200 count = %v, want 3", got)
	}
	if got := testutil.ToFloat64(m.Requests.WithLabelValues("iam", "CreateUser", "409")); got != 1 {
		t.Errorf("409 count = %v, want 1", got)
	}
	if n := testutil.CollectAndCount(m.Latency); n != 1 {
		t.Errorf("latency series = %d, want 1", n)
	}
}

func TestObserveAllocatesNothingWhenWarm(t *testing.T) {
	m := New()
	m.Observe("execute-api", "Invoke", 200, time.Millisecond)
	if a := testing.AllocsPerRun(100, func() { m.Observe("execute-api", "Invoke", 200, time.Millisecond) }); a != 0 {
		t.Errorf("Observe allocates %v times per call", a)
	}
}

func BenchmarkObserve(b *testing.B) {
	m := New()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m.Observe("execute-api", "Invoke", 200, time.Millisecond)
	}
}
