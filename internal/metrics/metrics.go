// Package metrics defines gatehouse's Prometheus metrics in one registry, so
// every package records into the same names and the server exposes them at
// /_gatehouse/metrics.
//
// Every label value comes from a closed set: each series costs memory for
// the life of the process and bytes in every scrape, so a value a client
// chose (an unsigned request's Action, a path) must never become one.
// Services and operations are registered up front (Register); anything
// else is recorded as "unknown", and statuses outside the registered HTTP
// codes as "other".
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one registry and the collectors gatehouse records into.
type Metrics struct {
	Registry *prometheus.Registry

	// The vectors are reachable only through Observe and ObserveDecision,
	// which bound their labels.
	requests  *prometheus.CounterVec   // service, operation, status
	latency   *prometheus.HistogramVec // service, operation
	decisions *prometheus.CounterVec   // service, decision

	// labelSet is the registered labels: (service, operation) pairs and
	// services. Copy-on-write, so Observe reads it without a lock.
	labelSet atomic.Pointer[labelSet]
	regMu    sync.Mutex

	// series caches resolved label combinations: the label lookup of a
	// *Vec hashes and may allocate, and Observe runs on every request.
	series sync.Map // seriesKey → *series
}

type seriesKey struct {
	service, operation, status string
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
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_requests_total",
			Help: "Requests served, by service, operation and HTTP status.",
		}, []string{"service", "operation", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_request_duration_seconds",
			Help:    "Time from request to response, by service and operation.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"service", "operation"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_authorization_decisions_total",
			Help: "Authorization decisions, by service and decision (allowed, explicitDeny, implicitDeny).",
		}, []string{"service", "decision"}),
	}
	r.MustRegister(m.requests, m.latency, m.decisions,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.labelSet.Store(&labelSet{ops: map[opKey]bool{}, services: map[string]bool{}})
	return m
}

// Unknown is the label value of an unregistered service or operation.
const Unknown = "unknown"

type opKey struct{ service, operation string }

type labelSet struct {
	ops      map[opKey]bool
	services map[string]bool
}

// Register adds operations to service's closed set of operation labels
// (and service to the set of services). Call it before serving; it is safe
// to call concurrently with Observe.
func (m *Metrics) Register(service string, operations ...string) {
	m.regMu.Lock()
	defer m.regMu.Unlock()
	old := m.labelSet.Load()
	next := &labelSet{ops: make(map[opKey]bool, len(old.ops)+len(operations)), services: make(map[string]bool, len(old.services)+1)}
	for k := range old.ops {
		next.ops[k] = true
	}
	for k := range old.services {
		next.services[k] = true
	}
	for _, op := range operations {
		next.ops[opKey{service, op}] = true
	}
	next.services[service] = true
	m.labelSet.Store(next)
}

// labels maps service and operation into the registered sets.
func (m *Metrics) labels(service, operation string) (string, string) {
	ls := m.labelSet.Load()
	if ls.ops[opKey{service, operation}] {
		return service, operation
	}
	if ls.services[service] {
		return service, Unknown
	}
	return Unknown, Unknown
}

// statusLabels holds the label of every HTTP status code net/http knows
// a name for; other codes (a backend may send any three digits) are
// "other".
var statusLabels = func() (l [600]string) {
	for c := range l {
		if http.StatusText(c) != "" {
			l[c] = strconv.Itoa(c)
		}
	}
	return l
}()

func statusLabel(status int) string {
	if status >= 0 && status < len(statusLabels) && statusLabels[status] != "" {
		return statusLabels[status]
	}
	return "other"
}

// Observe records one finished request. An unregistered service or
// operation is recorded as "unknown".
func (m *Metrics) Observe(service, operation string, status int, d time.Duration) {
	service, operation = m.labels(service, operation)
	st := statusLabel(status)
	k := seriesKey{service, operation, st}
	v, ok := m.series.Load(k)
	if !ok {
		v, _ = m.series.LoadOrStore(k, &series{
			count:   m.requests.WithLabelValues(service, operation, st),
			latency: m.latency.WithLabelValues(service, operation),
		})
	}
	s := v.(*series)
	s.count.Inc()
	s.latency.Observe(d.Seconds())
}

// Decisions are the values of the decision label.
var decisionLabels = map[string]bool{"allowed": true, "explicitDeny": true, "implicitDeny": true}

// ObserveDecision records one authorization decision ("allowed",
// "explicitDeny" or "implicitDeny"; anything else counts as "unknown").
func (m *Metrics) ObserveDecision(service, decision string) {
	service, _ = m.labels(service, "")
	if !decisionLabels[decision] {
		decision = Unknown
	}
	m.decisions.WithLabelValues(service, decision).Inc()
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}
