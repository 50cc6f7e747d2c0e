package proxy

import (
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the proxy's Prometheus metrics, on a registry of its own.
// Counters and histograms are resolved per server once, when the server
// joins, so a request touches no label maps.
type metrics struct {
	reg       *prometheus.Registry
	responses *prometheus.CounterVec
	failures  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	retries   prometheus.Counter
	noServer  prometheus.Counter

	// clock is the proxy's coarse clock, which dates the attempts the
	// stats page counts (their second is all that matters).
	clock *coarseClock
	// leaving are the servers a reload removed while they had requests
	// in flight, until those end: the stats page shows them draining.
	mu      sync.Mutex
	leaving []leaving
}

// leaving is a server that left the config, when, and the pool it was in.
type leaving struct {
	u     *upstream
	since time.Time
	pool  string
}

// serverMetrics are one server's resolved metrics.
type serverMetrics struct {
	codes    [6]prometheus.Counter // by status class: 1xx .. 5xx, 0 for other
	failures map[string]prometheus.Counter
	duration prometheus.Observer
}

var causes = []string{"connect", "error", "timeout"}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		responses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lbsim_proxy_responses_total",
			Help: "Responses received from servers, by server and status class.",
		}, []string{"server", "code"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lbsim_proxy_failures_total",
			Help: "Attempts that failed without a complete response, by server and cause (connect, error, timeout).",
		}, []string{"server", "cause"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "lbsim_proxy_request_duration_seconds",
			Help:    "Time from sending a request to a server to the end of its response.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"server"}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lbsim_proxy_retries_total",
			Help: "Attempts retried on another server.",
		}),
		noServer: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "lbsim_proxy_no_server_total",
			Help: "Requests or connections refused because no server was usable.",
		}),
	}
	m.reg.MustRegister(m.responses, m.failures, m.duration, m.retries, m.noServer,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// register adds the gauges and counters that are read from the live
// state at scrape time.
func (m *metrics) register(p *Proxy) {
	m.clock = &p.clock
	m.reg.MustRegister(&stateCollector{p: p}, prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "lbsim_proxy_unrouted_total",
		Help: "Requests answered 404 because no route matched their path.",
	}, func() float64 { return float64(p.unrouted.Load()) }), prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "lbsim_proxy_rate_limited_total",
		Help: "Requests a route's limit rejected (answered limit.status, 503 by default).",
	}, func() float64 { return float64(p.rateLimited.Load()) }), prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "lbsim_proxy_rate_delayed_total",
		Help: "Requests a route's limit held before they went on to their pool.",
	}, func() float64 { return float64(p.rateDelayed.Load()) }))
}

// attach resolves u's metrics.
func (m *metrics) attach(u *upstream) {
	if u.recent == nil {
		u.recent = newWindow(u.created)
	}
	if u.m != nil {
		return
	}
	sm := &serverMetrics{failures: make(map[string]prometheus.Counter, len(causes))}
	for i := range sm.codes {
		sm.codes[i] = m.responses.WithLabelValues(u.be.Name, codeClass(i))
	}
	for _, c := range causes {
		sm.failures[c] = m.failures.WithLabelValues(u.be.Name, c)
	}
	sm.duration = m.duration.WithLabelValues(u.be.Name)
	u.m = sm
}

func codeClass(i int) string {
	if i == 0 {
		return "other"
	}
	return strconv.Itoa(i) + "xx"
}

// forget drops the series of servers that left with a reload, and keeps
// those with requests in flight for the stats page while they drain.
func (m *metrics) forget(old, cur *state) {
	now := time.Now()
	for _, u := range old.ups {
		if !slices.Contains(cur.ups, u) && u.be.InFlight() > 0 {
			m.mu.Lock()
			m.leaving = append(m.leaving, leaving{u, now, old.poolOf[u.be.Index].name})
			m.mu.Unlock()
		}
		// A server that kept its name keeps its series.
		if slices.ContainsFunc(cur.ups, func(c *upstream) bool { return c.be.Name == u.be.Name }) {
			continue
		}
		for i := range u.m.codes {
			m.responses.DeleteLabelValues(u.be.Name, codeClass(i))
		}
		for _, c := range causes {
			m.failures.DeleteLabelValues(u.be.Name, c)
		}
		m.duration.DeleteLabelValues(u.be.Name)
	}
}

func (m *metrics) response(u *upstream, code int) {
	i := code / 100
	if i < 1 || i > 5 {
		i = 0
	}
	u.m.codes[i].Inc()
}

// draining lists the servers that left the config and still have
// requests in flight, forgetting those done.
func (m *metrics) draining() []leaving {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.leaving = slices.DeleteFunc(m.leaving, func(l leaving) bool { return l.u.be.InFlight() <= 0 })
	return slices.Clone(m.leaving)
}

// failure and latency are told how every attempt ended (proxy.finish),
// and count it for the stats page's recent figures too.

func (m *metrics) failure(u *upstream, cause string) {
	u.m.failures[cause].Inc()
	u.recent.add(m.clock.Now(), 0, true)
}

func (m *metrics) latency(u *upstream, d time.Duration) {
	u.m.duration.Observe(d.Seconds())
	u.recent.add(m.clock.Now(), d, false)
}

// stateCollector reports each server's state, requests in flight and
// weight as of the scrape.
type stateCollector struct{ p *Proxy }

var (
	upDesc       = prometheus.NewDesc("lbsim_proxy_server_up", "1 when the server is healthy, 0 when checks, an ejection or its circuit breaker took it out.", []string{"server"}, nil)
	inFlightDesc = prometheus.NewDesc("lbsim_proxy_server_in_flight", "Requests (or connections) in flight to the server.", []string{"server"}, nil)
	weightDesc   = prometheus.NewDesc("lbsim_proxy_server_weight", "The server's configured weight.", []string{"server"}, nil)
	clientsDesc  = prometheus.NewDesc("lbsim_proxy_client_connections", "Client connections open in mode http: served (busy, or idle under 100 ms) and parked (idle longer, on a small goroutine without buffers).", []string{"state"}, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- upDesc
	ch <- inFlightDesc
	ch <- weightDesc
	ch <- clientsDesc
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	now := time.Now()
	for _, u := range c.p.state.Load().ups {
		up := 0.0
		if u.healthy(now) {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, up, u.be.Name)
		ch <- prometheus.MustNewConstMetric(inFlightDesc, prometheus.GaugeValue, float64(u.be.InFlight()), u.be.Name)
		ch <- prometheus.MustNewConstMetric(weightDesc, prometheus.GaugeValue, float64(u.be.Weight), u.be.Name)
	}
	served, parked := c.p.clientConns.counts()
	ch <- prometheus.MustNewConstMetric(clientsDesc, prometheus.GaugeValue, float64(served), "served")
	ch <- prometheus.MustNewConstMetric(clientsDesc, prometheus.GaugeValue, float64(parked), "parked")
}
