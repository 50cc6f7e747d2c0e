package algorithms

import (
	"math"
	"testing"
)

// checkShares asserts that each backend's count over n independent picks is
// within 4 binomial standard deviations, sqrt(n p (1-p)), of n p. A correct
// policy fails this with probability about 6e-5 per backend for a random
// seed; the tests use fixed seeds, so they are deterministic.
func checkShares(t *testing.T, counts map[string]int, want map[string]float64, n int) {
	t.Helper()
	for name, p := range want {
		mean := float64(n) * p
		sd := math.Sqrt(float64(n) * p * (1 - p))
		if got := float64(counts[name]); math.Abs(got-mean) > 4*sd {
			t.Errorf("%s: %v of %d, want %.0f ± %.0f (4 sd)", name, got, n, mean, 4*sd)
		}
	}
	for name := range counts {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected backend %s", name)
		}
	}
}

func TestRandomShares(t *testing.T) {
	for _, c := range []struct {
		weights []int
		want    map[string]float64
	}{
		{[]int{5, 3, 2}, map[string]float64{"a": .5, "b": .3, "c": .2}},
		{[]int{1, 1, 1, 1}, map[string]float64{"a": .25, "b": .25, "c": .25, "d": .25}},
		{[]int{1, 9}, map[string]float64{"a": .1, "b": .9}},
	} {
		bal := mustNew(t, "random", 3)
		bal.Update(pool(c.weights...))
		const n = 100000
		counts := map[string]int{}
		for range n {
			b, _ := bal.Pick(&Request{})
			counts[b.Name]++
		}
		checkShares(t, counts, c.want, n)
	}
}

// Same seed, same decisions; another seed, other decisions.
func TestSeededPolicies(t *testing.T) {
	for _, name := range []string{"random", "power_of_two"} {
		run := func(seed uint64) string {
			bal := mustNew(t, name, seed)
			bal.Update(pool(3, 1, 2, 1, 1))
			return picks(t, bal, &Request{}, 200)
		}
		a, b, c := run(1), run(1), run(2)
		if a != b {
			t.Errorf("%s: seed 1 gave two sequences:\n%s\n%s", name, a, b)
		}
		if a == c {
			t.Errorf("%s: seeds 1 and 2 gave the same sequence %s", name, a)
		}
	}
}
