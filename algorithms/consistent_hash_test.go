package algorithms

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// keyReq is the i-th of a run of distinct keyed requests, keyed as the
// proxy keys a request by its path.
func keyReq(i int) *Request {
	return &Request{Client: clientAddr(0), Key: KeyHash(fmt.Sprintf("/item/%d", i)), Keyed: true}
}

// keyMapping returns the backend name each of n keys is sent to.
func keyMapping(t *testing.T, bal Balancer, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		b, err := bal.Pick(keyReq(i))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b.Name
	}
	return out
}

// appPool returns n backends of weight 1 named app-1, app-2, ... with
// Index 0, 1, ...
func appPool(n int) []*Backend {
	bs := make([]*Backend, n)
	for i := range bs {
		bs[i] = NewBackend(i, fmt.Sprintf("app-%d", i+1), 1)
	}
	return bs
}

// ringTolerance is how far a ring backend's share of n sampled keys may be
// from its weight's share p, with V points on the ring: 4 standard
// deviations of the sum of two errors. The ring's: with points placed at
// random, a backend owning pV of them holds a share of the circle
// distributed Beta(pV, (1-p)V), variance p(1-p)/(V+1). The sample's:
// binomial, p(1-p)/n. For p = 1/5 of 800 points and n = 20000 keys that is
// ±5.8% of the keys, mostly the ring's own unevenness, which is what 160
// points per server buys.
func ringTolerance(p float64, points, n int) float64 {
	return 4 * math.Sqrt(p*(1-p)/float64(points+1)+p*(1-p)/float64(n))
}

func TestConsistentHashSticky(t *testing.T) {
	bs := pool(5, 3, 2, 1)
	bal := mustNew(t, "consistent_hash", 1)
	bal.Update(bs)
	other := mustNew(t, "consistent_hash", 99) // the seed does not matter
	other.Update([]*Backend{bs[3], bs[1], bs[0], bs[2]})
	const n = 2000
	first := keyMapping(t, bal, n)
	for i, name := range keyMapping(t, other, n) {
		if name != first[i] {
			t.Fatalf("key %d: %s with the backends in another order, %s before", i, name, first[i])
		}
	}
	for i, name := range keyMapping(t, bal, n) {
		if name != first[i] {
			t.Fatalf("key %d: %s the second time, %s the first", i, name, first[i])
		}
	}
	// Without a key the client's address is hashed: one client, one
	// backend; with keys one client's requests spread over the pool.
	clients := mapping(t, bal, n)
	for i, name := range mapping(t, other, n) {
		if name != clients[i] {
			t.Fatalf("client %d: %s with the backends in another order, %s before", i, name, clients[i])
		}
	}
	if got := countOf(first, first[0]); got == n {
		t.Errorf("all %d keys of one client went to %s", n, first[0])
	}
}

// Shares follow the weights within ringTolerance.
func TestConsistentHashShares(t *testing.T) {
	for _, c := range []struct {
		weights []int
		want    map[string]float64
	}{
		{[]int{1, 1, 1, 1, 1}, map[string]float64{"a": .2, "b": .2, "c": .2, "d": .2, "e": .2}},
		{[]int{5, 3, 2}, map[string]float64{"a": .5, "b": .3, "c": .2}},
		{[]int{1, 9}, map[string]float64{"a": .1, "b": .9}},
	} {
		t.Run(fmt.Sprint(c.weights), func(t *testing.T) {
			bal := mustNew(t, "consistent_hash", 1)
			bal.Update(pool(c.weights...))
			points := len(bal.(*consistentHash).snap.Load().points)
			total := 0
			for _, w := range c.weights {
				total += w
			}
			if points != ringPointsPerWeight*total {
				t.Errorf("%d points on the ring, want %d per unit of weight", points, ringPointsPerWeight)
			}
			const n = 20000
			counts := map[string]int{}
			for _, name := range keyMapping(t, bal, n) {
				counts[name]++
			}
			for name, p := range c.want {
				if got, tol := float64(counts[name])/n, ringTolerance(p, points, n); math.Abs(got-p) > tol {
					t.Errorf("%s: share %.3f, want %.3f ± %.3f", name, got, p, tol)
				}
			}
		})
	}
}

