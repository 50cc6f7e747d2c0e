package check

import (
	"reflect"
	"strings"
	"testing"

	"github.com/lbsim/lbsim/results"
)

// seedRuns returns two runs of one scenario with seeds 1 and 2, built by
// hand so the worst and mean of every metric can be worked out.
func seedRuns() []*results.Comparison {
	return []*results.Comparison{
		{
			Scenario: "two-seeds", Description: "hand-built", Seed: 1, Requests: 1000,
			Results: []results.Result{
				{
					Algorithm: "round_robin", Completed: 100, Failed: 2, Rejected: 1,
					FailedByCause: map[string]int64{"timeout": 2},
					Crashes:       []results.Crash{{Server: "app-1", AtS: 1, DetectedAfterS: 0.5, FailedDuring: 1}},
					Scaling:       []results.Scale{{AtS: 5, Utilization: 0.9, From: 2, To: 3}},
					ThroughputRPS: 10,
					Latency:       results.Latency{Mean: 50, P50: 40, P99: 200, Max: 400},
					Fairness:      results.Fairness{JainUtilization: 0.9, MaxOverMeanUtilization: 1.2},
					Servers: []results.Server{
						{Name: "app-1", Requests: 60, Utilization: 0.5, MaxQueue: 3, Failed: 1},
						{Name: "app-2", Requests: 40, Utilization: 0.3, MaxQueue: 1},
					},
					Classes: []results.Class{{Name: "profile", Completed: 90, Latency: results.Latency{P99: 150}}},
				},
				{
					Algorithm: "least_connections", Completed: 110, ThroughputRPS: 11,
					Latency:  results.Latency{P99: 100},
					Fairness: results.Fairness{JainUtilization: 0.95},
					Servers:  []results.Server{{Name: "app-1", Requests: 55, Utilization: 0.4}, {Name: "app-2", Requests: 55, Utilization: 0.4}},
				},
			},
		},
		{
			Scenario: "two-seeds", Description: "hand-built", Seed: 2, Requests: 1001,
			Results: []results.Result{
				{
					Algorithm: "round_robin", Completed: 97, Failed: 5,
					FailedByCause: map[string]int64{"refused": 3, "timeout": 2},
					ThroughputRPS: 12,
					Latency:       results.Latency{Mean: 40, P50: 45, P99: 300, Max: 350},
					Fairness:      results.Fairness{JainUtilization: 0.8, MaxOverMeanUtilization: 1.1},
					Servers: []results.Server{
						{Name: "app-1", Requests: 50, Utilization: 0.4, MaxQueue: 5},
						{Name: "app-2", Requests: 51, Utilization: 0.6},
					},
					Classes: []results.Class{{Name: "profile", Completed: 85, Latency: results.Latency{P99: 250}}},
				},
				{
					Algorithm: "least_connections", Completed: 108, ThroughputRPS: 10.5,
					Latency:  results.Latency{P99: 120},
					Fairness: results.Fairness{JainUtilization: 0.97},
					Servers:  []results.Server{{Name: "app-1", Requests: 54, Utilization: 0.45}, {Name: "app-2", Requests: 54, Utilization: 0.35}},
				},
			},
		},
	}
}

