// Package metrics holds OS1's Prometheus metrics: turns, turn latency,
// active conversations and provider errors, plus HTTP request counts. It
// implements companion.Observer.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is a registry with OS1's collectors.
type Metrics struct {
	Registry *prometheus.Registry

	turns          *prometheus.CounterVec
	turnSeconds    prometheus.Histogram
	turnsInFlight  prometheus.Gauge
	providerErrors *prometheus.CounterVec
	httpRequests   *prometheus.CounterVec
}

// New returns metrics registered in a fresh registry. activeConversations is
// called at each scrape for the os1_active_conversations gauge; it may be nil.
func New(activeConversations func(ctx context.Context) (int, error)) *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.turns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "os1_turns_total", Help: "Conversation turns, by how they ended (complete, cancelled, error).",
	}, []string{"status"})
	m.turnSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "os1_turn_duration_seconds", Help: "Time from a message received to its reply stored.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 40, 80},
	})
	m.turnsInFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "os1_turns_in_flight", Help: "Turns being answered right now.",
	})
	m.providerErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "os1_provider_errors_total", Help: "Replies cut off by a model provider failure, by provider.",
	}, []string{"provider"})
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "os1_http_requests_total", Help: "HTTP requests, by status code class.",
	}, []string{"code"})
	m.Registry.MustRegister(m.turns, m.turnSeconds, m.turnsInFlight, m.providerErrors, m.httpRequests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if activeConversations != nil {
		m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "os1_active_conversations", Help: "Conversations with a message in the last 15 minutes.",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := activeConversations(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}))
	}
	return m
}

// TurnStarted counts a turn in flight.
func (m *Metrics) TurnStarted() { m.turnsInFlight.Inc() }

// TurnFinished records a finished turn.
func (m *Metrics) TurnFinished(d time.Duration, status string) {
	m.turnsInFlight.Dec()
	m.turns.WithLabelValues(status).Inc()
	m.turnSeconds.Observe(d.Seconds())
}

// ProviderError counts a provider failure.
func (m *Metrics) ProviderError(provider string) { m.providerErrors.WithLabelValues(provider).Inc() }

// HTTPRequest counts a request by its status class ("2xx", "4xx", …).
func (m *Metrics) HTTPRequest(status int) {
	m.httpRequests.WithLabelValues(strconv.Itoa(status/100) + "xx").Inc()
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}
