package report_test

import (
	"fmt"
	"time"

	"github.com/lbsim/lbsim/report"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
)

// The charts of a run with a timeline, the p99 over time taken over a
// trailing 30 s rather than the default span, as lbsim run --p99-window
// 30s draws them. Each chart's caption is one line.
func ExampleChartsWith() {
	sc, err := scenarios.Open("crash-with-health-checks")
	if err != nil {
		fmt.Println(err)
		return
	}
	sc.Duration = 5 * scenarios.Duration(time.Minute)
	runs, err := sim.CompareSeeds(sc, []string{"round_robin"}, []uint64{sc.Seed}, sim.Options{Timeline: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ch := range report.ChartsWith(runs[0], report.ChartOptions{P99Window: 30 * time.Second}) {
		fmt.Printf("%s: %s\n", ch.Name, ch.Title)
	}
	// Output:
	// latency-cdf: Latency distribution, crash-with-health-checks, seed 1
	// ccdf: Latency tail, crash-with-health-checks, seed 1
	// server-requests: Requests per server, crash-with-health-checks, seed 1
	// server-utilization: Utilization per server, crash-with-health-checks, seed 1
	// inflight: Requests in flight per server, crash-with-health-checks, seed 1
	// p99-over-time: p99 latency over a trailing 30s, crash-with-health-checks, seed 1
}
