package workloads

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/lbsim/lbsim/scenarios"
)

// TestZipfMatchesLaw draws from the finite Zipf sampler and compares the
// counts of every rank with the exact probabilities (1/k^s normalised
// over 1..n) by Pearson's chi-square test. The sets are small enough for
// every expected count to be above 100, where the test's chi-square
// approximation is sound. The streams are seeded, so the outcome is fixed;
// the threshold, a p-value of 1e-4, is there so that a correct sampler
// would pass almost any seed, while a sampler off by a few percent on any
// rank fails by a wide margin with 200,000 draws.
func TestZipfMatchesLaw(t *testing.T) {
	const draws = 200_000
	for _, tt := range []struct {
		s float64
		n int
	}{
		{0.3, 20}, {0.9, 100}, {1, 50}, {1.5, 30}, {3, 5},
	} {
		z := newZipf(tt.s, tt.n)
		rng := rand.New(rand.NewPCG(1, 2))
		counts := make([]float64, tt.n)
		for range draws {
			k := z.draw(rng)
			if k < 1 || k > tt.n {
				t.Fatalf("s=%g n=%d: drew %d", tt.s, tt.n, k)
			}
			counts[k-1]++
		}
		norm := 0.0
		for k := 1; k <= tt.n; k++ {
			norm += math.Pow(float64(k), -tt.s)
		}
		chi2 := 0.0
		for k := 1; k <= tt.n; k++ {
			want := draws * math.Pow(float64(k), -tt.s) / norm
			chi2 += (counts[k-1] - want) * (counts[k-1] - want) / want
		}
		p := 1 - distuv.ChiSquared{K: float64(tt.n - 1)}.CDF(chi2)
		if p < 1e-4 {
			t.Errorf("s=%g n=%d: chi-square %.1f on %d degrees of freedom, p = %.2g: the draws do not follow Zipf's law", tt.s, tt.n, chi2, tt.n-1, p)
		}
	}
}

// TestKeysInRequests checks how a workload's keys reach its requests: the
// workload's set is numbered from 0, a class's own set after it, a class
// of a workload without a shared set draws none (-1), and zipf 0 is
// uniform (every key drawn, the most frequent under twice the mean count).
func TestKeysInRequests(t *testing.T) {
	w := workload(100)
	w.Service = nil
	svc := scenarios.Service{Dist: "exponential", Mean: scenarios.Duration(time.Millisecond)}
	w.Classes = []scenarios.Class{
		{Name: "page", Share: 0.5, Service: svc},
		{Name: "api", Share: 0.3, Service: svc, Keys: &scenarios.Keys{Count: 10, Zipf: 1}},
		{Name: "ping", Share: 0.2, Service: svc},
	}
	w.Keys = &scenarios.Keys{Count: 100}
	g := newGen(t, w, 7)
	seen := map[int32]int{}
	for _, r := range draw(g, 50_000) {
		switch r.Class {
		case 1:
			if r.Key < 100 || r.Key >= 110 {
				t.Fatalf("api request has key %d, want 100..109", r.Key)
			}
		default:
			if r.Key < 0 || r.Key >= 100 {
				t.Fatalf("class %d request has key %d, want 0..99", r.Class, r.Key)
			}
			seen[r.Key]++
		}
	}
	if len(seen) != 100 {
		t.Errorf("the shared uniform set drew %d distinct keys of 100", len(seen))
	}
	most := 0
	for _, n := range seen {
		most = max(most, n)
	}
	if mean := 35_000 / 100; most > 2*mean {
		t.Errorf("uniform keys: the most drawn key came %d times, mean %d", most, mean)
	}

	w.Keys = nil
	g = newGen(t, w, 7)
	for _, r := range draw(g, 1000) {
		if (r.Class == 1) != (r.Key >= 0) {
			t.Fatalf("without a shared set, class %d request has key %d", r.Class, r.Key)
		}
	}
}
