package algorithms

import (
	"sync"
	"sync/atomic"
)

func init() {
	register(Info{
		Name:    "bounded_load",
		Summary: "consistent_hash, but a server already at c times its fair share of the requests in flight passes the request on along the ring",
		Description: Description{
			How:      "Works like consistent_hash, with one limit: no server may hold more than c times its fair share of the requests in flight (the average, for equal weights), rounded up. A request whose server is at that limit goes on around the circle to the next server below it. Keys therefore stay on their server while it keeps up, and a hot key spills over to the same few neighbours each time.",
			UseWhen:  "requests carry keys worth keeping together for caching, but some keys are far more popular than others, or a server slows down, and no server may be buried under its keys.",
			Drawback: "a spilled key is served where its data is not cached yet, so a low c trades hit rate for balance; and it needs a live count of every server's requests in flight.",
		},
		Params: []Param{{
			Name:    "c",
			Doc:     "how many times its fair share of the requests in flight a server may hold before its keys spill to the next server on the ring",
			Default: 1.25,
			Min:     1,
		}},
		New: func(opts Options) Balancer { return newBoundedLoad(opts.Params.Float("c")) },
	})
}

// boundedLoad is consistent hashing with bounded loads (Mirrokni, Thorup and
// Zadimoghaddam, "Consistent Hashing with Bounded Loads", SODA 2018), as
// Vimeo put it into HAProxy's `hash-balance-factor`, on consistent_hash's
// ring. With T requests in flight over the pool, a backend of weight w in a
// pool of total weight W may take a request while
//
//	InFlight() < ceil(c × (T+1) × w / W)
//
// which for equal weights is the paper's ceil(c × (T+1) / N): the +1 is the
// request being placed. A backend at its cap passes the request on along
// the ring to the next distinct backend, and so on. The caps add up to at
// least c(T+1) > T, so some backend is always below its cap: right after
// each placement the backend that took it holds at most ceil(c × average),
// the paper's bound. (Departures can leave a backend above the bound for
// the new, lower average until its requests end; a proxy cannot move a
// request in flight.)
//
// T is kept current without a scan: the balancer watches every backend of
// its set (Backend.watch), and each change of a backend's count adds the
// difference from the count last recorded for it. A backend that leaves
// the set takes its recorded count out of T.
//
// The walk is bounded by maxWalk ring points. If it finds no backend below
// its cap in that many, which consistent counts rule out when the ring has
// at most maxWalk points and make very unlikely otherwise for c well above
// 1, it takes the least loaded backend it saw (per unit of weight; the
// first seen on a tie). Counts can disagree in the proxy, where they change
// while a pick reads them, and in the simulator's stale views.
//
// Pick is the ring's binary search plus the walk: O(log(160·N)) and a few
// steps on average (at c = 1.25 the backends at their caps own about
// 1/c = 80% of the ring at most, so about 5 steps at worst), no
// allocation.
type boundedLoad struct {
	scale float64 // c, less capSlack
	snap  atomic.Pointer[boundedSnapshot]
	total atomic.Int64 // T: the sum of the counts recorded in snap's loads
}

// boundedSnapshot is the ring and the watched backends' recorded counts.
type boundedSnapshot struct {
	*ringView
	loads map[*Backend]*recordedLoad
}

// recordedLoad is one backend's in-flight count as last added to the
// total. mu orders the read of the count and the update of the total, so
// that of concurrent, out-of-order notifications the last one to run
// leaves the current count recorded.
type recordedLoad struct {
	mu   sync.Mutex
	last int64
	gone bool // the backend left the set: its count is out of the total
}

const (
	// maxWalk bounds the walk along the ring, in points: a pick costs at
	// most this many steps even when the counts say every backend is at
	// its cap. A ring of up to six backends of weight 1 is walked whole.
	maxWalk = 1024
	// capSlack makes the cap exact in floating point: c × (T+1) × w / W
	// may come out a rounding error above a whole number it should equal
	// (1.1 × 10 / 11 is 1.0000000000000002), which would raise the cap by
	// one. c is lowered by this relative amount, far above rounding error
	// and far below the 12 significant digits anyone writes c with.
	capSlack = 1e-12
)

func newBoundedLoad(c float64) *boundedLoad {
	if !(c >= 1) { // only a host that bypasses New can pass less
		c = 1.25
	}
	return &boundedLoad{scale: c * (1 - capSlack)}
}

func (p *boundedLoad) Pick(req *Request) (*Backend, error) {
	s := p.snap.Load()
	if s == nil || s.weight == 0 {
		return nil, ErrNoBackend
	}
	// For a whole count n, n < ceil(x) exactly when n < x, so the cap
	// needs no rounding: perWeight × w is the unrounded cap of weight w.
	perWeight := p.scale * float64(max(p.total.Load(), 0)+1) / float64(s.weight)
	i := s.search(requestHash(req))
	best, bestLoad, last := int32(-1), uint64(0), int32(-1)
	for range min(len(s.points), maxWalk) {
		if o := s.owners[i]; o != last && s.usable[o] {
			last = o
			m := s.ms[o]
			n := inFlight(m.b)
			if float64(n) < perWeight*float64(m.w) {
				return m.b, nil
			}
			if best < 0 || lighter(n, m.w, bestLoad, s.ms[best].w) {
				best, bestLoad = o, n
			}
		}
		if i++; i == len(s.points) {
			i = 0
		}
	}
	if best < 0 { // the walk met only points of unusable backends
		return s.ms[s.owner(i)].b, nil
	}
	return s.ms[best].b, nil
}

func (p *boundedLoad) Done(*Backend, Outcome) {}

// loadChanged records b's current count and moves the total by the change.
func (p *boundedLoad) loadChanged(b *Backend) {
	s := p.snap.Load()
	if s == nil {
		return
	}
	r := s.loads[b]
	if r == nil {
		return // b is new and Update records it, or it has left
	}
	r.mu.Lock()
	if !r.gone {
		n := int64(inFlight(b))
		p.total.Add(n - r.last)
		r.last = n
	}
	r.mu.Unlock()
}

// Update rebuilds the ring, starts watching the backends that joined and
// stops watching those that left. A joining backend is watched before the
// snapshot naming it is published and its count is recorded after, so no
// change of its count is missed: one before the recording is in it, and
// one after notifies a balancer that finds the backend in the snapshot.
func (p *boundedLoad) Update(backends []*Backend) {
	old := p.snap.Load()
	var oldView *ringView
	if old != nil {
		oldView = old.ringView
	}
	s := &boundedSnapshot{ringView: viewRing(oldView, backends), loads: make(map[*Backend]*recordedLoad, len(backends))}
	var joined []*Backend
	for i, m := range s.ms {
		if _, dup := s.loads[m.b]; dup || !s.usable[i] {
			continue
		}
		var r *recordedLoad
		if old != nil {
			r = old.loads[m.b]
		}
		if r == nil {
			r = &recordedLoad{}
			joined = append(joined, m.b)
			m.b.watch(p)
		}
		s.loads[m.b] = r
	}
	p.snap.Store(s)
	for _, b := range joined {
		p.loadChanged(b)
	}
	if old == nil {
		return
	}
	for b, r := range old.loads {
		if s.loads[b] == r {
			continue
		}
		b.unwatch(p)
		r.mu.Lock()
		r.gone = true
		p.total.Add(-r.last)
		r.last = 0
		r.mu.Unlock()
	}
}
