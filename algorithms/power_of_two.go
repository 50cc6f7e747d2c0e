package algorithms

import "sync/atomic"

func init() {
	register(Info{
		Name:    "power_of_two",
		Summary: "two random backends; the one with fewer in flight per unit of weight wins",
		Description: Description{
			How:      "Picks two servers at random and sends the request to the one with fewer requests in flight, per unit of weight. Two looks do almost as well as looking at every server, at a fixed cost per request.",
			UseWhen:  "pools are large or many balancers share them, where looking at every server costs too much or the counts are stale.",
			Drawback: "it is still a draw: on a small pool it trails least_connections a little, and it needs in-flight counts too.",
		},
		New: func(opts Options) Balancer {
			return &powerOfTwo{rng: newRNG(opts.Seed)}
		},
	})
}

// powerOfTwo is "the power of two choices": it draws two distinct backends
// uniformly at random from the snapshot and sends the request to the one with
// fewer requests in flight per unit of weight (InFlight()/Weight, compared as
// integers). A tie goes to the first draw. With one backend it returns that
// backend without drawing. The draws ignore weights; weights only scale the
// load comparison.
//
// Two random choices avoid both the herd behaviour of a global least-loaded
// pick under stale load information and the imbalance of a single random
// choice, at O(1) cost per pick.
type powerOfTwo struct {
	rng  *rng
	snap atomic.Pointer[[]member]
}

func (p *powerOfTwo) Pick(*Request) (*Backend, error) {
	s := p.snap.Load()
	if s == nil || len(*s) == 0 {
		return nil, ErrNoBackend
	}
	ms := *s
	n := len(ms)
	if n == 1 {
		return ms[0].b, nil
	}
	i := p.rng.IntN(n)
	j := p.rng.IntN(n - 1)
	if j >= i {
		j++ // uniform over the n-1 backends other than i
	}
	a, b := ms[i], ms[j]
	if lighter(inFlight(b.b), b.w, inFlight(a.b), a.w) {
		return b.b, nil
	}
	return a.b, nil
}

func (p *powerOfTwo) Done(*Backend, Outcome) {}

func (p *powerOfTwo) Update(backends []*Backend) {
	ms := members(backends)
	p.snap.Store(&ms)
}
