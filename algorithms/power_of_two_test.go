package algorithms

import "testing"

func TestPowerOfTwoPrefersLessLoaded(t *testing.T) {
	for _, c := range []struct {
		desc     string
		weights  []int
		inFlight []int64
		never    string // a backend that must never win
		always   string // or "" when more than one may win
	}{
		// With two backends both are always drawn, so the lighter one wins.
		{"two backends", []int{1, 1}, []int64{10, 0}, "a", "b"},
		{"two backends, per weight 10/5 < 3/1", []int{5, 1}, []int64{10, 3}, "b", "a"},
		// Of three, the busiest loses every draw it is in.
		{"one busy of three", []int{1, 1, 1}, []int64{0, 7, 0}, "b", ""},
	} {
		bal := mustNew(t, "power_of_two", 42)
		bs := pool(c.weights...)
		for i, n := range c.inFlight {
			setInFlight(bs[i], n)
		}
		bal.Update(bs)
		seen := map[string]int{}
		for range 1000 {
			b, err := bal.Pick(&Request{})
			if err != nil {
				t.Fatal(err)
			}
			seen[b.Name]++
		}
		if seen[c.never] > 0 {
			t.Errorf("%s: the busier %s won %d of 1000", c.desc, c.never, seen[c.never])
		}
		if c.always != "" && seen[c.always] != 1000 {
			t.Errorf("%s: %s won %d of 1000, want all", c.desc, c.always, seen[c.always])
		}
	}
}

// Equal load: the first draw wins, so picks are uniform over the backends.
func TestPowerOfTwoUniformWhenIdle(t *testing.T) {
	bal := mustNew(t, "power_of_two", 7)
	bal.Update(pool(1, 1, 1, 1))
	const n = 100000
	counts := map[string]int{}
	for range n {
		b, _ := bal.Pick(&Request{})
		counts[b.Name]++
	}
	checkShares(t, counts, map[string]float64{"a": .25, "b": .25, "c": .25, "d": .25}, n)
}
