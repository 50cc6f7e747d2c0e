package algorithms

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// peakCost returns the balancer's cost for b faded to now, in milliseconds.
func peakCost(t *testing.T, bal Balancer, b *Backend, now time.Duration) (float64, bool) {
	t.Helper()
	p := bal.(*peakEWMA)
	st := p.snap.Load().byPtr[b]
	if st == nil {
		t.Fatalf("%s is not in the snapshot", b.Name)
	}
	c, ok := st.costAt(now, p.tau)
	return c / float64(ms), ok
}

// A sequence of samples on one backend, each cost worked out by hand with
// τ = 10s, so e^-1 is the weight of the old cost after ten seconds.
func TestPeakEWMACostSequence(t *testing.T) {
	failed := errors.New("failed")
	bal := mustNew(t, "peak_ewma", 1)
	bs := pool(1)
	bal.Update(bs)
	for _, step := range []struct {
		desc    string
		now     time.Duration
		latency time.Duration // -1: no sample, only read the cost
		err     error
		want    float64 // ms, at now after the sample
	}{
		{"first sample is the cost", 0, 100 * ms, nil, 100},
		{"a peak replaces it at once", 0, 200 * ms, nil, 200},
		{"a lower sample at the same instant has no weight", 0, 50 * ms, nil, 200},
		{"ten seconds without samples fade it by e", 10 * time.Second, -1, nil, 200 / math.E},
		// 200/e = 73.576 faded; w = 1/e: 73.576/e + 30(1-1/e) = 27.067 + 18.964.
		{"after ten seconds a sample replaces 1-1/e of it", 10 * time.Second, 30 * ms, nil, 46.0307},
		{"a peak above the blend", 10 * time.Second, 60 * ms, nil, 60},
		// 60/e = 22.073; a fast failure counts as that much and holds it.
		{"a fast failure holds the faded cost", 20 * time.Second, ms, failed, 22.0728},
		{"which fades again without samples", 30 * time.Second, -1, nil, 8.1201},
		{"a failure without latency holds it too", 30 * time.Second, 0, failed, 8.1201},
	} {
		if step.latency >= 0 {
			bal.Done(bs[0], Outcome{Now: step.now, Latency: step.latency, Err: step.err})
		}
		got, ok := peakCost(t, bal, bs[0], step.now)
		if !ok || math.Abs(got-step.want) > 1e-3 {
			t.Errorf("%s: cost %.4f ms, %v; want %.4f", step.desc, got, ok, step.want)
		}
	}
}

// decay=1s fades ten times as fast as the default: the same e^-1 after one
// second.
func TestPeakEWMADecayParam(t *testing.T) {
	bal := mustNew(t, "peak_ewma(decay=1s)", 1)
	bs := pool(1)
	bal.Update(bs)
	bal.Done(bs[0], Outcome{Latency: 100 * ms})
	if got, _ := peakCost(t, bal, bs[0], time.Second); math.Abs(got-100/math.E) > 1e-3 {
		t.Errorf("cost after 1s = %.4f ms, want %.4f", got, 100/math.E)
	}
}

// With two backends both are compared on every pick, so the choice is the
// lower cost × (in flight + 1), exactly.
func TestPeakEWMAPicks(t *testing.T) {
	for _, c := range []struct {
		desc     string
		latency  [2]time.Duration // sample at time 0; 0 = none
		peak     time.Duration    // a further sample on a at 1s; 0 = none
		inFlight [2]int64
		want     string
	}{
		{"lower cost", [2]time.Duration{10 * ms, 30 * ms}, 0, [2]int64{0, 0}, "a"},
		{"lower cost, busier: 10x4 > 30x1", [2]time.Duration{10 * ms, 30 * ms}, 0, [2]int64{3, 0}, "b"},
		{"a peak is taken at once", [2]time.Duration{10 * ms, 10 * ms}, 500 * ms, [2]int64{0, 0}, "b"},
		// b: 10ms faded by 1s = 9.048 ms; x41 = 371 < 500.
		{"after a peak, b even with 40 in flight", [2]time.Duration{10 * ms, 10 * ms}, 500 * ms, [2]int64{0, 40}, "b"},
		// 9.048 x 61 = 552 > 500.
		{"but not with 60", [2]time.Duration{10 * ms, 10 * ms}, 500 * ms, [2]int64{0, 60}, "a"},
		{"no sample and idle is tried", [2]time.Duration{10 * ms, 0}, 0, [2]int64{0, 0}, "b"},
		{"no sample and busy is not flooded", [2]time.Duration{10 * ms, 0}, 0, [2]int64{100, 1}, "a"},
		{"neither sampled: fewer in flight", [2]time.Duration{0, 0}, 0, [2]int64{3, 2}, "b"},
	} {
		bal := mustNew(t, "peak_ewma", 1)
		bs := pool(1, 1)
		bal.Update(bs)
		for i, l := range c.latency {
			if l > 0 {
				bal.Done(bs[i], Outcome{Latency: l})
			}
			setInFlight(bs[i], c.inFlight[i])
		}
		if c.peak > 0 {
			bal.Done(bs[0], Outcome{Now: time.Second, Latency: c.peak})
		}
		if got := picks(t, bal, &Request{Now: time.Second}, 20); got != strings.Repeat(c.want, 20) {
			t.Errorf("%s: picks %s, want only %s", c.desc, got, c.want)
		}
	}
}

