package report_test

import (
	"fmt"
	"os"

	"github.com/lbsim/lbsim/report"
	"github.com/lbsim/lbsim/results"
)

// A sweep's text output holds a table per metric, the varied values down
// and the algorithms across; --metrics on the command line is the list
// ParseSweepMetrics reads.
func ExampleWriteSweep() {
	s := &results.Sweep{
		Scenario:   "queue",
		Vary:       results.Vary{Key: "rate", From: 10, To: 20, Step: 10},
		Algorithms: []string{"round_robin", "least_connections"},
		Seed:       1,
	}
	for i, rate := range []float64{10, 20} {
		s.Points = append(s.Points, results.SweepPoint{Index: i, Value: rate, Requests: 1000, Results: []results.Result{
			{Algorithm: "round_robin", Completed: 1000, Latency: results.Latency{Mean: 20 * rate, P99: 90 * rate}},
			{Algorithm: "least_connections", Completed: 998, Rejected: 2, Latency: results.Latency{Mean: 15 * rate, P99: 60 * rate}},
		}})
	}
	metrics, err := report.ParseSweepMetrics("p99,failed")
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := report.WriteSweep(os.Stdout, report.FormatTable, s, metrics...); err != nil {
		fmt.Println(err)
	}
	// Output:
	// queue: p99 latency in ms by rate, seed 1
	//
	// rate  round_robin  least_connections
	// ----  -----------  -----------------
	//   10          900                600
	//   20         1800               1200
	//
	// queue: failed + rejected requests by rate, seed 1
	//
	// rate  round_robin  least_connections
	// ----  -----------  -----------------
	//   10            0                  2
	//   20            0                  2
}

func ExampleParseSweepMetrics() {
	fmt.Println(report.ParseSweepMetrics("P99, mean"))
	_, err := report.ParseSweepMetrics("p99,fail")
	fmt.Println(err)
	// Output:
	// [p99 mean] <nil>
	// unknown metric "fail", did you mean "failed"? (valid: mean, p50, p90, p95, p99, p999, max, failed, completed, retried, throughput, jain)
}
