package results

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestSketchQuantiles: on samples of several shapes, every quantile is
// within SketchAccuracy of the exact value of its rank, and the count,
// mean, min and max are exact.
func TestSketchQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		n    int
		draw func() time.Duration
	}{
		{"one value", 1, func() time.Duration { return 42 * time.Millisecond }},
		{"two values", 2, func() time.Duration { return time.Duration(1+rng.IntN(2)) * time.Second }},
		{"lognormal", 20000, func() time.Duration {
			return time.Duration(math.Exp(rng.NormFloat64()*1.5) * float64(50*time.Millisecond))
		}},
		{"bimodal 50ms and 5s", 10000, func() time.Duration {
			if rng.IntN(10) == 0 {
				return 5*time.Second + time.Duration(rng.IntN(1e6))
			}
			return 50*time.Millisecond + time.Duration(rng.IntN(1e6))
		}},
		{"with zeros", 1000, func() time.Duration { return time.Duration(rng.IntN(3)) * time.Millisecond }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var k Sketch
			values := make([]time.Duration, tt.n)
			var sum float64
			for i := range values {
				values[i] = tt.draw()
				sum += float64(values[i])
				k.Record(values[i])
			}
			slices.Sort(values)
			for _, q := range []float64{0, 0.5, 0.9, 0.95, 0.99, 0.999, 1} {
				rank := max(int(math.Round(q*float64(tt.n))), 1)
				want := values[rank-1]
				got := k.Quantile(q)
				if math.Abs(float64(got-want)) > SketchAccuracy*float64(want)+1 {
					t.Errorf("q%v = %v, want %v within 1%%", q, got, want)
				}
			}
			if k.Count() != int64(tt.n) || k.Min() != values[0] || k.Max() != values[tt.n-1] {
				t.Errorf("count %d min %v max %v, want %d %v %v", k.Count(), k.Min(), k.Max(), tt.n, values[0], values[tt.n-1])
			}
			if mean := sum / float64(tt.n); math.Abs(float64(k.Mean())-mean) > 1 {
				t.Errorf("mean %v, want %v", k.Mean(), mean)
			}
		})
	}
}

// TestSketchMerge: merging sketches is recording their values in one.
func TestSketchMerge(t *testing.T) {
	var a, b, all Sketch
	for i := range 5000 {
		d := time.Duration(i*i) * time.Microsecond
		all.Record(d)
		if i%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	var merged Sketch
	merged.Merge(&a)
	merged.Merge(nil)
	merged.Merge(&Sketch{})
	merged.Merge(&b)
	if merged.Latency() != all.Latency() || merged.Count() != all.Count() {
		t.Errorf("merged %+v, want %+v", merged.Latency(), all.Latency())
	}
	if a.Count() != 1667 {
		t.Errorf("merging changed its source: %d values", a.Count())
	}
	merged.Reset()
	if merged.Count() != 0 || merged.Quantile(0.99) != 0 || merged.Latency() != (Latency{}) {
		t.Errorf("reset sketch: %+v", merged.Latency())
	}
	merged.Record(time.Second)
	if merged.Quantile(0.5) != time.Second {
		t.Errorf("after reset and one value of 1s, p50 %v", merged.Quantile(0.5))
	}
}

// BenchmarkSketchRecord is the cost a server's latency adds to each
// completed request.
func BenchmarkSketchRecord(b *testing.B) {
	var k Sketch
	rng := rand.New(rand.NewPCG(1, 2))
	values := make([]time.Duration, 1024)
	for i := range values {
		values[i] = time.Duration(rng.ExpFloat64() * float64(50*time.Millisecond))
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k.Record(values[i%len(values)])
	}
}

// TestSumGroups: servers add up by group name, in the order groups first
// appear, wherever their servers stand (an autoscaled group's extra
// servers come last).
func TestSumGroups(t *testing.T) {
	one := func(ms ...int) *Sketch {
		var k Sketch
		for _, m := range ms {
			k.Record(time.Duration(m) * time.Millisecond)
		}
		return &k
	}
	servers := []Server{{Name: "web-1", Requests: 3}, {Name: "db-1", Requests: 1}, {Name: "web-2", Requests: 2}, {Name: "web-3", Requests: 5}}
	got := SumGroups(servers, []string{"web", "db", "web", "web"}, []*Sketch{one(10, 20, 30), one(100), one(40, 50), nil})
	if len(got) != 2 || got[0].Name != "web" || got[1].Name != "db" {
		t.Fatalf("groups %+v, want web then db", got)
	}
	if w := got[0]; w.Requests != 10 || w.Completed != 5 || w.Latency.Mean != 30 || w.Latency.Max != 50 {
		t.Errorf("web %+v, want 10 requests, 5 completed, mean 30 ms, max 50 ms", w)
	}
	if d := got[1]; d.Requests != 1 || d.Completed != 1 || d.Latency.P99 != 100 {
		t.Errorf("db %+v, want 1 request of 100 ms", d)
	}
}

// TestLatencySpread: the slowest server's mean over the mean of all
// completed requests, empty servers left out.
func TestLatencySpread(t *testing.T) {
	fast, slow := new(Sketch), new(Sketch)
	for range 3 {
		fast.Record(10 * time.Millisecond)
	}
	slow.Record(50 * time.Millisecond)
	// mean of all (3*10 + 50)/4 = 20 ms; the slowest server's is 50: 2.5
	if got := LatencySpread([]*Sketch{fast, nil, new(Sketch), slow}); got != 2.5 {
		t.Errorf("spread %v, want 2.5", got)
	}
	if got := LatencySpread([]*Sketch{nil, new(Sketch)}); got != 0 {
		t.Errorf("spread of nothing %v, want 0", got)
	}
}

// TestSketchEveryRank: with values 5% apart, so that each has a bucket
// of its own, every rank of every length up to 300 comes back within 1%.
// Computing the rank's quantile in floating point once landed one
// bucket low for 4% of them.
func TestSketchEveryRank(t *testing.T) {
	for n := 1; n <= 300; n++ {
		var k Sketch
		values := make([]time.Duration, n)
		for i := range values {
			values[i] = time.Duration(float64(time.Millisecond) * math.Pow(1.05, float64(i)))
			k.Record(values[i])
		}
		for rank := 1; rank <= n; rank++ {
			q := (float64(rank) - 0.25) / float64(n) // rounds to rank
			got, want := k.Quantile(q), values[rank-1]
			if math.Abs(float64(got-want)) > SketchAccuracy*float64(want) {
				t.Fatalf("n %d, rank %d: %v, want %v within 1%%", n, rank, got, want)
			}
		}
	}
}
