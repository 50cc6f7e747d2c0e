package algorithms

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strings"
	"sync/atomic"
)

func init() {
	register(Info{
		Name:    "ip_hash",
		Summary: "same client address, same backend (whole address hashed into a weighted Maglev table)",
		Description: Description{
			How:      "Hashes the client's address to choose the server, so one client always lands on the same server while the set of servers stays the same. lbsim hashes the whole address into a weighted Maglev table, so few clients move when a server comes or goes.",
			UseWhen:  "a server keeps a client's state in memory (a login, a shopping cart) and there is no cookie or shared store to find it elsewhere.",
			Drawback: "the split is only as even as the addresses: all the clients behind one NAT gateway share one server, and a server that crashes takes its clients' sessions with it.",
		},
		New: func(Options) Balancer { return &ipHash{} },
	})
}

// ipHash sends every request from one client address to the same backend, as
// long as the backend set does not change, with shares of distinct clients
// proportional to the weights.
//
// The whole address is hashed: its 16-byte form (IPv4 as ::ffff:a.b.c.d, so
// 192.0.2.1 and ::ffff:192.0.2.1 are one client; the zone is ignored) mixed by
// the SplitMix64 finalizer. Unlike nginx's ip_hash, which hashes only the
// first three octets of an IPv4 address and so puts a whole /24 on one
// backend, lbsim hashes every bit, like HAProxy's `balance source`. Requests
// without a client address (the zero netip.Addr) all go to one backend. The
// hash takes no seed: the mapping must survive a proxy restart.
//
// Update builds a weighted Maglev lookup table (Eisenbud et al., NSDI 2016):
// a prime number of slots (the smallest of maglevSizes that gives the
// lightest backend at least slotsPerShare slots), each owned by one backend.
// Each backend walks its own permutation of the slots, derived from a hash of
// its Name, and claims the next free slot in turn; a backend of weight w
// claims w slots for every wmax claimed by the heaviest, so slot shares match
// the weights to within a slot. Pick hashes the client to a slot: O(1), no
// allocation. Because permutations depend only on names, the table is the
// same whatever order Update lists the backends in. When a backend leaves,
// only its clients move (see maglevSnapshot); when one joins, the table is
// built again and mostly the clients it takes move (adding one of five
// moves under 1% of the others' clients in the tests; hash-mod-n would
// move about 80%). Backend names should be unique; backends sharing a name share a
// permutation, which stays balanced but moves their clients together.
type ipHash struct {
	snap atomic.Pointer[maglevSnapshot]
}

// maglevSnapshot is a weighted Maglev table over one backend set; ip_hash
// and maglev differ only in what they hash into it.
//
// Building a table costs about a millisecond for a few backends and tens
// of milliseconds for thousands, so an Update that only takes backends
// away (an ejection, a crash, a drain) keeps the table and marks them
// unusable, as long as half the table's weight is left: a request whose
// slot an unusable backend owns is hashed again, into another slot, until
// a usable backend's. The departed backend's keys then spread over the
// others in proportion to their slots, and no other key moves; when it
// comes back, its keys return to it. A backend the table has not got makes
// Update build a new table.
type maglevSnapshot struct {
	backends []*Backend // sorted by Name, then Index
	table    []int32    // slot -> index into backends; len is prime
	index    backendIndex
	total    uint64 // the weight of every backend in the table
	usable   []bool // by index in backends
	weight   uint64 // the usable backends' weight
}

// maglevSizes are the table sizes, primes just above powers of two from 2^12
// to 2^20.
var maglevSizes = [...]uint64{4099, 8209, 16411, 32771, 65537, 131101, 262147, 524309, 1048583}

// slotsPerShare is the number of table slots Update aims to give the backend
// with the smallest weight.
const slotsPerShare = 64

func (p *ipHash) Pick(req *Request) (*Backend, error) {
	s := p.snap.Load()
	if s == nil || s.weight == 0 {
		return nil, ErrNoBackend
	}
	var h uint64
	if req != nil {
		h = hashAddr(req)
	}
	return s.lookup(h), nil
}

// lookup is the usable backend h leads to: the owner of the slot h falls
// in, or if it is unusable, of the slot the next rehash of h falls in; s
// has a usable backend, which owns at least half the slots' weight, so a
// lookup rehashes twice on average at worst.
func (s *maglevSnapshot) lookup(h uint64) *Backend {
	for {
		if o := s.table[scale(h, uint64(len(s.table)))]; s.usable[o] {
			return s.backends[o]
		}
		h = mix64(h + 0x9e3779b97f4a7c15)
	}
}

