package algorithms

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

func init() {
	register(Info{
		Name:    "least_response_time",
		Summary: "lowest smoothed latency x (in flight + 1); stale estimates decay so slow backends are retried",
		Description: Description{
			How:      "Keeps a smoothed average of each server's response times and sends the next request to the server with the lowest average x (requests in flight + 1). An average that gets no new samples fades, so a server that was slow once is tried again later.",
			UseWhen:  "latency matters and a server may slow down without failing: a dying disk, a noisy neighbour.",
			Drawback: "it learns only from responses that come back, so it notices a slow server after the slow answers, and it needs every server's latency watched all the time.",
		},
		New: func(opts Options) Balancer {
			return &leastResponseTime{rng: newRNG(opts.Seed)}
		},
	})
}

// lrtScanMax is the largest pool least_response_time scans at every pick.
// Its index costs more to keep than least_connections': a request moves a
// sampled backend four times (Begin, End, and its key and score on Done)
// among scores that seldom tie, while a scan reads a few nanoseconds' worth
// per backend. In the simulator the two cost about the same at 200 to 400
// servers (BenchmarkLargePool at 100, and at sizes in between).
const lrtScanMax = 256

const (
	// ewmaWeight is the weight of a new latency sample in a backend's
	// estimate: est += ewmaWeight * (sample - est). A quarter follows a
	// change within a handful of requests without letting one outlier
	// dominate.
	ewmaWeight = 0.25

	// decayHalfLife is how fast an estimate fades without new samples: it
	// halves every decayHalfLife of host time (the clock of Request.Now and
	// Outcome.Now) since the backend's last sample. A backend that was slow
	// once and then lost every comparison therefore looks ever cheaper until
	// it is tried again, and its fresh sample blends with the faded estimate
	// rather than with the stale verdict. Ten seconds is long against request
	// latencies and short against a run; Finagle's peak EWMA uses the same
	// decay time.
	decayHalfLife = 10 * time.Second
)

// leastResponseTime sends each request to the backend with the lowest score
//
//	score = estimate × (InFlight() + 1)
//
// where the estimate is an exponentially weighted moving average of the
// latencies reported to Done (weight ewmaWeight per sample), decayed towards
// zero with half-life decayHalfLife of virtual time since the backend's last
// sample (see decayHalfLife). This is Finagle's "peak EWMA" cost: latency
// says how fast a backend serves, in-flight requests how much it already has
// to serve. Weights are not used: measured latency already reflects a
// backend's speed.
//
// Every estimate decays at the same rate, so which backend scores lowest at
// Request.Now does not depend on Request.Now: Pick compares the time-free key
// log2(estimate at its sample time) + sample time/decayHalfLife, plus
// log2(InFlight()+1), which orders backends exactly as the decayed scores do.
// Done computes the key once per sample, and Pick needs no exponential per
// backend. A slow-once backend is therefore retried once the others' fresh
// samples have pushed their keys past its own, after about
// decayHalfLife × log2(its estimate / theirs) of virtual time.
//
// A backend with no sample yet (new, or back after a removal) gets tried: if
// it is idle it wins outright; if it already has requests in flight it is
// scored as if it were as fast as the fastest sampled backend, so a new
// backend takes a fair share at once but is not flooded until its first
// response comes back. With no samples anywhere the policy is unweighted
// least connections.
//
// Ties are broken uniformly at random, as in least_connections: among
// sampled backends with equal scores, and among unsampled ones with equal
// in-flight counts. An unsampled candidate wins a tie against a sampled one.
//
// Failures (Outcome.Err != nil) count as a sample of at least the current
// estimate: a backend that fails fast (connection refused, queue full) must
// not look faster for it, and the failure refreshes the sample time, so its
// estimate stops decaying while it keeps failing. A failure with no latency on
// a backend with no estimate carries no information and is ignored.
//
// Estimates are kept per *Backend across Update for backends that stay;
// a removed backend's estimate is dropped (it is unsampled if it comes back),
// and a Done for a backend not in the current snapshot is ignored.
//
// A pool of up to lrtScanMax backends is scanned at every pick; a larger one is
// kept in an lrtIndex, which orders the sampled backends by their key plus
// the in-flight term and the unsampled ones by in-flight count, and which
// Done and the backends' load changes keep current. A pick then costs
// O(log N) rather than a pass over every backend, and chooses among the
// same candidates with the same probabilities as the scan.
type leastResponseTime struct {
	rng  *rng
	snap atomic.Pointer[lrtSnapshot]
	idx  *lrtIndex // the index of the latest snapshot, if any; Update's own
}

