package algorithms

import "math/bits"

// member is a backend with the weight read when the snapshot was built, so
// Pick never depends on a host changing Backend.Weight between updates and
// never sees a weight below 1.
type member struct {
	b *Backend
	w uint64
}

// members copies the host's slice into a fresh snapshot slice, skipping nil
// entries. Update calls it; the result is never written after publication.
func members(backends []*Backend) []member {
	out := make([]member, 0, len(backends))
	for _, b := range backends {
		if b == nil {
			continue
		}
		out = append(out, member{b: b, w: weightOf(b)})
	}
	return out
}

// weightOf is b's weight, at least 1 even for a Backend built without NewBackend.
func weightOf(b *Backend) uint64 {
	if b.Weight < 1 {
		return 1
	}
	return uint64(b.Weight)
}

// inFlight is b's in-flight count clamped at zero: a host that ends a request
// twice must not make a backend look better than idle.
func inFlight(b *Backend) uint64 {
	if n := b.InFlight(); n > 0 {
		return uint64(n)
	}
	return 0
}

// lighter reports whether the load x/wx is strictly below y/wy.
func lighter(x, wx, y, wy uint64) bool {
	l, _ := orderLoad(x, wx, y, wy)
	return l
}

// orderLoad reports whether the load x/wx is below y/wy, and whether they
// are equal, without a branch when the weights are equal (the common
// case): scans call it on every backend, and its outcomes fall at random.
func orderLoad(x, wx, y, wy uint64) (lighter, equal bool) {
	if wx == wy {
		return x < y, x == y
	}
	hx, lx := bits.Mul64(x, wy)
	hy, ly := bits.Mul64(y, wx)
	return hx < hy || hx == hy && lx < ly, hx == hy && lx == ly
}

// b2i is 1 for true and 0 for false; the compiler makes it a flag move,
// not a branch.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tieBreak chooses uniformly among the candidates that tie for the best in
// one scan, by reservoir sampling: the scan counts the candidates tied for
// its current best (1 after a new strict best) and lets the k-th replace the
// choice when oneIn(k), with probability 1/k. That leaves each of k tied
// candidates chosen with probability 1/k whatever their order, so no place
// in the snapshot is favoured.
//
// A scan draws from the balancer's shared generator once, at its first tie,
// and continues a SplitMix64 stream of its own from that draw: one atomic
// add per pick however many candidates tie, and none for a pick without a
// tie. A tieBreak lives on Pick's stack; it never allocates.
type tieBreak struct {
	rng   *rng
	state uint64 // the scan's own SplitMix64 state, once drawn
	drawn bool
}

// oneIn reports true with probability 1/k; k must be positive.
func (t *tieBreak) oneIn(k uint64) bool {
	if k == 1 {
		return true
	}
	if !t.drawn {
		t.state, t.drawn = t.rng.Uint64(), true
	}
	t.state += 0x9e3779b97f4a7c15
	return scale(mix64(t.state), k) == 0
}

// mix64 is the SplitMix64 / Murmur3 finalizer: a bijection on 64 bits in
// which every input bit affects every output bit.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// scale maps 64 random bits uniformly onto [0, n) by multiply-shift.
func scale(h, n uint64) uint64 {
	hi, _ := bits.Mul64(h, n)
	return hi
}

// A backendIndex finds a backend's place in a table or ring built from
// members: by Backend.Index, which hosts number from 0, in a slice, a
// load where a map would hash; by pointer in a map for indexes too large
// for the slice. Updates of a large pool look up every backend, so the
// lookup is on a hot path.
type backendIndex struct {
	byIndex []int32 // byIndex[b.Index] is b's place, -1 for none
	ms      []member
	other   map[*Backend]int32
}

// newBackendIndex indexes ms by place.
func newBackendIndex(ms []member) backendIndex {
	x := backendIndex{ms: ms}
	limit := 4*len(ms) + 64
	for i, m := range ms {
		k := m.b.Index
		for k >= 0 && k < limit && len(x.byIndex) <= k {
			x.byIndex = append(x.byIndex, -1)
		}
		switch {
		case k >= 0 && k < limit && x.byIndex[k] < 0:
			x.byIndex[k] = int32(i)
		case k >= 0 && k < limit && x.ms[x.byIndex[k]].b == m.b:
			// Listed twice: the first place stands.
		default: // an index out of range, or two backends with one index
			if x.other == nil {
				x.other = map[*Backend]int32{}
			}
			if _, dup := x.other[m.b]; !dup {
				x.other[m.b] = int32(i)
			}
		}
	}
	return x
}