// TestCheckExpectations checks the verdict over several seeds: under
// worst an expectation must hold on every seed and Seed names the one
// that decided; under mean it is judged once on the averages.
func TestCheckExpectations(t *testing.T) {
	u64 := func(v uint64) *uint64 { return &v }
	tests := []struct {
		text   string
		how    results.Aggregate
		runs   []*results.Comparison
		passed bool
		seed   *uint64
		value  float64 // of the first metric
		detail string
	}{
		// p99 is 200 and 300: seed 2 fails.
		{"round_robin.p99 < 250", results.AggregateWorst, seedRuns(), false, u64(2), 300, "300 < 250"},
		// max is 400 and 350: seed 1 fails though seed 2 holds.
		{"round_robin.max < 380", results.AggregateWorst, seedRuns(), false, u64(1), 400, "400 < 380"},
		// Both hold; margins 200 and 100: seed 2 held least.
		{"round_robin.p99 < 400", results.AggregateWorst, seedRuns(), true, u64(2), 300, "300 < 400"},
		// Both hold; throughput 10 and 12 over 5, margins 5 and 7: seed 1.
		{"round_robin.throughput_rps > 5", results.AggregateWorst, seedRuns(), true, u64(1), 10, "10 > 5"},
		// A cause absent in seed 1 reads 0 there; seed 2 had 3.
		{"round_robin.failed_by_cause.refused == 0", results.AggregateWorst, seedRuns(), false, u64(2), 3, "3 == 0"},
		// A cause named with a digit first, absent in both seeds.
		{"round_robin.failed_by_cause.5xx == 0", results.AggregateWorst, seedRuns(), true, u64(1), 0, "0 == 0"},
		// Seed 2 had no crash: a problem outranks a verdict.
		{"round_robin.crashes[0].at_s > 0", results.AggregateWorst, seedRuns(), false, u64(2), 0, "the round_robin run has no crashes[0].at_s"},
		// The mean p99 is 250 and the mean max 375, though seed 2 and
		// seed 1 would fail.
		{"round_robin.p99 < 260", results.AggregateMean, seedRuns(), true, nil, 250, "250 < 260"},
		{"round_robin.max < 380", results.AggregateMean, seedRuns(), true, nil, 375, "375 < 380"},
		{"round_robin.completed > 98.9", results.AggregateMean, seedRuns(), true, nil, 99, "99 > 98.9"},
		// Combining drops crashes, so the mean run has none.
		{"round_robin.crashes[0].at_s > 0", results.AggregateMean, seedRuns(), false, nil, 0, "the round_robin run has no crashes[0].at_s"},
		// One run names no seed.
		{"round_robin.p99 < 250", results.AggregateWorst, seedRuns()[:1], true, nil, 200, "200 < 250"},
		{"round_robin.p99 < 250", results.AggregateMean, seedRuns()[1:], false, nil, 300, "300 < 250"},
	}
	for _, tt := range tests {
		e := mustParse(t, tt.text)
		e.Line = 7
		got := Expectations([]*Expectation{e}, tt.runs, tt.how)
		if len(got) != 1 {
			t.Fatalf("%s: %d assertions, want 1", tt.text, len(got))
		}
		a := got[0]
		name := string(tt.how) + " " + tt.text
		if a.Kind != "expect" || a.Name != tt.text || a.Line != 7 {
			t.Errorf("%s: Kind %q Name %q Line %d, want expect, the text, 7", name, a.Kind, a.Name, a.Line)
		}
		if a.Passed != tt.passed {
			t.Errorf("%s: Passed = %v, want %v (%s)", name, a.Passed, tt.passed, a.Detail)
		}
		if !reflect.DeepEqual(a.Seed, tt.seed) {
			t.Errorf("%s: Seed = %v, want %v", name, deref(a.Seed), deref(tt.seed))
		}
		if a.Detail != tt.detail {
			t.Errorf("%s: Detail = %q, want %q", name, a.Detail, tt.detail)
		}
		if ref := e.Refs()[0].String(); a.Values[ref] != tt.value {
			t.Errorf("%s: Values = %v, want %s = %v", name, a.Values, ref, tt.value)
		}
	}
}

