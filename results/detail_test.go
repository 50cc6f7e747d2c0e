package results

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// randomTimeline is n windows of step 1 s with a random number of
// latencies each (none in about one in five), lognormal around 50 ms with
// a slow one now and then; values[k] lists window k's.
func randomTimeline(n int) (Timeline, [][]time.Duration) {
	rng := rand.New(rand.NewPCG(3, 4))
	tl := Timeline{Step: time.Second, Servers: []string{"a", "b"}}
	values := make([][]time.Duration, n)
	for k := range n {
		w := Window{InFlight: []int{k, 2 * k}, Failed: int64(k % 3)}
		if rng.IntN(5) > 0 {
			w.Latency = new(Sketch)
			for range 1 + rng.IntN(300) {
				d := time.Duration(math.Exp(rng.NormFloat64()) * float64(50*time.Millisecond))
				if rng.IntN(100) == 0 {
					d *= 100
				}
				w.Latency.Record(d)
				values[k] = append(values[k], d)
			}
			w.Completed = w.Latency.Count()
		}
		tl.Windows = append(tl.Windows, w)
	}
	return tl, values
}

// quantileOf is the value of rank round(q*n), at least 1, of values, 0
// for none.
func quantileOf(values []time.Duration, q float64) time.Duration {
	if len(values) == 0 {
		return 0
	}
	return exactQuantile(slices.Sorted(slices.Values(values)), q)
}

// TestRollingQuantile checks every trailing span against the exact
// quantile of the latencies in its windows, for spans of one window, a
// few, a span that is not a whole number of windows, the whole timeline
// and more.
func TestRollingQuantile(t *testing.T) {
	tl, values := randomTimeline(97)
	tests := []struct {
		span time.Duration
		w    int // windows per span
	}{
		{0, 1},
		{time.Second, 1},
		{3 * time.Second, 3},
		{2400 * time.Millisecond, 2},
		{2600 * time.Millisecond, 3},
		{10 * time.Second, 10},
		{97 * time.Second, 97},
		{500 * time.Second, 500},
	}
	for _, tt := range tests {
		for _, q := range []float64{0.5, 0.99} {
			t.Run(fmt.Sprintf("%v q%v", tt.span, q), func(t *testing.T) {
				if got := tl.SpanWindows(tt.span); got != tt.w {
					t.Fatalf("SpanWindows(%v) = %d, want %d", tt.span, got, tt.w)
				}
				got := tl.RollingQuantile(tt.span, q)
				if len(got) != len(tl.Windows) {
					t.Fatalf("%d values for %d windows", len(got), len(tl.Windows))
				}
				for k, r := range got {
					var in []time.Duration
					for j := max(k-tt.w+1, 0); j <= k; j++ {
						in = append(in, values[j]...)
					}
					want := quantileOf(in, q)
					if r.Completed != int64(len(in)) || math.Abs(float64(r.Value-want)) > SketchAccuracy*float64(want)+1 {
						t.Fatalf("window %d: %d completed, quantile %v; want %d and %v within 1%%", k, r.Completed, r.Value, len(in), want)
					}
				}
			})
		}
	}
	if got := (&Timeline{Step: time.Second}).RollingQuantile(time.Minute, 0.99); len(got) != 0 {
		t.Errorf("an empty timeline: %v", got)
	}
}

