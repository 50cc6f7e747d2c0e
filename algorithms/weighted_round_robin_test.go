package algorithms

import (
	"math/big"
	"strings"
	"testing"
)

// The first cycle of the earliest-deadline-first schedule for 5:3:2, by
// hand. A backend of weight w is due at (2k+1)/(2w): a at 1/10, 3/10, 5/10,
// 7/10, 9/10; b at 1/6, 3/6, 5/6; c at 1/4, 3/4. In order of deadline, a
// before b at the tie at 1/2 (a is listed first):
//
//	0.10 a  0.17 b  0.25 c  0.30 a  0.50 a  0.50 b  0.70 a  0.75 c  0.83 b  0.90 a
//
// Every deadline moves on by 1 after a cycle, so the cycle repeats. (nginx's
// smooth weighted round robin gives the same cycle for these weights.)
const wrr532 = "abcaabacba"

func TestWeightedRoundRobinSequence(t *testing.T) {
	for _, c := range []struct {
		weights []int
		want    string // one full cycle
	}{
		{[]int{5, 3, 2}, wrr532},
		// a at .1 .3 .5 .7 .9, b at 1/3, c at 2/3: nginx's sequence.
		{[]int{5, 1, 1}, "aabacaa"},
		// b and c share a step, a at .1 .3 .5 .7 .9, b at 1/6 and 2/3, c at
		// 1/3 and 5/6.
		{[]int{5, 2, 2}, "abacabaca"},
		{[]int{1, 1, 1}, "abc"},
		{[]int{2, 1}, "aba"},       // a .25 .75, b .5
		{[]int{1, 3}, "babb"},      // b 1/6, a and b tie at 1/2, b 5/6
		{[]int{3, 2}, "ababa"},     // a 1/6 1/2 5/6, b 1/4 3/4
		{[]int{1, 1, 4}, "caccbc"}, // c 1/8 3/8 5/8 7/8, a 1/3, b 2/3
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

// Over every cycle of total-weight picks each backend gets exactly its
// weight, for random weights and pool sizes, whichever cycle is looked at
// and however long the run.
func TestWeightedRoundRobinExactShares(t *testing.T) {
	r := newRNG(7)
	for trial := range 200 {
		weights := make([]int, 1+r.IntN(40))
		total := 0
		for i := range weights {
			weights[i] = 1 + r.IntN(12)
			total += weights[i]
		}
		bs := pool(weights...)
		bal := mustNew(t, "weighted_round_robin", 1)
		bal.Update(bs)
		for cycle := range 20 {
			got := map[*Backend]int{}
			for range total {
				b, err := bal.Pick(&Request{})
				if err != nil {
					t.Fatal(err)
				}
				got[b]++
			}
			for i, b := range bs {
				if got[b] != weights[i] {
					t.Fatalf("trial %d, weights %v, cycle %d: backend %d got %d turns, want %d", trial, weights, cycle, i, got[b], weights[i])
				}
			}
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

// A fresh schedule interleaves: in no prefix of the first cycle does a
// backend have more than its share rounded down plus one, so a heavy
// backend does not take its turns in a burst before the light ones get any.
func TestWeightedRoundRobinInterleavesFromTheStart(t *testing.T) {
	for _, weights := range [][]int{{5, 1, 1}, {5, 3, 2}, {10, 1}, {7, 7, 1}, {1, 2, 3, 4, 5, 6}} {
		total := 0
		for _, w := range weights {
			total += w
		}
		bal := mustNew(t, "weighted_round_robin", 1)
		bal.Update(pool(weights...))
		got := picks(t, bal, &Request{}, total)
		for l := 1; l <= total; l++ {
			for i, w := range weights {
				if n := strings.Count(got[:l], string(rune('a'+i))); n > smoothBound(l, w, total) {
					t.Errorf("weights %v: %s has %d of the first %d picks (%q), share %.1f", weights, string(rune('a'+i)), n, l, got, float64(l*w)/float64(total))
				}
			}
		}
	}
}

// Backends that stay across Update keep their place in the schedule; a
// backend that joins (or comes back) takes turns at its own pace from the
// moment it joins, not a burst of the turns it missed.
func TestWeightedRoundRobinUpdate(t *testing.T) {
	bs := pool(5, 3, 2, 1, 4)
	bal := mustNew(t, "weighted_round_robin", 1)
	bal.Update(bs[:3])
	first := picks(t, bal, nil, 4)
	bal.Update(bs[:3]) // same set, fresh slice
	if got := first + picks(t, bal, nil, 6); got != wrr532 {
		t.Errorf("re-Update mid-cycle: picks %q, want %q", got, wrr532)
	}
	bal.Update([]*Backend{bs[2], bs[0], bs[1]}) // same set, other order
	if got := picks(t, bal, nil, 10); strings.Count(got, "a") != 5 || strings.Count(got, "b") != 3 || strings.Count(got, "c") != 2 {
		t.Errorf("re-Update in another order: picks %q, want 5 a, 3 b and 2 c", got)
	}

	// 1000 cycles on, d (weight 1) joins: the latest pick, a's, was due at
	// 1001.9, so d is due at 1002 (the first half step after), before a
	// (1002.1), b and c. Then it takes one turn in every 11.
	picks(t, bal, nil, 10000)
	bal.Update(bs[:4])
	if got := picks(t, bal, nil, 11); got != "d"+wrr532 {
		t.Errorf("after adding d: picks %q, want %q", got, "d"+wrr532)
	}

	// e (weight 4) joins a running schedule, then b leaves and comes back:
	// no backend ever runs more than one turn ahead of its share of the
	// picks since the change.
	for _, step := range []struct {
		desc string
		set  []*Backend
	}{
		{"e joins", bs},
		{"b leaves", []*Backend{bs[0], bs[2], bs[3], bs[4]}},
		{"b comes back", bs},
	} {
		total := 0
		for _, b := range step.set {
			total += b.Weight
		}
		bal.Update(step.set)
		got := picks(t, bal, nil, 3*total)
		for _, b := range step.set {
			for l := 1; l <= len(got); l++ {
				if n := strings.Count(got[:l], b.Name); n > l*b.Weight/total+1 {
					t.Errorf("%s: %s has %d of the first %d picks (%q), share %d/%d", step.desc, b.Name, n, l, got, l*b.Weight, total)
					break
				}
			}
		}
	}
}

// The heap picks what a brute-force earliest-deadline-first schedule with
// exact rational deadlines picks, over a large pool with random weights,
// through updates that add, drop and reorder backends.
func TestWeightedRoundRobinMatchesBruteForce(t *testing.T) {
	r := newRNG(3)
	all := make([]*Backend, 300)
	for i := range all {
		all[i] = NewBackend(i, "s", 1+r.IntN(20))
	}
	bal := mustNew(t, "weighted_round_robin", 1)
	next := map[*Backend]*big.Rat{} // the reference's deadlines
	now := new(big.Rat)
	var set []*Backend
	update := func(bs []*Backend) {
		kept := map[*Backend]*big.Rat{}
		// A fresh schedule: the r-th of m backends of one weight starts
		// r/(m+1) of a step in, rounded down to the schedule's unit.
		placed, of := map[int]int64{}, map[int]int64{}
		for _, b := range bs {
			of[b.Weight]++
		}
		for _, b := range bs {
			if len(next) == 0 {
				placed[b.Weight]++
				phase := wrrStep * placed[b.Weight] / (of[b.Weight] + 1)
				kept[b] = big.NewRat(phase, wrrStep*int64(b.Weight))
				continue
			}
			if d := next[b]; d != nil {
				kept[b] = d
				continue
			}
			// The first half step of 1/w strictly after now.
			half := new(big.Rat).Mul(now, big.NewRat(int64(2*b.Weight), 1))
			q := new(big.Int).Quo(half.Num(), half.Denom())
			kept[b] = new(big.Rat).SetFrac(q.Add(q, big.NewInt(1)), big.NewInt(int64(2*b.Weight)))
		}
		next, set = kept, bs
		bal.Update(bs)
	}
	update(all[:200])
	for round := range 20 {
		for k := range 500 {
			var want *Backend
			for _, b := range set { // the earliest deadline, the first listed on a tie
				if want == nil || next[b].Cmp(next[want]) < 0 {
					want = b
				}
			}
			got, err := bal.Pick(&Request{})
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("round %d, pick %d: got backend %d, brute force %d", round, k, got.Index, want.Index)
			}
			now.Set(next[want])
			next[want] = new(big.Rat).Add(next[want], big.NewRat(1, int64(want.Weight)))
		}
		// Drop a few, add a few, shuffle the order.
		var bs []*Backend
		for _, b := range all {
			if _, in := next[b]; in != (r.IntN(10) == 0) {
				bs = append(bs, b)
			}
		}
		for i := len(bs) - 1; i > 0; i-- {
			j := r.IntN(i + 1)
			bs[i], bs[j] = bs[j], bs[i]
		}
		update(bs)
	}
}
