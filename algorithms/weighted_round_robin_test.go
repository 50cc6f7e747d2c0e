package algorithms

import (
	"strings"
	"testing"
)

// The first cycle of nginx's smooth weighted round robin for 5:3:2 (total
// 10), by hand. Each row adds the weights to the current weights, picks the
// largest (the first on a tie) and subtracts the total from it:
//
//	pick  current+weight  chosen  after
//	 1    ( 5,  3,  2)    a       (-5,  3,  2)
//	 2    ( 0,  6,  4)    b       ( 0, -4,  4)
//	 3    ( 5, -1,  6)    c       ( 5, -1, -4)
//	 4    (10,  2, -2)    a       ( 0,  2, -2)
//	 5    ( 5,  5,  0)    a (tie) (-5,  5,  0)
//	 6    ( 0,  8,  2)    b       ( 0, -2,  2)
//	 7    ( 5,  1,  4)    a       (-5,  1,  4)
//	 8    ( 0,  4,  6)    c       ( 0,  4, -4)
//	 9    ( 5,  7, -2)    b       ( 5, -3, -2)
//	10    (10,  0,  0)    a       ( 0,  0,  0)
//
// The current weights are back to zero, so the cycle repeats.
const wrr532 = "abcaabacba"

func TestWeightedRoundRobinSequence(t *testing.T) {
	for _, c := range []struct {
		weights []int
		want    string // one full cycle
	}{
		{[]int{5, 3, 2}, wrr532},
		{[]int{5, 1, 1}, "aabacaa"}, // nginx's own example
		{[]int{1, 1, 1}, "abc"},
		{[]int{2, 1}, "aba"},
		{[]int{1, 3}, "babb"}, // (1,3)b (2,2)a-tie (-1,5)b (0,4)b
	} {
		bal := mustNew(t, "weighted_round_robin", 1)
		bal.Update(pool(c.weights...))
		const cycles = 10
		got := picks(t, bal, &Request{}, cycles*len(c.want))
		if want := strings.Repeat(c.want, cycles); got != want {
			t.Errorf("weights %v: picks %q, want %q repeated", c.weights, got, c.want)
		}
	}
}

// 100 requests at 5:3:2 give exactly 50/30/20.
func TestWeightedRoundRobinShares(t *testing.T) {
	bal := mustNew(t, "weighted_round_robin", 1)
	bal.Update(pool(5, 3, 2))
	got := picks(t, bal, &Request{}, 100)
	for name, want := range map[string]int{"a": 50, "b": 30, "c": 20} {
		if n := strings.Count(got, name); n != want {
			t.Errorf("%s: %d of 100, want %d", name, n, want)
		}
	}
}

// smoothBound is the most picks a backend of weight w (of total) may get in
// any window of l consecutive picks for a schedule to count as smooth: its
// fair share rounded down, plus one.
func smoothBound(l, w, total int) int { return l*w/total + 1 }

// maxInWindow is the largest number of times name occurs in any window of l
// consecutive picks of the periodic schedule cycle.
func maxInWindow(cycle string, name byte, l int) int {
	best := 0
	for start := range cycle {
		n := 0
		for k := range l {
			if cycle[(start+k)%len(cycle)] == name {
				n++
			}
		}
		best = max(best, n)
	}
	return best
}

// No backend runs ahead of its share in any window: the heavy server of
// 5:3:2 never gets more than floor(l/2)+1 of l consecutive picks. A bursting
// counter-modulo-total schedule, aaaaabbbcc, breaks the bound (five in a
// window of five), which shows the check has teeth.
func TestWeightedRoundRobinSmooth(t *testing.T) {
	weights := []int{5, 3, 2}
	bal := mustNew(t, "weighted_round_robin", 1)
	bal.Update(pool(weights...))
	cycle := picks(t, bal, &Request{}, 10)
	smooth := func(cycle string) bool {
		for l := 1; l <= len(cycle); l++ {
			for i, w := range weights {
				if maxInWindow(cycle, byte('a'+i), l) > smoothBound(l, w, 10) {
					return false
				}
			}
		}
		return true
	}
	if !smooth(cycle) {
		t.Errorf("schedule %q exceeds the smooth bound in some window", cycle)
	}
	if smooth("aaaaabbbcc") {
		t.Error("the bound accepts a bursting schedule")
	}
}

// Backends that stay across Update keep their current weight; a new backend
// starts at zero.
func TestWeightedRoundRobinUpdateKeepsState(t *testing.T) {
	bs := pool(5, 3, 2, 1)
	bal := mustNew(t, "weighted_round_robin", 1)
	bal.Update(bs[:3])
	first := picks(t, bal, nil, 4)
	bal.Update(bs[:3]) // same set, fresh slice
	if got := first + picks(t, bal, nil, 6); got != wrr532 {
		t.Errorf("re-Update mid-cycle: picks %q, want %q", got, wrr532)
	}

	// From the zero state after a full cycle, add d (weight 1, total 11):
	// a(5,3,2,1)->(-6,3,2,1), b(-1,6,4,2)->(-1,-5,4,2), c(4,-2,6,3)->(4,-2,-5,3),
	// a(9,1,-3,4)->(-2,1,-3,4), d(3,4,-1,5)->(3,4,-1,-6).
	bal.Update(bs)
	if got := picks(t, bal, nil, 5); got != "abcad" {
		t.Errorf("after adding d: picks %q, want abcad", got)
	}
}
