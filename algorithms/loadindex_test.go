package algorithms

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// A rankIndex's lowest tier holds exactly the members at the lowest key,
// with loads that are equal per unit of weight (1/1, 2/2) in one tier,
// through random moves and removals, checked against a brute-force scan.
func TestRankIndex(t *testing.T) {
	r := newRNG(5)
	x := newRankIndex(lessLoad, func(a, b *tier[lcLoad]) bool { return lessLoad(a.key, b.key) })
	bs := pool(make([]int, 50)...)
	ranks := make([]rank[lcLoad], len(bs))
	keys := make([]lcLoad, len(bs))
	in := make([]bool, len(bs))
	for i := range ranks {
		ranks[i].b = bs[i]
	}
	for step := range 20000 {
		i := r.IntN(len(bs))
		if r.IntN(8) == 0 {
			x.remove(&ranks[i])
			in[i] = false
		} else {
			keys[i] = lcLoad{uint64(r.IntN(6)), uint64(1 + r.IntN(3))}
			x.set(&ranks[i], keys[i])
			in[i] = true
		}
		var want []*Backend
		var best lcLoad
		for j := range bs {
			switch {
			case !in[j]:
			case want == nil || lessLoad(keys[j], best):
				want, best = []*Backend{bs[j]}, keys[j]
			case !lessLoad(best, keys[j]):
				want = append(want, bs[j])
			}
		}
		var got []*Backend
		if m := x.min(); m != nil {
			for _, rk := range m.members {
				got = append(got, rk.b)
			}
		}
		byIndex := func(a, b *Backend) int { return a.Index - b.Index }
		slices.SortFunc(got, byIndex)
		if !slices.Equal(got, want) {
			t.Fatalf("step %d: lowest tier %v, brute force %v", step, names(got), names(want))
		}
	}
}

func names(bs []*Backend) []int {
	out := make([]int, len(bs))
	for i, b := range bs {
		out[i] = b.Index
	}
	return out
}

// candidates is what a scan of policy over bs may pick: the backends tied
// for the best, by least_connections' or least_response_time's rule.
func candidates(t *testing.T, policy string, bal Balancer, bs []*Backend) []*Backend {
	t.Helper()
	var best []*Backend
	switch policy {
	case "least_connections":
		for _, b := range bs {
			switch l, w := inFlight(b), weightOf(b); {
			case best == nil || lighter(l, w, inFlight(best[0]), weightOf(best[0])):
				best = []*Backend{b}
			case !lighter(inFlight(best[0]), weightOf(best[0]), l, w):
				best = append(best, b)
			}
		}
	case "least_response_time":
		var cold []*Backend
		minKey := 0.0
		score := func(b *Backend) float64 {
			st := stateOf(t, bal, b)
			return keyOf(st) + loadKey(inFlight(b))
		}
		for _, b := range bs {
			st := stateOf(t, bal, b)
			if !st.sampled.Load() {
				switch {
				case cold == nil || inFlight(b) < inFlight(cold[0]):
					cold = []*Backend{b}
				case inFlight(b) == inFlight(cold[0]):
					cold = append(cold, b)
				}
				continue
			}
			if best == nil || keyOf(st) < minKey {
				minKey = keyOf(st)
			}
			switch s := score(b); {
			case best == nil || s < score(best[0]):
				best = []*Backend{b}
			case s == score(best[0]):
				best = append(best, b)
			}
		}
		if cold != nil && (best == nil || inFlight(cold[0]) == 0 || minKey+loadKey(inFlight(cold[0])) <= score(best[0])) {
			return cold
		}
	}
	return best
}

func keyOf(st *lrtState) float64 { return math.Float64frombits(st.key.Load()) }

// The indexed policies pick what a scan would: a member of the set of
// backends tied for the best, and every member of it in turn, through
// random load changes (Begin, End, SetInFlight), latency samples, and
// updates that add and drop backends and cross the size at which the
// policy switches between scanning and indexing.
func TestIndexedPickMatchesScan(t *testing.T) {
	for _, c := range []struct {
		policy string
		size   int // above the policy's scan threshold
	}{
		{"least_connections", scanMax + 40},
		{"least_response_time", lrtScanMax + 40},
	} {
		t.Run(c.policy, func(t *testing.T) {
			r := newRNG(13)
			all := make([]*Backend, c.size+20)
			for i := range all {
				all[i] = NewBackend(i, fmt.Sprint(i), 1+r.IntN(3))
			}
			bal := mustNew(t, c.policy, 3)
			sets := [][]*Backend{all[:c.size], all[20:], all[:10], all[5 : c.size+5], all}
			now := time.Duration(0)
			for round := range 40 {
				set := sets[round%len(sets)]
				bal.Update(set)
				for step := range 50 {
					for range 1 + r.IntN(6) {
						b := set[r.IntN(len(set))]
						switch r.IntN(4) {
						case 0:
							b.SetInFlight(int64(r.IntN(4)))
						case 1:
							b.Begin()
						case 2:
							if b.InFlight() > 0 {
								b.End()
							}
						case 3:
							now += time.Duration(r.IntN(100)) * ms
							bal.Done(b, Outcome{Now: now, Latency: time.Duration(1+r.IntN(4)) * 10 * ms})
						}
					}
					want := candidates(t, c.policy, bal, set)
					seen := map[*Backend]bool{}
					tries := 1
					if len(want) <= 8 {
						tries = 25 * len(want) // every candidate, but for odds of 1e-9
					}
					for range tries {
						got, err := bal.Pick(&Request{Now: now})
						if err != nil {
							t.Fatal(err)
						}
						if !slices.Contains(want, got) {
							t.Fatalf("round %d, step %d: picked %d, a scan picks among %v", round, step, got.Index, names(want))
						}
						seen[got] = true
					}
					if len(want) <= 8 && len(seen) != len(want) {
						t.Fatalf("round %d, step %d: picks reached %d of the %d tied candidates %v", round, step, len(seen), len(want), names(want))
					}
				}
			}
		})
	}
}

