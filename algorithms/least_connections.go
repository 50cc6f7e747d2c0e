package algorithms

import "sync/atomic"

func init() {
	register(Info{
		Name:    "least_connections",
		Summary: "fewest requests in flight per unit of weight; ties broken at random",
		Description: Description{
			How:      "Counts the requests each server has in flight (being served or waiting) and sends the next one to the server with the fewest, per unit of weight. When several tie, it picks one of them at random, so idle servers share the work and none is favoured.",
			UseWhen:  "request durations vary widely: reports, uploads or video jobs next to quick calls.",
			Drawback: "it needs a live count for every server, and a server that fails fast empties its count and looks like the least busy of all.",
		},
		New: func(opts Options) Balancer {
			return &leastConnections{rng: newRNG(opts.Seed)}
		},
	})
}

// leastConnections picks the backend with the fewest requests in flight per
// unit of weight, InFlight()/Weight, compared exactly by cross-multiplying
// integers.
//
// Ties are broken uniformly at random (tieBreak): at low load, when every
// backend is idle, each is equally likely to get the next request, instead of
// the first backend taking every request while the others sit idle; and with
// a busy, b and c idle, b and c get half each whatever their order. (A scan
// from a rotating offset keeping the first minimum, the earlier rule, gave b
// two thirds: the scans from a and from b both met b first.)
type leastConnections struct {
	rng  *rng
	snap atomic.Pointer[[]member]
}

func (p *leastConnections) Pick(*Request) (*Backend, error) {
	s := p.snap.Load()
	if s == nil || len(*s) == 0 {
		return nil, ErrNoBackend
	}
	ms := *s
	best := ms[0]
	bestLoad := inFlight(best.b)
	tie, ties := tieBreak{rng: p.rng}, uint64(1) // ties: backends at best's load so far
	for _, m := range ms[1:] {
		l := inFlight(m.b)
		switch compareLoad(l, m.w, bestLoad, best.w) {
		case -1:
			best, bestLoad, ties = m, l, 1
		case 0:
			if ties++; tie.oneIn(ties) {
				best, bestLoad = m, l
			}
		}
	}
	return best.b, nil
}

func (p *leastConnections) Done(*Backend, Outcome) {}

func (p *leastConnections) Update(backends []*Backend) {
	ms := members(backends)
	p.snap.Store(&ms)
}