func deref(p *uint64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestCheckExpectationsRounded checks expectations see the numbers
// --format json prints (latencies to 3 decimals), so a check never
// contradicts the report a user reads.
func TestCheckExpectationsRounded(t *testing.T) {
	run := &results.Comparison{Scenario: "s", Results: []results.Result{{Algorithm: "round_robin", Latency: results.Latency{P99: 249.9996}}}}
	e := mustParse(t, "round_robin.p99 < 250")
	a := Expectations([]*Expectation{e}, []*results.Comparison{run}, results.AggregateWorst)[0]
	if a.Passed || a.Detail != "250 < 250" {
		t.Errorf("249.9996 < 250 as printed: Passed %v, Detail %q; want failed on 250 < 250", a.Passed, a.Detail)
	}
	if run.Results[0].Latency.P99 != 249.9996 {
		t.Errorf("Expectations changed its input")
	}
}

// TestCheckExpectationsOrder checks there is one assertion per
// expectation, in order.
func TestCheckExpectationsOrder(t *testing.T) {
	var exps []*Expectation
	texts := []string{"round_robin.p99 < 400", "least_connections.p99 < 50", "round_robin.completed > 0"}
	for _, s := range texts {
		exps = append(exps, mustParse(t, s))
	}
	got := Expectations(exps, seedRuns(), results.AggregateWorst)
	if len(got) != 3 || got[0].Name != texts[0] || got[1].Name != texts[1] || got[2].Name != texts[2] ||
		!got[0].Passed || got[1].Passed || !got[2].Passed {
		t.Errorf("assertions %+v, want %v passing, failing, passing", got, texts)
	}
}

// TestComparable checks a baseline from another setup is refused with a
// message naming what differs.
func TestComparable(t *testing.T) {
	base := func() *results.Comparison {
		return &results.Comparison{Scenario: "uniform", Seed: 1, Requests: 1000,
			Results: []results.Result{{Algorithm: "round_robin"}, {Algorithm: "least_connections"}}}
	}
	tests := []struct {
		name   string
		change func(c *results.Comparison)
		err    string // "" for comparable
	}{
		{"equal", func(*results.Comparison) {}, ""},
		{"other values", func(c *results.Comparison) { c.Results[0].Latency.P99 = 5; c.Description = "x" }, ""},
		{"one seed counted as 1", func(c *results.Comparison) { c.Seeds = 1; c.Aggregate = results.AggregateMean }, ""},
		{"scenario", func(c *results.Comparison) { c.Scenario = "mixed" }, `it is of scenario "uniform", not "mixed"`},
		{"seed", func(c *results.Comparison) { c.Seed = 2 }, "it was run with seed 1, this check with seed 2"},
		{"seeds", func(c *results.Comparison) { c.Seeds, c.Aggregate = 3, results.AggregateWorst }, "it was run with seed 1, this check with worst of seeds 1 to 3"},
		{"requests", func(c *results.Comparison) { c.Requests = 999 }, "it simulated 1000 requests, this check 999"},
		{"algorithms", func(c *results.Comparison) { c.Results = c.Results[:1] }, "it ran round_robin, least_connections, this check runs round_robin"},
		{"algorithm order", func(c *results.Comparison) { c.Results[0], c.Results[1] = c.Results[1], c.Results[0] },
			"it ran round_robin, least_connections, this check runs least_connections, round_robin"},
	}
	for _, tt := range tests {
		cur := base()
		tt.change(cur)
		err := Comparable(base(), cur)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%s: Comparable = %v, want nil", tt.name, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%s: Comparable = %v, want %q", tt.name, err, tt.err)
		}
	}
	// The aggregate matters once there are several seeds.
	b, c := base(), base()
	b.Seeds, b.Aggregate = 3, results.AggregateWorst
	c.Seeds, c.Aggregate = 3, results.AggregateMean
	if err := Comparable(b, c); err == nil || !strings.Contains(err.Error(), "worst of seeds 1 to 3, this check with mean of seeds 1 to 3") {
		t.Errorf("worst against mean: Comparable = %v", err)
	}
}

// baselineRun is one algorithm with one request class, every metric
// set, as a baseline file would hold it.
func baselineRun() *results.Comparison {
	return &results.Comparison{
		Scenario: "uniform", Seed: 1, Requests: 1000,
		Results: []results.Result{{
			Algorithm: "round_robin", Completed: 1000, ThroughputRPS: 20,
			Latency:  results.Latency{Mean: 50, P50: 40, P90: 80, P95: 90, P99: 100, P999: 150, Max: 200},
			Fairness: results.Fairness{JainUtilization: 0.9, MaxOverMeanUtilization: 1.1, MaxOverMeanLatency: 1.2},
			Servers:  []results.Server{{Name: "app-1", Requests: 500, Utilization: 0.5, MaxQueue: 2}},
			Classes:  []results.Class{{Name: "profile", Completed: 900, Latency: results.Latency{P50: 30, P99: 100}}},
			Crashes:  []results.Crash{{Server: "app-1", AtS: 3, DetectedAfterS: 1}},
		}},
	}
}