// TestCoarsened checks windows merged k at a time: counts add up, each
// keeps the in-flight sample of its first window, its latencies are those
// of its windows, and the timeline it came from is unchanged.
func TestCoarsened(t *testing.T) {
	tl, values := randomTimeline(10)
	tests := []struct {
		k       int
		windows int
	}{{0, 10}, {1, 10}, {2, 5}, {3, 4}, {10, 1}, {25, 1}}
	for _, tt := range tests {
		c := tl.Coarsened(tt.k)
		k := max(tt.k, 1)
		if len(c.Windows) != tt.windows || c.Step != time.Duration(k)*time.Second || c.End() < tl.End() || c.End()-c.Step >= tl.End() {
			t.Errorf("k %d: %d windows of %v, ending at %v; want %d covering %v", tt.k, len(c.Windows), c.Step, c.End(), tt.windows, tl.End())
			continue
		}
		for i, w := range c.Windows {
			var completed, failed int64
			var in []time.Duration
			for j := i * k; j < min((i+1)*k, len(tl.Windows)); j++ {
				completed += tl.Windows[j].Completed
				failed += tl.Windows[j].Failed
				in = append(in, values[j]...)
			}
			if w.Completed != completed || w.Failed != failed || w.InFlight[1] != 2*i*k {
				t.Errorf("k %d window %d: %d completed, %d failed, in flight %v; want %d, %d, [%d %d]", tt.k, i, w.Completed, w.Failed, w.InFlight, completed, failed, i*k, 2*i*k)
			}
			var n int64
			var p99 time.Duration
			if w.Latency != nil {
				n, p99 = w.Latency.Count(), w.Latency.Quantile(0.99)
			}
			if want := quantileOf(in, 0.99); n != int64(len(in)) || math.Abs(float64(p99-want)) > SketchAccuracy*float64(want)+1 {
				t.Errorf("k %d window %d: %d latencies, p99 %v; want %d, %v", tt.k, i, n, p99, len(in), want)
			}
		}
	}
	for k, w := range tl.Windows {
		if w.Latency != nil && w.Latency.Count() != int64(len(values[k])) {
			t.Errorf("coarsening changed window %d: %d latencies, had %d", k, w.Latency.Count(), len(values[k]))
		}
	}
}

// TestWindowAdd checks Add with latencies on either side or none.
func TestWindowAdd(t *testing.T) {
	some := func(ds ...time.Duration) *Sketch {
		k := new(Sketch)
		for _, d := range ds {
			k.Record(d)
		}
		return k
	}
	tests := []struct {
		name    string
		w, o    Window
		count   int64
		max     time.Duration
		hasLats bool
	}{
		{"neither", Window{Failed: 1}, Window{Failed: 2}, 0, 0, false},
		{"only the first", Window{Completed: 1, Latency: some(time.Second)}, Window{}, 1, time.Second, true},
		{"only the second", Window{}, Window{Completed: 2, Latency: some(time.Millisecond, time.Minute)}, 2, time.Minute, true},
		{"an empty sketch", Window{}, Window{Latency: new(Sketch)}, 0, 0, false},
		{"both", Window{Completed: 1, Latency: some(time.Second)}, Window{Completed: 1, Latency: some(time.Hour)}, 2, time.Hour, true},
	}
	for _, tt := range tests {
		var before int64
		if tt.o.Latency != nil {
			before = tt.o.Latency.Count()
		}
		w := tt.w
		w.InFlight = []int{7}
		w.Add(&tt.o)
		if w.Completed != tt.count || w.Failed != tt.w.Failed+tt.o.Failed || w.InFlight[0] != 7 || (w.Latency != nil) != tt.hasLats {
			t.Errorf("%s: %+v", tt.name, w)
			continue
		}
		if tt.hasLats && (w.Latency.Count() != tt.count || w.Latency.Max() != tt.max) {
			t.Errorf("%s: %d latencies up to %v, want %d up to %v", tt.name, w.Latency.Count(), w.Latency.Max(), tt.count, tt.max)
		}
		if tt.o.Latency != nil && tt.o.Latency.Count() != before {
			t.Errorf("%s: Add changed the window it added", tt.name)
		}
	}
}

// BenchmarkRollingQuantile is the p99 over time of one run of a chart: a
// full timeline's windows with a span of 20 of them.
func BenchmarkRollingQuantile(b *testing.B) {
	tl, _ := randomTimeline(800)
	b.ReportAllocs()
	for b.Loop() {
		tl.RollingQuantile(20*time.Second, 0.99)
	}
}
