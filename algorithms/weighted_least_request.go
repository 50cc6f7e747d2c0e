package algorithms

import (
	"math"
	"sync"
	"sync/atomic"
)

func init() {
	register(Info{
		Name:    "weighted_least_request",
		Summary: "Envoy's LEAST_REQUEST: fewest in flight of 2 random when weights are equal, else a weighted schedule scaled down by load",
		Description: Description{
			How:      "When every server has the same weight, it draws two servers at random and sends the request to the one with fewer requests in flight. When weights differ, it runs a weighted round robin in which a server's weight is divided by (its requests in flight + 1), so a busy server comes up less often. This is what Envoy's LEAST_REQUEST does.",
			UseWhen:  "you want Envoy's behaviour, or servers differ in power and you want weights to count while busy servers still get less.",
			Drawback: "with unequal weights a server's load is read only when its turn comes: one that was busy then waits a long turn even if it empties at once, and one that turns busy keeps its turn.",
		},
		Params: []Param{
			{Name: "choices", Doc: "how many random servers compete when weights are equal (Envoy's choice_count)", Default: 2, Min: 2, Max: wlrMaxChoices, Integer: true},
			{Name: "bias", Doc: "how strongly requests in flight lower a weight: weight / (in flight + 1)^bias; 0 ignores them", Default: 1, Min: 0, Max: 16},
		},
		New: func(opts Options) Balancer {
			p := &weightedLeastRequest{rng: newRNG(opts.Seed), choices: 2, bias: 1}
			if opts.Params != nil {
				p.choices, p.bias = opts.Params.Int("choices"), opts.Params.Float("bias")
			}
			return p
		},
	})
}

// wlrMaxChoices bounds the choices parameter so a pick's draws fit on its stack.
const wlrMaxChoices = 16

// weightedLeastRequest is Envoy's LEAST_REQUEST load balancer
// (source/extensions/load_balancing_policies/least_request): two policies
// in one, chosen by the weights of the last Update.
//
// When all weights are equal it draws `choices` backends at random and takes
// the one with the fewest requests in flight, O(choices) per pick. Envoy
// draws with replacement, so with two backends it compares a backend with
// itself half the time and takes the busier one a quarter of the time;
// lbsim draws distinct backends, as power_of_two does, and breaks ties
// uniformly. With choices at least the pool size that is a full scan.
//
// When weights differ it runs Envoy's earliest-deadline-first schedule: each
// backend has a deadline in a heap; a pick takes the earliest (the one
// inserted first on a tie), moves the schedule's clock to it and puts the
// backend back at clock + 1/w, where
//
//	w = weight / (InFlight() + 1)^bias
//
// is computed at that moment, O(log N). With bias 0 that is weighted round
// robin; with bias > 0 a busy backend's next turn comes later.
//
// The schedule is stale by design, as in Envoy: a backend's load is read only
// when it is picked, before the host counts the request just picked. A
// backend that was busy when picked waits out its long interval even if it
// empties at once, and one that becomes busy after its pick keeps its place;
// no backend ever drains fully, since its deadline is finite.
//
// Update keeps the place in the schedule of every backend that stays (its
// deadline relative to the clock) and gives a new backend a deadline at a
// random point of its first interval, seeded, so that balancers started
// together do not all begin with the same backend (Envoy starts a new
// schedule at a random point for the same reason).
type weightedLeastRequest struct {
	rng     *rng
	choices int
	bias    float64
	mu      sync.Mutex // guards the heap of every snapshot
	snap    atomic.Pointer[wlrSnapshot]
}

type wlrSnapshot struct {
	members []member
	equal   bool // all weights equal: pick from `choices` random backends
	edf     edf  // otherwise; under mu
}

func (p *weightedLeastRequest) Pick(*Request) (*Backend, error) {
	s := p.snap.Load()
	if s == nil || len(s.members) == 0 {
		return nil, ErrNoBackend
	}
	if len(s.members) == 1 {
		return s.members[0].b, nil
	}
	if s.equal {
		return p.pickFewest(s.members), nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s = p.snap.Load() // under mu, so the schedule is the current one
	if s.equal || len(s.members) == 0 {
		// An Update between the two loads changed the mode.
		if len(s.members) == 0 {
			return nil, ErrNoBackend
		}
		return p.pickFewest(s.members), nil
	}
	i := s.edf.next(func(i int) float64 { return p.weight(s.members[i]) })
	return s.members[i].b, nil
}

// pickFewest takes the backend with the fewest requests in flight among
// `choices` distinct random ones, ties broken at random.
func (p *weightedLeastRequest) pickFewest(ms []member) *Backend {
	k := min(p.choices, len(ms), wlrMaxChoices)
	var drawn [wlrMaxChoices]int
	sampleDistinct(p.rng, len(ms), drawn[:k])
	tie := tieBreak{rng: p.rng}
	best, bestLoad, ties := drawn[0], inFlight(ms[drawn[0]].b), uint64(1)
	for _, i := range drawn[1:k] {
		switch l := inFlight(ms[i].b); {
		case l < bestLoad:
			best, bestLoad, ties = i, l, 1
		case l == bestLoad:
			if ties++; tie.oneIn(ties) {
				best = i
			}
		}
	}
	return ms[best].b
}

// weight is m's weight scaled down by its load, Envoy's hostWeight.
func (p *weightedLeastRequest) weight(m member) float64 {
	w := float64(m.w)
	switch p.bias {
	case 0:
		return w
	case 1:
		return w / float64(inFlight(m.b)+1)
	}
	return w / math.Pow(float64(inFlight(m.b)+1), p.bias)
}

func (p *weightedLeastRequest) Done(*Backend, Outcome) {}

func (p *weightedLeastRequest) Update(backends []*Backend) {
	s := &wlrSnapshot{members: members(backends), equal: true}
	for _, m := range s.members {
		s.equal = s.equal && m.w == s.members[0].w
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !s.equal {
		var prev map[*Backend]float64 // deadline - clock, for backends that stay
		if old := p.snap.Load(); old != nil && !old.equal {
			prev = old.edf.remaining(func(i int) *Backend { return old.members[i].b })
		}
		s.edf.init(len(s.members), func(i int) float64 {
			if d, ok := prev[s.members[i].b]; ok {
				return d
			}
			// A random point of the first interval: (0, 1/w].
			u := float64(p.rng.Uint64()>>11+1) / (1 << 53)
			return u / p.weight(s.members[i])
		})
	}
	p.snap.Store(s)
}
