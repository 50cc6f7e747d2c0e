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

// lighter reports whether the load x/wx is strictly below y/wy. It compares
// x*wy with y*wx as exact 128-bit products: no floats, no overflow.
func lighter(x, wx, y, wy uint64) bool {
	hx, lx := bits.Mul64(x, wy)
	hy, ly := bits.Mul64(y, wx)
	return hx < hy || hx == hy && lx < ly
}

// rotation returns the starting offset in [0, n) for the k-th scan of a
// snapshot of n members; least_connections and least_response_time start
// there so that ties rotate instead of always going to the first backend.
func rotation(k uint64, n int) int {
	return int(k % uint64(n))
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
