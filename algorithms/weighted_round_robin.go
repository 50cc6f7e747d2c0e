package algorithms

import (
	"math/bits"
	"sync"
)

func init() {
	register(Info{
		Name:    "weighted_round_robin",
		Summary: "earliest-deadline-first weighted round robin, as HAProxy's and Envoy's: shares follow weights, interleaved",
		Description: Description{
			How:      "Round robin with a weight per server: a server of weight 5 gets five turns for every two of a server of weight 2. Each server's turns are due at even intervals, one over its weight apart, and the next request goes to the server whose turn is due first, so the heavy server's turns are spread out (a a b a c a a for 5:1:1) instead of given in a burst. HAProxy's roundrobin and Envoy's ROUND_ROBIN schedule this way.",
			UseWhen:  "servers differ in power and you know by how much, such as one new machine among older ones.",
			Drawback: "the weights are yours to set and keep right; they never follow the load, so a server that slows down keeps its full share.",
		},
		New: func(Options) Balancer { return &weightedRoundRobin{} },
	})
}

// weightedRoundRobin is an earliest-deadline-first schedule, the kind
// HAProxy's roundrobin and Envoy's weighted ROUND_ROBIN keep: a backend of
// weight w has a turn due every 1/w of schedule time, and each pick goes to
// the backend whose turn is due first and moves its next turn 1/w later. A
// heap keeps the backends by deadline, so a pick costs O(log N); nginx's
// smooth weighted round robin, which lbsim followed before, adds every
// backend's weight at every pick, O(N), which a pool of 10,000 cannot afford.
//
// Deadlines are exact rationals, next/(wrrStep·w) for an integer next,
// compared by cross-multiplying, so there is no drift however long the
// run. A fresh schedule starts each backend part of a step in: its turns
// fall at (k+φ)/w for a phase φ in (0, 1), so exactly w of them fall
// within every unit of schedule time, and over each cycle of total-weight
// picks every backend gets exactly its weight. Backends of one weight
// share the step between them, the r-th of m starting at φ = (r+1)/(m+1),
// rather than all at the same phase, where they would come in a group:
// 5:1:1 gives a a b a c a a, as nginx's smooth weighted round robin does,
// and 5:2:2 gives a b a c a b a c a. Ties go to the backend listed first
// in the latest Update, so the schedule is the same every run.
//
// Update keeps the deadline of every backend that stays (matched by
// *Backend pointer), so a health flap of one backend does not restart
// everyone's schedule. A new backend, or one coming back, is due half a step
// after the latest pick at most: it joins the rotation at its own pace
// instead of taking a burst of turns to catch up with the schedule's time.
type weightedRoundRobin struct {
	mu sync.Mutex // guards everything below; picks change the schedule
	// heap holds the backends, the earliest deadline at the root.
	heap []*wrrEntry
	// now is the deadline of the latest pick, nowNum/nowDen, from which a
	// new backend's first turn is counted.
	nowNum, nowDen uint64
}

// wrrEntry is one backend's place in the schedule.
type wrrEntry struct {
	b *Backend
	w uint64
	// next is the deadline of its next turn, next/(wrrStep·w).
	next uint64
	// rank is its place in Update's list, which breaks ties.
	rank int
}

// before reports whether a's turn comes before b's.
func (a *wrrEntry) before(b *wrrEntry) bool {
	ah, al := bits.Mul64(a.next, b.w)
	bh, bl := bits.Mul64(b.next, a.w)
	if ah != bh || al != bl {
		return ah < bh || ah == bh && al < bl
	}
	return a.rank < b.rank
}

func (p *weightedRoundRobin) Pick(*Request) (*Backend, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.heap) == 0 {
		return nil, ErrNoBackend
	}
	e := p.heap[0]
	p.nowNum, p.nowDen = e.next, wrrStep*e.w
	e.next += wrrStep // one step, 1/w, later
	p.down(0)
	return e.b, nil
}

func (p *weightedRoundRobin) Done(*Backend, Outcome) {}

func (p *weightedRoundRobin) Update(backends []*Backend) {
	ms := members(backends)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.nowDen == 0 {
		p.nowDen = 1 // a fresh schedule's time is 0
	}
	prev := make(map[*Backend]*wrrEntry, len(p.heap))
	for _, e := range p.heap {
		prev[e.b] = e
	}
	fresh := len(p.heap) == 0 && p.nowNum == 0
	var phases map[uint64][2]uint64 // per weight: backends placed, backends in all
	if fresh {
		phases = map[uint64][2]uint64{}
		for _, m := range ms {
			ph := phases[m.w]
			phases[m.w] = [2]uint64{0, ph[1] + 1}
		}
	}
	heap := make([]*wrrEntry, 0, len(ms))
	for i, m := range ms {
		e := prev[m.b]
		switch {
		case e == nil && fresh:
			ph := phases[m.w]
			ph[0]++
			phases[m.w] = ph
			e = &wrrEntry{b: m.b, w: m.w, next: wrrStep * ph[0] / (ph[1] + 1)}
		case e == nil:
			// New, or listed twice: a backend listed twice has two
			// places, as two servers would.
			e = &wrrEntry{b: m.b, w: m.w, next: p.joining(m.w)}
		case e.w != m.w:
			// Its weight changed: the same deadline counted in steps of the
			// new weight, rounded up to the next whole half step.
			e.next, e.w = ceilDiv(e.next, m.w, e.w), m.w
		}
		delete(prev, m.b)
		e.rank = i
		heap = append(heap, e)
	}
	p.heap = heap
	for i := len(heap)/2 - 1; i >= 0; i-- {
		p.down(i)
	}
}

// wrrStep is one step of a backend's schedule in units of its deadlines:
// a turn every wrrStep/(wrrStep·w) = 1/w. A power of two, so that phases
// of a step split it finely and half steps are whole.
const wrrStep = 1 << 20

// joining is the numerator of a joining backend's first deadline: the
// first half step of weight w strictly after the latest pick, so it waits
// at most half a step.
func (p *weightedRoundRobin) joining(w uint64) uint64 {
	hi, lo := bits.Mul64(2*w, p.nowNum)
	if hi >= p.nowDen {
		return ^uint64(0) // beyond any schedule a run reaches
	}
	q, _ := bits.Div64(hi, lo, p.nowDen)
	if q+1 > ^uint64(0)/(wrrStep/2) {
		return ^uint64(0)
	}
	return (q + 1) * (wrrStep / 2)
}

// ceilDiv is ⌈x·y/z⌉; z must be positive.
func ceilDiv(x, y, z uint64) uint64 {
	hi, lo := bits.Mul64(x, y)
	if hi >= z {
		return ^uint64(0)
	}
	q, r := bits.Div64(hi, lo, z)
	if r > 0 {
		q++
	}
	return q
}

// down restores the heap order below i after i's deadline grew.
func (p *weightedRoundRobin) down(i int) {
	h := p.heap
	for {
		first := i
		if l := 2*i + 1; l < len(h) && h[l].before(h[first]) {
			first = l
		}
		if r := 2*i + 2; r < len(h) && h[r].before(h[first]) {
			first = r
		}
		if first == i {
			return
		}
		h[i], h[first] = h[first], h[i]
		i = first
	}
}
