package algorithms

import (
	"math"
	"sort"
)

// edf is an earliest-deadline-first schedule over the indices 0..n-1 of a
// snapshot, as Envoy's EdfScheduler: a min-heap of deadlines on a virtual
// clock. Taking the earliest entry moves the clock to its deadline and puts
// the entry back at clock + 1/weight, so over time each index comes up in
// proportion to its weight, interleaved. Ties go to the entry put back
// first. next is O(log n) and allocates nothing; the caller serialises
// calls.
type edf struct {
	clock float64
	seq   uint64 // insertion counter, the tie-break
	heap  []edfEntry
}

type edfEntry struct {
	deadline float64
	seq      uint64
	i        int
}

func (a edfEntry) before(b edfEntry) bool {
	return a.deadline < b.deadline || a.deadline == b.deadline && a.seq < b.seq
}

// edfMaxInterval keeps deadlines finite whatever the weight: a weight of 0
// schedules an entry far away rather than at infinity, where it would stop
// the clock of every other entry once taken.
const edfMaxInterval = 1e300

func edfInterval(weight float64) float64 {
	if !(weight > 1/edfMaxInterval) { // also NaN
		return edfMaxInterval
	}
	return 1 / weight
}

// init schedules n entries, entry i at clock + first(i), on a clock at 0.
func (e *edf) init(n int, first func(i int) float64) {
	e.clock, e.seq = 0, 0
	e.heap = make([]edfEntry, n)
	for i := range e.heap {
		e.heap[i] = edfEntry{deadline: min(first(i), edfMaxInterval), seq: e.seq, i: i}
		e.seq++
	}
	sort.Slice(e.heap, func(a, b int) bool { return e.heap[a].before(e.heap[b]) })
}

// next takes the entry with the earliest deadline, puts it back after
// 1/weight(i) and returns its index; the schedule must not be empty.
func (e *edf) next(weight func(i int) float64) int {
	top := &e.heap[0]
	e.clock = top.deadline
	i := top.i
	top.deadline = e.clock + edfInterval(weight(i))
	top.seq = e.seq
	e.seq++
	e.down(0)
	return i
}

// remaining returns each entry's deadline less the clock, keyed by what
// the entry's index names, so a new schedule can keep the places.
func (e *edf) remaining(key func(i int) *Backend) map[*Backend]float64 {
	out := make(map[*Backend]float64, len(e.heap))
	for _, x := range e.heap {
		out[key(x.i)] = math.Max(x.deadline-e.clock, 0)
	}
	return out
}

// down restores the heap below k after its entry's deadline grew.
func (e *edf) down(k int) {
	h := e.heap
	for {
		c := 2*k + 1
		if c >= len(h) {
			return
		}
		if r := c + 1; r < len(h) && h[r].before(h[c]) {
			c = r
		}
		if !h[c].before(h[k]) {
			return
		}
		h[k], h[c] = h[c], h[k]
		k = c
	}
}
