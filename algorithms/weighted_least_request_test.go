package algorithms

import (
	"fmt"
	"strings"
	"testing"
)

// countPicks makes n picks and counts them by name, without touching
// in-flight counts.
func countPicks(t *testing.T, bal Balancer, n int) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for range n {
		b, err := bal.Pick(&Request{})
		if err != nil {
			t.Fatal(err)
		}
		counts[b.Name]++
	}
	return counts
}

// Equal weights: the fewest in flight among `choices` distinct random
// backends. With loads a=0 b=1 c=2 d=3, two choices give each backend the
// share of the pairs in which it is the lighter (a 3/6, b 2/6, c 1/6, d
// never), three choices the share of the triples (a 3/4, b 1/4).
func TestWeightedLeastRequestEqualWeights(t *testing.T) {
	const n = 30000
	for _, c := range []struct {
		spec     string
		weights  []int
		inFlight []int64
		want     map[string]float64
	}{
		{"weighted_least_request", []int{1, 1}, []int64{3, 0}, map[string]float64{"b": 1}},
		{"weighted_least_request", []int{2, 2}, []int64{0, 1}, map[string]float64{"a": 1}},
		{"weighted_least_request", []int{1, 1}, []int64{4, 4}, map[string]float64{"a": .5, "b": .5}},
		{"weighted_least_request", []int{1, 1, 1, 1}, []int64{0, 1, 2, 3},
			map[string]float64{"a": 3. / 6, "b": 2. / 6, "c": 1. / 6}},
		{"weighted_least_request(choices=3)", []int{1, 1, 1, 1}, []int64{0, 1, 2, 3},
			map[string]float64{"a": 3. / 4, "b": 1. / 4}},
		// choices at least the pool size look at every backend.
		{"weighted_least_request(choices=5)", []int{1, 1, 1, 1}, []int64{2, 1, 1, 3},
			map[string]float64{"b": .5, "c": .5}},
	} {
		t.Run(fmt.Sprint(c.spec, c.inFlight), func(t *testing.T) {
			bal := mustNew(t, c.spec, 7)
			bs := pool(c.weights...)
			bal.Update(bs)
			for i, f := range c.inFlight {
				setInFlight(bs[i], f)
			}
			checkShares(t, countPicks(t, bal, n), c.want, n)
		})
	}
}

// Unequal weights: Envoy's EDF schedule on weight / (in flight + 1)^bias.
// The effective weights are constant here, so over n picks each backend
// gets its share to within a pick or two, not just statistically.
func TestWeightedLeastRequestWeighted(t *testing.T) {
	const n = 3000
	for _, c := range []struct {
		desc     string
		spec     string
		weights  []int
		inFlight []int64
		want     map[string]int
	}{
		{"bias 0 is weighted round robin, load ignored", "weighted_least_request(bias=0)",
			[]int{5, 3, 2}, []int64{9, 0, 4}, map[string]int{"a": 1500, "b": 900, "c": 600}},
		{"bias 1, all idle: the weights", "weighted_least_request",
			[]int{3, 1}, []int64{0, 0}, map[string]int{"a": 2250, "b": 750}},
		// a: 3/(5+1) = 0.5 against b's 1: a third of the picks, not 3/4.
		{"bias 1: a busy heavy backend loses share", "weighted_least_request",
			[]int{3, 1}, []int64{5, 0}, map[string]int{"a": 1000, "b": 2000}},
		// a: 3/(1+1)^2 = 0.75 against b's 1: 3/7.
		{"bias 2 weighs load harder", "weighted_least_request(bias=2)",
			[]int{3, 1}, []int64{1, 0}, map[string]int{"a": 1286, "b": 1714}},
	} {
		t.Run(c.desc, func(t *testing.T) {
			bal := mustNew(t, c.spec, 7)
			bs := pool(c.weights...)
			for i, f := range c.inFlight {
				setInFlight(bs[i], f)
			}
			bal.Update(bs)
			counts := countPicks(t, bal, n)
			for name, want := range c.want {
				if d := counts[name] - want; d < -2 || d > 2 {
					t.Errorf("%s: %d picks, want %d ± 2 (%v)", name, counts[name], want, counts)
				}
			}
		})
	}
}

// The weighted schedule interleaves: with weights 2:1 and no load, b comes
// up every third pick, never twice running, and a never three times.
func TestWeightedLeastRequestInterleaves(t *testing.T) {
	bal := mustNew(t, "weighted_least_request", 1)
	bal.Update(pool(2, 1))
	seq := picks(t, bal, &Request{}, 60)
	if strings.Contains(seq, "bb") || strings.Contains(seq, "aaa") || strings.Count(seq, "b") != 20 {
		t.Errorf("picks %s: want a,a,b interleaved", seq)
	}
}

// A backend's load is read when its turn comes and not again until its next
// turn, as in Envoy: a backend that was busy at its pick keeps its far
// deadline after it empties.
func TestWeightedLeastRequestStaleWeight(t *testing.T) {
	bal := mustNew(t, "weighted_least_request", 1)
	bs := pool(2, 1)
	a := bs[0]
	bal.Update(bs)
	// Make a busy and let its turn come: its next deadline is 1/(2/100) = 50
	// units of the schedule's clock away, b's turns come every 1.
	setInFlight(a, 99)
	if got := picks(t, bal, &Request{}, 3); !strings.Contains(got, "a") {
		t.Fatalf("picks %s: a's turn did not come", got)
	}
	setInFlight(a, 0) // a empties at once
	if got := picks(t, bal, &Request{}, 40); strings.Contains(got, "a") {
		t.Errorf("picks %s: a came up before its stale deadline", got)
	}
}

// The schedule keeps the places of backends that stay across Update, and
// the draws follow the seed.
func TestWeightedLeastRequestUpdateAndSeed(t *testing.T) {
	run := func(seed uint64) string {
		bal := mustNew(t, "weighted_least_request", seed)
		bs := pool(3, 1, 2, 1, 1)
		bal.Update(bs)
		s := picks(t, bal, &Request{}, 50)
		bal.Update(bs[:3])
		return s + picks(t, bal, &Request{}, 50)
	}
	a, b, c := run(1), run(1), run(2)
	if a != b {
		t.Errorf("seed 1 gave two sequences:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("seeds 1 and 2 gave the same sequence %s", a)
	}
	if strings.ContainsAny(a[50:], "de") {
		t.Errorf("picked a removed backend: %s", a[50:])
	}
	// 50 picks over weights 3:1:2 after the Update.
	for name, want := range map[string]int{"a": 25, "b": 8, "c": 17} {
		if got := strings.Count(a[50:], name); got < want-1 || got > want+1 {
			t.Errorf("%s: %d of the 50 picks after Update, want %d ± 1", name, got, want)
		}
	}
}
