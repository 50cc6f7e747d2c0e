package sim

import (
	"math/rand/v2"
	"time"

	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/workloads"
)

// A scenario's servers are in pools, and its routes send each request to
// one, by its class or split among pools by weight, as an L7 proxy routes
// by path to its upstream groups. A request stays in its pool: its
// balancer picks among the pool's servers with the pool's own instance of
// the algorithm, and its retries, the ejections and checks of the pool's
// servers, backup servers and panic all follow the pool's settings. A
// scenario without routes has one pool.

// pool is one pool of servers.
type pool struct {
	name    string
	servers []int
	// algorithm is the pool's own, else the run's.
	algorithm string
	health    *scenarios.HealthCheck
	passive   *scenarios.Passive
	retries   *scenarios.Retries
	// maxOpen is circuit_breaker.max_open as a number of its servers.
	maxOpen int
	// The measured requests routes sent it, and how they ended; hist is
	// their latency, kept only when there are several pools.
	requests, completed, failed, rejected int64
	hist                                  *results.Histogram
}

// router sends each arrival to a pool; nil without routes.
type router struct {
	// classRoute is the route of each class, and traceClassRoute that of
	// a class a trace's class column names as it replays.
	classRoute      []int
	traceClassRoute func(name string) int
	// splits holds each route's pools and weights, phase by phase.
	splits [][]split
	rng    *rand.Rand
	// limits holds each route's limit, nil for none; limited is set
	// when some route has one.
	limits  []*scenarios.Limit
	limited bool
}

// split is the pools a route sends to from a point in virtual time, with
// their weights summed up as they go.
type split struct {
	from  time.Duration
	pools []int16
	cum   []int
}

// initPools makes the scenario's pools and routes. Servers are in the
// engine's list already.
func (e *engine) initPools(sc *scenarios.Scenario) {
	names := sc.PoolNames()
	index := make(map[string]int16, len(names))
	for k, name := range names {
		index[name] = int16(k)
		set := sc.PoolSettings(name)
		p := pool{name: name, algorithm: e.algorithm, health: set.HealthCheck, passive: set.Passive, retries: set.Retries}
		if set.Algorithm != "" {
			p.algorithm = set.Algorithm
		}
		e.pools = append(e.pools, p)
	}
	for i := range e.servers {
		s := &e.servers[i]
		s.pool = index[s.poolName]
		e.pools[s.pool].servers = append(e.pools[s.pool].servers, i)
	}
	for k := range e.pools {
		p := &e.pools[k]
		if b := sc.CircuitBreaker; b != nil {
			p.maxOpen = max(1, int(b.MaxOpen*float64(len(p.servers))))
		}
		if len(e.pools) > 1 {
			p.hist = histograms.Get().(*results.Histogram)
			p.hist.Reset()
		}
	}
	if len(sc.Routes) == 0 {
		return
	}
	e.router = &router{rng: rand.New(rand.NewPCG(routingSeed(sc.Seed), 0x726f757465))}
	for c := range sc.Workload.RequestClasses() {
		e.router.classRoute = append(e.router.classRoute, sc.ClassRoute(c))
	}
	e.router.traceClassRoute = sc.TraceClassRoute
	for _, r := range sc.Routes {
		e.router.limits = append(e.router.limits, r.Limit)
		e.router.limited = e.router.limited || r.Limit != nil
		froms := []time.Duration{0}
		for _, ph := range r.Phases {
			froms = append(froms, ph.At.D())
		}
		var phases []split
		for _, from := range froms {
			sp := split{from: from}
			total := 0
			for _, w := range r.Targets(from) {
				total += w.Weight
				sp.pools = append(sp.pools, index[w.Pool])
				sp.cum = append(sp.cum, total)
			}
			phases = append(phases, sp)
		}
		e.router.splits = append(e.router.splits, phases)
	}
}

// route returns the pool r goes to: its class's route's, drawn by weight
// when the route splits.
func (e *engine) route(r *workloads.Request) int16 {
	if e.router == nil {
		return 0
	}
	phases := e.router.splits[e.router.classRoute[r.Class]]
	sp := &phases[0]
	for k := len(phases) - 1; k > 0; k-- {
		if r.Arrival >= phases[k].from {
			sp = &phases[k]
			break
		}
	}
	if len(sp.pools) == 1 {
		return sp.pools[0]
	}
	draw := e.router.rng.IntN(sp.cum[len(sp.cum)-1])
	for k, c := range sp.cum {
		if draw < c {
			return sp.pools[k]
		}
	}
	return sp.pools[len(sp.pools)-1]
}

// poolOf is the pool of request i.
func (e *engine) poolOf(i int32) *pool { return &e.pools[e.reqs[i].pool] }

// poolResults sums up each pool, when there are several.
func (e *engine) poolResults() []results.Pool {
	if len(e.pools) < 2 {
		return nil
	}
	out := make([]results.Pool, len(e.pools))
	for k := range e.pools {
		p := &e.pools[k]
		out[k] = results.Pool{Name: p.name, Requests: p.requests, Completed: p.completed, Failed: p.failed, Rejected: p.rejected, Latency: p.hist.Latency()}
	}
	return out
}
