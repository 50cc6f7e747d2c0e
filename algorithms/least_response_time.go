package algorithms

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register(Info{
		Name:    "least_response_time",
		Summary: "lowest smoothed latency x (in flight + 1); stale estimates decay so slow backends are retried",
		Description: Description{
			How:      "Keeps a smoothed average of each server's response times and sends the next request to the server with the lowest average x (requests in flight + 1). An average that gets no new samples fades, so a server that was slow once is tried again later.",
			UseWhen:  "latency matters and a server may slow down without failing: a dying disk, a noisy neighbour.",
			Drawback: "it learns only from responses that come back, so it notices a slow server after the slow answers, and it needs every server's latency watched all the time.",
		},
		New: func(opts Options) Balancer {
			return &leastResponseTime{rng: newRNG(opts.Seed)}
		},
	})
}

const (
	// ewmaWeight is the weight of a new latency sample in a backend's
	// estimate: est += ewmaWeight * (sample - est). A quarter follows a
	// change within a handful of requests without letting one outlier
	// dominate.
	ewmaWeight = 0.25

	// decayHalfLife is how fast an estimate fades without new samples: it
	// halves every decayHalfLife of host time (the clock of Request.Now and
	// Outcome.Now) since the backend's last sample. A backend that was slow
	// once and then lost every comparison therefore looks ever cheaper until
	// it is tried again, and its fresh sample blends with the faded estimate
	// rather than with the stale verdict. Ten seconds is long against request
	// latencies and short against a run; Finagle's peak EWMA uses the same
	// decay time.
	decayHalfLife = 10 * time.Second
)

// leastResponseTime sends each request to the backend with the lowest score
//
//	score = estimate × (InFlight() + 1)
//
// where the estimate is an exponentially weighted moving average of the
// latencies reported to Done (weight ewmaWeight per sample), decayed towards
// zero with half-life decayHalfLife of virtual time since the backend's last
// sample (see decayHalfLife). This is Finagle's "peak EWMA" cost: latency
// says how fast a backend serves, in-flight requests how much it already has
// to serve. Weights are not used: measured latency already reflects a
// backend's speed.
//
// Every estimate decays at the same rate, so which backend scores lowest at
// Request.Now does not depend on Request.Now: Pick compares the time-free key
// log2(estimate at its sample time) + sample time/decayHalfLife, plus
// log2(InFlight()+1), which orders backends exactly as the decayed scores do.
// Done computes the key once per sample, and Pick needs no exponential per
// backend. A slow-once backend is therefore retried once the others' fresh
// samples have pushed their keys past its own, after about
// decayHalfLife × log2(its estimate / theirs) of virtual time.
//
// A backend with no sample yet (new, or back after a removal) gets tried: if
// it is idle it wins outright; if it already has requests in flight it is
// scored as if it were as fast as the fastest sampled backend, so a new
// backend takes a fair share at once but is not flooded until its first
// response comes back. With no samples anywhere the policy is unweighted
// least connections.
//
// Ties are broken uniformly at random, as in least_connections: among
// sampled backends with equal scores, and among unsampled ones with equal
// in-flight counts. An unsampled candidate wins a tie against a sampled one.
//
// Failures (Outcome.Err != nil) count as a sample of at least the current
// estimate: a backend that fails fast (connection refused, queue full) must
// not look faster for it, and the failure refreshes the sample time, so its
// estimate stops decaying while it keeps failing. A failure with no latency on
// a backend with no estimate carries no information and is ignored.
//
// Estimates are kept per *Backend across Update for backends that stay;
// a removed backend's estimate is dropped (it is unsampled if it comes back),
// and a Done for a backend not in the current snapshot is ignored.
type leastResponseTime struct {
	rng  *rng
	snap atomic.Pointer[lrtSnapshot]
}

type lrtSnapshot struct {
	backends []*Backend
	states   []*lrtState // states[i] belongs to backends[i]
	byPtr    map[*Backend]*lrtState
}

// lrtState is one backend's latency estimate. Pick reads key lock-free; Done
// serialises its read-modify-write on mu.
type lrtState struct {
	mu      sync.Mutex
	sampled atomic.Bool   // set once est, at and key hold a sample
	est     atomic.Uint64 // math.Float64bits of the estimate at time at, in nanoseconds
	at      atomic.Int64  // Outcome.Now of the latest sample
	key     atomic.Uint64 // math.Float64bits of log2(est) + at/decayHalfLife
}

