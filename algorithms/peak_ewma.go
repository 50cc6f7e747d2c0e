package algorithms

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register(Info{
		Name:    "peak_ewma",
		Summary: "two random backends; the lower peak-sensitive latency x (in flight + 1) wins (Finagle, Linkerd)",
		Description: Description{
			How:      "Keeps a latency cost for each server that jumps at once to any response slower than it and otherwise drifts toward the recent responses, fading toward zero while no responses come. It draws two servers at random and sends the request to the one whose cost x (requests in flight + 1) is lower. A server never heard from is tried while it is idle and avoided while its first requests are still out.",
			UseWhen:  "latency matters and servers slow down now and then: it reacts to the first slow answer, and it costs the same per request however large the pool.",
			Drawback: "one slow answer makes a server look slow for a while (around the decay time), so a single outlier costs it traffic; and it learns only from responses that come back.",
		},
		Params: []Param{{
			Name:     "decay",
			Doc:      "how long a cost takes to fade to 1/e of itself without new responses, and how much of it a new response replaces",
			Duration: true,
			Default:  10,
			Min:      0.001,
		}},
		New: func(opts Options) Balancer {
			tau := opts.Params.Duration("decay")
			if tau <= 0 {
				tau = 10 * time.Second // a Balancer built without New
			}
			return &peakEWMA{rng: newRNG(opts.Seed), tau: float64(tau)}
		},
	})
}

// peakPenalty is the cost of a backend with requests in flight and no
// latency sample yet, before adding its in-flight count: Finagle's
// Long.MaxValue >> 16 nanoseconds, about 39 hours, so it loses to every
// sampled backend until its first response comes back.
const peakPenalty = float64(math.MaxInt64 >> 16)

// peakEWMA is the peak-sensitive EWMA of Finagle's PeakEwma balancer and
// Linkerd's proxy (tower's PeakEwma): each backend has a latency cost, and a
// pick draws two distinct backends at random and takes the one with the lower
//
//	cost × (InFlight() + 1)
//
// (the first draw on a tie), O(1) per pick at any pool size.
//
// The cost of a backend with its last sample c at time s is, at time now,
// c × exp(-(now-s)/τ): it fades toward zero without samples, as Finagle's
// get() does by observing a latency of 0, so a backend that was slow once is
// tried again after about τ × ln(its cost / the others') of virtual time
// instead of starving. A latency sample x at time t replaces the faded cost
// d at once when x > d (the peak) and otherwise moves it toward x:
//
//	cost = d×w + x×(1-w),  w = exp(-(t-s)/τ)
//
// so a sample soon after the last one moves the cost little and one after a
// long silence replaces most of it. Finagle writes the fade back on every
// get(), so there the weight counts from the last time any pick looked at
// the backend and depends on how often picks happen; lbsim's Pick writes
// nothing and the weight counts from the last sample, which makes a run
// independent of how many picks merely looked, and Pick lock-free. Blending
// from the faded cost means a sample below the cost never raises it.
//
// A backend with no sample yet is treated as Finagle treats a zero cost:
// idle, it scores 0 and wins, so a new backend is tried at once; with
// requests in flight it scores peakPenalty + InFlight(), so it is not flooded
// before its first response. (Linkerd instead starts every backend at a
// default latency.) lbsim marks "no sample yet" with a flag rather than
// testing the cost for zero, so a simulated zero-latency response counts.
//
// Failures count as a sample of at least the current cost, as in
// least_response_time: a backend that fails fast must not look faster, and
// while it keeps failing its cost stops fading. A failure without latency
// on a backend with no sample carries nothing and is ignored.
//
// Costs are kept per *Backend across Update for backends that stay.
type peakEWMA struct {
	rng  *rng
	tau  float64 // τ, in nanoseconds
	snap atomic.Pointer[stateSnapshot[peakState]]
}

// peakState is one backend's cost. Done updates it under mu; Pick reads the
// published copy in lnCost and at without locking. A pick racing a Done may
// read a new lnCost with an old at for a moment; it misjudges one pick by
// the fade over one sample interval at worst.
type peakState struct {
	mu      sync.Mutex
	cost    float64       // cost at time at, in nanoseconds; under mu
	sampled atomic.Bool   // set once lnCost and at hold a sample
	lnCost  atomic.Uint64 // math.Float64bits of ln(cost) + at/τ
	at      atomic.Int64  // the last sample's time, so Pick never fades backwards
}

// costAt is the backend's cost faded to now; ok is false without a sample.
func (st *peakState) costAt(now time.Duration, tau float64) (cost float64, ok bool) {
	if !st.sampled.Load() {
		return 0, false
	}
	now = max(now, time.Duration(st.at.Load()))
	return math.Exp(math.Float64frombits(st.lnCost.Load()) - float64(now)/tau), true
}

// set records cost c at time at and publishes it; the caller holds mu.
func (st *peakState) set(c float64, at time.Duration, tau float64) {
	st.cost = c
	// Storing ln(c) + at/τ lets Pick fade the cost with one exponential,
	// exp(that - now/τ); ln(0) is -Inf, which stays 0 as it should.
	st.lnCost.Store(math.Float64bits(math.Log(c) + float64(at)/tau))
	st.at.Store(int64(at))
	st.sampled.Store(true) // last: Pick trusts lnCost once it sees this
}

// score is what Pick compares: cost × (in flight + 1), or Finagle's rule for
// a backend without a sample.
func (p *peakEWMA) score(b *Backend, st *peakState, now time.Duration) float64 {
	load := float64(inFlight(b))
	cost, ok := st.costAt(now, p.tau)
	switch {
	case ok:
		return cost * (load + 1)
	case load == 0:
		return 0
	default:
		return peakPenalty + load
	}
}

func (p *peakEWMA) Pick(req *Request) (*Backend, error) {
	s := p.snap.Load()
	if s == nil || len(s.backends) == 0 {
		return nil, ErrNoBackend
	}
	n := len(s.backends)
	if n == 1 {
		return s.backends[0], nil
	}
	var now time.Duration
	if req != nil {
		now = req.Now
	}
	i := p.rng.IntN(n)
	j := p.rng.IntN(n - 1)
	if j >= i {
		j++ // uniform over the n-1 backends other than i
	}
	if p.score(s.backends[j], s.states[j], now) < p.score(s.backends[i], s.states[i], now) {
		return s.backends[j], nil
	}
	return s.backends[i], nil
}

func (p *peakEWMA) Done(b *Backend, o Outcome) {
	s := p.snap.Load()
	if s == nil || b == nil {
		return
	}
	st := s.byPtr[b]
	if st == nil {
		return
	}
	x := float64(max(o.Latency, 0))
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.sampled.Load() {
		if o.Err == nil || x > 0 {
			st.set(x, o.Now, p.tau)
		}
		return
	}
	// An out-of-order outcome (o.Now before the last sample) has weight 1
	// for the cost as it stands: it can raise the cost as a peak, not lower
	// it, and it does not move the sample time back.
	last := time.Duration(st.at.Load())
	w := math.Exp(-float64(max(o.Now-last, 0)) / p.tau)
	d := st.cost * w
	if o.Err != nil {
		x = max(x, d)
	}
	c := x
	if x <= d {
		c = d*w + x*(1-w)
	}
	st.set(c, max(o.Now, last), p.tau)
}

func (p *peakEWMA) Update(backends []*Backend) {
	p.snap.Store(newStateSnapshot(backends, p.snap.Load().state))
}