type lrtSnapshot struct {
	*stateSnapshot[lrtState]
	// idx, set for a pool larger than lrtScanMax, replaces the state
	// snapshot: it holds the backends and their states.
	idx *lrtIndex
}

// lrtState is one backend's latency estimate. Pick reads key lock-free; Done
// serialises its read-modify-write on mu.
type lrtState struct {
	mu      sync.Mutex
	sampled atomic.Bool   // set once est, at and key hold a sample
	est     atomic.Uint64 // math.Float64bits of the estimate at time at, in nanoseconds
	at      atomic.Int64  // Outcome.Now of the latest sample
	key     atomic.Uint64 // math.Float64bits of log2(est) + at/decayHalfLife
}

// estimate returns the estimate decayed to now; ok is false without a sample.
func (st *lrtState) estimate(now time.Duration) (est float64, ok bool) {
	if !st.sampled.Load() {
		return 0, false
	}
	return decayed(math.Float64frombits(st.est.Load()), now-time.Duration(st.at.Load())), true
}

// store records est as the estimate at time at.
func (st *lrtState) store(est float64, at time.Duration) {
	st.est.Store(math.Float64bits(est))
	st.at.Store(int64(at))
	st.key.Store(math.Float64bits(math.Log2(est) + float64(at)/float64(decayHalfLife)))
	st.sampled.Store(true) // last: Pick trusts key once it sees this
}

// decayed is est after elapsed without a sample.
func decayed(est float64, elapsed time.Duration) float64 {
	if elapsed <= 0 || est == 0 {
		return est
	}
	return est * math.Exp2(-float64(elapsed)/float64(decayHalfLife))
}

// log2Load[n] is log2(n+1), the in-flight factor of the score in key units.
var log2Load = func() (t [256]float64) {
	for n := range t {
		t[n] = math.Log2(float64(n + 1))
	}
	return t
}()

func loadKey(n uint64) float64 {
	if n < uint64(len(log2Load)) {
		return log2Load[n]
	}
	return math.Log2(float64(n) + 1)
}

func (p *leastResponseTime) Pick(*Request) (*Backend, error) {
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
	if s == nil || len(s.backends) == 0 {
		return nil, ErrNoBackend
	}
	best, cold := -1, -1
	bestScore, minKey := math.Inf(1), math.Inf(1) // in log2 units
	var coldLoad uint64
	tie := tieBreak{rng: p.rng}
	var bestTies, coldTies uint64 // candidates at best's score, at cold's load
	for i, b := range s.backends {
		load := inFlight(b)
		st := s.states[i]
		if !st.sampled.Load() {
			switch {
			case cold < 0 || load < coldLoad:
				cold, coldLoad, coldTies = i, load, 1
			case load == coldLoad:
				if coldTies++; tie.oneIn(coldTies) {
					cold = i
				}
			}
			continue
		}
		key := math.Float64frombits(st.key.Load())
		switch score := key + loadKey(load); {
		case best < 0 || score < bestScore:
			best, bestScore, bestTies = i, score, 1
		case score == bestScore:
			if bestTies++; tie.oneIn(bestTies) {
				best = i
			}
		}
		minKey = min(minKey, key)
	}
	if cold >= 0 && (best < 0 || coldLoad == 0 || minKey+loadKey(coldLoad) <= bestScore) {
		return s.backends[cold], nil
	}
	return s.backends[best], nil
}