// requestHash is what the key-hashing policies (consistent_hash, maglev,
// bounded_load) hash: the request's key when it has one, else its client
// address, as ip_hash always does.
func requestHash(req *Request) uint64 {
	switch {
	case req == nil:
		return 0
	case req.Keyed:
		return mix64(req.Key ^ 0x6b6579) // keys and addresses hash apart
	}
	return hashAddr(req)
}

// KeyHash is the Request.Key of a key given as text, such as a request's
// URI in the proxy.
func KeyHash[T string | []byte](key T) uint64 { return fnv1a(key) }

// hashAddr mixes all 128 bits of the client's address into 64.
func hashAddr(req *Request) uint64 {
	a := req.Client.As16()
	hi := binary.BigEndian.Uint64(a[:8])
	lo := binary.BigEndian.Uint64(a[8:])
	return mix64(mix64(hi+0x9e3779b97f4a7c15) ^ lo)
}

func (p *ipHash) Done(*Backend, Outcome) {}

func (p *ipHash) Update(backends []*Backend) {
	p.snap.Store(viewMaglev(p.snap.Load(), backends, 0))
}

// viewMaglev returns old's table with backends marked usable when the
// table has every one of them and at least half its weight is usable,
// else a new table for backends of at least minSize slots.
func viewMaglev(old *maglevSnapshot, backends []*Backend, minSize uint64) *maglevSnapshot {
	if old != nil {
		if usable, weight, ok := old.index.mark(backends, old.total); ok {
			s := *old
			s.usable, s.weight = usable, weight
			return &s
		}
	}
	return newMaglevSnapshot(backends, minSize)
}

// newMaglevSnapshot builds the table for backends, of at least minSize
// slots, every backend usable; it has no slots when there is no backend.
func newMaglevSnapshot(backends []*Backend, minSize uint64) *maglevSnapshot {
	ms := membersByName(backends)
	s := &maglevSnapshot{backends: make([]*Backend, len(ms)), index: newBackendIndex(ms), usable: make([]bool, len(ms))}
	for i, m := range ms {
		s.backends[i], s.usable[i] = m.b, true
		s.total += m.w
	}
	s.weight = s.total
	if len(ms) > 0 {
		s.table = maglev(ms, minSize)
	}
	return s
}

// membersByName is members sorted by Name, then Index: the order the
// hashing policies build from, so their tables and rings depend on the
// names and not on the order Update lists the backends in.
func membersByName(backends []*Backend) []member {
	ms := members(backends)
	slices.SortStableFunc(ms, func(a, b member) int {
		return cmp.Or(strings.Compare(a.b.Name, b.b.Name), cmp.Compare(a.b.Index, b.b.Index))
	})
	return ms
}

// maglev builds the weighted Maglev table for ms (at least one member):
// the first of maglevSizes of at least minSize slots that gives the
// lightest backend slotsPerShare of them, or the largest.
func maglev(ms []member, minSize uint64) []int32 {
	var total, wmin, wmax uint64 = 0, ms[0].w, ms[0].w
	for _, m := range ms {
		total += m.w
		wmin, wmax = min(wmin, m.w), max(wmax, m.w)
	}
	shares := (total + wmin - 1) / wmin // the table in units of the lightest share
	size := maglevSizes[len(maglevSizes)-1]
	for _, m := range maglevSizes {
		if m >= minSize && m/slotsPerShare >= shares {
			size = m
			break
		}
	}

	n := len(ms)
	pos := make([]uint64, n)  // next slot in each backend's permutation
	skip := make([]uint64, n) // permutation step, in [1, size-1]: coprime with size
	credit := make([]uint64, n)
	for i, m := range ms {
		h := fnv1a(m.b.Name)
		pos[i] = mix64(h^0x5851f42d4c957f2d) % size
		skip[i] = mix64(h^0x14057b7ef767814f)%(size-1) + 1
	}
	table := make([]int32, size)
	for i := range table {
		table[i] = -1
	}
	for filled := uint64(0); filled < size; {
		for i := 0; i < n && filled < size; i++ {
			credit[i] += ms[i].w
			for credit[i] >= wmax && filled < size {
				credit[i] -= wmax
				c := pos[i]
				for table[c] >= 0 {
					if c += skip[i]; c >= size {
						c -= size
					}
				}
				table[c] = int32(i)
				if c += skip[i]; c >= size {
					c -= size
				}
				pos[i] = c
				filled++
			}
		}
	}
	return table
}

// fnv1a is the 64-bit FNV-1a hash of s.
func fnv1a[T string | []byte](s T) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
