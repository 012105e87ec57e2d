package app

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
)

// wireBodies builds the one body Reader every surface buffers request
// bodies through (its byte budget is the server's) and exports its state.
func (a *App) wireBodies() {
	a.Bodies = reqbody.New(reqbody.Limits{Budget: a.Config.BodyBudget, Timeout: a.Config.BodyTimeout})
	a.Services.Bodies = a.Bodies
	b := a.Bodies
	a.Metrics.Registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "gatehouse_request_body_buffered_bytes",
			Help: "Bytes of request bodies buffered now, across all requests.",
		}, func() float64 { return float64(b.Buffered()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "gatehouse_request_body_buffered_peak_bytes",
			Help: "The most request-body bytes buffered at once since start.",
		}, func() float64 { return float64(b.Peak()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "gatehouse_request_body_budget_bytes",
			Help: "The bound on request-body bytes buffered at once (--body-budget).",
		}, func() float64 { return float64(b.Limits().Budget) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "gatehouse_request_body_refused_total",
			Help: "Requests refused because the request-body budget was full.",
		}, func() float64 { return float64(b.Refused()) }),
	)
}