// TestCompareBaseline checks which metric changes fail a baseline
// comparison at a 5% tolerance: worsening beyond it in the metric's own
// direction, any worsening of a 0, never a per-server share.
func TestCompareBaseline(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *results.Result)
		failed []string // names of the failing assertions
		metric string   // an assertion whose Detail is checked
		detail string
	}{
		{"unchanged", func(*results.Result) {}, nil, "round_robin.latency_ms.p99", "100, baseline 100: unchanged"},
		{"p99 +10%", func(r *results.Result) { r.Latency.P99 = 110 }, []string{"round_robin.latency_ms.p99"},
			"round_robin.latency_ms.p99", "110, baseline 100: 10% worse"},
		{"p99 +4%", func(r *results.Result) { r.Latency.P99 = 104 }, nil, "round_robin.latency_ms.p99", "104, baseline 100: 4% worse"},
		{"p99 -10%", func(r *results.Result) { r.Latency.P99 = 90 }, nil, "round_robin.latency_ms.p99", "90, baseline 100: 10% better"},
		{"p99 rounds to the baseline", func(r *results.Result) { r.Latency.P99 = 100.0004 }, nil, "round_robin.latency_ms.p99", "100, baseline 100: unchanged"},
		{"failed 0 to 1", func(r *results.Result) { r.Failed = 1 }, []string{"round_robin.failed"}, "round_robin.failed", "1, baseline 0: was 0, now worse"},
		{"throughput -10%", func(r *results.Result) { r.ThroughputRPS = 18 }, []string{"round_robin.throughput_rps"},
			"round_robin.throughput_rps", "18, baseline 20: 10% worse"},
		{"throughput +10%", func(r *results.Result) { r.ThroughputRPS = 22 }, nil, "round_robin.throughput_rps", "22, baseline 20: 10% better"},
		{"completed -4%", func(r *results.Result) { r.Completed = 960 }, nil, "round_robin.completed", "960, baseline 1000: 4% worse"},
		{"jain -5.6%", func(r *results.Result) { r.Fairness.JainUtilization = 0.85 }, []string{"round_robin.fairness.jain_utilization"},
			"round_robin.fairness.jain_utilization", "0.85, baseline 0.9: 5.6% worse"},
		{"max/mean up 9.1%", func(r *results.Result) { r.Fairness.MaxOverMeanUtilization = 1.2 }, []string{"round_robin.fairness.max_over_mean_utilization"},
			"round_robin.fairness.max_over_mean_utilization", "1.2, baseline 1.1: 9.1% worse"},
		{"latency spread up 25%", func(r *results.Result) { r.Fairness.MaxOverMeanLatency = 1.5 }, []string{"round_robin.fairness.max_over_mean_latency"},
			"round_robin.fairness.max_over_mean_latency", "1.5, baseline 1.2: 25% worse"},
		{"class p99 +20%", func(r *results.Result) { r.Classes[0].Latency.P99 = 120 }, []string{"round_robin.classes[profile].latency_ms.p99"},
			"round_robin.classes[profile].latency_ms.p99", "120, baseline 100: 20% worse"},
		{"servers, causes and crashes are not compared", func(r *results.Result) {
			r.Servers[0] = results.Server{Name: "app-1", Requests: 900, Utilization: 0.99, MaxQueue: 50, Failed: 40, DownS: 9}
			r.FailedByCause = map[string]int64{"timeout": 40}
			r.Crashes[0].DetectedAfterS = 30
		}, nil, "round_robin.latency_ms.p99", "100, baseline 100: unchanged"},
	}
	for _, tt := range tests {
		cur := baselineRun()
		tt.change(&cur.Results[0])
		got := CompareBaseline(baselineRun(), cur, 0.05)
		// 16 metrics of the algorithm, 8 of its class.
		if len(got) != 24 {
			t.Errorf("%s: %d assertions, want 24", tt.name, len(got))
		}
		var failed []string
		found := false
		for _, a := range got {
			if !a.Passed {
				failed = append(failed, a.Name)
			}
			if a.Kind != "baseline" || a.Line != 0 || a.Seed != nil {
				t.Errorf("%s: %s: Kind %q Line %d Seed %v, want baseline, 0, nil", tt.name, a.Name, a.Kind, a.Line, a.Seed)
			}
			if len(a.Values) != 2 {
				t.Errorf("%s: %s: Values %v, want baseline and current", tt.name, a.Name, a.Values)
			}
			for _, skip := range []string{"round_robin.servers[", "round_robin.crashes[", "round_robin.failed_by_cause."} {
				if strings.HasPrefix(a.Name, skip) {
					t.Errorf("%s: %s compared; per-server metrics, causes and crashes are not", tt.name, a.Name)
				}
			}
			if a.Name == tt.metric {
				found = true
				if a.Detail != tt.detail {
					t.Errorf("%s: %s: Detail %q, want %q", tt.name, a.Name, a.Detail, tt.detail)
				}
			}
		}
		if !found {
			t.Errorf("%s: no assertion %s", tt.name, tt.metric)
		}
		if !reflect.DeepEqual(failed, tt.failed) {
			t.Errorf("%s: failed %v, want %v", tt.name, failed, tt.failed)
		}
	}
}