// mark returns which places backends take and their weight, for a
// table or ring of total weight that keeps departed backends and marks
// them unusable rather than being built again; ok is false when one of
// backends has no place, or when under half of total would be usable,
// and a new table is due.
func (x backendIndex) mark(backends []*Backend, total uint64) (usable []bool, weight uint64, ok bool) {
	usable = make([]bool, len(x.ms))
	for _, b := range backends {
		if b == nil {
			continue
		}
		i := x.of(b)
		if i < 0 {
			return nil, 0, false
		}
		if !usable[i] {
			usable[i] = true
			weight += x.ms[i].w
		}
	}
	return usable, weight, 2*weight >= total
}

// of returns b's place, -1 when b was not indexed.
func (x backendIndex) of(b *Backend) int32 {
	if k := b.Index; k >= 0 && k < len(x.byIndex) {
		if i := x.byIndex[k]; i >= 0 && x.ms[i].b == b {
			return i
		}
	}
	if i, ok := x.other[b]; ok {
		return i
	}
	return -1
}

// An entryTable maps backends to a policy's entries, by Backend.Index in
// a slice where the index is small, a load where a map would hash, and
// by pointer in a map otherwise. Its zero value needs other set before
// use.
type entryTable[E any] struct {
	byIndex []*E
	owner   []*Backend // owner[k] is the backend byIndex[k] belongs to
	other   map[*Backend]*E
}

// maxSlotIndex bounds the indexes an entryTable keeps in its slice.
const maxSlotIndex = 1 << 20

func (t *entryTable[E]) get(b *Backend) *E {
	if k := b.Index; k >= 0 && k < len(t.byIndex) && t.owner[k] == b {
		return t.byIndex[k]
	}
	return t.other[b]
}

func (t *entryTable[E]) put(b *Backend, e *E) {
	k := b.Index
	if k < 0 || k >= maxSlotIndex || k < len(t.owner) && t.owner[k] != nil && t.owner[k] != b {
		t.other[b] = e
		return
	}
	for len(t.byIndex) <= k {
		t.byIndex, t.owner = append(t.byIndex, nil), append(t.owner, nil)
	}
	t.byIndex[k], t.owner[k] = e, b
}

func (t *entryTable[E]) del(b *Backend) {
	if k := b.Index; k >= 0 && k < len(t.owner) && t.owner[k] == b {
		t.byIndex[k], t.owner[k] = nil, nil
		return
	}
	delete(t.other, b)
}

// A stateSnapshot is the backends of one Update, each with the state a
// learning policy keeps of it (a latency estimate, a cost), found by
// place or by pointer. A backend's state outlives the snapshot while the
// backend stays in the set; a backend that leaves takes it away.
type stateSnapshot[S any] struct {
	backends []*Backend
	states   []*S // states[i] belongs to backends[i]
	byPtr    map[*Backend]*S
}

// newStateSnapshot lists backends, nil and repeated ones left out, each
// with its state from prev (which may be nil or find none) or a new one.
func newStateSnapshot[S any](backends []*Backend, prev func(*Backend) *S) *stateSnapshot[S] {
	s := &stateSnapshot[S]{byPtr: make(map[*Backend]*S, len(backends))}
	for _, b := range backends {
		if b == nil || s.byPtr[b] != nil {
			continue
		}
		var st *S
		if prev != nil {
			st = prev(b)
		}
		if st == nil {
			st = new(S)
		}
		s.byPtr[b] = st
		s.backends = append(s.backends, b)
		s.states = append(s.states, st)
	}
	return s
}

// state returns b's state, nil when b is not in the snapshot; s may be
// nil.
func (s *stateSnapshot[S]) state(b *Backend) *S {
	if s == nil {
		return nil
	}
	return s.byPtr[b]
}