// Removing one of N backends moves its keys and no other: each to the next
// point of another backend. The moved share is the removed backend's, 1/N
// within ringTolerance. Adding a backend moves keys only to it.
func TestConsistentHashDisruption(t *testing.T) {
	const n = 20000
	for _, c := range []struct {
		weights []int
		remove  int // index of the backend removed, then restored as another joins
	}{
		{[]int{1, 1, 1, 1, 1, 1}, 2},
		{[]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 7},
		{[]int{3, 1, 2, 2, 1, 1}, 0},
	} {
		t.Run(fmt.Sprint(c.weights), func(t *testing.T) {
			bs := pool(c.weights...)
			last := bs[len(bs)-1] // joins at the end
			bal := mustNew(t, "consistent_hash", 1)
			bal.Update(bs[:len(bs)-1])
			before := keyMapping(t, bal, n)
			total := 0
			for _, w := range c.weights[:len(bs)-1] {
				total += w
			}
			removed := bs[c.remove].Name
			var rest []*Backend
			for _, b := range bs[:len(bs)-1] {
				if b.Name != removed {
					rest = append(rest, b)
				}
			}
			bal.Update(rest)
			after := keyMapping(t, bal, n)
			moved := 0
			for i := range before {
				switch {
				case after[i] == removed:
					t.Fatalf("key %d still goes to the removed %s", i, removed)
				case before[i] != removed && after[i] != before[i]:
					t.Fatalf("key %d moved from %s to %s, though %s left", i, before[i], after[i], removed)
				case after[i] != before[i]:
					moved++
				}
			}
			p := float64(c.weights[c.remove]) / float64(total)
			if got, tol := float64(moved)/n, ringTolerance(p, ringPointsPerWeight*total, n); math.Abs(got-p) > tol {
				t.Errorf("removing %s moved %.3f of the keys, want %.3f ± %.3f", removed, got, p, tol)
			}

			bal.Update(bs) // the removed one is back and the last one joins
			again := keyMapping(t, bal, n)
			for i := range before {
				if again[i] != before[i] && again[i] != last.Name {
					t.Fatalf("key %d: %s, was %s before and did not move to the new %s", i, again[i], before[i], last.Name)
				}
			}
			total += c.weights[len(bs)-1]
			p = float64(c.weights[len(bs)-1]) / float64(total)
			if got, tol := float64(countOf(again, last.Name))/n, ringTolerance(p, ringPointsPerWeight*total, n); math.Abs(got-p) > tol {
				t.Errorf("the new %s took %.3f of the keys, want %.3f ± %.3f", last.Name, got, p, tol)
			}
		})
	}
}

// A pool too big for 160 points per unit of weight gets fewer per unit,
// scaled alike, and the ring stays within maxRingPoints (plus the one
// point a very light backend is always given).
func TestConsistentHashRingCap(t *testing.T) {
	bs := []*Backend{NewBackend(0, "a", 7000), NewBackend(1, "b", 14000), NewBackend(2, "c", 1)}
	r := newRing(bs)
	if len(r.points) > maxRingPoints+len(bs) {
		t.Fatalf("%d points, more than the cap of %d", len(r.points), maxRingPoints)
	}
	counts := map[int32]int{}
	for _, o := range r.owners {
		counts[o]++
	}
	// In name order a, b, c: floor(2^20 × w / 21001) points, at least one.
	for i, want := range []int{349508, 699017, 49} {
		if counts[int32(i)] != want {
			t.Errorf("%s: %d points, want %d", r.ms[i].b.Name, counts[int32(i)], want)
		}
	}
}

// Two backends of one name both get keys (each their own points), in
// about equal shares.
func TestConsistentHashSameName(t *testing.T) {
	bal := mustNew(t, "consistent_hash", 1)
	bal.Update([]*Backend{NewBackend(0, "app", 1), NewBackend(1, "app", 1)})
	const n = 20000
	counts := map[int]int{}
	for i := range n {
		b, _ := bal.Pick(keyReq(i))
		counts[b.Index]++
	}
	if got, tol := float64(counts[1])/n, ringTolerance(.5, 2*ringPointsPerWeight, n); math.Abs(got-.5) > tol {
		t.Errorf("the second app took %.3f of the keys, want 0.5 ± %.3f", got, tol)
	}
}

// TestRingMarksEqualRebuild: a ring that only marks departed backends
// unusable maps every key as a ring built without them would. Backends
// leave and come back in turns, as ejections make them, down to half the
// pool, and a backend the ring has never had forces a rebuild that must
// map the same way too.
func TestRingMarksEqualRebuild(t *testing.T) {
	all := pool(1, 2, 1, 1, 3, 1, 1, 2, 1, 1)
	newcomer := NewBackend(10, "k", 1)
	rng := newRNG(9)
	for _, name := range []string{"consistent_hash", "bounded_load(c=1000)"} {
		kept := mustNew(t, name, 1)
		kept.Update(all)
		for step := range 30 {
			var set []*Backend
			for _, b := range all {
				if rng.IntN(3) > 0 {
					set = append(set, b)
				}
			}
			if step%10 == 9 {
				set = append(set, newcomer)
			}
			if len(set) == 0 {
				continue
			}
			kept.Update(set)
			fresh := mustNew(t, name, 1)
			fresh.Update(set)
			if got, want := keyMapping(t, kept, 2000), keyMapping(t, fresh, 2000); !slices.Equal(got, want) {
				t.Fatalf("%s, step %d: a ring kept across updates maps keys unlike a ring built for the set", name, step)
			}
		}
	}
}

// TestSortHashes: the radix sort orders hashes as a comparison sort
// does, equal ones included.
func TestSortHashes(t *testing.T) {
	rng := newRNG(5)
	hs := make([]uint64, 50_000)
	for i := range hs {
		hs[i] = rng.Uint64()
		if i%7 == 0 && i > 0 {
			hs[i] = hs[i-1] ^ uint64(rng.IntN(4)) // equal and near-equal hashes
		}
	}
	want := slices.Sorted(slices.Values(hs))
	if got := sortHashes(hs); !slices.Equal(got, want) {
		t.Error("sortHashes does not order the hashes as slices.Sort does")
	}
}
