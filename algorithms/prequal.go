package algorithms

import (
	"math"
	"sync"
	"time"
)

func init() {
	register(Info{
		Name:    "prequal",
		Summary: "recent probes of random servers; the lowest latency among those not hot on requests in flight (Prequal)",
		Description: Description{
			How:      "With every request the balancer probes a few servers at random for their requests in flight and expected latency, and keeps the latest probes in a small pool for later requests. It sends a request to the probed server with the lowest expected latency among those whose requests in flight are not unusually high for the pool; if all are high, to the one with the fewest. A probe used for a request counts that request, and probes too old are dropped.",
			UseWhen:  "servers differ in speed or share their machines with other work, so neither the load alone nor the latency alone tells which server will answer first.",
			Drawback: "it decides on probes that may be a little out of date and on a handful of servers at a time, and it has several settings; when requests are rare every probe has aged out and each request waits for its own.",
		},
		Params: []Param{
			{Name: "probes", Doc: "servers probed per request (the paper's r_probe)", Default: 3, Min: 1, Max: prequalMaxProbes, Integer: true},
			{Name: "pool", Doc: "most probes kept; the oldest goes first", Default: 16, Min: 1, Max: prequalMaxPool, Integer: true},
			{Name: "q_rif", Doc: "quantile of the pool's requests in flight above which a probe is hot (the paper's Q_RIF)", Default: 0.84, Min: 0, Max: 1},
			{Name: "max_age", Doc: "how long a probe stays usable", Duration: true, Default: 1, Min: 0.001},
		},
		New: func(opts Options) Balancer {
			p := &prequal{rng: newRNG(opts.Seed), probes: 3, poolMax: 16, qRIF: 0.84, maxAge: time.Second}
			if opts.Params != nil {
				p.probes, p.poolMax = opts.Params.Int("probes"), opts.Params.Int("pool")
				p.qRIF, p.maxAge = opts.Params.Float("q_rif"), opts.Params.Duration("max_age")
			}
			p.pool = make([]prequalProbe, 0, p.poolMax)
			return p
		},
	})
}

const (
	prequalMaxProbes = 16
	prequalMaxPool   = 64
)

// prequal is Prequal (Wydrowski, Kleinberg, Rumble, Archer, "Load is not
// what you should balance: Introducing Prequal", NSDI 2024). The balancer
// keeps a pool of recent probe results, each a server's requests in flight
// (RIF) and expected latency, and chooses by the hot-cold lexicographic
// rule: a probe whose RIF is above the pool's Q_RIF quantile is hot; among
// the cold probes the lowest latency wins (then the lower RIF); if every
// probe is hot, the lowest RIF wins. Choosing costs O(pool), whatever the
// number of backends.
//
// Probes are asynchronous in the paper: each query triggers r_probe probes
// of random servers, whose answers serve later queries. A policy does no
// I/O, so a probe here reads the backend's InFlight() and this balancer's
// latency estimate of it at the moment of the pick, stamped with
// Request.Now; each pick chooses from the pool first and then probes
// `probes` distinct random backends for the requests after it. A probe of
// the backend just chosen counts the request being sent, which the host
// has not begun yet, as the paper's late-arriving answer would. The
// results go stale as the backends' loads move on, as the paper's do.
//
// The paper's servers estimate their own latency as the median of recent
// queries at their current RIF. lbsim has no server side: the latency in a
// probe is this balancer's estimate, an average of the latencies it was
// told in Done (weight 1/4 per response, as least_response_time; a failure
// counts as at least the estimate), times the probe's RIF plus one, so
// that a deep queue raises it as the paper's server-side estimate would.
// A backend with no estimate yet probes as fast as the fastest in the
// pool, so it is tried while idle. An estimate fades
// without new samples (half-life decayHalfLife, as least_response_time's),
// standing in for the paper's server, which reports its latency as it is
// now: without the fade, a server that was slow once and then recovered
// would keep its slow estimate, lose every choice and never be sampled
// again.
//
// Pool upkeep: a new probe of a backend replaces its older probe; a full
// pool drops its oldest; a probe older than max_age is dropped before each
// choice. A probe used for a request stays, with its RIF incremented for
// the request it sent, as the paper's reuse does; lbsim does not bound
// reuses nor remove the worst probe periodically, as the paper also does,
// since the increment soon makes a reused probe hot. The Q_RIF quantile is
// taken over the RIFs the probes read, so that probes made hot by reuse can
// all be hot at once. The paper's clients also probe at a minimum rate when
// idle; lbsim has no timers, so a pick that finds the pool empty probes
// first and chooses among its own probes, as synchronous power of d
// choices would.
//
// Everything is behind one mutex: the pool is shared by every pick, as in
// the paper's client.
type prequal struct {
	rng     *rng
	probes  int
	poolMax int
	qRIF    float64
	maxAge  time.Duration

	mu   sync.Mutex                      // guards pool and every estimate
	pool []prequalProbe                  // oldest first
	snap *stateSnapshot[prequalEstimate] // under mu, as the pool is
}

// prequalEstimate is a backend's latency estimate, in nanoseconds; under mu.
type prequalEstimate struct {
	lat   float64
	at    time.Duration // Outcome.Now of the latest sample
	known bool
}

// latency is the probe's estimate of a new request's latency on its
// server: the server's estimate times (its requests in flight + 1). The
// paper's servers report the latency they see at their current load; a
// balancer's average of past responses lags behind a queue that is
// growing, and without the factor a server with a deep queue but a low
// average would go on being chosen while idle servers wait.
//
// A probe of a backend with no estimate yet counts as fast as the fastest
// estimate in the pool, fastest, as least_response_time scores a backend
// it has not heard from: it is tried while idle, but not piled on while
// its first requests are out.
func (x *prequalProbe) latency(fastest float64) float64 {
	lat := x.lat
	if !x.known {
		lat = fastest
	}
	return lat * float64(x.rif+1)
}

