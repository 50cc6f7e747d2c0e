package workloads

import (
	"math"
	"math/rand/v2"

	"github.com/lbsim/lbsim/scenarios"
)

// keySet draws keys from one finite set: offset+0 .. offset+n-1, the k-th
// key (from 0) with probability proportional to 1/(k+1)^s.
type keySet struct {
	offset int32
	n      int
	zipf   *zipf // nil for uniform popularity
}

// draw returns a key of the set.
func (k *keySet) draw(rng *rand.Rand) int32 {
	if k.zipf == nil {
		return k.offset + int32(rng.IntN(k.n))
	}
	return k.offset + int32(k.zipf.draw(rng)-1)
}

// newKeySet returns the set of spec's keys, numbered from offset.
func newKeySet(spec *scenarios.Keys, offset int32) *keySet {
	k := &keySet{offset: offset, n: spec.Count}
	if spec.Zipf > 0 && spec.Count > 1 {
		k.zipf = newZipf(spec.Zipf, spec.Count)
	}
	return k
}

// zipf samples Zipf's law over the finite set 1..n with any exponent
// s > 0, in constant time and memory, by rejection-inversion (W. Hörmann
// and G. Derflinger, "Rejection-inversion to generate variates from
// monotone discrete distributions", ACM TOMACS 6(3), 1996). math/rand's
// Zipf needs s > 1, and a table of n cumulative weights would cost memory
// in proportion to the key set.
//
// The method inverts the integral H of the hat function h(x) = x^-s,
// which bounds the probabilities from above, and accepts a draw k when it
// falls under the probability of k; the acceptance rate is above 90% for
// every s and n.
type zipf struct {
	s, n     float64
	hX1, hN  float64 // H(1.5) - 1 and H(n + 0.5)
	squeezeS float64 // draws within this of k are accepted without a test
}

func newZipf(s float64, n int) *zipf {
	z := &zipf{s: s, n: float64(n)}
	z.hX1 = z.hIntegral(1.5) - 1
	z.hN = z.hIntegral(z.n + 0.5)
	z.squeezeS = 2 - z.hIntegralInverse(z.hIntegral(2.5)-z.h(2))
	return z
}

// draw returns a key rank in 1..n.
func (z *zipf) draw(rng *rand.Rand) int {
	for {
		u := z.hN + rng.Float64()*(z.hX1-z.hN)
		x := z.hIntegralInverse(u)
		k := math.Floor(x + 0.5)
		k = min(max(k, 1), z.n)
		if k-x <= z.squeezeS || u >= z.hIntegral(k+0.5)-z.h(k) {
			return int(k)
		}
	}
}

// h is the hat function x^-s.
func (z *zipf) h(x float64) float64 { return math.Exp(-z.s * math.Log(x)) }

// hIntegral is H(x) = (x^(1-s) - 1) / (1-s), log x when s is 1, written
// so that it stays accurate as s nears 1.
func (z *zipf) hIntegral(x float64) float64 {
	lx := math.Log(x)
	return expm1Over((1-z.s)*lx) * lx
}

// hIntegralInverse is H's inverse.
func (z *zipf) hIntegralInverse(x float64) float64 {
	t := x * (1 - z.s)
	if t < -1 {
		t = -1 // rounding; H's range ends at -1/(1-s) for s > 1
	}
	return math.Exp(log1pOver(t) * x)
}

// expm1Over is (e^x - 1)/x, 1 at 0.
func expm1Over(x float64) float64 {
	if math.Abs(x) > 1e-8 {
		return math.Expm1(x) / x
	}
	return 1 + x/2*(1+x/3*(1+x/4))
}

// log1pOver is log(1+x)/x, 1 at 0.
func log1pOver(x float64) float64 {
	if math.Abs(x) > 1e-8 {
		return math.Log1p(x) / x
	}
	return 1 - x*(1.0/2-x*(1.0/3-x/4))
}
