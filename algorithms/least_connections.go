package algorithms

import "sync/atomic"

func init() {
	register(Info{
		Name:    "least_connections",
		Summary: "fewest requests in flight per unit of weight; ties rotate",
		Description: Description{
			How:      "Counts the requests each server has in flight (being served or waiting) and sends the next one to the server with the fewest, per unit of weight. When several tie, the choice rotates, so idle servers share the work.",
			UseWhen:  "request durations vary widely: reports, uploads or video jobs next to quick calls.",
			Drawback: "it needs a live count for every server, and a server that fails fast empties its count and looks like the least busy of all.",
		},
		New: func(Options) Balancer { return &leastConnections{} },
	})
}

// leastConnections picks the backend with the fewest requests in flight per
// unit of weight, InFlight()/Weight, compared exactly by cross-multiplying
// integers.
//
// Ties rotate: each pick starts its scan at an offset taken from an atomic
// counter (pick k starts at backend k mod n) and keeps the first strict
// minimum it meets. At low load, when every backend is idle, the picks then
// go a, b, c, a, ... like round robin, instead of the first backend taking
// every request while the others sit idle.
type leastConnections struct {
	snap atomic.Pointer[[]member]
	next atomic.Uint64
}

func (p *leastConnections) Pick(*Request) (*Backend, error) {
	s := p.snap.Load()
	if s == nil || len(*s) == 0 {
		return nil, ErrNoBackend
	}
	ms := *s
	n := len(ms)
	i := rotation(p.next.Add(1)-1, n)
	best := ms[i]
	bestLoad := inFlight(best.b)
	for k := 1; k < n; k++ {
		if i++; i == n {
			i = 0
		}
		m := ms[i]
		if l := inFlight(m.b); lighter(l, m.w, bestLoad, best.w) {
			best, bestLoad = m, l
		}
	}
	return best.b, nil
}

func (p *leastConnections) Done(*Backend, Outcome) {}

func (p *leastConnections) Update(backends []*Backend) {
	ms := members(backends)
	p.snap.Store(&ms)
}
