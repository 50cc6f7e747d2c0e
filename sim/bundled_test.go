package sim

import (
	"testing"

	"github.com/lbsim/lbsim/report"
	"github.com/lbsim/lbsim/scenarios"
)

// Every bundled scenario teaches one lesson; its description promises it and
// this test holds the simulator to it, at the bundled seed and size. The
// margins are wide (factors of 1.5 or more where the runs differ by 3 or
// more) so that they test the lesson, not the last digit.
func TestBundledLessons(t *testing.T) {
	p99 := func(r report.Result) float64 { return r.Latency.P99 }
	maxOverMean := func(r report.Result) float64 { return r.Fairness.MaxOverMeanUtilization }
	profileP99 := func(r report.Result) float64 {
		for _, c := range r.Classes {
			if c.Name == "profile" {
				return c.Latency.P99
			}
		}
		t.Fatalf("%s: no profile class", r.Algorithm)
		return 0
	}
	tests := []struct {
		scenario      string
		better, worse string
		metric        func(report.Result) float64
		factor        float64 // better * factor <= worse
	}{
		{"mixed-50ms-5s", "least_connections", "round_robin", profileP99, 2},
		{"mixed-50ms-5s", "power_of_two", "round_robin", profileP99, 1.5},
		{"nat-skew", "round_robin", "ip_hash", maxOverMean, 1.3},
		{"nat-skew", "least_connections", "ip_hash", p99, 10},
		{"heterogeneous", "weighted_round_robin", "round_robin", p99, 10},
		{"heterogeneous", "least_connections", "round_robin", p99, 10},
		{"black-friday", "least_connections", "round_robin", p99, 2},
		{"black-friday", "power_of_two", "random", p99, 2},
		// identical-stateless: round robin is enough, within 10% of the best.
		{"identical-stateless", "round_robin", "least_connections", p99, 1 / 1.1},
	}
	for _, tt := range tests {
		t.Run(tt.scenario+"/"+tt.better+"_vs_"+tt.worse, func(t *testing.T) {
			t.Parallel()
			sc, err := scenarios.Open(tt.scenario)
			if err != nil {
				t.Fatal(err)
			}
			cmp, err := Compare(sc, []string{tt.better, tt.worse})
			if err != nil {
				t.Fatal(err)
			}
			b, w := tt.metric(cmp.Results[0]), tt.metric(cmp.Results[1])
			t.Logf("%s %.4g, %s %.4g", tt.better, b, tt.worse, w)
			if b*tt.factor > w {
				t.Errorf("%s %.4g x %.2f > %s %.4g", tt.better, b, tt.factor, tt.worse, w)
			}
		})
	}
}
