package results

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestTInterval: hand-worked intervals, with t(0.975, 4) = 2.776445 and
// t(0.975, 1) = 12.706205 from the tables.
func TestTInterval(t *testing.T) {
	tests := []struct {
		name   string
		xs     []float64
		lo, hi float64
	}{
		// mean 3, s = sqrt(2.5): h = 2.776445 * 1.581139 / sqrt(5) = 1.963243
		{"five seeds", []float64{1, 2, 3, 4, 5}, 3 - 1.963243, 3 + 1.963243},
		// mean 15, s = 7.071068: h = 12.706205 * 7.071068 / sqrt(2) = 63.531024
		{"two seeds", []float64{10, 20}, 15 - 63.531024, 15 + 63.531024},
		{"no spread", []float64{7, 7, 7}, 7, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TInterval(tt.xs)
			if math.Abs(got[0]-tt.lo) > 1e-5 || math.Abs(got[1]-tt.hi) > 1e-5 {
				t.Errorf("TInterval(%v) = %v, want [%.6f, %.6f]", tt.xs, got, tt.lo, tt.hi)
			}
		})
	}
}

// TestTIntervalCoverage: over many samples of five normal values the
// interval holds the true mean 95% of the time. With 4000 trials the
// share's standard error is 0.34%, so 93.6% to 96.4% is four of them.
func TestTIntervalCoverage(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const trials = 4000
	held := 0
	xs := make([]float64, 5)
	for range trials {
		for i := range xs {
			xs[i] = 100 + 15*rng.NormFloat64()
		}
		if iv := TInterval(xs); iv[0] <= 100 && 100 <= iv[1] {
			held++
		}
	}
	if share := float64(held) / trials; share < 0.936 || share > 0.964 {
		t.Errorf("the interval held the mean in %.1f%% of trials, want 95%%", 100*share)
	}
}

// TestCombineIntervals: combined seeds carry an interval per figure,
// from the per-seed values whatever the aggregate; one run has none.
func TestCombineIntervals(t *testing.T) {
	run := func(p99 float64) *Comparison {
		return &Comparison{Scenario: "s", Results: []Result{{Algorithm: "a", Latency: Latency{Mean: p99 / 10, P99: p99}}}}
	}
	if c := Combine([]*Comparison{run(100)}, AggregateWorst); c.Results[0].LatencyCI95 != nil {
		t.Errorf("one run has an interval: %+v", c.Results[0].LatencyCI95)
	}
	runs := []*Comparison{run(100), run(110), run(120), run(130), run(140)}
	for _, how := range []Aggregate{AggregateWorst, AggregateMean} {
		r := Combine(runs, how).Results[0]
		want := TInterval([]float64{100, 110, 120, 130, 140})
		if r.LatencyCI95 == nil || r.LatencyCI95.P99 != want || r.LatencyCI95.Of(FigureP99) != want {
			t.Errorf("%s: p99 interval %+v, want %v", how, r.LatencyCI95, want)
		}
		if got := r.LatencyCI95.Of(FigureMean); got != TInterval([]float64{10, 11, 12, 13, 14}) {
			t.Errorf("%s: mean interval %v", how, got)
		}
	}
}

func TestIntervalOverlaps(t *testing.T) {
	tests := []struct {
		a, b Interval
		want bool
	}{
		{Interval{1, 2}, Interval{3, 4}, false},
		{Interval{1, 3}, Interval{2, 4}, true},
		{Interval{1, 2}, Interval{2, 3}, true},
		{Interval{0, 10}, Interval{4, 5}, true},
	}
	for _, tt := range tests {
		if got := tt.a.Overlaps(tt.b); got != tt.want || tt.b.Overlaps(tt.a) != tt.want {
			t.Errorf("%v overlaps %v = %v, want %v both ways", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestCombineCut: a cap that cut one seed's runs marks the combination.
func TestCombineCut(t *testing.T) {
	runs := []*Comparison{{Scenario: "s", Results: []Result{{Algorithm: "a"}}}, {Scenario: "s", CutAt: 1000, Results: []Result{{Algorithm: "a"}}}}
	if c := Combine(runs, AggregateMean); c.CutAt != 1000 {
		t.Errorf("CutAt %d, want 1000 from the second seed", c.CutAt)
	}
}

// TestDiffInterval: the paired interval of a constant difference is that
// difference; unequal or single seeds give none.
func TestDiffInterval(t *testing.T) {
	a := []Latency{{P99: 10}, {P99: 20}, {P99: 30}}
	b := []Latency{{P99: 9}, {P99: 19}, {P99: 29}}
	if iv, ok := DiffInterval(a, b, FigureP99); !ok || iv != (Interval{1, 1}) {
		t.Errorf("DiffInterval = %v, %v; want [1, 1]", iv, ok)
	}
	if _, ok := DiffInterval(a, b[:2], FigureP99); ok {
		t.Error("an interval for unequal seeds")
	}
	if _, ok := DiffInterval(a[:1], b[:1], FigureP99); ok {
		t.Error("an interval for one seed")
	}
}
