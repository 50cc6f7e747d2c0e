package algorithms

import (
	"strings"
	"testing"
)

func TestRoundRobin(t *testing.T) {
	for _, c := range []struct {
		desc    string
		weights []int
		n       int
		want    string
	}{
		{"three servers, nine requests", []int{1, 1, 1}, 9, "abcabcabc"},
		{"weights are ignored", []int{5, 1, 1}, 6, "abcabc"},
		{"two servers", []int{1, 1}, 5, "ababa"},
	} {
		bal := mustNew(t, "round_robin", 1)
		bal.Update(pool(c.weights...))
		got := picks(t, bal, &Request{}, c.n)
		if got != c.want {
			t.Errorf("%s: picks %q, want %q", c.desc, got, c.want)
		}
		for _, name := range []string{"a", "b", "c"}[:len(c.weights)] {
			if k := strings.Count(got, name); k != c.n/len(c.weights) && k != c.n/len(c.weights)+1 {
				t.Errorf("%s: %s got %d of %d", c.desc, name, k, c.n)
			}
		}
	}
}

// After an Update the rotation continues from the pick count instead of
// restarting at the first backend.
func TestRoundRobinContinuesAcrossUpdate(t *testing.T) {
	bs := pool(1, 1, 1, 1)
	bal := mustNew(t, "round_robin", 1)
	bal.Update(bs[:3])
	if got := picks(t, bal, nil, 4); got != "abca" {
		t.Fatalf("picks %q, want abca", got)
	}
	bal.Update(bs) // the fifth pick is number 4, and 4 mod 4 is a
	if got := picks(t, bal, nil, 5); got != "abcda" {
		t.Errorf("after growing to four: picks %q, want abcda", got)
	}
}
