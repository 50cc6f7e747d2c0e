package algorithms

import (
	"errors"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// ringOrder lists bal's backends in ring order from the point req hashes
// to: the owner first, then each distinct backend the walk would meet.
func ringOrder(bal *boundedLoad, req *Request) []*Backend {
	s := bal.snap.Load()
	seen := map[int32]bool{}
	var out []*Backend
	for i, k := s.search(requestHash(req)), 0; k < len(s.points); k++ {
		if o := s.owners[i]; !seen[o] {
			seen[o] = true
			out = append(out, s.ms[o].b)
		}
		i = (i + 1) % len(s.points)
	}
	return out
}

func newBounded(t *testing.T, spec string) *boundedLoad {
	t.Helper()
	bal, err := New(spec, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return bal.(*boundedLoad)
}

// capFor is ceil(c × total × w / W): the most a backend of weight w may
// hold right after an arrival makes total in flight.
func capFor(c float64, total, w, weight int64) int64 {
	return int64(math.Ceil(c*float64(total)*float64(w)/float64(weight) - 1e-9))
}

// Four equal backends, c = 1.25: the cap is ceil(1.25 × (T+1) / 4). The
// loads are given in ring order from the key: the owner, the next backend
// on the ring, and so on.
func TestBoundedLoadHandChecked(t *testing.T) {
	for _, c := range []struct {
		desc  string
		loads [4]int64
		want  int // position in ring order of the backend that takes it
	}{
		{"T=6, cap ceil(8.75/4)=3: the owner at 1 takes it", [4]int64{1, 3, 1, 1}, 0},
		{"T=6, cap 3: the owner at 3 is full, the next at 2 takes it", [4]int64{3, 2, 1, 0}, 1},
		{"T=6, cap 3: owner and next full, the third takes it", [4]int64{3, 3, 0, 0}, 2},
		{"T=5, cap ceil(7.5/4)=2: two full, the third at 1 takes it", [4]int64{2, 2, 1, 0}, 2},
		{"T=2, cap ceil(3.75/4)=1: the owner at 2 is full, the idle next takes it", [4]int64{2, 0, 0, 0}, 1},
		{"T=3, cap ceil(5/4)=2: the owner at 1 takes it", [4]int64{1, 1, 1, 0}, 0},
	} {
		t.Run(c.desc, func(t *testing.T) {
			bal := newBounded(t, "bounded_load(c=1.25)")
			bal.Update(pool(1, 1, 1, 1))
			req := keyReq(7)
			order := ringOrder(bal, req)
			for i, b := range order {
				b.SetInFlight(c.loads[i])
			}
			b, err := bal.Pick(req)
			if err != nil {
				t.Fatal(err)
			}
			if b != order[c.want] {
				t.Errorf("picked %s, want %s (ring order %s%s%s%s)", b.Name, order[c.want].Name, order[0].Name, order[1].Name, order[2].Name, order[3].Name)
			}
		})
	}
}

// One hot key, requests never ending: the owner takes requests until it
// is at its cap, then they spill along the ring, in ring order, and no
// backend takes one while at its cap.
func TestBoundedLoadHotKeySpills(t *testing.T) {
	bs := appPool(8)
	bal := newBounded(t, "bounded_load(c=1.25)")
	bal.Update(bs)
	req := keyReq(3)
	order := ringOrder(bal, req)
	pos := map[*Backend]int{}
	for i, b := range order {
		pos[b] = i
	}
	const n = 80
	furthest := 0
	for k := range n {
		b, err := bal.Pick(req)
		if err != nil {
			t.Fatal(err)
		}
		if limit := capFor(1.25, int64(k+1), 1, 8); b.InFlight()+1 > limit {
			t.Fatalf("request %d: %s took it at %d in flight, its cap is %d", k, b.Name, b.InFlight(), limit)
		}
		// Spilling goes to the next backend on the ring: a backend is
		// used only once all before it in ring order have been.
		if pos[b] > furthest+1 {
			t.Fatalf("request %d went to the %d-th backend on the ring before the %d-th", k, pos[b], furthest+1)
		}
		furthest = max(furthest, pos[b])
		b.Begin()
	}
	// The cap for the k-th request is ceil(1.25 × k / 8): 12 for the 71st
	// to the 76th, 13 from the 77th. By the 76th the first six backends on
	// the ring hold 12 each and the seventh 4; the last four requests
	// raise the first four to 13. The eighth is never needed.
	for i, want := range []int64{13, 13, 13, 13, 12, 12, 4, 0} {
		if got := order[i].InFlight(); got != want {
			t.Errorf("backend %d on the ring holds %d, want %d", i, got, want)
		}
	}
}

// The paper's bound under random arrivals and departures, with keys from a
// skewed (Zipf) popularity so that hot keys hit their caps: right after
// each arrival, the backend that took it holds at most
// ceil(c × T × w / W), T counting the arrival; with equal weights that is
// ceil(c × average). While requests only arrive, that bound holds for every
// backend at every step. Once they also leave, a backend can stay above the
// bound for the lower average until its own requests end: a proxy cannot
// move a request in flight, so only arrivals are checked. The balancer's
// running total must equal the sum of the counts throughout.
func TestBoundedLoadBound(t *testing.T) {
	for _, c := range []struct {
		spec    string
		c       float64
		weights []int
	}{
		{"bounded_load(c=1.1)", 1.1, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"bounded_load", 1.25, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"bounded_load(c=2)", 2, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"bounded_load(c=1.25)", 1.25, []int{1, 2, 3, 4, 1, 2}},
	} {
		t.Run(c.spec+fmtWeights(c.weights), func(t *testing.T) {
			bs := pool(c.weights...)
			var weight int64
			for _, b := range bs {
				weight += int64(b.Weight)
			}
			bal := newBounded(t, c.spec)
			bal.Update(bs)
			r := rand.New(rand.NewPCG(1, 2))
			zipf := rand.NewZipf(r, 1.2, 1, 1000)
			var inFlight []*Backend
			spilled := 0
			for step := range 20000 {
				arrive := step < 200 || r.IntN(100) < 51 || len(inFlight) == 0
				if !arrive {
					k := r.IntN(len(inFlight))
					inFlight[k].End()
					inFlight[k] = inFlight[len(inFlight)-1]
					inFlight = inFlight[:len(inFlight)-1]
				} else {
					req := keyReq(int(zipf.Uint64()))
					b, err := bal.Pick(req)
					if err != nil {
						t.Fatal(err)
					}
					if b != ringOrder(bal, req)[0] {
						spilled++
					}
					b.Begin()
					inFlight = append(inFlight, b)
					total := int64(len(inFlight))
					if limit := capFor(c.c, total, int64(b.Weight), weight); b.InFlight() > limit {
						t.Fatalf("step %d: %s holds %d of %d in flight, above its bound %d", step, b.Name, b.InFlight(), total, limit)
					}
					if step < 200 {
						for _, o := range bs {
							if limit := capFor(c.c, total, int64(o.Weight), weight); o.InFlight() > limit {
								t.Fatalf("step %d, arrivals only: %s holds %d, above its bound %d", step, o.Name, o.InFlight(), limit)
							}
						}
					}
				}
				if got := bal.total.Load(); got != int64(len(inFlight)) {
					t.Fatalf("step %d: the balancer counts %d in flight, the backends %d", step, got, len(inFlight))
				}
			}
			// The bound must have bitten: with hot keys, some requests went
			// past their owner.
			if spilled == 0 {
				t.Error("no request was passed on from its owner: the test does not exercise the cap")
			}
			for _, b := range inFlight {
				b.End()
			}
		})
	}
}

func fmtWeights(ws []int) string {
	s := " weights"
	for _, w := range ws {
		s += " " + string(rune('0'+w))
	}
	return s
}

// With c so large that no cap is ever reached, bounded_load is
// consistent_hash: the same ring, the owner always takes it.
func TestBoundedLoadHugeCIsConsistentHash(t *testing.T) {
	bs := pool(3, 1, 2, 1, 5)
	for i, b := range bs {
		b.SetInFlight(int64(10 * i))
	}
	bounded := newBounded(t, "bounded_load(c=1e9)")
	bounded.Update(bs)
	plain := mustNew(t, "consistent_hash", 1)
	plain.Update(bs)
	for i := range 5000 {
		a, _ := bounded.Pick(keyReq(i))
		b, _ := plain.Pick(keyReq(i))
		if a != b {
			t.Fatalf("key %d: bounded_load %s, consistent_hash %s", i, a.Name, b.Name)
		}
	}
	for _, b := range bs {
		b.SetInFlight(0)
	}
	bounded.Update(nil)
}

// When the counts say every backend is at its cap, which consistent counts
// never do but a stale view can, the pick ends and takes the least loaded
// backend per unit of weight. setStale changes counts without telling the
// balancer, so it still believes nothing is in flight: every cap is 1.
func TestBoundedLoadAllFull(t *testing.T) {
	setStale := func(b *Backend, n int64) { b.inFlight.Store(n) }
	bs := pool(1, 1, 2, 1)
	bal := newBounded(t, "bounded_load")
	bal.Update(bs)
	for i, n := range []int64{5, 3, 4, 7} { // per weight 5, 3, 2, 7
		setStale(bs[i], n)
	}
	for i := range 200 {
		if b, _ := bal.Pick(keyReq(i)); b != bs[2] {
			t.Fatalf("key %d went to %s, want the least loaded c", i, b.Name)
		}
	}
	// A ring longer than maxWalk: the walk stops there, at the least
	// loaded backend it met, and never reaches an idle one further on.
	big := appPool(2000)
	bal.Update(big)
	req := keyReq(1)
	s := bal.snap.Load()
	met := map[int32]bool{}
	for i, k := s.search(requestHash(req)), 0; k < maxWalk; k++ {
		met[s.owners[(i+k)%len(s.points)]] = true
	}
	var far *Backend
	for i, m := range s.ms {
		setStale(m.b, 2)
		if !met[int32(i)] && far == nil {
			far = m.b
		}
	}
	setStale(far, 0)
	if b, err := bal.Pick(req); err != nil || b.InFlight() != 2 {
		t.Errorf("Pick = %v, %v; want a backend the walk met, all at 2", b, err)
	}
	bal.Update(nil)
}

// The running total follows Begin, End and SetInFlight, drops a leaving
// backend's count and takes a joining one's, also when many goroutines
// change counts while another updates the set. Run with -race.
func TestBoundedLoadTotal(t *testing.T) {
	bs := pool(1, 1, 1, 1)
	bal := newBounded(t, "bounded_load")
	bs[0].SetInFlight(3) // before the balancer watches it
	bal.Update(bs[:3])
	bs[1].Begin()
	bs[1].Begin()
	bs[3].Begin() // not in the set
	for _, step := range []struct {
		desc   string
		update []*Backend
		want   int64
	}{
		{"a 3, b 2", nil, 5},
		{"a leaves", []*Backend{bs[1], bs[2]}, 2},
		{"a and d join", bs, 6},
		{"everyone leaves", nil, 0},
		{"all back, listed twice", append(bs, bs...), 6},
	} {
		if step.update != nil || step.want == 0 {
			bal.Update(step.update)
		}
		if got := bal.total.Load(); got != step.want {
			t.Errorf("%s: total %d, want %d", step.desc, got, step.want)
		}
	}
	for _, b := range bs {
		b.SetInFlight(0)
	}
	if got := bal.total.Load(); got != 0 {
		t.Errorf("all ended: total %d, want 0", got)
	}

	sets := [][]*Backend{bs, bs[:2], bs[1:], nil, {bs[3], bs[0]}}
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 3000 {
				b := bs[(w+k)%len(bs)]
				b.Begin()
				if k%3 != 0 {
					b.End()
				}
			}
		}()
	}
	go func() {
		for k := 0; ; k++ {
			select {
			case <-done:
				close(done)
				return
			default:
			}
			bal.Update(sets[k%len(sets)])
		}
	}()
	wg.Wait()
	done <- struct{}{}
	<-done
	bal.Update(bs[1:3])
	if got, want := bal.total.Load(), bs[1].InFlight()+bs[2].InFlight(); got != want {
		t.Errorf("after concurrent changes: total %d, want %d", got, want)
	}
	for _, b := range bs {
		b.SetInFlight(0)
	}
	if got := bal.total.Load(); got != 0 {
		t.Errorf("after concurrent changes, all ended: total %d, want 0", got)
	}
}