func (p *leastResponseTime) Done(b *Backend, o Outcome) {
	s := p.snap.Load()
	if s == nil || b == nil {
		return
	}
	if s.idx != nil {
		s.idx.done(b, o)
		return
	}
	if st := s.state(b); st != nil {
		st.sample(o)
	}
}

// sample blends an outcome into the estimate.
func (st *lrtState) sample(o Outcome) {
	st.mu.Lock()
	defer st.mu.Unlock()
	est, at, ok := blend(math.Float64frombits(st.est.Load()), time.Duration(st.at.Load()), st.sampled.Load(), o)
	if ok {
		st.store(est, at)
	}
}

// blend is an estimate of latency (est at time at, when known) after
// outcome o: the first sample, or est decayed to o.Now and moved a
// quarter of the way to the sample. A failure counts as at least the
// estimate, so a backend that fails fast does not look fast, and a first
// failure without a latency says nothing (ok is false). An out-of-order
// outcome (before at) blends in without moving the time back.
func blend(est float64, at time.Duration, known bool, o Outcome) (float64, time.Duration, bool) {
	sample := float64(max(o.Latency, 0))
	switch {
	case !known && o.Err != nil && sample == 0:
		return 0, 0, false
	case !known:
		return sample, o.Now, true
	}
	old := decayed(est, o.Now-at)
	if o.Err != nil {
		sample = max(sample, old)
	}
	return old + ewmaWeight*(sample-old), max(o.Now, at), true
}

func (p *leastResponseTime) Update(backends []*Backend) {
	old := p.snap.Load()
	// prev finds the state of a backend that stays, in the old snapshot's
	// map or in its index.
	prev := func(b *Backend) *lrtState { return nil }
	switch {
	case old != nil && old.idx != nil:
		prev = old.idx.state
	case old != nil:
		prev = old.state
	}
	n := 0
	for _, b := range backends {
		if b != nil {
			n++
		}
	}
	if n > lrtScanMax {
		// The index keeps the states: the snapshot needs no list and no
		// map, which a pool of 10,000 would rebuild at every health change.
		if old != nil && old.idx != nil {
			prev = func(*Backend) *lrtState { return nil } // the index has every state there is
		}
		if p.idx == nil {
			p.idx = &lrtIndex{
				cold:    newUintIndex(),
				entries: entryTable[lrtEntry]{other: map[*Backend]*lrtEntry{}},
			}
		}
		p.idx.update(backends, prev) // in place: picks see the old set or the new one
		if old == nil || old.idx != p.idx {
			p.snap.Store(&lrtSnapshot{idx: p.idx})
		}
		return
	}
	p.snap.Store(&lrtSnapshot{stateSnapshot: newStateSnapshot(backends, prev)})
	if p.idx != nil {
		p.idx.retire() // after the store: a pick that finds it retired finds the list
		p.idx = nil
	}
}

// lrtIndex keeps a large pool's backends and their states, ordered for
// Pick: the sampled ones by score (key + log2(in flight + 1)) and by key
// alone, whose least is the fastest backend an unsampled one is compared
// as, and the unsampled ones by in-flight count. Done and every load change
// refresh the backend's entry from its state and count as they are when it
// holds the lock, so that refreshes run out of order still leave it current.
type lrtIndex struct {
	mu      sync.Mutex
	scores  floatHeap
	keys    floatHeap
	cold    *rankIndex[uint64]
	entries entryTable[lrtEntry]
	// order is the entries in Update's order, so that removals happen in
	// the same order every run and a seeded pick is reproducible; spare is
	// the previous order's array, reused.
	order, spare []*lrtEntry
	epoch        uint64 // the latest update's, marking the entries it keeps
}

