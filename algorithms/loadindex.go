package algorithms

import "github.com/google/btree"

// scanMax is the largest pool least_connections scans at every pick. Up to
// this size one branch-free pass over a snapshot that fits in a few cache
// lines costs about what an index does, needs no lock and costs Begin and
// End nothing; above it the index wins (BenchmarkPickCycle, and
// BenchmarkLargePool at 100 servers), and at 10,000 backends by two orders
// of magnitude. least_response_time has a threshold of its own, lrtScanMax.
const scanMax = 32

// A rankIndex orders backends by a key and groups those with equal keys
// in one tier, so that the lowest tier holds every backend tied for the
// best, and a pick chooses among all of them, not only the first met.
//
// Tiers live in a B-tree ordered by key: O(log T) to move a backend, T
// the number of distinct keys, which is a handful for in-flight counts
// (they move by one). Keys that seldom tie, as latency scores, are better
// kept in a floatHeap. A tier
// keeps its members in a slice with each member's position, so a backend
// leaves it in O(1). Emptied tiers are kept for reuse, and the tree
// recycles its nodes, so a steady state does not allocate.
//
// Keys are equal when neither is less than the other, not only when they
// are the same value: the loads 1/1 and 2/2 share a tier. A rankIndex is not safe for concurrent
// use; its owner locks.
type rankIndex[K any] struct {
	less  func(a, b K) bool
	tree  *btree.BTreeG[*tier[K]]
	probe tier[K] // the key Get looks for, reused so lookups do not allocate
	spare []*tier[K]
}

// A tier is the backends of one key, in no particular order.
type tier[K any] struct {
	key     K
	members []*rank[K]
}

// A rank is one backend's place in one rankIndex: its tier, nil when it is
// not in the index, and its position there.
type rank[K any] struct {
	b   *Backend
	at  *tier[K]
	pos int
}

// rankDegree is the B-tree's degree: nodes of up to 2*8-1 keys, a few
// cache lines each.
const rankDegree = 8

// newRankIndex returns an empty index ordered by less, which byTier must
// apply to tiers' keys: the tree calls byTier directly, one indirect call
// per comparison rather than two.
func newRankIndex[K any](less func(a, b K) bool, byTier func(a, b *tier[K]) bool) *rankIndex[K] {
	return &rankIndex[K]{less: less, tree: btree.NewG(rankDegree, byTier)}
}

// set puts r at key, moving it from its tier if it had another.
func (x *rankIndex[K]) set(r *rank[K], key K) {
	if r.at != nil {
		if !x.less(r.at.key, key) && !x.less(key, r.at.key) {
			return
		}
		x.remove(r)
	}
	x.probe.key = key
	t, ok := x.tree.Get(&x.probe)
	if !ok {
		t = x.fresh(key)
		x.tree.ReplaceOrInsert(t)
	}
	r.at, r.pos = t, len(t.members)
	t.members = append(t.members, r)
}

// fresh is an empty tier for key, reused if one is spare.
func (x *rankIndex[K]) fresh(key K) *tier[K] {
	var t *tier[K]
	if n := len(x.spare); n > 0 {
		t, x.spare = x.spare[n-1], x.spare[:n-1]
	} else {
		t = &tier[K]{}
	}
	t.key = key
	return t
}

// remove takes r out of the index; removing a backend that is not in it
// does nothing.
func (x *rankIndex[K]) remove(r *rank[K]) {
	t := r.at
	if t == nil {
		return
	}
	last := len(t.members) - 1
	moved := t.members[last]
	t.members[r.pos], moved.pos = moved, r.pos
	t.members[last] = nil
	t.members = t.members[:last]
	r.at = nil
	if last == 0 {
		x.tree.Delete(t)
		x.spare = append(x.spare, t)
	}
}

// min is the tier of the lowest key, nil when the index is empty.
func (x *rankIndex[K]) min() *tier[K] {
	t, _ := x.tree.Min()
	return t
}

// any returns one member of t, uniformly at random.
func (t *tier[K]) any(r *rng) *Backend {
	if len(t.members) == 1 {
		return t.members[0].b
	}
	return t.members[r.IntN(len(t.members))].b
}

// newUintIndex is a rankIndex by uint64 keys.
func newUintIndex() *rankIndex[uint64] {
	return newRankIndex(func(a, b uint64) bool { return a < b }, func(a, b *tier[uint64]) bool { return a.key < b.key })
}

// A floatHeap orders backends by float64 keys that seldom tie, as latency
// scores do, in an indexed binary heap: a move is one sift of O(log N)
// steps through an array, several times cheaper than a B-tree's remove
// and insert, and the backends tied for the lowest key are found by
// walking down from the root while keys stay equal. It is not safe for
// concurrent use; its owner locks.
type floatHeap struct {
	items []*heapRank
	ties  []*heapRank // scratch for minAny
}

// A heapRank is one backend's place in one floatHeap: its key and its
// position, -1 when it is not in the heap.
type heapRank struct {
	b   *Backend
	key float64
	pos int
}

func newHeapRank(b *Backend) heapRank { return heapRank{b: b, pos: -1} }

// set puts r at key, adding it if it is not in the heap.
func (h *floatHeap) set(r *heapRank, key float64) {
	if r.pos < 0 {
		r.key, r.pos = key, len(h.items)
		h.items = append(h.items, r)
		h.up(r.pos)
		return
	}
	old := r.key
	r.key = key
	switch {
	case key < old:
		h.up(r.pos)
	case key > old:
		h.down(r.pos)
	}
}

// remove takes r out of the heap; removing one not in it does nothing.
func (h *floatHeap) remove(r *heapRank) {
	i := r.pos
	if i < 0 {
		return
	}
	last := len(h.items) - 1
	h.swap(i, last)
	h.items[last] = nil
	h.items = h.items[:last]
	r.pos = -1
	if i < last {
		h.down(i)
		h.up(i)
	}
}

// min is the lowest key; ok is false when the heap is empty.
func (h *floatHeap) min() (key float64, ok bool) {
	if len(h.items) == 0 {
		return 0, false
	}
	return h.items[0].key, true
}

// minAny returns one of the backends at the lowest key, uniformly at
// random, nil when the heap is empty.
func (h *floatHeap) minAny(r *rng) *Backend {
	if len(h.items) == 0 {
		return nil
	}
	k := h.items[0].key
	if len(h.items) < 2 || h.items[1].key != k && (len(h.items) < 3 || h.items[2].key != k) {
		return h.items[0].b
	}
	h.ties = h.ties[:0]
	h.collect(0, k)
	return h.ties[r.IntN(len(h.ties))].b
}

// collect gathers the subtree of i at key k: the heap order puts every
// item at the lowest key in one subtree under the root.
func (h *floatHeap) collect(i int, k float64) {
	if i >= len(h.items) || h.items[i].key != k {
		return
	}
	h.ties = append(h.ties, h.items[i])
	h.collect(2*i+1, k)
	h.collect(2*i+2, k)
}

func (h *floatHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !(h.items[i].key < h.items[parent].key) {
			return
		}
		h.swap(i, parent)
		i = parent
	}
}

func (h *floatHeap) down(i int) {
	n := len(h.items)
	for {
		least := i
		if l := 2*i + 1; l < n && h.items[l].key < h.items[least].key {
			least = l
		}
		if r := 2*i + 2; r < n && h.items[r].key < h.items[least].key {
			least = r
		}
		if least == i {
			return
		}
		h.swap(i, least)
		i = least
	}
}

func (h *floatHeap) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].pos, h.items[j].pos = i, j
}
