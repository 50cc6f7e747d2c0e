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
// (they move by one) and up to the pool's size for latency scores. A tier
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
	// distinct is set when keys seldom tie, as latency scores do: a move
	// then inserts a tier without looking for one first.
	distinct bool
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
	var t *tier[K]
	if x.distinct {
		// Insert a fresh tier at once: one descent of the tree where a
		// lookup first would take two. On a tie, put the old tier back.
		t = x.fresh(key)
		if old, tied := x.tree.ReplaceOrInsert(t); tied {
			x.tree.ReplaceOrInsert(old)
			x.spare = append(x.spare, t)
			t = old
		}
	} else {
		x.probe.key = key
		var ok bool
		if t, ok = x.tree.Get(&x.probe); !ok {
			t = x.fresh(key)
			x.tree.ReplaceOrInsert(t)
		}
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

// newFloatIndex is a rankIndex by float64 keys, which are never NaN and
// seldom tie.
func newFloatIndex() *rankIndex[float64] {
	x := newRankIndex(func(a, b float64) bool { return a < b }, func(a, b *tier[float64]) bool { return a.key < b.key })
	x.distinct = true
	return x
}

// newUintIndex is a rankIndex by uint64 keys.
func newUintIndex() *rankIndex[uint64] {
	return newRankIndex(func(a, b uint64) bool { return a < b }, func(a, b *tier[uint64]) bool { return a.key < b.key })
}
