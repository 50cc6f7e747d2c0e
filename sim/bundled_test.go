package sim

import (
	"math"
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

// TestBundledFailures holds the failure scenarios to the stories their
// descriptions tell.
func TestBundledFailures(t *testing.T) {
	open := func(name string) *scenarios.Scenario {
		sc, err := scenarios.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	run := func(sc *scenarios.Scenario, alg string) report.Result {
		r, err := Run(sc, alg)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	// Without checks round robin fails the crashed server's quarter of the
	// 8 minutes after the crash (40/s: about 19,200 requests); least
	// connections fails more, since the dead server looks idle.
	without := open("crash-without-health-checks")
	rr := run(without, "round_robin")
	if share := float64(rr.Failed) / (8 * 60 * 40); share < 0.23 || share > 0.27 {
		t.Errorf("round_robin failed %d, %.3f of the requests after the crash, want about 1/4", rr.Failed, share)
	}
	if lc := run(without, "least_connections"); lc.Failed < rr.Failed*13/10 {
		t.Errorf("least_connections failed %d, want well over round_robin's %d", lc.Failed, rr.Failed)
	}

	// With checks every 10 s and fall 3 the crash is out of rotation
	// within 20 to 30 s; without the retry, about a quarter of the
	// requests of that window fail, with it none do.
	with := open("crash-with-health-checks")
	for _, alg := range with.Algorithms {
		if r := run(with, alg); r.Failed != 0 || r.Retried == 0 {
			t.Errorf("%s with checks and a retry: failed %d, retried %d; want none failed", alg, r.Failed, r.Retried)
		}
	}
	noRetry := *with
	noRetry.Retries = nil
	r := run(&noRetry, "round_robin")
	c := r.Crashes[0]
	if c.DetectedAfterS < 20 || c.DetectedAfterS > 30 {
		t.Errorf("detected after %v s, want 20 to 30 (fall 3 at 10 s intervals)", c.DetectedAfterS)
	}
	if want := c.DetectedAfterS * 40 / 4; float64(r.Failed) < 0.8*want || float64(r.Failed) > 1.2*want || r.Failed != c.FailedDuring {
		t.Errorf("without the retry: failed %d (%d during detection), want about %.0f, all before detection", r.Failed, c.FailedDuring, want)
	}

	// The dying disk: a tenfold slowdown passes the checks, so only
	// policies that look at latency or load avoid the server.
	disk := open("dying-disk")
	slow := run(disk, "round_robin")
	for _, alg := range []string{"least_response_time", "power_of_two"} {
		if r := run(disk, alg); r.Latency.P99*10 > slow.Latency.P99 {
			t.Errorf("%s p99 %.0f ms, want a tenth of round_robin's %.0f ms or less", alg, r.Latency.P99, slow.Latency.P99)
		}
	}
	if slow.Servers[2].DownS != 0 || len(slow.Crashes) != 0 {
		t.Errorf("the slow server was taken for down: %+v", slow.Servers[2])
	}

	// The retry storm: without a breaker round robin cascades, and over
	// half of the requests fail; with a breaker and a retry budget almost
	// none do (a few in the seconds before the breaker opens).
	storm := open("retry-storm")
	if r := run(storm, "round_robin"); r.Failed*2 < r.Failed+r.Completed || r.FailedByCause["timeout"] == 0 {
		t.Errorf("retry storm, round_robin: failed %d of %d (%v), want over half, timed out", r.Failed, r.Failed+r.Completed, r.FailedByCause)
	}
	// Autoscaling through the rush: it grows the group within a minute of
	// the rush and shrinks it after; the mean drops by a fifth or more, the
	// p99 stays within 10% of the fixed fleet's.
	fixed, scaled := run(open("black-friday"), "round_robin"), run(open("autoscale-black-friday"), "round_robin")
	if s := scaled.Scaling; len(s) < 2 || s[0].AtS > 360 || s[0].To < 12 || s[len(s)-1].To != 8 {
		t.Errorf("scaling %+v, want growth to 12 or more by 6m and back to 8", s)
	}
	if scaled.Latency.Mean > 0.8*fixed.Latency.Mean || math.Abs(scaled.Latency.P99/fixed.Latency.P99-1) > 0.1 {
		t.Errorf("mean %.0f vs %.0f ms, p99 %.0f vs %.0f ms; want the mean down a fifth, the p99 within 10%%",
			scaled.Latency.Mean, fixed.Latency.Mean, scaled.Latency.P99, fixed.Latency.P99)
	}

	calm := open("retry-storm-with-breaker")
	for _, alg := range calm.Algorithms {
		r := run(calm, alg)
		if r.Failed*1000 > r.Completed || r.Latency.P99 > 1000 {
			t.Errorf("with a breaker, %s: failed %d of %d, p99 %.0f ms; want under 0.1%% and p99 under 1 s", alg, r.Failed, r.Completed, r.Latency.P99)
		}
	}
}
