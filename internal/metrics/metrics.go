// Package metrics defines gatehouse's Prometheus metrics in one registry, so
// every package records into the same names and the server exposes them at
// /_gatehouse/metrics.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one registry and the collectors gatehouse records into.
type Metrics struct {
	Registry *prometheus.Registry

	Requests  *prometheus.CounterVec   // service, operation, status
	Latency   *prometheus.HistogramVec // service, operation
	Decisions *prometheus.CounterVec   // service, decision

	// series caches resolved label combinations: the label lookup of a
	// *Vec hashes and may allocate, and Observe runs on every request.
	series sync.Map // seriesKey → *series
}

type seriesKey struct {
	service, operation string
	status             int
}

type series struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

// New returns a fresh registry with Go and process collectors.
func New() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry: r,
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_requests_total",
			Help: "Requests served, by service, operation and HTTP status.",
		}, []string{"service", "operation", "status"}),
		Latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_request_duration_seconds",
			Help:    "Time from request to response, by service and operation.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"service", "operation"}),
		Decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_authorization_decisions_total",
			Help: "Authorization decisions, by service and decision (allowed, explicitDeny, implicitDeny).",
		}, []string{"service", "decision"}),
	}
	r.MustRegister(m.Requests, m.Latency, m.Decisions,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Observe records one finished request.
func (m *Metrics) Observe(service, operation string, status int, d time.Duration) {
	k := seriesKey{service, operation, status}
	v, ok := m.series.Load(k)
	if !ok {
		v, _ = m.series.LoadOrStore(k, &series{
			count:   m.Requests.WithLabelValues(service, operation, strconv.Itoa(status)),
			latency: m.Latency.WithLabelValues(service, operation),
		})
	}
	s := v.(*series)
	s.count.Inc()
	s.latency.Observe(d.Seconds())
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}
