package algorithms

import (
	"fmt"
	"testing"
	"time"
)

// The hot-cold lexicographic rule on hand-made pools. A probe is written
// name:rif0/rif/latency, rif0 being what the probe read and rif that plus
// the requests sent on it, and a latency of -1 marks a probe without an
// estimate; among cold probes the lowest latency x (rif + 1) wins.
func TestPrequalHotCold(t *testing.T) {
	type pr struct {
		name      string
		rif0, rif int64
		lat       time.Duration
	}
	for _, c := range []struct {
		desc string
		q    float64
		pool []pr
		want string
	}{
		// RIFs read 1 2 8 9: the median (nearest rank 2 of 4) is 2, so c and
		// d are hot; of a (50 x 2) and b (10 x 3), b is faster.
		{"cold: the lowest latency", 0.5,
			[]pr{{"a", 1, 1, 50 * ms}, {"b", 2, 2, 10 * ms}, {"c", 8, 8, 5 * ms}, {"d", 9, 9, ms}}, "b"},
		{"q_rif 1: nothing is hot", 1,
			[]pr{{"a", 1, 1, 50 * ms}, {"b", 2, 2, 10 * ms}, {"c", 8, 8, 5 * ms}, {"d", 9, 9, ms}}, "d"},
		// 0.84 of 4 is rank 4: the largest, 9; none hot, and d's 1 x 10
		// beats c's 5 x 9.
		{"q_rif 0.84 of four probes: none hot", 0.84,
			[]pr{{"a", 1, 1, 50 * ms}, {"b", 2, 2, 10 * ms}, {"c", 8, 8, 5 * ms}, {"d", 9, 9, ms}}, "d"},
		// u has no estimate: it counts as fast as the fastest, b's 10 ms,
		// so idle it wins (10 x 1 against b's 10 x 2), and with two in
		// flight it loses (10 x 3).
		{"no estimate, idle", 1,
			[]pr{{"a", 0, 0, 50 * ms}, {"b", 1, 1, 10 * ms}, {"u", 0, 0, -1}}, "u"},
		{"no estimate, busy", 1,
			[]pr{{"a", 0, 0, 50 * ms}, {"b", 1, 1, 10 * ms}, {"u", 2, 2, -1}}, "b"},
		// a 10 x 3 and b 15 x 2 tie at 30.
		{"equal latency: the lower RIF", 1,
			[]pr{{"a", 2, 2, 10 * ms}, {"b", 1, 1, 15 * ms}, {"c", 2, 2, 20 * ms}}, "b"},
		// b's low average does not make up for its queue: 2 x 31 against
		// a's 10 x 1.
		{"a deep queue loses", 1,
			[]pr{{"a", 0, 0, 10 * ms}, {"b", 30, 30, 2 * ms}}, "a"},
		// Read 1 and 1: the threshold is 1, and reuse has taken both above it.
		{"all hot: the fewest in flight", 0.5,
			[]pr{{"a", 1, 5, ms}, {"b", 1, 3, 9 * ms}}, "b"},
		// Read 0 0 3: the median is 0; a, used twice, is hot like c.
		{"a reused probe turns hot", 0.5,
			[]pr{{"a", 0, 2, ms}, {"b", 0, 0, 5 * ms}, {"c", 3, 3, ms}}, "b"},
		// Sixteen probes: rank ceil(0.84 x 16) = 14 of 0..15 is 13, so the
		// two probes above it are hot although they are the fastest (o:
		// 0.1 ms x 15); of the cold ones n's 1 ms x 14 beats a's 100 ms x 1.
		{"sixteen probes, q_rif 0.84", 0.84, func() []pr {
			var ps []pr
			for i := range 16 {
				lat := 100 * ms
				switch {
				case i > 13:
					lat = ms / 10
				case i == 13:
					lat = ms
				}
				ps = append(ps, pr{string(rune('a' + i)), int64(i), int64(i), lat})
			}
			return ps
		}(), "n"},
	} {
		t.Run(c.desc, func(t *testing.T) {
			p := mustNew(t, fmt.Sprintf("prequal(q_rif=%g)", c.q), 1).(*prequal)
			for _, x := range c.pool {
				p.pool = append(p.pool, prequalProbe{b: NewBackend(0, x.name, 1), rif0: x.rif0, rif: x.rif, lat: float64(x.lat), known: x.lat >= 0})
			}
			for range 10 {
				if got := p.pool[p.choose()].b.Name; got != c.want {
					t.Fatalf("chose %s, want %s", got, c.want)
				}
			}
		})
	}
}

