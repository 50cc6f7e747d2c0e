package algorithms

import "testing"

func TestLeastConnections(t *testing.T) {
	for _, c := range []struct {
		desc     string
		weights  []int
		inFlight []int64
		want     string // every pick
	}{
		{"fewest in flight", []int{1, 1, 1}, []int64{2, 5, 1}, "c"},
		{"idle beats busy", []int{1, 1, 1}, []int64{3, 0, 3}, "b"},
		{"per unit of weight: 4/2 < 3/1", []int{2, 1}, []int64{4, 3}, "a"},
		{"per unit of weight: 5/2 > 2/1", []int{2, 1}, []int64{5, 2}, "b"},
		{"heavy backend absorbs more: 9/10 < 1/1", []int{10, 1}, []int64{9, 1}, "a"},
	} {
		bal := mustNew(t, "least_connections", 1)
		bs := pool(c.weights...)
		for i, n := range c.inFlight {
			setInFlight(bs[i], n)
		}
		bal.Update(bs)
		for k := range 2 * len(bs) {
			if b, err := bal.Pick(&Request{}); err != nil || b.Name != c.want {
				t.Errorf("%s: pick %d = %v, %v; want %s", c.desc, k, b, err, c.want)
			}
		}
	}
}

// With the host counting in-flight requests, a steady trickle with one slow
// request parked on a keeps going to b and c.
func TestLeastConnectionsFollowsInFlight(t *testing.T) {
	bs := pool(1, 1, 1)
	bal := mustNew(t, "least_connections", 1)
	bal.Update(bs)
	slow, _ := bal.Pick(&Request{})
	slow.Begin()
	for range 10 {
		b, _ := bal.Pick(&Request{})
		if b == slow {
			t.Fatalf("picked %s, which has a request in flight, over idle backends", b.Name)
		}
		b.Begin()
		b.End()
	}
}