// TestConcurrentPickUpdate's workout on pools large enough to index, for
// the policies that index: picks, Begin, Done and End from many goroutines
// while another changes the set across the scan thresholds and back. Run
// with -race. At the end every index must hold the last set at its loads.
func TestIndexedConcurrentPickUpdate(t *testing.T) {
	const workers, picksPerWorker = 8, 1000
	all := pool(make([]int, lrtScanMax+50)...)
	for i, b := range all {
		b.Weight = 1 + i%3
	}
	sets := [][]*Backend{all, all[:scanMax+10], all[10:], nil, all[:5], all[3 : lrtScanMax+20], all}
	for _, name := range []string{"least_connections", "least_response_time", "weighted_round_robin"} {
		t.Run(name, func(t *testing.T) {
			bal := mustNew(t, name, 5)
			bal.Update(all)
			stop := keepUpdating(bal, sets)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for k := range picksPerWorker {
						now := time.Duration(k) * ms
						b, err := bal.Pick(&Request{Now: now})
						if err != nil {
							if !errors.Is(err, ErrNoBackend) {
								t.Error(err)
								return
							}
							continue
						}
						b.Begin()
						bal.Done(b, Outcome{Now: now, Latency: time.Duration(1+(w+k)%7) * ms})
						b.End()
					}
				})
			}
			wg.Wait()
			if stop() == 0 {
				t.Error("the updater never ran")
			}
			// Quiet now: the index must know every backend's load. Make one
			// backend the only idle one (for least_response_time, the
			// only unsampled one as well: a fresh backend).
			bal.Update(all[1:])
			for _, b := range all[1:] {
				b.SetInFlight(1)
			}
			fresh := NewBackend(len(all), "fresh", 1)
			bal.Update(append([]*Backend{fresh}, all[1:]...))
			if name == "weighted_round_robin" {
				return
			}
			for range 10 {
				if b, _ := bal.Pick(&Request{}); b != fresh {
					t.Fatalf("picked %s, want the only idle backend", b.Name)
				}
			}
			for _, b := range all {
				b.SetInFlight(0)
			}
		})
	}
}

// TestFloatHeapAgainstScan moves backends between a few keys at random,
// so that ties are common, and checks after every move that the heap's
// lowest key is a scan's and that minAny draws every backend tied at it
// and no other.
func TestFloatHeapAgainstScan(t *testing.T) {
	const n = 40
	var h floatHeap
	ranks := make([]heapRank, n)
	in := make([]bool, n)
	for i := range ranks {
		ranks[i] = newHeapRank(NewBackend(i, strconv.Itoa(i), 1))
	}
	rng := newRNG(3)
	for step := range 3000 {
		i := rng.IntN(n)
		if rng.IntN(5) == 0 {
			h.remove(&ranks[i])
			in[i] = false
		} else {
			h.set(&ranks[i], float64(rng.IntN(6)))
			in[i] = true
		}
		lowest, tied := math.Inf(1), map[*Backend]bool{}
		for j := range ranks {
			switch {
			case !in[j]:
			case ranks[j].key < lowest:
				lowest, tied = ranks[j].key, map[*Backend]bool{ranks[j].b: true}
			case ranks[j].key == lowest:
				tied[ranks[j].b] = true
			}
		}
		got, ok := h.min()
		if ok != (len(tied) > 0) || ok && got != lowest {
			t.Fatalf("step %d: min %v, %v; a scan finds %v", step, got, ok, lowest)
		}
		if !ok {
			continue
		}
		drawn := map[*Backend]bool{}
		for range 40 * len(tied) {
			b := h.minAny(rng)
			if !tied[b] {
				t.Fatalf("step %d: minAny drew %s at key %v, not tied at %v", step, b.Name, ranks[b.Index].key, lowest)
			}
			drawn[b] = true
		}
		if len(drawn) != len(tied) {
			t.Fatalf("step %d: minAny drew %d of the %d tied backends", step, len(drawn), len(tied))
		}
	}
}

// TestUpdateEmptyLetsGo: a policy that watches its backends' loads stops
// when Update gives it none, as a host does with an instance it retires,
// so a retired instance is not told of every change for ever.
func TestUpdateEmptyLetsGo(t *testing.T) {
	bs := make([]*Backend, 300) // past every policy's scan threshold
	for i := range bs {
		bs[i] = NewBackend(i, strconv.Itoa(i), 1)
	}
	for _, name := range Names() {
		bal := mustNew(t, name, 1)
		bal.Update(bs)
		bal.Update(nil)
		for _, b := range bs {
			if ws := b.watchers.Load(); ws != nil && len(*ws) > 0 {
				t.Fatalf("%s: backend %s still has %d watchers after Update(nil)", name, b.Name, len(*ws))
			}
		}
	}
}