// lrtEntry is one backend's state and places: in scores and keys while it
// has a sample, in cold until then.
type lrtEntry struct {
	st         *lrtState
	score, key heapRank
	cold       rank[uint64]
	epoch      uint64
}

// update makes the index hold exactly the non-nil backends; a new entry
// takes its state from prev, or a fresh one. A backend is watched before its
// load is read, so no change is missed between the two. It reuses the
// entries map rather than building another: a health change in a large
// pool costs one lookup per backend.
func (x *lrtIndex) update(backends []*Backend, prev func(*Backend) *lrtState) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.epoch++
	order := x.spare[:0]
	var joined []*lrtEntry
	for _, b := range backends {
		if b == nil {
			continue
		}
		e := x.entries.get(b)
		switch {
		case e == nil:
			st := prev(b)
			if st == nil {
				st = &lrtState{}
			}
			e = &lrtEntry{st: st, score: newHeapRank(b), key: newHeapRank(b), cold: rank[uint64]{b: b}}
			x.entries.put(b, e)
			b.watch(x)
			joined = append(joined, e)
		case e.epoch == x.epoch:
			continue // listed twice
		}
		e.epoch = x.epoch
		order = append(order, e)
	}
	for _, e := range x.order {
		if e.epoch != x.epoch {
			x.drop(e)
		}
	}
	clear(x.order)
	x.order, x.spare = order, x.order
	// Only the backends that joined need filing: those that stayed are
	// where their last sample and load change put them.
	for _, e := range joined {
		x.refresh(e)
	}
}

// drop takes e out of the index and stops watching its backend; its state
// goes with it.
func (x *lrtIndex) drop(e *lrtEntry) {
	x.scores.remove(&e.score)
	x.keys.remove(&e.key)
	x.cold.remove(&e.cold)
	x.entries.del(e.cold.b)
	e.cold.b.unwatch(x)
}

// retire empties the index and stops watching its backends.
func (x *lrtIndex) retire() {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, e := range x.order {
		x.drop(e)
	}
	x.order, x.spare = nil, nil
}

// state is b's state, nil if b is not in the index.
func (x *lrtIndex) state(b *Backend) *lrtState {
	x.mu.Lock()
	defer x.mu.Unlock()
	if e := x.entries.get(b); e != nil {
		return e.st
	}
	return nil
}

// done blends an outcome into b's estimate and moves b to its new key; a
// backend not in the index is ignored.
func (x *lrtIndex) done(b *Backend, o Outcome) {
	x.mu.Lock()
	if e := x.entries.get(b); e != nil {
		e.st.sample(o)
		x.refresh(e)
	}
	x.mu.Unlock()
}

func (x *lrtIndex) loadChanged(b *Backend) {
	x.mu.Lock()
	if e := x.entries.get(b); e != nil {
		x.refresh(e)
	}
	x.mu.Unlock()
}

// refresh files e under its backend's current state and load.
func (x *lrtIndex) refresh(e *lrtEntry) {
	n := inFlight(e.cold.b)
	if !e.st.sampled.Load() {
		x.scores.remove(&e.score)
		x.keys.remove(&e.key)
		x.cold.set(&e.cold, n)
		return
	}
	x.cold.remove(&e.cold)
	key := math.Float64frombits(e.st.key.Load())
	x.keys.set(&e.key, key)
	x.scores.set(&e.score, key+loadKey(n))
}

// pick chooses as the scan in Pick does: the least-loaded unsampled
// backend if it is idle, or if it would score no worse than the best
// sampled one while as fast as the fastest; else the best sampled one. Ties
// are broken at random. ok is false once the index is retired.
func (x *lrtIndex) pick(r *rng) (b *Backend, ok bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	best, sampled := x.scores.min()
	fastest, _ := x.keys.min()
	switch cold := x.cold.min(); {
	case cold != nil && (!sampled || cold.key == 0 || fastest+loadKey(cold.key) <= best):
		return cold.any(r), true
	case sampled:
		return x.scores.minAny(r), true
	}
	return nil, false
}