// prequalProbe is one probe result.
type prequalProbe struct {
	b     *Backend
	rif0  int64         // requests in flight when probed
	rif   int64         // rif0 plus the requests this balancer sent on the probe
	lat   float64       // the latency estimate when probed
	known bool          // whether the backend had an estimate
	at    time.Duration // Request.Now of the probe
}

func (p *prequal) Pick(req *Request) (*Backend, error) {
	var now time.Duration
	if req != nil {
		now = req.Now
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.snap
	if s == nil || len(s.backends) == 0 {
		return nil, ErrNoBackend
	}
	p.age(now)
	probed := len(p.pool) == 0
	if probed {
		p.probe(s, now, nil)
	}
	k := p.choose()
	p.pool[k].rif++
	b := p.pool[k].b
	if !probed {
		p.probe(s, now, b)
	}
	return b, nil
}

// age drops the probes older than maxAge at now.
func (p *prequal) age(now time.Duration) {
	p.pool = deleteProbes(p.pool, func(x *prequalProbe) bool { return now-x.at > p.maxAge })
}

// deleteProbes removes the probes del reports, in place, keeping the order.
func deleteProbes(pool []prequalProbe, del func(*prequalProbe) bool) []prequalProbe {
	n := 0
	for i := range pool {
		if !del(&pool[i]) {
			pool[n] = pool[i]
			n++
		}
	}
	clear(pool[n:]) // let removed backends go
	return pool[:n]
}

// probe reads `probes` distinct random backends into the pool. chosen is
// the backend this pick sends to, whose count does not hold that request
// yet.
func (p *prequal) probe(s *stateSnapshot[prequalEstimate], now time.Duration, chosen *Backend) {
	var drawn [prequalMaxProbes]int
	k := min(p.probes, len(s.backends), prequalMaxProbes)
	sampleDistinct(p.rng, len(s.backends), drawn[:k])
	for _, i := range drawn[:k] {
		b := s.backends[i]
		rif := int64(inFlight(b)) + int64(b2i(b == chosen))
		pr := prequalProbe{b: b, rif0: rif, rif: rif, at: now}
		if e := s.states[i]; e.known {
			pr.lat, pr.known = decayed(e.lat, now-e.at), true
		}
		p.pool = deleteProbes(p.pool, func(x *prequalProbe) bool { return x.b == b })
		if n := len(p.pool); n >= p.poolMax {
			copy(p.pool, p.pool[1:]) // the oldest goes
			p.pool[n-1] = prequalProbe{}
			p.pool = p.pool[:n-1]
		}
		p.pool = append(p.pool, pr)
	}
}

// choose applies the hot-cold lexicographic rule to the pool, which must not
// be empty, and returns the chosen probe's index. Ties are broken uniformly.
func (p *prequal) choose() int {
	theta := p.threshold()
	fastest := math.Inf(1)
	for i := range p.pool {
		if p.pool[i].known {
			fastest = min(fastest, p.pool[i].lat)
		}
	}
	if math.IsInf(fastest, 1) {
		fastest = 0 // no estimate anywhere: in flight alone decides
	}
	tie := tieBreak{rng: p.rng}
	cold, hot := -1, -1
	var coldTies, hotTies uint64
	for i := range p.pool {
		x := &p.pool[i]
		if x.rif > theta {
			switch {
			case hot < 0 || x.rif < p.pool[hot].rif:
				hot, hotTies = i, 1
			case x.rif == p.pool[hot].rif:
				if hotTies++; tie.oneIn(hotTies) {
					hot = i
				}
			}
			continue
		}
		var better, equal bool
		if cold >= 0 {
			c := &p.pool[cold]
			xl, cl := x.latency(fastest), c.latency(fastest)
			better = xl < cl || xl == cl && x.rif < c.rif
			equal = xl == cl && x.rif == c.rif
		}
		switch {
		case cold < 0 || better:
			cold, coldTies = i, 1
		case equal:
			if coldTies++; tie.oneIn(coldTies) {
				cold = i
			}
		}
	}
	if cold >= 0 {
		return cold
	}
	return hot
}

// threshold is the Q_RIF quantile of the RIFs the pool's probes read, by
// nearest rank: the smallest value at least a fraction qRIF of them do not
// exceed.
func (p *prequal) threshold() int64 {
	var rifs [prequalMaxPool]int64
	n := len(p.pool)
	for i := range p.pool {
		// Insertion sort: the pool is small.
		r, j := p.pool[i].rif0, i
		for ; j > 0 && rifs[j-1] > r; j-- {
			rifs[j] = rifs[j-1]
		}
		rifs[j] = r
	}
	k := int(math.Ceil(p.qRIF*float64(n))) - 1
	return rifs[max(0, min(k, n-1))]
}

func (p *prequal) Done(b *Backend, o Outcome) {
	if b == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if e := p.snap.state(b); e != nil {
		if lat, at, ok := blend(e.lat, e.at, e.known, o); ok {
			e.lat, e.at, e.known = lat, at, true
		}
	}
}

func (p *prequal) Update(backends []*Backend) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := newStateSnapshot(backends, p.snap.state)
	p.pool = deleteProbes(p.pool, func(x *prequalProbe) bool { return s.byPtr[x.b] == nil })
	p.snap = s
}