// The spec sets c; other policies and other names take no c, and c must
// be at least 1.
func TestBoundedLoadParams(t *testing.T) {
	for _, c := range []struct {
		spec  string
		canon string // "" when refused
		c     float64
	}{
		{"bounded_load", "bounded_load", 1.25},
		{"bounded_load(c=1.5)", "bounded_load(c=1.5)", 1.5},
		{"bounded_load( c = 2 )", "bounded_load(c=2)", 2},
		{"bounded_load(c=1)", "bounded_load(c=1)", 1},
		{"bounded_load(k=2)", "", 0},
		{"bounded_load(c=0.5)", "", 0},
		{"bounded_load(c=-1)", "", 0},
		{"bounded_load(c=fast)", "", 0},
		{"consistent_hash(c=2)", "", 0},
		{"maglev(c=2)", "", 0},
	} {
		bal, err := New(c.spec, Options{Seed: 1})
		canon, rerr := Resolve(c.spec)
		if c.canon == "" {
			var pe *ParamError
			if !errors.As(err, &pe) || bal != nil || !errors.As(rerr, &pe) {
				t.Errorf("New(%q) = %v, %v; Resolve: %v; want a *ParamError", c.spec, bal, err, rerr)
			}
			continue
		}
		if err != nil || rerr != nil {
			t.Errorf("New(%q): %v; Resolve: %v", c.spec, err, rerr)
			continue
		}
		if got := bal.(*boundedLoad).scale; got != c.c*(1-capSlack) {
			t.Errorf("New(%q): c = %v, want %v", c.spec, got, c.c)
		}
		if canon != c.canon {
			t.Errorf("Resolve(%q) = %q, want %q", c.spec, canon, c.canon)
		}
	}
}
