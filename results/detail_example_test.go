package results_test

import (
	"fmt"
	"time"

	"github.com/lbsim/lbsim/results"
)

// The 99.9th percentile of a timeline over a trailing span of three
// windows: one slow request in window 2 lifts that of the three spans that
// hold it, and no more.
func ExampleTimeline_RollingQuantile() {
	tl := results.Timeline{Step: time.Second}
	for k := range 6 {
		w := results.Window{Latency: new(results.Sketch)}
		for range 99 {
			w.Latency.Record(10 * time.Millisecond)
		}
		if k == 2 {
			w.Latency.Record(2 * time.Second)
		}
		w.Completed = w.Latency.Count()
		tl.Windows = append(tl.Windows, w)
	}
	for k, r := range tl.RollingQuantile(3*time.Second, 0.999) {
		fmt.Printf("to %v: %d requests, p99.9 %v\n", time.Duration(k+1)*tl.Step, r.Completed, r.Value.Round(10*time.Millisecond))
	}
	// Output:
	// to 1s: 99 requests, p99.9 10ms
	// to 2s: 198 requests, p99.9 10ms
	// to 3s: 298 requests, p99.9 2s
	// to 4s: 298 requests, p99.9 2s
	// to 5s: 298 requests, p99.9 2s
	// to 6s: 297 requests, p99.9 10ms
}

// Two timelines of one comparison on one step: the finer one's windows
// merged in pairs, each keeping the requests in flight at its start.
func ExampleTimeline_Coarsened() {
	fine := results.Timeline{Step: time.Second, Servers: []string{"app"}}
	for k := range 5 {
		fine.Windows = append(fine.Windows, results.Window{InFlight: []int{k}, Completed: int64(10 * k), Failed: int64(k % 2)})
	}
	coarse := fine.Coarsened(2)
	fmt.Println(coarse.Step, "windows to", coarse.End())
	for _, w := range coarse.Windows {
		fmt.Printf("in flight %v at the start, %d completed, %d failed\n", w.InFlight, w.Completed, w.Failed)
	}
	// Output:
	// 2s windows to 6s
	// in flight [0] at the start, 10 completed, 1 failed
	// in flight [2] at the start, 50 completed, 1 failed
	// in flight [4] at the start, 40 completed, 0 failed
}