// estimate returns the estimate decayed to now; ok is false without a sample.
func (st *lrtState) estimate(now time.Duration) (est float64, ok bool) {
	if !st.sampled.Load() {
		return 0, false
	}
	return decayed(math.Float64frombits(st.est.Load()), now-time.Duration(st.at.Load())), true
}

// store records est as the estimate at time at.
func (st *lrtState) store(est float64, at time.Duration) {
	st.est.Store(math.Float64bits(est))
	st.at.Store(int64(at))
	st.key.Store(math.Float64bits(math.Log2(est) + float64(at)/float64(decayHalfLife)))
	st.sampled.Store(true) // last: Pick trusts key once it sees this
}

// decayed is est after elapsed without a sample.
func decayed(est float64, elapsed time.Duration) float64 {
	if elapsed <= 0 || est == 0 {
		return est
	}
	return est * math.Exp2(-float64(elapsed)/float64(decayHalfLife))
}

// log2Load[n] is log2(n+1), the in-flight factor of the score in key units.
var log2Load = func() (t [256]float64) {
	for n := range t {
		t[n] = math.Log2(float64(n + 1))
	}
	return t
}()

func loadKey(n uint64) float64 {
	if n < uint64(len(log2Load)) {
		return log2Load[n]
	}
	return math.Log2(float64(n) + 1)
}

func (p *leastResponseTime) Pick(*Request) (*Backend, error) {
	s := p.snap.Load()
	if s == nil || len(s.backends) == 0 {
		return nil, ErrNoBackend
	}
	best, cold := -1, -1
	bestScore, minKey := math.Inf(1), math.Inf(1) // in log2 units
	var coldLoad uint64
	tie := tieBreak{rng: p.rng}
	var bestTies, coldTies uint64 // candidates at best's score, at cold's load
	for i, b := range s.backends {
		load := inFlight(b)
		st := s.states[i]
		if !st.sampled.Load() {
			switch {
			case cold < 0 || load < coldLoad:
				cold, coldLoad, coldTies = i, load, 1
			case load == coldLoad:
				if coldTies++; tie.oneIn(coldTies) {
					cold = i
				}
			}
			continue
		}
		key := math.Float64frombits(st.key.Load())
		switch score := key + loadKey(load); {
		case best < 0 || score < bestScore:
			best, bestScore, bestTies = i, score, 1
		case score == bestScore:
			if bestTies++; tie.oneIn(bestTies) {
				best = i
			}
		}
		minKey = min(minKey, key)
	}
	if cold >= 0 && (best < 0 || coldLoad == 0 || minKey+loadKey(coldLoad) <= bestScore) {
		return s.backends[cold], nil
	}
	return s.backends[best], nil
}

func (p *leastResponseTime) Done(b *Backend, o Outcome) {
	s := p.snap.Load()
	if s == nil || b == nil {
		return
	}
	st := s.byPtr[b]
	if st == nil {
		return
	}
	sample := float64(max(o.Latency, 0))
	st.mu.Lock()
	defer st.mu.Unlock()
	old, ok := st.estimate(o.Now)
	switch {
	case !ok && o.Err != nil && sample == 0:
		return
	case !ok:
		st.store(sample, o.Now)
		return
	case o.Err != nil:
		sample = max(sample, old)
	}
	// An out-of-order outcome (o.Now before the latest sample) blends into
	// the estimate without moving its time back.
	st.store(old+ewmaWeight*(sample-old), max(o.Now, time.Duration(st.at.Load())))
}

func (p *leastResponseTime) Update(backends []*Backend) {
	var prev map[*Backend]*lrtState
	if old := p.snap.Load(); old != nil {
		prev = old.byPtr
	}
	s := &lrtSnapshot{byPtr: make(map[*Backend]*lrtState, len(backends))}
	for _, b := range backends {
		if b == nil {
			continue
		}
		st := s.byPtr[b]
		if st == nil {
			st = prev[b]
		}
		if st == nil {
			st = &lrtState{}
		}
		s.byPtr[b] = st
		s.backends = append(s.backends, b)
		s.states = append(s.states, st)
	}
	p.snap.Store(s)
}
