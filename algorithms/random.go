package algorithms

import "sync/atomic"

func init() {
	register(Info{
		Name:    "random",
		Summary: "weight-proportional random choice, ignoring load",
		Description: Description{
			How:      "Picks a server at random, in proportion to the weights, and looks at nothing else.",
			UseWhen:  "the servers are alike, the requests independent, and the balancers should share no state at all.",
			Drawback: "no intelligence at all: it ignores load, and chance alone keeps some servers busier than others for a while.",
		},
		New: func(opts Options) Balancer {
			return &random{rng: newRNG(opts.Seed)}
		},
	})
}

// random picks a backend at random with probability Weight/total weight,
// independently of load. Update builds the cumulative weights; Pick draws
// one number and binary-searches them (O(log n)), or indexes directly when
// all weights are equal.
type random struct {
	rng  *rng
	snap atomic.Pointer[randomSnapshot]
}

type randomSnapshot struct {
	backends []*Backend
	cum      []uint64 // cum[i] = w[0] + ... + w[i]
	total    uint64
	uniform  bool // all weights equal: skip the search
}

func (p *random) Pick(*Request) (*Backend, error) {
	s := p.snap.Load()
	if s == nil || len(s.backends) == 0 {
		return nil, ErrNoBackend
	}
	if s.uniform {
		return s.backends[p.rng.IntN(len(s.backends))], nil
	}
	x := scale(p.rng.Uint64(), s.total)
	// The first i with cum[i] > x: backend i owns [cum[i-1], cum[i]).
	lo, hi := 0, len(s.cum)-1
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if s.cum[mid] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return s.backends[lo], nil
}

func (p *random) Done(*Backend, Outcome) {}

func (p *random) Update(backends []*Backend) {
	ms := members(backends)
	s := &randomSnapshot{
		backends: make([]*Backend, len(ms)),
		cum:      make([]uint64, len(ms)),
		uniform:  true,
	}
	for i, m := range ms {
		s.backends[i] = m.b
		s.total += m.w
		s.cum[i] = s.total
		if m.w != ms[0].w {
			s.uniform = false
		}
	}
	p.snap.Store(s)
}
