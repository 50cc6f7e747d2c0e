package results_test

import (
	"fmt"
	"time"

	"github.com/lbsim/lbsim/results"
)

func ExampleJain() {
	fmt.Printf("%.4f\n", results.Jain([]float64{0.6, 0.6, 0.6, 0.6})) // equal
	fmt.Printf("%.4f\n", results.Jain([]float64{0.9, 0, 0, 0}))       // one of four busy: 1/4
	fmt.Printf("%.4f\n", results.Jain([]float64{1, 2, 3}))            // 36 / (3*14)
	fmt.Printf("%.4f\n", results.MaxOverMean([]float64{1, 2, 3}))     // 3 / 2
	// Output:
	// 1.0000
	// 0.2500
	// 0.8571
	// 1.5000
}

func ExampleHistogram() {
	h := results.NewHistogram()
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Millisecond) // 1ms, 2ms, ... 1s
	}
	fmt.Println("count", h.Count())
	fmt.Println("mean ", h.Mean()) // exact
	fmt.Println("max  ", h.Max())  // exact
	// Percentiles are the top of a bucket at most 1/1024 of the value wide.
	fmt.Println("p50  ", h.Quantile(0.50))
	fmt.Println("p99  ", h.Quantile(0.99))
	l := h.Latency() // milliseconds, for the report
	fmt.Printf("p99.9 %.3f ms\n", l.P999)
	// Output:
	// count 1000
	// mean  500.5ms
	// max   1s
	// p50   500.170751ms
	// p99   990.380031ms
	// p99.9 999.293 ms
}

func ExampleHistogram_CDF() {
	h := results.NewHistogram()
	for i := 1; i <= 100; i++ {
		h.Record(time.Duration(i) * time.Millisecond) // 1ms ... 100ms
	}
	// Two points per halving of the distance to the 100th percentile.
	for _, p := range h.CDF(2) {
		fmt.Printf("%v: %.2f\n", p.Value.Round(10*time.Microsecond), p.Share)
	}
	// Output:
	// 1ms: 0.01
	// 25ms: 0.25
	// 50ms: 0.50
	// 63.01ms: 0.63
	// 75.04ms: 0.75
	// 82.05ms: 0.82
	// 88.01ms: 0.88
	// 91.03ms: 0.91
	// 94.04ms: 0.94
	// 96.01ms: 0.96
	// 97.06ms: 0.97
	// 98.04ms: 0.98
	// 99.02ms: 0.99
	// 100ms: 1.00
}

// A Sketch keeps one server's latencies in a few kilobytes: its
// percentiles are within 1%, its mean exact.
func ExampleSketch() {
	var k results.Sketch
	for i := 1; i <= 100; i++ {
		k.Record(time.Duration(i) * time.Millisecond)
	}
	l := k.Latency()
	fmt.Printf("mean %.1f ms, p50 about %.0f ms, p99 about %.0f ms\n", l.Mean, l.P50, l.P99)
	// Output: mean 50.5 ms, p50 about 50 ms, p99 about 99 ms
}

// TInterval gives the 95% interval of a figure over seeds: here five
// seeds' p99s, in milliseconds.
func ExampleTInterval() {
	iv := results.TInterval([]float64{91.9, 92.2, 92.5, 92.8, 93.1})
	fmt.Printf("%.2f ± %.2f ms, [%.2f, %.2f]\n", iv.Mid(), iv.HalfWidth(), iv[0], iv[1])
	// Output: 92.50 ± 0.59 ms, [91.91, 93.09]
}

// DiffInterval compares two algorithms seed by seed: one lower on every
// seed is told apart even when each one's own interval overlaps the
// other's.
func ExampleDiffInterval() {
	seeds := func(p99s ...float64) []results.Latency {
		out := make([]results.Latency, len(p99s))
		for i, v := range p99s {
			out[i].P99 = v
		}
		return out
	}
	a := seeds(92.2, 92.9, 91.9, 92.8, 91.9)
	b := seeds(92.5, 93.2, 92.2, 93.1, 92.3)
	iv, _ := results.DiffInterval(a, b, results.FigureP99)
	fmt.Printf("a - b in [%.3f, %.3f] ms: distinguishable %v\n", iv[0], iv[1], iv[1] < 0)
	// Output: a - b in [-0.376, -0.264] ms: distinguishable true
}

// A scenario's judge: names the figure readings compare.
func ExampleParseFigure() {
	f, err := results.ParseFigure("Mean")
	fmt.Println(f, f.Text(), f.Of(results.Latency{Mean: 21.5, P99: 93}), err)
	_, err = results.ParseFigure("p98")
	fmt.Println(err)
	// Output:
	// mean mean latency 21.5 <nil>
	// unknown figure "p98" (valid: mean, p50, p90, p95, p99, p999)
}
