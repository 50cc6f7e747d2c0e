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
// Ties are broken uniformly at random: at low load, when every
// backend is idle, each is equally likely to get the next request, instead of
// the first backend taking every request while the others sit idle; and with
// a busy, b and c idle, b and c get half each whatever their order. (A scan
// from a rotating offset keeping the first minimum, the earlier rule, gave b
// two thirds: the scans from a and from b both met b first.)
type leastConnections struct {
	rng  *rng
	snap atomic.Pointer[[]member]
}

// maxTies is how many tied backends a pick remembers by index: enough for
// every backend of most pools at once, 512 bytes of stack. A power of two.
const maxTies = 128

func (p *leastConnections) Pick(*Request) (*Backend, error) {
	s := p.snap.Load()
	if s == nil || len(*s) == 0 {
		return nil, ErrNoBackend
	}
	ms := *s
	best, bestLoad := ms[0], inFlight(ms[0].b)
	// One scan finds the lightest load and remembers the backends at it;
	// one draw then picks among them. The scan has no branch on ties,
	// which fall at random: every index is written, and kept by counting
	// it when it ties.
	var tied [maxTies]int32
	ties := 1
	for i := 1; i < len(ms); i++ {
		m := ms[i]
		l := inFlight(m.b)
		lighter, equal := orderLoad(l, m.w, bestLoad, best.w)
		if lighter {
			best, bestLoad, ties = m, l, 0
		}
		tied[ties&(maxTies-1)] = int32(i)
		ties += b2i(lighter || equal)
	}
	if ties == 1 {
		return best.b, nil
	}
	k := p.rng.IntN(ties)
	if ties <= maxTies {
		return ms[tied[k]].b, nil
	}
	// More ties than remembered: count them again to the k-th. In the
	// proxy loads may have moved since; if the k-th is gone, the lightest
	// found serves.
	for _, m := range ms {
		if _, equal := orderLoad(inFlight(m.b), m.w, bestLoad, best.w); equal {
			if k == 0 {
				return m.b, nil
			}
			k--
		}
	}
	return best.b, nil
}

func (p *leastConnections) Done(*Backend, Outcome) {}

func (p *leastConnections) Update(backends []*Backend) {
	ms := members(backends)
	p.snap.Store(&ms)
}
