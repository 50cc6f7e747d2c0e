package algorithms

import (
	"math/bits"
	"sync/atomic"
)

// rng is a lock-free SplitMix64 generator: the state advances with one atomic
// add, so concurrent picks in the proxy never contend on a lock, and a
// single-threaded simulation draws the same sequence for the same seed.
type rng struct{ state atomic.Uint64 }

func newRNG(seed uint64) *rng {
	r := &rng{}
	r.state.Store(seed)
	return r
}

// Uint64 returns the next 64 random bits.
func (r *rng) Uint64() uint64 {
	z := r.state.Add(0x9e3779b97f4a7c15)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// IntN returns a uniform integer in [0, n); n must be positive.
func (r *rng) IntN(n int) int {
	// Multiply-shift (Lemire): the bias is below n/2^64, far under anything a
	// simulation can measure, and it needs no division or retry loop.
	hi, _ := bits.Mul64(r.Uint64(), uint64(n))
	return int(hi)
}
