package proxy

import (
	"slices"
	"strconv"
	"time"

	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
)

// Stats is the admin listener's /stats.json document: the proxy's config in
// brief and each server's live state.
type Stats struct {
	Name      string  `json:"name"`
	Mode      string  `json:"mode"`
	Algorithm string  `json:"algorithm"`
	UptimeS   float64 `json:"uptime_s"`
	// Panic is set while fewer than health_check.panic_threshold of the
	// primary servers of a pool are healthy, so that all of them get
	// requests.
	Panic   bool          `json:"panic"`
	Servers []ServerStats `json:"servers"`
	// Pools are the config's pools, in the order of their first servers.
	Pools []PoolStats `json:"pools"`
	// Routes is the number of the config's routes, and Unrouted counts
	// the requests that none matched, answered 404. RateLimited counts
	// the requests a route's limit rejected, RateDelayed those it held.
	Routes      int   `json:"routes"`
	Unrouted    int64 `json:"unrouted"`
	RateLimited int64 `json:"rate_limited"`
	RateDelayed int64 `json:"rate_delayed"`

	// Time is when these figures were taken and Started when the proxy
	// started, both RFC 3339 in UTC.
	Time    string `json:"time"`
	Started string `json:"started"`
	// Draining is set once the proxy stops accepting and waits for the
	// requests in flight.
	Draining bool `json:"draining"`
	// SlowStartS is slow_start in seconds, 0 when off.
	SlowStartS float64 `json:"slow_start_s"`
	// Clients counts mode http's client connections.
	Clients ClientStats `json:"clients"`
	// Totals sums the servers, those draining included.
	Totals Totals `json:"totals"`
	// DrainingServers are servers a reload removed while they had
	// requests in flight, with state "draining", until those end.
	DrainingServers []ServerStats `json:"draining_servers"`
}

// PoolStats is one pool: its algorithm (its own, else the config's), and
// whether it is in panic.
type PoolStats struct {
	Name      string `json:"name"`
	Algorithm string `json:"algorithm"`
	Panic     bool   `json:"panic"`
}

// ClientStats counts client connections: those fasthttp serves (busy, or
// idle for under 100 ms) and those parked.
type ClientStats struct {
	Served int `json:"served"`
	Parked int `json:"parked"`
}

// ServerStats is one server's state and counters since it joined.
type ServerStats struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	// Pool is the pool the server is in.
	Pool string `json:"pool"`
	// State is up, down (failed its active checks) or ejected (by passive
	// checks, for fail_timeout).
	State     string `json:"state"`
	Weight    int    `json:"weight"`
	InFlight  int64  `json:"in_flight"`
	Requests  int64  `json:"requests"`
	Failures  int64  `json:"failures"`
	LastCheck string `json:"last_check,omitempty"`
	// LatencyMS summarises the time from sending a request to the end of
	// its response, in milliseconds of wall time.
	LatencyMS results.Latency `json:"latency_ms"`

	// StateSince is when the server entered its state (RFC 3339, UTC),
	// StateForS how long ago that was in seconds.
	StateSince string  `json:"state_since"`
	StateForS  float64 `json:"state_for_s"`
	// Backup servers get requests only while no primary is usable;
	// InRotation is set while the balancer may choose the server.
	Backup     bool `json:"backup"`
	InRotation bool `json:"in_rotation"`
	// Ramping is set while slow start ramps the server up after it came
	// back into rotation: it takes SlowStartShare (0 to 1) of what the
	// balancer offers it, as if its weight were EffectiveWeight.
	Ramping         bool    `json:"ramping"`
	SlowStartShare  float64 `json:"slow_start_share"`
	EffectiveWeight float64 `json:"effective_weight"`
	Recent
}

// Recent is what the last 10 s and the last minute saw. An attempt is a
// request (a connection in mode tcp) on one server; failures are the
// attempts that got no complete response (connect, error, timeout), as
// Failures counts them. A younger proxy's rates divide by its age.
type Recent struct {
	Requests1m   int64   `json:"requests_1m"`
	Failures1m   int64   `json:"failures_1m"`
	RPS10s       float64 `json:"rps_10s"`
	RPS1m        float64 `json:"rps_1m"`
	ErrorRate10s float64 `json:"error_rate_10s"`
	ErrorRate1m  float64 `json:"error_rate_1m"`
	// Latency1mMS is the last minute's successes' latency percentiles
	// in milliseconds, within 6.25%.
	Latency1mMS RecentLatency `json:"latency_1m_ms"`
}

// RecentLatency holds latency percentiles in milliseconds.
type RecentLatency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// Totals sums every server's figures.
type Totals struct {
	InFlight int64 `json:"in_flight"`
	Requests int64 `json:"requests"`
	Failures int64 `json:"failures"`
	Recent
}