// serve sends n requests one after another, every 1 ms from start, each
// taking the latency its backend is given (10 ms by default), and counts
// the picks by name.
func serve(t *testing.T, bal Balancer, start time.Duration, n int, latency map[*Backend]time.Duration) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for k := range n {
		now := start + time.Duration(k)*ms
		b, err := bal.Pick(&Request{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		counts[b.Name]++
		l := latency[b]
		if l == 0 {
			l = 10 * ms
		}
		b.Begin()
		b.End()
		bal.Done(b, Outcome{Now: now, Latency: l})
	}
	return counts
}

// A server with many requests in flight from elsewhere is avoided: its
// probes show the highest RIF, so it loses to every other on RIF at equal
// latency.
func TestPrequalAvoidsHighRIF(t *testing.T) {
	bs := pool(1, 1, 1, 1, 1, 1, 1, 1)
	setInFlight(bs[7], 20)
	bal := mustNew(t, "prequal", 1)
	bal.Update(bs)
	counts := serve(t, bal, 0, 2000, nil)
	if counts["h"] != 0 {
		t.Errorf("the busy server got %d of 2000 requests: %v", counts["h"], counts)
	}
	if len(counts) != 7 {
		t.Errorf("want the 7 idle servers used: %v", counts)
	}
}

// A slow server is avoided once its latency is known: its probes are cold
// but slower than the others'.
func TestPrequalAvoidsSlow(t *testing.T) {
	bs := pool(1, 1, 1, 1)
	bal := mustNew(t, "prequal", 1)
	bal.Update(bs)
	counts := serve(t, bal, 0, 1000, map[*Backend]time.Duration{bs[3]: 100 * ms})
	if counts["d"] > 3 {
		t.Errorf("the slow server got %d of 1000 requests: %v", counts["d"], counts)
	}
}

// A probe is used until it is max_age old, however stale. At time 0 a is
// idle and b has 5 in flight; then the loads swap. Half a second later the
// pool still says a; two seconds later its probes have aged out, the pick
// probes afresh and takes b.
func TestPrequalProbesAgeOut(t *testing.T) {
	for _, c := range []struct {
		at   time.Duration
		want string
	}{
		{500 * ms, "a"},
		{2 * time.Second, "b"},
	} {
		bal := mustNew(t, "prequal(probes=2,max_age=1s)", 1)
		bs := pool(1, 1)
		a, b := bs[0], bs[1]
		bal.Update(bs)
		setInFlight(b, 5)
		if got, _ := bal.Pick(&Request{Now: 0}); got != a {
			t.Fatalf("first pick %s, want a", got.Name)
		}
		setInFlight(a, 10)
		setInFlight(b, 0)
		if got, _ := bal.Pick(&Request{Now: c.at}); got.Name != c.want {
			t.Errorf("pick at %v: %s, want %s", c.at, got.Name, c.want)
		}
		for _, x := range bal.(*prequal).pool {
			if c.at-x.at > time.Second {
				t.Errorf("pick at %v: a probe from %v is still in the pool", c.at, x.at)
			}
		}
	}
}

// The pool holds at most `pool` probes, one per backend, and a used probe
// counts the request sent on it.
func TestPrequalPoolUpkeep(t *testing.T) {
	bal := mustNew(t, "prequal(pool=4,probes=3)", 1)
	bs := pool(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)
	bal.Update(bs)
	p := bal.(*prequal)
	for k := range 50 {
		b, _ := bal.Pick(&Request{})
		if len(p.pool) > 4 {
			t.Fatalf("pick %d: %d probes in a pool of 4", k, len(p.pool))
		}
		seen := map[*Backend]bool{}
		for _, x := range p.pool {
			if seen[x.b] {
				t.Fatalf("pick %d: two probes of %s", k, x.b.Name)
			}
			seen[x.b] = true
			if x.rif < x.rif0 {
				t.Fatalf("pick %d: RIF %d below the %d probed", k, x.rif, x.rif0)
			}
		}
		b.Begin() // the requests stay in flight
	}
	// No request has ended, so each probe's RIF is its backend's count
	// exactly: every request is counted once, by the probe that read it or
	// by the increment of the probe it was sent on.
	for _, x := range p.pool {
		if x.rif != x.b.InFlight() {
			t.Errorf("%s: probe RIF %d, %d in flight", x.b.Name, x.rif, x.b.InFlight())
		}
	}
	bal.Update(bs[:2])
	for _, x := range p.pool {
		if x.b != bs[0] && x.b != bs[1] {
			t.Errorf("a probe of removed %s is still in the pool", x.b.Name)
		}
	}
}

// Same seed, same decisions; another seed, other decisions.
func TestPrequalFollowsTheSeed(t *testing.T) {
	run := func(seed uint64) string {
		bal := mustNew(t, "prequal", seed)
		bs := pool(1, 1, 1, 1, 1, 1)
		bal.Update(bs)
		var out []byte
		for k := range 300 {
			now := time.Duration(k) * ms
			b, _ := bal.Pick(&Request{Now: now})
			out = append(out, b.Name...)
			b.Begin()
			if k%3 == 0 { // some requests stay in flight
				b.End()
				bal.Done(b, Outcome{Now: now, Latency: time.Duration(5+b.Index) * ms})
			}
		}
		return string(out)
	}
	a, b, c := run(1), run(1), run(2)
	if a != b {
		t.Errorf("seed 1 gave two sequences:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("seeds 1 and 2 gave the same sequence %s", a)
	}
}

// TestPrequalSlowOnceRetried: a server whose only answer was slow is not
// shunned for ever. Its estimate fades with no new samples (half-life
// decayHalfLife) while the fast server's is refreshed, so after 100 s a's
// 10 ms beats b's 1 s faded by 2^-10 to about 1 ms, and b is chosen.
func TestPrequalSlowOnceRetried(t *testing.T) {
	bs := pool(1, 1)
	bal := mustNew(t, "prequal", 1)
	bal.Update(bs)
	bal.Done(bs[1], Outcome{Now: 0, Latency: time.Second})
	bal.Done(bs[0], Outcome{Now: 0, Latency: 10 * time.Millisecond})
	if b, _ := bal.Pick(&Request{Now: time.Millisecond}); b != bs[0] {
		t.Fatalf("just after the samples, picked %s; want the fast a", b.Name)
	}
	bal.Done(bs[0], Outcome{Now: 100 * time.Second, Latency: 10 * time.Millisecond})
	if b, _ := bal.Pick(&Request{Now: 100 * time.Second}); b != bs[1] {
		t.Errorf("100 s later, picked %s; want b, whose slow estimate has faded", b.Name)
	}
}
