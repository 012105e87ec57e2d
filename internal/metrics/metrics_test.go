package metrics

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestObserve(t *testing.T) {
	m := New()
	m.Register("iam", "CreateUser")
	for i := 0; i < 3; i++ {
		m.Observe("iam", "CreateUser", 200, time.Millisecond)
	}
	m.Observe("iam", "CreateUser", 409, time.Millisecond)
	if got := testutil.ToFloat64(m.requests.WithLabelValues("iam", "CreateUser", "200")); got != 3 {
		t.Errorf("got 200 count %v, want 3", got)
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues("iam", "CreateUser", "409")); got != 1 {
		t.Errorf("got 409 count %v, want 1", got)
	}
	if n := testutil.CollectAndCount(m.latency); n != 1 {
		t.Errorf("got %d latency series, want 1", n)
	}
}

// TestLabelsAreClosed: values outside the registered sets are recorded as
// "unknown" (service, operation) or "other" (status), whatever the caller
// passes (issue #12 item 7).
func TestLabelsAreClosed(t *testing.T) {
	m := New()
	m.Register("iam", "CreateUser")
	m.Register("sts", "AssumeRole")
	m.Register("sts", "GetCallerIdentity") // Register adds to a set
	tests := []struct {
		service, op                   string
		status                        int
		wantService, wantOp, wantCode string
	}{
		{"iam", "CreateUser", 200, "iam", "CreateUser", "200"},
		{"sts", "AssumeRole", 403, "sts", "AssumeRole", "403"},
		{"sts", "GetCallerIdentity", 200, "sts", "GetCallerIdentity", "200"},
		{"iam", "AssumeRole", 200, "iam", "unknown", "200"},
		{"iam", "X\"} 1\ninjected{a=\"", 400, "iam", "unknown", "400"},
		{"iam", "", 400, "iam", "unknown", "400"},
		{"evil", "CreateUser", 200, "unknown", "unknown", "200"},
		{"iam", "CreateUser", 299, "iam", "CreateUser", "other"},
		{"iam", "CreateUser", 0, "iam", "CreateUser", "other"},
		{"iam", "CreateUser", -1, "iam", "CreateUser", "other"},
		{"iam", "CreateUser", 1000, "iam", "CreateUser", "other"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%q/%d", tt.service, tt.op, tt.status), func(t *testing.T) {
			before := testutil.ToFloat64(m.requests.WithLabelValues(tt.wantService, tt.wantOp, tt.wantCode))
			m.Observe(tt.service, tt.op, tt.status, time.Millisecond)
			if got := testutil.ToFloat64(m.requests.WithLabelValues(tt.wantService, tt.wantOp, tt.wantCode)); got != before+1 {
				t.Errorf("got count %v for {%s %s %s}, want %v", got, tt.wantService, tt.wantOp, tt.wantCode, before+1)
			}
		})
	}
	// A flood of distinct values adds no series.
	n := testutil.CollectAndCount(m.requests)
	for i := 0; i < 10000; i++ {
		m.Observe("iam", fmt.Sprintf("Op%d", i), 400+i%200, time.Millisecond)
		m.Observe(fmt.Sprintf("svc%d", i), "CreateUser", 200, time.Millisecond)
		m.ObserveDecision(fmt.Sprintf("svc%d", i), fmt.Sprintf("d%d", i))
	}
	// At most: the unknown op of iam and the unknown service, each with
	// every status label (the named 4xx/5xx codes and "other").
	if got := testutil.CollectAndCount(m.requests); got > n+2*len(statusLabelSet()) {
		t.Errorf("got %d request series after the flood, want at most %d", got, n+2*len(statusLabelSet()))
	}
	if got := testutil.CollectAndCount(m.decisions); got != 1 {
		t.Errorf("got %d decision series, want 1 (unknown, unknown)", got)
	}
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, metric := range mf.GetMetric() {
			for _, l := range metric.GetLabel() {
				if strings.HasPrefix(l.GetValue(), "Op") || strings.HasPrefix(l.GetValue(), "svc") || strings.HasPrefix(l.GetValue(), "d") {
					t.Errorf("a flood value became a label: %s=%q in %s", l.GetName(), l.GetValue(), mf.GetName())
				}
			}
		}
	}
}

func statusLabelSet() map[string]bool {
	set := map[string]bool{"other": true}
	for _, l := range statusLabels {
		if l != "" {
			set[l] = true
		}
	}
	return set
}

func TestObserveAllocatesNothingWhenWarm(t *testing.T) {
	m := New()
	m.Register("execute-api", "Invoke")
	m.Observe("execute-api", "Invoke", 200, time.Millisecond)
	if a := testing.AllocsPerRun(100, func() { m.Observe("execute-api", "Invoke", 200, time.Millisecond) }); a != 0 {
		t.Errorf("Observe allocates %v times per call", a)
	}
}

func BenchmarkObserve(b *testing.B) {
	m := New()
	m.Register("execute-api", "Invoke")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m.Observe("execute-api", "Invoke", 200, time.Millisecond)
	}
}
