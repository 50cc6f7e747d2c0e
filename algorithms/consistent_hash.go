package algorithms

import (
	"math/bits"
	"slices"
	"sync/atomic"
)

func init() {
	register(Info{
		Name:    "consistent_hash",
		Summary: "the request's key (or client address) on a hash ring, 160 points per unit of weight; few keys move when servers change",
		Description: Description{
			How:      "Places every server at many points on a circle, found by hashing its name, and each request at one point, found by hashing its key (a URL, a user id) or, without a key, the client's address. The request goes to the first server point clockwise from it. A server with twice the weight gets twice the points. When a server leaves, only its own keys move, each to the next server on the circle; a server that joins takes only the keys that now fall just before its points.",
			UseWhen:  "each server caches what it has seen (a CDN edge, a memcached pool, shards of sessions) and losing or adding one server must not empty every other server's cache.",
			Drawback: "it ignores load: a popular key lands on one server however busy that server is, and the shares are only roughly even: a server's share is typically up to a tenth above or below what its weight asks for.",
		},
		New: func(Options) Balancer { return &consistentHash{} },
	})
}

// consistentHash is consistent hashing on a ring (Karger et al., "Consistent
// hashing and random trees", STOC 1997) with virtual nodes as in ketama
// (libketama, last.fm 2007), the scheme of nginx's `hash $key consistent`:
// every backend owns ringPointsPerWeight points per unit of weight, and a
// request goes to the owner of the first point at or after the hash of its
// key, requestHash (the key when Request.Keyed, else the client address),
// wrapping past the top of the 64-bit circle.
//
// A backend's points are the SplitMix64 stream seeded by the FNV-1a hash of
// its Name, so they depend only on the name and the weight: the ring is the
// same whatever order Update lists the backends in, a backend that leaves
// takes only its own points away (its keys move to the next points, and no
// other key moves), and one that joins takes only the keys just before its
// new points, from the backends whose points come next. Backends should have unique names: a second backend of
// one name (by Index) is seeded apart so that it gets keys at all, and two
// backends swap keys if their Indexes swap. Equal points, which 64-bit
// hashes make very rare, go to the backend first by name, then Index.
//
// With v points a backend's share of the keys spreads about its weight's
// share p like Beta(v, V-v) over V points in all: a relative standard
// deviation of about 1/sqrt(v), 8% at 160 points. More points even the
// shares out at the cost of memory and Update time; 160 is ketama's and
// nginx's choice, so lbsim's ring is as even as theirs.
//
// Pick is a binary search over the sorted points, O(log(160·N)), with no
// allocation. Building the ring is O(V), about 100 ms for 10,000
// backends, so Update builds it only when a backend it has not got joins,
// or when under half of its weight is left usable. A backend that leaves
// (an ejection, a crash, a drain) is only marked unusable, and a pick
// walks past its points to the next usable owner's, which is where its
// keys would go on a ring without it: the same mapping, at the cost of a
// mark per backend instead of a rebuild (see ringView).
type consistentHash struct {
	snap atomic.Pointer[ringView]
}

const (
	// ringPointsPerWeight is the number of ring points per unit of weight:
	// ketama's 160, nginx's too.
	ringPointsPerWeight = 160
	// maxRingPoints bounds the ring at 2^20 points, 12 MiB with owners,
	// enough for 6,553 backends of weight 1 at 160 points each. A bigger
	// pool gets fewer points per unit of weight, each backend's count
	// scaled by the same factor, at least one point: 104 each for 10,000
	// backends, whose shares then spread by about 10% rather than 8%, in
	// exchange for a ring that builds in half the time. Such a ring is
	// coarser, and since the factor depends on the total weight, a new
	// ring for a changed membership adds or drops a few points of every
	// backend and moves a few more keys than the departed server's.
	maxRingPoints = 1 << 20
)

// ring is an immutable consistent-hash ring over one backend set, shared
// by consistent_hash and bounded_load.
type ring struct {
	ms     []member // by Name, then Index
	total  uint64   // the sum of ms's weights
	points []uint64 // sorted
	owners []int32  // owners[i] is the index in ms of the backend at points[i]
	index  backendIndex
	// dir[k] is the first point whose hash's top bits (h >> shift) are k
	// or more, so that a search looks only at one bucket's points.
	dir   []int32
	shift uint
}

// A ringView is a ring with the backends of the latest Update marked
// usable; the others' points are walked past. Marking is O(N) map
// lookups where a rebuild is O(V) hashing and sorting.
type ringView struct {
	*ring
	usable []bool // by index in ring.ms
	weight uint64 // the usable backends' weight
}

// viewRing returns a view of backends on old's ring when that ring has
// every one of them and at least half its weight is usable, else on a
// ring built for backends.
func viewRing(old *ringView, backends []*Backend) *ringView {
	if old != nil {
		if usable, weight, ok := old.index.mark(backends, old.total); ok {
			return &ringView{ring: old.ring, usable: usable, weight: weight}
		}
	}
	r := newRing(backends)
	v := &ringView{ring: r, usable: make([]bool, len(r.ms)), weight: r.total}
	for i := range v.usable {
		v.usable[i] = true
	}
	return v
}

