package algorithms

import (
	"sync"
	"sync/atomic"
)

func init() {
	register(Info{
		Name:    "weighted_round_robin",
		Summary: "nginx's smooth weighted round robin: shares follow weights, interleaved",
		Description: Description{
			How:      "Round robin with a weight per server: a server of weight 5 gets five turns for every two of a server of weight 2. lbsim follows nginx's smooth variant, which spreads the heavy server's turns out (a b a c a ...) instead of giving them in a burst.",
			UseWhen:  "servers differ in power and you know by how much, such as one new machine among older ones.",
			Drawback: "the weights are yours to set and keep right; they never follow the load, so a server that slows down keeps its full share.",
		},
		New: func(Options) Balancer { return &weightedRoundRobin{} },
	})
}

// weightedRoundRobin is nginx's smooth weighted round robin. On every pick
// each backend's current weight grows by its weight, the backend with the
// largest current weight wins (the first one on a tie) and loses the total
// weight. Over any cycle of total-weight picks each backend gets exactly its
// weight, and heavy backends are interleaved with light ones: 5:1:1 gives
// a,a,b,a,c,a,a rather than a burst of five a's.
//
// The current weights are shared mutable state, so picks serialise on a
// mutex. Update keeps the current weight of every backend that stays (matched
// by *Backend pointer) and starts new backends at zero, so a health flap of
// one backend does not restart everyone's schedule (a restart would send the
// next picks to the heaviest backends in a burst). After a removal the
// current weights no longer sum to zero; the schedule stays bounded and its
// long-run shares still follow the weights.
type weightedRoundRobin struct {
	mu   sync.Mutex // guards the cur slices of every snapshot
	snap atomic.Pointer[wrrSnapshot]
}

type wrrSnapshot struct {
	members []member
	total   int64
	cur     []int64 // current weights; read and written under mu only
}

func (p *weightedRoundRobin) Pick(*Request) (*Backend, error) {
	p.mu.Lock()
	s := p.snap.Load() // under mu, so no pick is lost to a concurrent Update
	if s == nil || len(s.members) == 0 {
		p.mu.Unlock()
		return nil, ErrNoBackend
	}
	best := 0
	for i := range s.cur {
		s.cur[i] += int64(s.members[i].w)
		if s.cur[i] > s.cur[best] {
			best = i
		}
	}
	s.cur[best] -= s.total
	b := s.members[best].b
	p.mu.Unlock()
	return b, nil
}

func (p *weightedRoundRobin) Done(*Backend, Outcome) {}

func (p *weightedRoundRobin) Update(backends []*Backend) {
	s := &wrrSnapshot{members: members(backends)}
	s.cur = make([]int64, len(s.members))
	for _, m := range s.members {
		s.total += int64(m.w)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if old := p.snap.Load(); old != nil && len(old.members) > 0 {
		prev := make(map[*Backend]int64, len(old.members))
		for i, m := range old.members {
			prev[m.b] = old.cur[i]
		}
		for i, m := range s.members {
			s.cur[i] = prev[m.b]
		}
	}
	p.snap.Store(s)
}