// A backend whose one response was slow is not starved: its cost fades
// while the other keeps answering in 10 ms, and it is tried again once
// 1000 ms × e^(-t/10s) falls below the other's 10 ms × e^(-0.009) (its
// cost 90 ms after its last sample): t > 10s × (ln 100 + 0.009) = 46.14s,
// so at the first pick after that, 46.2s with a request every 100 ms.
func TestPeakEWMARetriesSlowOnce(t *testing.T) {
	bal := mustNew(t, "peak_ewma", 1)
	bs := pool(1, 1)
	a, b := bs[0], bs[1]
	bal.Update(bs)
	bal.Done(a, Outcome{Latency: 10 * ms})
	bal.Done(b, Outcome{Latency: time.Second})
	for now := 100 * ms; now <= 60*time.Second; now += 100 * ms {
		got, err := bal.Pick(&Request{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		got.Begin()
		got.End()
		bal.Done(got, Outcome{Now: now + 10*ms, Latency: 10 * ms})
		if got == b {
			if now != 46200*ms {
				t.Errorf("the slow-once backend was tried again at %v, want 46.2s", now)
			}
			return
		}
	}
	t.Fatal("the slow-once backend was never tried again")
}

// With many backends the two draws are uniform: idle backends with equal
// costs share the picks evenly.
func TestPeakEWMAUniformWhenEqual(t *testing.T) {
	const n = 40000
	bal := mustNew(t, "peak_ewma", 3)
	bs := pool(1, 1, 1, 1)
	bal.Update(bs)
	for _, b := range bs {
		bal.Done(b, Outcome{Latency: 10 * ms})
	}
	counts := map[string]int{}
	for range n {
		b, _ := bal.Pick(&Request{})
		counts[b.Name]++
	}
	checkShares(t, counts, map[string]float64{"a": .25, "b": .25, "c": .25, "d": .25}, n)
}

// Costs follow a backend across Update; a removed backend's cost is dropped.
func TestPeakEWMAUpdate(t *testing.T) {
	bal := mustNew(t, "peak_ewma", 1)
	bs := pool(1, 1, 1)
	bal.Update(bs)
	bal.Done(bs[0], Outcome{Latency: 10 * ms})
	bal.Done(bs[1], Outcome{Latency: 20 * ms})
	bal.Update([]*Backend{bs[1], bs[2]})
	if got, ok := peakCost(t, bal, bs[1], 0); !ok || math.Abs(got-20) > 1e-9 {
		t.Errorf("b's cost after Update = %v, %v; want 20", got, ok)
	}
	bal.Done(bs[0], Outcome{Latency: 5 * ms}) // not in the snapshot: ignored
	bal.Update(bs)
	if _, ok := peakCost(t, bal, bs[0], 0); ok {
		t.Error("a came back with its old cost")
	}
}

// Same seed, same draws; another seed, other draws.
func TestPeakEWMAFollowsTheSeed(t *testing.T) {
	run := func(seed uint64) string {
		bal := mustNew(t, "peak_ewma", seed)
		bs := pool(1, 1, 1, 1, 1)
		bal.Update(bs)
		for i, b := range bs {
			bal.Done(b, Outcome{Latency: time.Duration(10+i%2) * ms})
		}
		return picks(t, bal, &Request{}, 200)
	}
	if a, b := run(1), run(1); a != b {
		t.Errorf("seed 1 gave two sequences:\n%s\n%s", a, b)
	}
	if a, c := run(1), run(2); a == c {
		t.Errorf("seeds 1 and 2 gave the same sequence %s", a)
	}
}
