package proxy

import (
	"cmp"
	"math/bits"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/scenarios"
)

// A config's servers are in pools, and its routes send each request to
// one, by the start of its path, or split among pools by weight, as
// nginx's locations send requests to upstream groups. Each pool is a
// balancer of its own, as in the simulator: its own instance of its
// algorithm, and its own usable servers (backups and panic within the
// pool), checks, ejections, retries, retry budget and circuit-breaker
// slots. A request stays in its pool, retries included. A config without
// routes has one pool, which every request goes to.

// pool is one pool of a state.
type pool struct {
	name string
	// algorithm is the pool's own, else the config's; bal runs it.
	algorithm string
	bal       algorithms.Balancer
	// ups are the pool's servers, in file order.
	ups []*upstream
	// The pool's own sections, else the top level's (nil when off).
	health  *scenarios.HealthCheck
	passive *scenarios.Passive
	retries *scenarios.Retries
	// maxOpen is circuit_breaker.max_open as a number of the pool's
	// servers.
	maxOpen int
	live    *poolLive
}

// poolLive is what a pool keeps across reloads that keep its name.
type poolLive struct {
	budget   retryBudget
	breakers breakerSlots
	// inPanic is set while the balancer has every primary server of the
	// pool, healthy or not (health_check.panic_threshold).
	inPanic atomic.Bool
}

// route is one of the config's routes, resolved to its state's pools.
type route struct {
	pools []*pool
	// cum holds the weights summed up in the order of pools, when the
	// route splits.
	cum []uint64
	// limit is the route's limit (limits.go), nil for none.
	limit *limiter
}

// newPool builds pool name, the k-th of cfg, taking its live state, and
// its balancer when the algorithm is the same, from old's pool of that
// name.
func (p *Proxy) newPool(cfg *scenarios.Scenario, k int, name string, old *state) (*pool, error) {
	set := cfg.PoolSettings(name)
	pl := &pool{name: name, algorithm: cmp.Or(set.Algorithm, cfg.Algorithm),
		health: set.HealthCheck, passive: set.Passive, retries: set.Retries}
	if pl.algorithm == "" {
		return nil, ErrNoAlgorithm
	}
	if o := old.pool(name); o != nil {
		pl.live = o.live
		if o.algorithm == pl.algorithm {
			pl.bal = o.bal
		}
	} else {
		pl.live = new(poolLive)
	}
	if pl.bal == nil {
		bal, err := algorithms.New(pl.algorithm, algorithms.Options{Seed: p.seed(k)})
		if err != nil {
			return nil, err
		}
		pl.bal = bal
	}
	return pl, nil
}

// pool returns st's pool of that name, or nil (st may be nil).
func (st *state) pool(name string) *pool {
	if st == nil {
		return nil
	}
	for _, pl := range st.pools {
		if pl.name == name {
			return pl
		}
	}
	return nil
}

// newRoutes resolves cfg's routes to st's pools, keeping the limiters of
// old's routes whose limits stay.
func (st *state) newRoutes(cfg *scenarios.Scenario, old *state) {
	for i := range cfg.Routes {
		r := route{limit: limiterFor(cfg, i, old)}
		var total uint64
		targets := cfg.Routes[i].Targets(0)
		for _, w := range targets {
			total += uint64(w.Weight)
			r.pools = append(r.pools, st.pool(w.Pool))
			r.cum = append(r.cum, total)
		}
		if len(targets) == 1 {
			r.cum = nil
		}
		st.routes = append(st.routes, r)
	}
}

// route returns the pool for a request for path (decoded and normalized,
// without the query) and its route's limit, or a nil pool when no route
// matches it.
func (p *Proxy) route(st *state, path []byte) (*pool, *limiter) {
	// PathRoute only reads the path, so it may read the request's own
	// bytes: a copy would allocate for a path over 32 bytes.
	i := st.cfg.PathRoute(unsafe.String(unsafe.SliceData(path), len(path)))
	if i < 0 {
		return nil, nil
	}
	r := &st.routes[i]
	if r.cum == nil {
		return r.pools[0], r.limit
	}
	draw := p.splits.intN(r.cum[len(r.cum)-1])
	k := 0
	for draw >= r.cum[k] {
		k++
	}
	return r.pools[k], r.limit
}

// splitRNG draws the pools of splits, and breaks ties when the proxy
// picks a server itself: SplitMix64 advanced with one atomic addition, as
// the balancers' generators are, so that concurrent requests take no lock
// and allocate nothing.
type splitRNG struct{ state atomic.Uint64 }

// intN returns a uniform integer in [0, n); n must be positive.
func (r *splitRNG) intN(n uint64) uint64 {
	hi, _ := bits.Mul64(mix(r.state.Add(0x9e3779b97f4a7c15)), n)
	return hi
}

// seed seeds the balancer of a config's k-th pool: Options.Seed for the
// first, so that a proxy with one pool decides as it always did, and
// that seed mixed with k for the others, so that their random choices
// are independent. (The simulator mixes its seeds its own way: pools
// after the first do not replay the simulator's decisions.) Without
// Options.Seed it seeds from the clock.
func (p *Proxy) seed(k int) uint64 {
	seed := p.opts.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	if k > 0 {
		seed = mix(seed ^ uint64(k)<<48)
	}
	return seed
}

// mix is SplitMix64's output function, which turns related seeds into
// unrelated ones.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