// Stats returns the proxy's current statistics.
func (p *Proxy) Stats() Stats {
	st := p.state.Load()
	now := time.Now()
	p.mu.Lock()
	draining := p.serving != nil && p.serving.Err() != nil
	p.mu.Unlock()
	s := Stats{
		Name: st.cfg.Name, Mode: st.cfg.Mode, Algorithm: st.cfg.Algorithm,
		UptimeS: now.Sub(p.start).Seconds(), Time: stamp(now), Started: stamp(p.start),
		Draining: draining, SlowStartS: st.slowStart.Seconds(),
		Servers: []ServerStats{}, DrainingServers: []ServerStats{},
		Routes: len(st.routes), Unrouted: p.unrouted.Load(),
		RateLimited: p.rateLimited.Load(), RateDelayed: p.rateDelayed.Load(),
	}
	for _, pl := range st.pools {
		ps := PoolStats{Name: pl.name, Algorithm: pl.algorithm, Panic: pl.live.inPanic.Load()}
		s.Pools = append(s.Pools, ps)
		s.Panic = s.Panic || ps.Panic
	}
	s.Clients.Served, s.Clients.Parked = p.clientConns.counts()
	var r10, r60 recent
	add := func(list []ServerStats, u *upstream, pool, state string, since time.Time) []ServerStats {
		ss, a, b := serverStats(st, u, now, state, since)
		ss.Pool = pool
		r10.merge(&a)
		r60.merge(&b)
		s.Totals.InFlight += ss.InFlight
		s.Totals.Requests += ss.Requests
		s.Totals.Failures += ss.Failures
		return append(list, ss)
	}
	for _, u := range st.ups {
		state, since := u.state(now)
		s.Servers = add(s.Servers, u, st.poolOf[u.be.Index].name, state, since)
	}
	for _, l := range p.metrics.draining() {
		s.DrainingServers = add(s.DrainingServers, l.u, l.pool, "draining", l.since)
	}
	s.Totals.Recent = recentStats(&r10, &r60)
	return s
}

// serverStats is u's part of the statistics, with what its window saw
// over the last 10 s and the last minute.
func serverStats(st *state, u *upstream, now time.Time, state string, since time.Time) (ServerStats, recent, recent) {
	u.mu.Lock()
	lat := u.latency.Latency()
	last := u.lastCheck
	u.mu.Unlock()
	// What the proxy connects to: a URL in mode http, host:port in mode
	// tcp, where there is no scheme.
	addr := u.url.String()
	if st.cfg.Mode == scenarios.ModeTCP {
		addr = u.addr
	}
	ss := ServerStats{
		Name:       u.be.Name,
		Address:    addr,
		State:      state,
		Weight:     u.be.Weight,
		InFlight:   u.be.InFlight(),
		Requests:   u.requests.Load(),
		Failures:   u.failures.Load(),
		LastCheck:  last,
		LatencyMS:  lat,
		StateSince: stamp(since),
		StateForS:  max(now.Sub(since).Seconds(), 0),
		Backup:     u.backup,
		InRotation: state != "draining" && u.inRotation.Load(),
	}
	ss.SlowStartShare = 1
	if from := u.rampFrom.Load(); ss.InRotation && from != 0 && st.slowStart > 0 {
		if ramped := now.Sub(time.Unix(0, from)); ramped < st.slowStart {
			// Ramping since it came back into rotation.
			ss.StateSince, ss.StateForS = stamp(time.Unix(0, from)), max(ramped.Seconds(), 0)
			ss.Ramping = true
			ss.SlowStartShare = max(ramped.Seconds()/st.slowStart.Seconds(), 0)
		}
	}
	ss.EffectiveWeight = float64(ss.Weight) * ss.SlowStartShare
	r10, r60 := u.recent.read(now, 10), u.recent.read(now, 60)
	ss.Recent = recentStats(&r10, &r60)
	return ss, r10, r60
}

// recentStats turns two spans' counts into figures.
func recentStats(r10, r60 *recent) Recent {
	return Recent{
		Requests1m:   int64(r60.n),
		Failures1m:   int64(r60.failed),
		RPS10s:       r10.rate(),
		RPS1m:        r60.rate(),
		ErrorRate10s: r10.errorRate(),
		ErrorRate1m:  r60.errorRate(),
		Latency1mMS:  RecentLatency{P50: r60.quantile(0.5), P99: r60.quantile(0.99)},
	}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// age is a duration as the stats page shows it: 3m12s.
func age(d time.Duration) string { return max(d, 0).Round(time.Second).String() }

// poolRows are a pool's heading and rows on the stats page.
type poolRows struct {
	PoolStats
	Servers []ServerStats
}

// byPool groups the stats page's rows under their pools, draining servers
// under the pool they left, when the servers are in pools of their own;
// it returns nil when the only pool is the default one.
func byPool(s Stats) []poolRows {
	if len(s.Pools) == 1 && s.Pools[0].Name == scenarios.DefaultPool {
		return nil
	}
	out := make([]poolRows, len(s.Pools))
	for k, ps := range s.Pools {
		out[k].PoolStats = ps
	}
	for _, ss := range slices.Concat(s.Servers, s.DrainingServers) {
		k := slices.IndexFunc(out, func(g poolRows) bool { return g.Name == ss.Pool })
		if k < 0 {
			// A pool a reload removed.
			k = len(out)
			out = append(out, poolRows{PoolStats: PoolStats{Name: ss.Pool}})
		}
		out[k].Servers = append(out[k].Servers, ss)
	}
	return out
}

// stateClass is a server's state as the stats page colours it: its state,
// or slow-start while it ramps.
func stateClass(s ServerStats) string {
	if s.Ramping {
		return "slow-start"
	}
	return s.State
}

// stateLabel is a server's state in words on the stats page.
func stateLabel(s ServerStats) string {
	switch {
	case s.Ramping:
		return "slow start " + strconv.Itoa(int(100*s.SlowStartShare)) + "%"
	case s.State == "open" || s.State == "half-open":
		return "breaker " + s.State
	}
	return s.State
}
