package algorithms

import (
	"sync"
	"sync/atomic"
)

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
//
// A pool of up to scanMax backends is scanned at every pick. A larger one is
// kept in an lcIndex that the backends tell of every load change, as
// HAProxy's leastconn keeps its servers in a tree by load: a pick takes a
// random member of the lightest tier, O(1) after an O(log T) lookup, rather
// than reading 10,000 counts. Both choose from the same candidates with the
// same probabilities.
type leastConnections struct {
	rng  *rng
	snap atomic.Pointer[lcSnapshot]
	idx  *lcIndex // the index of the latest snapshot, if any; Update's own
}

// lcSnapshot is either a list to scan or, for a large pool, an index.
type lcSnapshot struct {
	members []member
	idx     *lcIndex
}

// maxTies is how many tied backends a pick remembers by index: enough for
// every backend of most pools at once, 512 bytes of stack. A power of two.
const maxTies = 128

func (p *leastConnections) Pick(*Request) (*Backend, error) {
	s := p.snap.Load()
	for s != nil && s.idx != nil {
		if b, ok := s.idx.pick(p.rng); ok {
			return b, nil
		}
		// A concurrent Update retired the index after publishing the
		// snapshot that replaces it.
		next := p.snap.Load()
		if next == s {
			return nil, ErrNoBackend
		}
		s = next
	}
	if s == nil || len(s.members) == 0 {
		return nil, ErrNoBackend
	}
	return leastLoaded(s.members, p.rng), nil
}

// leastLoaded scans ms (not empty) for the lightest load and picks among
// the backends at it uniformly at random.
func leastLoaded(ms []member, r *rng) *Backend {
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
		return best.b
	}
	k := r.IntN(ties)
	if ties <= maxTies {
		return ms[tied[k]].b
	}
	// More ties than remembered: count them again to the k-th. In the
	// proxy loads may have moved since; if the k-th is gone, the lightest
	// found serves.
	for _, m := range ms {
		if _, equal := orderLoad(inFlight(m.b), m.w, bestLoad, best.w); equal {
			if k == 0 {
				return m.b
			}
			k--
		}
	}
	return best.b
}

func (p *leastConnections) Done(*Backend, Outcome) {}

func (p *leastConnections) Update(backends []*Backend) {
	ms := members(backends)
	if len(ms) <= scanMax {
		p.snap.Store(&lcSnapshot{members: ms})
		if p.idx != nil {
			p.idx.retire() // after the store: a pick that finds it retired finds the list
			p.idx = nil
		}
		return
	}
	if p.idx == nil {
		p.idx = &lcIndex{loads: newRankIndex(lessLoad, func(a, b *tier[lcLoad]) bool { return lessLoad(a.key, b.key) }), entries: entryTable[lcEntry]{other: map[*Backend]*lcEntry{}}}
	}
	p.idx.update(ms) // in place: picks see the old set or the new one
	if s := p.snap.Load(); s == nil || s.idx != p.idx {
		p.snap.Store(&lcSnapshot{idx: p.idx})
	}
}

// lcLoad is a load n/w; loads compare by value, so 1/1 and 2/2 are equal.
type lcLoad struct{ n, w uint64 }

func lessLoad(a, b lcLoad) bool { return lighter(a.n, a.w, b.n, b.w) }

// lcIndex keeps a large pool's backends in tiers by load. It watches
// every backend it holds: each load change moves the backend's entry to
// the tier of its new load, read again under the lock, so that changes
// reported out of order still leave the entry at the latest load.
type lcIndex struct {
	mu      sync.Mutex
	loads   *rankIndex[lcLoad]
	entries entryTable[lcEntry]
	// order is the entries in Update's order, so that removals happen in
	// the same order every run and a seeded pick is reproducible; spare is
	// the previous order's array, reused.
	order, spare []*lcEntry
	epoch        uint64 // the latest update's, marking the entries it keeps
}

type lcEntry struct {
	rank[lcLoad]
	w     uint64
	epoch uint64
}

// update makes the index hold exactly ms: entries for new backends are
// added and watched, those of backends no longer listed removed and
// unwatched. A backend is watched before its load is read, so no change is
// missed between the two. It reuses the entries map rather than building
// another: a health change in a large pool costs one lookup per backend.
func (x *lcIndex) update(ms []member) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.epoch++
	order := x.spare[:0]
	for _, m := range ms {
		e := x.entries.get(m.b)
		switch {
		case e == nil:
			e = &lcEntry{rank: rank[lcLoad]{b: m.b}}
			x.entries.put(m.b, e)
			m.b.watch(x)
		case e.epoch == x.epoch:
			continue // listed twice
		}
		e.w, e.epoch = m.w, x.epoch
		order = append(order, e)
	}
	for _, e := range x.order {
		if e.epoch != x.epoch {
			x.drop(e)
		}
	}
	clear(x.order)
	x.order, x.spare = order, x.order
	for _, e := range order {
		x.loads.set(&e.rank, lcLoad{inFlight(e.b), e.w})
	}
}

// drop takes e out of the index and stops watching its backend.
func (x *lcIndex) drop(e *lcEntry) {
	x.loads.remove(&e.rank)
	x.entries.del(e.b)
	e.b.unwatch(x)
}

// retire empties the index and stops watching its backends.
func (x *lcIndex) retire() {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range x.order {
		x.drop(e)
	}
	x.order, x.spare = nil, nil
}

func (x *lcIndex) loadChanged(b *Backend) {
	x.mu.Lock()
	if e := x.entries.get(b); e != nil {
		x.loads.set(&e.rank, lcLoad{inFlight(b), e.w})
	}
	x.mu.Unlock()
}

// pick returns a random backend of the lightest tier; ok is false once the
// index is retired.
func (x *lcIndex) pick(r *rng) (b *Backend, ok bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	t := x.loads.min()
	if t == nil {
		return nil, false
	}
	return t.any(r), true
}
