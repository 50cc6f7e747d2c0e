package algorithms

import "sync/atomic"

func init() {
	register(Info{
		Name:    "maglev",
		Summary: "the request's key (or client address) into a weighted Maglev lookup table; one lookup per request, few keys move when servers change",
		Description: Description{
			How:      "Builds a large table in which every server claims slots in turn, each following its own order of the slots derived from its name, a heavier server claiming more. A request's key (a URL, a user id), or without a key the client's address, is hashed to one slot, whose server takes it. When a server leaves or joins, most slots keep their server, so most keys stay where they were.",
			UseWhen:  "as for consistent_hash, servers cache by key and should keep their keys when the pool changes, but the pool is large or the lookup must be as cheap as possible: one table read per request, and shares that follow the weights within a fraction of a percent.",
			Drawback: "a server that joins takes a few more keys than its own share from the others (around 1% of theirs here), and like every pure hash it ignores load, so a popular key can swamp its server.",
		},
		New: func(Options) Balancer { return &maglevHash{} },
	})
}

// maglevHash is Maglev hashing (Eisenbud et al., "Maglev: A Fast and
// Reliable Software Network Load Balancer", NSDI 2016) on requestHash: the
// request's key when Request.Keyed, else its client address. Without keys
// it hashes as ip_hash does, into a table of its own size, so the two
// agree only once ip_hash's table has grown to maglevMinSize (from 513
// backends of equal weight).
//
// The table is built as ip_hash's is (newMaglevSnapshot, maglev), but
// never smaller than maglevMinSize slots: a prime number of slots, enough
// for the
// lightest backend to own about slotsPerShare of them; every backend walks
// a permutation of the slots derived from its Name and claims free ones in
// turn, in proportion to its weight. Shares therefore match the weights to
// within a slot in tens of thousands, much closer than a ring's, and the
// table is the same whatever order Update lists the backends in.
//
// Maglev trades strict consistency for that evenness: when a backend
// joins and the table is built again, a few slots besides those it takes
// change hands as the permutations settle differently, fewer the more
// slots each backend has (the paper sizes the table at over 100 slots per
// backend; a rebuild without one of 5 to 300 backends moves 0.1% to 1%
// of the others' keys here). A backend that leaves is marked unusable
// rather than rebuilt away, and then no other key moves. A change of table size moves almost every key, so
// the size depends only on the backend set: the fixed 65537 up to 1024
// backends of equal weight, larger beyond, changing only when the pool's
// weight in lightest shares crosses a power of two.
//
// Pick is one hash and one table read: O(1), no allocation. Building the
// table costs O(M log M) for M slots: about a millisecond up to 1024
// backends, under 100 ms at 10,000; an Update that only takes backends
// away marks them instead (see maglevSnapshot).
type maglevHash struct {
	snap atomic.Pointer[maglevSnapshot]
}

func (p *maglevHash) Pick(req *Request) (*Backend, error) {
	s := p.snap.Load()
	if s == nil || s.weight == 0 {
		return nil, ErrNoBackend
	}
	return s.lookup(requestHash(req)), nil
}

func (p *maglevHash) Done(*Backend, Outcome) {}

func (p *maglevHash) Update(backends []*Backend) {
	p.snap.Store(viewMaglev(p.snap.Load(), backends, maglevMinSize))
}

// maglevMinSize is the smallest table, Envoy's default and the paper's
// example size: a prime, and over 100 slots per backend up to 655 equal
// backends.
const maglevMinSize = 65537
