package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// StoreState is what the store gauges report, read at each scrape.
type StoreState struct {
	// Writable is false when the last write or write probe failed.
	Writable bool
	// SyncStaleness is the time since the last complete poll of a shared
	// store's change feed (zero for the embedded store).
	SyncStaleness time.Duration
	Views         []ViewState
}

// ViewState is one snapshot's state. Names come from code (iam,
// gateway-routes, lambda), never from requests.
type ViewState struct {
	Name string
	// Staleness is how long since the snapshot was last known to reflect
	// the store; past the bound the node refuses authenticated requests.
	Staleness      time.Duration
	Behind         bool
	FailedRebuilds int64
}

// WatchStore registers the store gauges: staleness and rebuild failures
// per snapshot, whether the store can write, how long since the change
// feed was last read completely, and the staleness bound itself (so an
// alert can compare the two). state is called at every scrape.
func (m *Metrics) WatchStore(state func() StoreState, maxStaleness time.Duration) {
	m.Registry.MustRegister(&storeCollector{state: state, max: maxStaleness})
}

var (
	descStaleness = prometheus.NewDesc("gatehouse_snapshot_staleness_seconds",
		"Seconds since the snapshot was last known to reflect the store (a complete sync); past gatehouse_max_staleness_seconds authenticated requests are refused.", []string{"view"}, nil)
	descBehind = prometheus.NewDesc("gatehouse_snapshot_behind",
		"1 while a committed change is not applied to the snapshot yet.", []string{"view"}, nil)
	descFailed = prometheus.NewDesc("gatehouse_snapshot_failed_rebuilds",
		"Consecutive failed rebuilds of the snapshot (0 once one succeeds).", []string{"view"}, nil)
	descWritable = prometheus.NewDesc("gatehouse_store_writable",
		"1 when the last write or write probe committed, 0 when it failed.", nil, nil)
	descSync = prometheus.NewDesc("gatehouse_store_sync_staleness_seconds",
		"Seconds since the shared store's change feed was last read and applied completely (0 for the embedded store).", nil, nil)
	descMax = prometheus.NewDesc("gatehouse_max_staleness_seconds",
		"The configured staleness bound (--max-staleness).", nil, nil)
)

type storeCollector struct {
	state func() StoreState
	max   time.Duration
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descStaleness, descBehind, descFailed, descWritable, descSync, descMax} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.state()
	ch <- prometheus.MustNewConstMetric(descWritable, prometheus.GaugeValue, b2f(st.Writable))
	ch <- prometheus.MustNewConstMetric(descSync, prometheus.GaugeValue, st.SyncStaleness.Seconds())
	ch <- prometheus.MustNewConstMetric(descMax, prometheus.GaugeValue, c.max.Seconds())
	for _, v := range st.Views {
		ch <- prometheus.MustNewConstMetric(descStaleness, prometheus.GaugeValue, v.Staleness.Seconds(), v.Name)
		ch <- prometheus.MustNewConstMetric(descBehind, prometheus.GaugeValue, b2f(v.Behind), v.Name)
		ch <- prometheus.MustNewConstMetric(descFailed, prometheus.GaugeValue, float64(v.FailedRebuilds), v.Name)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