// TestCompareBaselineValues checks Values holds the baseline and the
// current value of the metric named.
func TestCompareBaselineValues(t *testing.T) {
	cur := baselineRun()
	cur.Results[0].Latency.P99 = 110
	for _, a := range CompareBaseline(baselineRun(), cur, 0.05) {
		if a.Name == "round_robin.latency_ms.p99" {
			if want := map[string]float64{"baseline": 100, "current": 110}; !reflect.DeepEqual(a.Values, want) {
				t.Errorf("Values = %v, want %v", a.Values, want)
			}
			return
		}
	}
	t.Error("no assertion for round_robin.latency_ms.p99")
}

// TestCompareBaselineTolerance checks the tolerance is a fraction of the
// baseline: 0 fails any worsening, 0.2 lets 10% pass.
func TestCompareBaselineTolerance(t *testing.T) {
	for _, tt := range []struct {
		tolerance float64
		passed    bool
	}{{0, false}, {0.05, false}, {0.099, false}, {0.1, true}, {0.2, true}} {
		cur := baselineRun()
		cur.Results[0].Latency.P99 = 110
		for _, a := range CompareBaseline(baselineRun(), cur, tt.tolerance) {
			if a.Name == "round_robin.latency_ms.p99" && a.Passed != tt.passed {
				t.Errorf("tolerance %v: p99 100 -> 110 Passed = %v, want %v", tt.tolerance, a.Passed, tt.passed)
			}
		}
	}
}

// TestNeverDetected: a crash never detected has detected_after_s -1, which
// is no time at all: an expectation on it fails with a note instead of
// passing as "-1 <= 30", and combining it with detected runs keeps -1
// under either aggregate.
func TestNeverDetected(t *testing.T) {
	run := func(seed uint64, detected float64) *results.Comparison {
		return &results.Comparison{Scenario: "s", Seed: seed, Results: []results.Result{{Algorithm: "a",
			Crashes: []results.Crash{{Server: "app-1", DetectedAfterS: detected}}}}}
	}
	e := mustParse(t, "a.crashes[0].detected_after_s <= 30")
	if o := e.Eval(run(1, -1)); o.Passed || !strings.Contains(o.Problem, "never detected crashes[0]") {
		t.Errorf("never detected: %+v, want a failure saying so", o)
	}
	for _, how := range []results.Aggregate{results.AggregateWorst, results.AggregateMean} {
		if got := results.Combine([]*results.Comparison{run(1, 10), run(2, -1)}, how).Results[0].Crashes[0].DetectedAfterS; got != -1 {
			t.Errorf("%s of 10 and never: %v, want -1", how, got)
		}
	}
}

// A baseline written before max_over_mean_latency existed reads it as 0;
// the metric is then not compared, rather than failing as "was 0, now
// worse" on every run.
func TestCompareBaselineWithoutLatencySpread(t *testing.T) {
	base := baselineRun()
	base.Results[0].Fairness.MaxOverMeanLatency = 0
	got := CompareBaseline(base, baselineRun(), 0.05)
	if len(got) != 23 {
		t.Errorf("%d assertions, want 23 (all but the latency spread)", len(got))
	}
	for _, a := range got {
		if a.Name == "round_robin.fairness.max_over_mean_latency" || !a.Passed {
			t.Errorf("%s: passed %v (%s); want no assertion for the spread and every other one passed", a.Name, a.Passed, a.Detail)
		}
	}
}