// owner returns the index in ms of the first usable owner at or after
// point i, clockwise; v has a usable backend.
func (v *ringView) owner(i int) int32 {
	for {
		if o := v.owners[i]; v.usable[o] {
			return o
		}
		if i++; i == len(v.points) {
			i = 0
		}
	}
}

// newRing builds the ring for backends; it has no points when there is no
// backend.
func newRing(backends []*Backend) *ring {
	r := &ring{ms: membersByName(backends)}
	r.index = newBackendIndex(r.ms)
	for _, m := range r.ms {
		r.total += m.w
	}
	count := func(w uint64) uint64 { return ringPointsPerWeight * w }
	if r.total > maxRingPoints/ringPointsPerWeight {
		count = func(w uint64) uint64 {
			hi, lo := bits.Mul64(maxRingPoints, w)
			q, _ := bits.Div64(hi, lo, r.total) // w <= total: no overflow
			return max(q, 1)
		}
	}
	var total uint64
	for _, m := range r.ms {
		total += count(m.w)
	}
	// A point is its hash with the owner's index in the low bits: one
	// word to sort, ordered by hash and then owner, whose low bits are
	// too few to matter to where keys land.
	ownerBits := uint(max(bits.Len(uint(len(r.ms)-1)), 1))
	mask := uint64(1)<<ownerBits - 1
	pts := make([]uint64, 0, total)
	rank := uint64(0) // how many backends before this one have its name
	for i, m := range r.ms {
		if rank++; i == 0 || m.b.Name != r.ms[i-1].b.Name {
			rank = 0
		}
		seed := fnv1a(m.b.Name) + rank*0xd1b54a32d192ed03
		for range count(m.w) {
			seed += 0x9e3779b97f4a7c15
			pts = append(pts, mix64(seed)&^mask|uint64(i))
		}
	}
	r.points = sortHashes(pts)
	r.owners = make([]int32, len(pts))
	for i, p := range r.points {
		r.owners[i] = int32(p & mask)
	}
	r.buildDir()
	return r
}

// sortHashes sorts hashes in place and returns them. They are uniform,
// so three passes of a radix sort on their top 24 bits (256 buckets a
// pass, whose write positions stay in the cache and the TLB) leave only
// the few that share those bits out of order, which one insertion pass
// puts right: O(V), where a comparison sort is O(V log V). Passes with
// more buckets write to too many places of a buffer of megabytes at once
// and are several times slower at 10,000 backends.
func sortHashes(hs []uint64) []uint64 {
	const digit = 8
	src, dst := hs, make([]uint64, len(hs))
	for _, shift := range []uint{64 - 3*digit, 64 - 2*digit, 64 - digit} {
		var count [1<<digit + 1]int
		for _, h := range src {
			count[(h>>shift)&(1<<digit-1)+1]++
		}
		for b := 1; b < len(count); b++ {
			count[b] += count[b-1]
		}
		for _, h := range src {
			b := (h >> shift) & (1<<digit - 1)
			dst[count[b]] = h
			count[b]++
		}
		src, dst = dst, src
	}
	for i := 1; i < len(src); i++ {
		for j := i; j > 0 && src[j] < src[j-1]; j-- {
			src[j], src[j-1] = src[j-1], src[j]
		}
	}
	return src
}

// search returns the index of the first point at or after h, clockwise;
// r has a point. The directory narrows the search to the points that
// share h's top bits, a few dozen: a binary search over the whole ring
// of a large pool, megabytes of points, misses the cache at every step.
func (r *ring) search(h uint64) int {
	k := h >> r.shift
	lo, hi := r.dir[k], r.dir[k+1]
	i, _ := slices.BinarySearch(r.points[lo:hi], h)
	if i += int(lo); i == len(r.points) {
		return 0
	}
	return i
}

// pointsPerBucket is about how many points a directory bucket holds.
const pointsPerBucket = 16

// buildDir builds the directory: dir[k] is the first point whose top bits
// are k or more, for 2^b buckets of about pointsPerBucket points.
func (r *ring) buildDir() {
	b := max(bits.Len(uint(len(r.points)/pointsPerBucket)), 1)
	r.shift = uint(64 - b)
	r.dir = make([]int32, 1<<b+1)
	i := 0
	for k := range r.dir {
		for i < len(r.points) && r.points[i]>>r.shift < uint64(k) {
			i++
		}
		r.dir[k] = int32(i)
	}
}

func (p *consistentHash) Pick(req *Request) (*Backend, error) {
	v := p.snap.Load()
	if v == nil || v.weight == 0 {
		return nil, ErrNoBackend
	}
	return v.ms[v.owner(v.search(requestHash(req)))].b, nil
}

func (p *consistentHash) Done(*Backend, Outcome) {}

func (p *consistentHash) Update(backends []*Backend) {
	p.snap.Store(viewRing(p.snap.Load(), backends))
}
