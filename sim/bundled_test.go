package sim

import (
	"math"
	"testing"

	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
)

// TestBundledVariants holds what the bundled scenarios' expect: lines
// (which make test checks over several seeds with lbsim check) cannot
// say, as it compares a scenario with a variant of itself or with another
// scenario: the crash without its retry, the rush without its autoscaler.
func TestBundledVariants(t *testing.T) {
	open := func(name string) *scenarios.Scenario {
		sc, err := scenarios.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	run := func(sc *scenarios.Scenario, alg string) results.Result {
		r, err := Run(sc, alg)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	// With checks every 10 s and fall 3 the crash is out of rotation
	// within 20 to 30 s; without the retry, about a quarter of the
	// requests of that window fail, with it none do.
	with := open("crash-with-health-checks")
	noRetry := *with
	noRetry.Retries, noRetry.Passive = nil, nil // checks alone
	r := run(&noRetry, "round_robin")
	c := r.Crashes[0]
	if c.DetectedAfterS < 20 || c.DetectedAfterS > 30 {
		t.Errorf("detected after %v s, want 20 to 30 (fall 3 at 10 s intervals)", c.DetectedAfterS)
	}
	if want := c.DetectedAfterS * 40 / 4; float64(r.Failed) < 0.8*want || float64(r.Failed) > 1.2*want || r.Failed != c.FailedDuring {
		t.Errorf("without the retry: failed %d (%d during detection), want about %.0f, all before detection", r.Failed, c.FailedDuring, want)
	}

	// With the retry, every request that met the dead server was saved:
	// the crash cost attempts, not requests.
	r = run(with, "round_robin")
	if c := r.Crashes[0]; r.Failed != 0 || c.FailedDuring != 0 || c.AttemptsFailed == 0 {
		t.Errorf("with the retry: failed %d, crash %+v; want no request lost and some attempts failed", r.Failed, c)
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
}
