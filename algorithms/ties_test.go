package algorithms

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// Policies that compare load choose uniformly among the backends that tie for
// the best, so no backend is favoured by its place in the list. With a busy
// and b, c idle, least_connections used to start its scan at a rotating
// offset and keep the first minimum it met: the scans from a and from b both
// ended at b, which got 2/3 of the picks. Every case here fails that way
// under a first-met or rotating tie rule.
//
// Each share is checked within 4 binomial standard deviations,
// sqrt(n p (1-p)); at n = 30000 and p = 1/2 that is ±346 picks (±1.2% of n),
// while the old bias was 5000 picks (1/6 of n), 58 standard deviations.
func TestTiesAreUniform(t *testing.T) {
	for _, c := range []struct {
		policy   string
		desc     string
		weights  []int
		inFlight []int64
		latency  []time.Duration // one sample each; 0 = none; nil = no samples
		want     map[string]float64
	}{
		{"least_connections", "all idle", []int{1, 1, 1}, []int64{0, 0, 0}, nil,
			map[string]float64{"a": 1. / 3, "b": 1. / 3, "c": 1. / 3}},
		{"least_connections", "a busy, b and c idle", []int{1, 1, 1}, []int64{1, 0, 0}, nil,
			map[string]float64{"b": .5, "c": .5}},
		{"least_connections", "a busy, three idle", []int{1, 1, 1, 1}, []int64{1, 0, 0, 0}, nil,
			map[string]float64{"b": 1. / 3, "c": 1. / 3, "d": 1. / 3}},
		{"least_connections", "tied per unit of weight: 1/1 = 2/2 < 2/1", []int{1, 2, 1}, []int64{1, 2, 2}, nil,
			map[string]float64{"a": .5, "b": .5}},
		{"least_connections", "c busy, a and b tied after it", []int{1, 1, 1, 1}, []int64{0, 0, 3, 1}, nil,
			map[string]float64{"a": .5, "b": .5}},
		{"least_response_time", "nothing sampled, a busy", []int{1, 1, 1}, []int64{1, 0, 0}, nil,
			map[string]float64{"b": .5, "c": .5}},
		{"least_response_time", "equal estimates, a busy", []int{1, 1, 1}, []int64{1, 0, 0},
			[]time.Duration{20 * ms, 20 * ms, 20 * ms}, map[string]float64{"b": .5, "c": .5}},
		{"least_response_time", "equal scores: 10x(1+1) = 20x1", []int{1, 1, 1, 1}, []int64{1, 0, 0, 0},
			[]time.Duration{10 * ms, 20 * ms, 20 * ms, 40 * ms}, map[string]float64{"a": 1. / 3, "b": 1. / 3, "c": 1. / 3}},
		{"least_response_time", "unsampled b and c idle, a sampled", []int{1, 1, 1}, []int64{0, 0, 0},
			[]time.Duration{10 * ms, 0, 0}, map[string]float64{"b": .5, "c": .5}},
		// power_of_two already broke ties fairly: the first of two random
		// draws wins a tie, and either of a tied pair is first half the time.
		{"power_of_two", "a busy, b and c idle", []int{1, 1, 1}, []int64{1, 0, 0}, nil,
			map[string]float64{"b": .5, "c": .5}},
	} {
		// Each case runs scanned, and indexed on a pool padded past the
		// policy's scan threshold with backends that never win: unsampled
		// and far busier than any in the case.
		for _, indexed := range []bool{false, true} {
			if indexed && c.policy == "power_of_two" {
				continue // it never indexes, and padding would change its draws
			}
			t.Run(fmt.Sprintf("%s/%s/indexed=%v", c.policy, c.desc, indexed), func(t *testing.T) {
				testTies(t, c.policy, c.weights, c.inFlight, c.latency, c.want, indexed)
			})
		}
	}
}

// testTies makes n picks with the given loads and samples and checks the
// shares of the tied backends.
func testTies(t *testing.T, policy string, weights []int, inFlight []int64, latency []time.Duration, want map[string]float64, indexed bool) {
	const n = 30000
	for name, p := range want {
		// The test must be able to tell the old bias from a fair
		// share: 4 sd at this n is well under the 1/6 it was off by.
		if sd := math.Sqrt(n * p * (1 - p)); 4*sd > n/12 {
			t.Fatalf("%s: 4 sd = %.0f of %d cannot detect a bias of 1/6", name, 4*sd, n)
		}
	}
	bal := mustNew(t, policy, 9)
	bs := pool(weights...)
	if indexed {
		for len(bs) <= max(scanMax, lrtScanMax) {
			pad := NewBackend(len(bs), fmt.Sprint("pad", len(bs)), 1)
			pad.SetInFlight(1000)
			bs = append(bs, pad)
		}
	}
	bal.Update(bs)
	for i, l := range latency {
		if l > 0 {
			bal.Done(bs[i], Outcome{Latency: l})
		}
	}
	for i, f := range inFlight {
		setInFlight(bs[i], f)
	}
	counts := map[string]int{}
	for range n {
		b, err := bal.Pick(&Request{})
		if err != nil {
			t.Fatal(err)
		}
		counts[b.Name]++
	}
	checkShares(t, counts, want, n)
}

// Tie-breaking draws from the balancer's seeded source: the same seed makes
// the same choices, so a simulation is reproducible bit for bit.
func TestTiesFollowTheSeed(t *testing.T) {
	for _, name := range []string{"least_connections", "least_response_time"} {
		for _, size := range []int{4, lrtScanMax + 1} { // scanned, indexed
			run := func(seed uint64) string {
				bal := mustNew(t, name, seed)
				bal.Update(pool(make([]int, size)...))
				return picks(t, bal, &Request{}, 64)
			}
			if a, b := run(3), run(3); a != b {
				t.Errorf("%s, %d backends, seed 3 twice: %s and %s", name, size, a, b)
			}
			if a, b := run(3), run(4); a == b {
				t.Errorf("%s, %d backends, seeds 3 and 4: both %s", name, size, a)
			}
		}
	}
}

// TestManyTies: least_connections remembers up to maxTies tied backends by
// index and finds a later one by counting again; with 3*maxTies idle
// backends each must still get its 1/300th or so: the ones past the
// remembered count as much as the first. Checked by thirds of the pool,
// each within 4 binomial standard deviations of a third.
func TestManyTies(t *testing.T) {
	const n = 30000
	size := 3 * maxTies
	weights := make([]int, size)
	for i := range weights {
		weights[i] = 1
	}
	bal := mustNew(t, "least_connections", 9)
	bs := pool(weights...)
	bal.Update(bs)
	setInFlight(bs[0], 1) // the first is busier: the others tie
	third := map[int]int{}
	for range n {
		b, err := bal.Pick(&Request{})
		if err != nil {
			t.Fatal(err)
		}
		if b == bs[0] {
			t.Fatal("picked the busy backend")
		}
		third[b.Index*3/size]++
	}
	for k := range 3 {
		tied := maxTies // idle backends in this third
		if k == 0 {
			tied-- // less the busy one
		}
		p := float64(tied) / float64(size-1)
		if sd := math.Sqrt(n * p * (1 - p)); math.Abs(float64(third[k])-n*p) > 4*sd {
			t.Errorf("third %d of the pool got %d picks, want %.0f ± %.0f", k, third[k], n*p, 4*sd)
		}
	}
}
