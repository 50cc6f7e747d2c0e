package report

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// seedRuns returns two runs of one scenario with seeds 1 and 2, built by
// hand so the worst and mean of every metric can be worked out.
func seedRuns() []*Comparison {
	return []*Comparison{
		{
			Scenario: "two-seeds", Description: "hand-built", Seed: 1, Requests: 1000,
			Results: []Result{
				{
					Algorithm: "round_robin", Completed: 100, Failed: 2, Rejected: 1,
					FailedByCause: map[string]int64{"timeout": 2},
					Crashes:       []Crash{{Server: "app-1", AtS: 1, DetectedAfterS: 0.5, FailedDuring: 1}},
					Scaling:       []Scale{{AtS: 5, Utilization: 0.9, From: 2, To: 3}},
					ThroughputRPS: 10,
					Latency:       Latency{Mean: 50, P50: 40, P99: 200, Max: 400},
					Fairness:      Fairness{JainUtilization: 0.9, MaxOverMeanUtilization: 1.2},
					Servers: []Server{
						{Name: "app-1", Requests: 60, Utilization: 0.5, MaxQueue: 3, Failed: 1},
						{Name: "app-2", Requests: 40, Utilization: 0.3, MaxQueue: 1},
					},
					Classes: []Class{{Name: "profile", Completed: 90, Latency: Latency{P99: 150}}},
				},
				{
					Algorithm: "least_connections", Completed: 110, ThroughputRPS: 11,
					Latency:  Latency{P99: 100},
					Fairness: Fairness{JainUtilization: 0.95},
					Servers:  []Server{{Name: "app-1", Requests: 55, Utilization: 0.4}, {Name: "app-2", Requests: 55, Utilization: 0.4}},
				},
			},
		},
		{
			Scenario: "two-seeds", Description: "hand-built", Seed: 2, Requests: 1001,
			Results: []Result{
				{
					Algorithm: "round_robin", Completed: 97, Failed: 5,
					FailedByCause: map[string]int64{"refused": 3, "timeout": 2},
					ThroughputRPS: 12,
					Latency:       Latency{Mean: 40, P50: 45, P99: 300, Max: 350},
					Fairness:      Fairness{JainUtilization: 0.8, MaxOverMeanUtilization: 1.1},
					Servers: []Server{
						{Name: "app-1", Requests: 50, Utilization: 0.4, MaxQueue: 5},
						{Name: "app-2", Requests: 51, Utilization: 0.6},
					},
					Classes: []Class{{Name: "profile", Completed: 85, Latency: Latency{P99: 250}}},
				},
				{
					Algorithm: "least_connections", Completed: 108, ThroughputRPS: 10.5,
					Latency:  Latency{P99: 120},
					Fairness: Fairness{JainUtilization: 0.97},
					Servers:  []Server{{Name: "app-1", Requests: 54, Utilization: 0.45}, {Name: "app-2", Requests: 54, Utilization: 0.35}},
				},
			},
		},
	}
}

// TestCombine checks each metric is merged the way its direction says:
// under worst, the highest latency and the lowest throughput; shares of
// servers averaged either way; counts rounded. The values were worked out
// by hand from seedRuns.
func TestCombine(t *testing.T) {
	server := func(i int) func(r *Result) Server { return func(r *Result) Server { return r.Servers[i] } }
	tests := []struct {
		metric      string
		alg         int
		get         func(r *Result) float64
		worst, mean float64
	}{
		{"completed (higher is better)", 0, func(r *Result) float64 { return float64(r.Completed) }, 97, 99}, // mean 98.5 rounds up
		{"failed", 0, func(r *Result) float64 { return float64(r.Failed) }, 5, 4},                            // 3.5
		{"rejected", 0, func(r *Result) float64 { return float64(r.Rejected) }, 1, 1},                        // 0.5
		{"throughput_rps", 0, func(r *Result) float64 { return r.ThroughputRPS }, 10, 11},
		{"latency_ms.mean", 0, func(r *Result) float64 { return r.Latency.Mean }, 50, 45},
		{"latency_ms.p50", 0, func(r *Result) float64 { return r.Latency.P50 }, 45, 42.5},
		{"latency_ms.p99", 0, func(r *Result) float64 { return r.Latency.P99 }, 300, 250},
		{"latency_ms.max", 0, func(r *Result) float64 { return r.Latency.Max }, 400, 375},
		{"fairness.jain_utilization", 0, func(r *Result) float64 { return r.Fairness.JainUtilization }, 0.8, 0.85},
		{"fairness.max_over_mean_utilization", 0, func(r *Result) float64 { return r.Fairness.MaxOverMeanUtilization }, 1.2, 1.15},
		{"servers[app-1].requests (neutral)", 0, func(r *Result) float64 { return float64(server(0)(r).Requests) }, 55, 55},
		{"servers[app-2].requests (neutral, 45.5)", 0, func(r *Result) float64 { return float64(server(1)(r).Requests) }, 46, 46},
		{"servers[app-1].utilization (neutral)", 0, func(r *Result) float64 { return server(0)(r).Utilization }, 0.45, 0.45},
		{"servers[app-2].utilization (neutral)", 0, func(r *Result) float64 { return server(1)(r).Utilization }, 0.45, 0.45},
		{"servers[app-1].max_queue", 0, func(r *Result) float64 { return float64(server(0)(r).MaxQueue) }, 5, 4},
		{"servers[app-1].failed", 0, func(r *Result) float64 { return float64(server(0)(r).Failed) }, 1, 1},
		{"failed_by_cause.refused (absent in seed 1)", 0, func(r *Result) float64 { return float64(r.FailedByCause["refused"]) }, 3, 2},
		{"failed_by_cause.timeout", 0, func(r *Result) float64 { return float64(r.FailedByCause["timeout"]) }, 2, 2},
		{"classes[profile].completed", 0, func(r *Result) float64 { return float64(r.Classes[0].Completed) }, 85, 88},
		{"classes[profile].latency_ms.p99", 0, func(r *Result) float64 { return r.Classes[0].Latency.P99 }, 250, 200},
		{"least_connections completed", 1, func(r *Result) float64 { return float64(r.Completed) }, 108, 109},
		{"least_connections p99", 1, func(r *Result) float64 { return r.Latency.P99 }, 120, 110},
		{"least_connections throughput_rps", 1, func(r *Result) float64 { return r.ThroughputRPS }, 10.5, 10.75},
		{"least_connections jain", 1, func(r *Result) float64 { return r.Fairness.JainUtilization }, 0.95, 0.96},
		{"least_connections servers[app-2].utilization", 1, func(r *Result) float64 { return server(1)(r).Utilization }, 0.375, 0.375},
	}
	worst := Combine(seedRuns(), AggregateWorst)
	mean := Combine(seedRuns(), AggregateMean)
	for _, tt := range tests {
		if got := tt.get(&worst.Results[tt.alg]); math.Abs(got-tt.worst) > 1e-9 {
			t.Errorf("worst %s = %v, want %v", tt.metric, got, tt.worst)
		}
		if got := tt.get(&mean.Results[tt.alg]); math.Abs(got-tt.mean) > 1e-9 {
			t.Errorf("mean %s = %v, want %v", tt.metric, got, tt.mean)
		}
	}
	for _, c := range []*Comparison{worst, mean} {
		if c.Seeds != 2 || c.Seed != 1 || c.Requests != 1001 || c.Scenario != "two-seeds" || c.Description != "hand-built" {
			t.Errorf("%s: header %+v, want seed 1, 2 seeds, 1001 requests (1000.5 rounded), the scenario kept", c.Aggregate, c)
		}
		r := c.Results[0]
		if r.Crashes != nil || r.Scaling != nil {
			t.Errorf("%s: crashes %v, scaling %v; want both dropped", c.Aggregate, r.Crashes, r.Scaling)
		}
		if len(r.FailedByCause) != 2 {
			t.Errorf("%s: failed_by_cause = %v, want the union of refused and timeout", c.Aggregate, r.FailedByCause)
		}
		if c.Results[1].FailedByCause != nil {
			t.Errorf("%s: least_connections failed_by_cause = %v, want nil (no run had one)", c.Aggregate, c.Results[1].FailedByCause)
		}
		if got := []string{c.Results[0].Algorithm, c.Results[1].Algorithm}; got[0] != "round_robin" || got[1] != "least_connections" {
			t.Errorf("%s: algorithms %v, want the order run", c.Aggregate, got)
		}
	}
	if worst.Aggregate != AggregateWorst || mean.Aggregate != AggregateMean {
		t.Errorf("Aggregate = %q and %q, want worst and mean", worst.Aggregate, mean.Aggregate)
	}
}

// TestCombineKeepsInputs checks Combine neither changes its runs nor
// shares slices or maps with them: the runs are the per-seed records.
func TestCombineKeepsInputs(t *testing.T) {
	for _, how := range []Aggregate{AggregateWorst, AggregateMean} {
		runs := seedRuns()
		c := Combine(runs, how)
		if !reflect.DeepEqual(runs, seedRuns()) {
			t.Fatalf("%s: Combine changed its input runs", how)
		}
		c.Results[0].Servers[0].Requests = -1
		c.Results[0].Classes[0].Completed = -1
		c.Results[0].FailedByCause["timeout"] = -1
		c.Results = append(c.Results[:0], Result{})
		if !reflect.DeepEqual(runs, seedRuns()) {
			t.Errorf("%s: the combined comparison shares memory with the runs", how)
		}
	}
}

// TestCombineOneRun checks a single run is returned as it is, not marked
// as an aggregate of one seed.
func TestCombineOneRun(t *testing.T) {
	run := seedRuns()[:1]
	for _, how := range []Aggregate{AggregateWorst, AggregateMean} {
		if got := Combine(run, how); got != run[0] || got.Seeds != 0 || got.Aggregate != "" || got.Results[0].Crashes == nil {
			t.Errorf("%s: Combine of one run = %p %+v, want the run itself (%p)", how, got, got, run[0])
		}
	}
}

// TestParseAggregate checks the aggregate names, case and spaces aside.
func TestParseAggregate(t *testing.T) {
	for in, want := range map[string]Aggregate{"worst": AggregateWorst, " Mean ": AggregateMean, "WORST": AggregateWorst} {
		if got, err := ParseAggregate(in); got != want || err != nil {
			t.Errorf("ParseAggregate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "max", "average"} {
		if got, err := ParseAggregate(in); err == nil || !strings.Contains(err.Error(), "valid: worst, mean") {
			t.Errorf("ParseAggregate(%q) = %q, %v; want an error listing the valid names", in, got, err)
		}
	}
}

// TestCheckExpectations checks the verdict over several seeds: under
// worst an expectation must hold on every seed and Seed names the one
// that decided; under mean it is judged once on the averages.
func TestCheckExpectations(t *testing.T) {
	u64 := func(v uint64) *uint64 { return &v }
	tests := []struct {
		text   string
		how    Aggregate
		runs   []*Comparison
		passed bool
		seed   *uint64
		value  float64 // of the first metric
		detail string
	}{
		// p99 is 200 and 300: seed 2 fails.
		{"round_robin.p99 < 250", AggregateWorst, seedRuns(), false, u64(2), 300, "300 < 250"},
		// max is 400 and 350: seed 1 fails though seed 2 holds.
		{"round_robin.max < 380", AggregateWorst, seedRuns(), false, u64(1), 400, "400 < 380"},
		// Both hold; margins 200 and 100: seed 2 held least.
		{"round_robin.p99 < 400", AggregateWorst, seedRuns(), true, u64(2), 300, "300 < 400"},
		// Both hold; throughput 10 and 12 over 5, margins 5 and 7: seed 1.
		{"round_robin.throughput_rps > 5", AggregateWorst, seedRuns(), true, u64(1), 10, "10 > 5"},
		// A cause absent in seed 1 reads 0 there; seed 2 had 3.
		{"round_robin.failed_by_cause.refused == 0", AggregateWorst, seedRuns(), false, u64(2), 3, "3 == 0"},
		// Seed 2 had no crash: a problem outranks a verdict.
		{"round_robin.crashes[0].at_s > 0", AggregateWorst, seedRuns(), false, u64(2), 0, "the round_robin run has no crashes[0].at_s"},
		// The mean p99 is 250 and the mean max 375, though seed 2 and
		// seed 1 would fail.
		{"round_robin.p99 < 260", AggregateMean, seedRuns(), true, nil, 250, "250 < 260"},
		{"round_robin.max < 380", AggregateMean, seedRuns(), true, nil, 375, "375 < 380"},
		{"round_robin.completed > 98.9", AggregateMean, seedRuns(), true, nil, 99, "99 > 98.9"},
		// Combining drops crashes, so the mean run has none.
		{"round_robin.crashes[0].at_s > 0", AggregateMean, seedRuns(), false, nil, 0, "the round_robin run has no crashes[0].at_s"},
		// One run names no seed.
		{"round_robin.p99 < 250", AggregateWorst, seedRuns()[:1], true, nil, 200, "200 < 250"},
		{"round_robin.p99 < 250", AggregateMean, seedRuns()[1:], false, nil, 300, "300 < 250"},
	}
	for _, tt := range tests {
		e := mustParse(t, tt.text)
		e.Line = 7
		got := CheckExpectations([]*Expectation{e}, tt.runs, tt.how)
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
	run := &Comparison{Scenario: "s", Results: []Result{{Algorithm: "round_robin", Latency: Latency{P99: 249.9996}}}}
	e := mustParse(t, "round_robin.p99 < 250")
	a := CheckExpectations([]*Expectation{e}, []*Comparison{run}, AggregateWorst)[0]
	if a.Passed || a.Detail != "250 < 250" {
		t.Errorf("249.9996 < 250 as printed: Passed %v, Detail %q; want failed on 250 < 250", a.Passed, a.Detail)
	}
	if run.Results[0].Latency.P99 != 249.9996 {
		t.Errorf("CheckExpectations changed its input")
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
	got := CheckExpectations(exps, seedRuns(), AggregateWorst)
	if len(got) != 3 || got[0].Name != texts[0] || got[1].Name != texts[1] || got[2].Name != texts[2] ||
		!got[0].Passed || got[1].Passed || !got[2].Passed {
		t.Errorf("assertions %+v, want %v passing, failing, passing", got, texts)
	}
}

// TestComparable checks a baseline from another setup is refused with a
// message naming what differs.
func TestComparable(t *testing.T) {
	base := func() *Comparison {
		return &Comparison{Scenario: "uniform", Seed: 1, Requests: 1000,
			Results: []Result{{Algorithm: "round_robin"}, {Algorithm: "least_connections"}}}
	}
	tests := []struct {
		name   string
		change func(c *Comparison)
		err    string // "" for comparable
	}{
		{"equal", func(*Comparison) {}, ""},
		{"other values", func(c *Comparison) { c.Results[0].Latency.P99 = 5; c.Description = "x" }, ""},
		{"one seed counted as 1", func(c *Comparison) { c.Seeds = 1; c.Aggregate = AggregateMean }, ""},
		{"scenario", func(c *Comparison) { c.Scenario = "mixed" }, `it is of scenario "uniform", not "mixed"`},
		{"seed", func(c *Comparison) { c.Seed = 2 }, "it was run with seed 1, this check with seed 2"},
		{"seeds", func(c *Comparison) { c.Seeds, c.Aggregate = 3, AggregateWorst }, "it was run with seed 1, this check with worst of seeds 1 to 3"},
		{"requests", func(c *Comparison) { c.Requests = 999 }, "it simulated 1000 requests, this check 999"},
		{"algorithms", func(c *Comparison) { c.Results = c.Results[:1] }, "it ran round_robin, least_connections, this check runs round_robin"},
		{"algorithm order", func(c *Comparison) { c.Results[0], c.Results[1] = c.Results[1], c.Results[0] },
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
	b.Seeds, b.Aggregate = 3, AggregateWorst
	c.Seeds, c.Aggregate = 3, AggregateMean
	if err := Comparable(b, c); err == nil || !strings.Contains(err.Error(), "worst of seeds 1 to 3, this check with mean of seeds 1 to 3") {
		t.Errorf("worst against mean: Comparable = %v", err)
	}
}

// baselineRun is one algorithm with one request class, every metric
// set, as a baseline file would hold it.
func baselineRun() *Comparison {
	return &Comparison{
		Scenario: "uniform", Seed: 1, Requests: 1000,
		Results: []Result{{
			Algorithm: "round_robin", Completed: 1000, ThroughputRPS: 20,
			Latency:  Latency{Mean: 50, P50: 40, P90: 80, P95: 90, P99: 100, P999: 150, Max: 200},
			Fairness: Fairness{JainUtilization: 0.9, MaxOverMeanUtilization: 1.1},
			Servers:  []Server{{Name: "app-1", Requests: 500, Utilization: 0.5, MaxQueue: 2}},
			Classes:  []Class{{Name: "profile", Completed: 900, Latency: Latency{P50: 30, P99: 100}}},
			Crashes:  []Crash{{Server: "app-1", AtS: 3, DetectedAfterS: 1}},
		}},
	}
}

// TestCompareBaseline checks which metric changes fail a baseline
// comparison at a 5% tolerance: worsening beyond it in the metric's own
// direction, any worsening of a 0, never a per-server share.
func TestCompareBaseline(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *Result)
		failed []string // names of the failing assertions
		metric string   // an assertion whose Detail is checked
		detail string
	}{
		{"unchanged", func(*Result) {}, nil, "round_robin.latency_ms.p99", "100, baseline 100: unchanged"},
		{"p99 +10%", func(r *Result) { r.Latency.P99 = 110 }, []string{"round_robin.latency_ms.p99"},
			"round_robin.latency_ms.p99", "110, baseline 100: 10% worse"},
		{"p99 +4%", func(r *Result) { r.Latency.P99 = 104 }, nil, "round_robin.latency_ms.p99", "104, baseline 100: 4% worse"},
		{"p99 -10%", func(r *Result) { r.Latency.P99 = 90 }, nil, "round_robin.latency_ms.p99", "90, baseline 100: 10% better"},
		{"p99 rounds to the baseline", func(r *Result) { r.Latency.P99 = 100.0004 }, nil, "round_robin.latency_ms.p99", "100, baseline 100: unchanged"},
		{"failed 0 to 1", func(r *Result) { r.Failed = 1 }, []string{"round_robin.failed"}, "round_robin.failed", "1, baseline 0: was 0, now worse"},
		{"throughput -10%", func(r *Result) { r.ThroughputRPS = 18 }, []string{"round_robin.throughput_rps"},
			"round_robin.throughput_rps", "18, baseline 20: 10% worse"},
		{"throughput +10%", func(r *Result) { r.ThroughputRPS = 22 }, nil, "round_robin.throughput_rps", "22, baseline 20: 10% better"},
		{"completed -4%", func(r *Result) { r.Completed = 960 }, nil, "round_robin.completed", "960, baseline 1000: 4% worse"},
		{"jain -5.6%", func(r *Result) { r.Fairness.JainUtilization = 0.85 }, []string{"round_robin.fairness.jain_utilization"},
			"round_robin.fairness.jain_utilization", "0.85, baseline 0.9: 5.6% worse"},
		{"max/mean up 9.1%", func(r *Result) { r.Fairness.MaxOverMeanUtilization = 1.2 }, []string{"round_robin.fairness.max_over_mean_utilization"},
			"round_robin.fairness.max_over_mean_utilization", "1.2, baseline 1.1: 9.1% worse"},
		{"class p99 +20%", func(r *Result) { r.Classes[0].Latency.P99 = 120 }, []string{"round_robin.classes[profile].latency_ms.p99"},
			"round_robin.classes[profile].latency_ms.p99", "120, baseline 100: 20% worse"},
		{"servers, causes and crashes are not compared", func(r *Result) {
			r.Servers[0] = Server{Name: "app-1", Requests: 900, Utilization: 0.99, MaxQueue: 50, Failed: 40, DownS: 9}
			r.FailedByCause = map[string]int64{"timeout": 40}
			r.Crashes[0].DetectedAfterS = 30
		}, nil, "round_robin.latency_ms.p99", "100, baseline 100: unchanged"},
	}
	for _, tt := range tests {
		cur := baselineRun()
		tt.change(&cur.Results[0])
		got := CompareBaseline(baselineRun(), cur, 0.05)
		// 15 metrics of the algorithm, 8 of its class.
		if len(got) != 23 {
			t.Errorf("%s: %d assertions, want 23", tt.name, len(got))
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

// TestReadComparison checks a baseline file written by Write reads back,
// and that bad files are refused with a position a user can find.
func TestReadComparison(t *testing.T) {
	var buf bytes.Buffer
	c := seedRuns()[0]
	if err := Write(&buf, FormatJSON, c); err != nil {
		t.Fatal(err)
	}
	got, err := ReadComparison(buf.Bytes())
	if err != nil {
		t.Fatalf("ReadComparison(Write(json)): %v", err)
	}
	if want := normalize(c); !reflect.DeepEqual(got, &want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, &want)
	}

	good := buf.String()
	after := strings.Count(good, "\n") + 1 // the line after the object
	tests := []struct {
		name  string
		in    string
		line  int    // 0: no position
		field string // JSONError.Field
		msg   string
	}{
		{"syntax error on line 3", "{\n  \"scenario\": \"x\",\n  \"seed\": 1,,\n  \"results\": []\n}", 3, "", "invalid character ','"},
		{"type error", "{\"scenario\": \"x\",\n \"results\": [{\"algorithm\": \"a\", \"latency_ms\": {\"p99\": \"x\"}}]}", 2,
			"results.latency_ms.p99", "cannot read a JSON string as float64"},
		{"empty", "", 1, "", "the JSON ends early"},
		{"cut short", good[:len(good)/2], 0, "", "the JSON ends early"},
		{"two values", good + "{}", after, "", "more after the JSON object"},
		{"garbage after", good + "x", after, "", "more after the JSON object"},
		{"stray bracket after", good + "]", after, "", "more after the JSON object"},
		{"stray brace after", good + "\n}", after + 1, "", "more after the JSON object"},
		{"no results", `{"scenario": "x", "seed": 1, "results": []}`, 0, "", "not lbsim results"},
		{"no scenario", `{"results": [{"algorithm": "a"}]}`, 0, "", "not lbsim results"},
		{"null", "null", 0, "", "not lbsim results"},
		{"not an object", "[1, 2]", 0, "", "cannot read a JSON array"},
		{"no algorithm", `{"scenario": "x", "results": [{"algorithm": "a"}, {"completed": 3}]}`, 0, "results[1].algorithm", "missing"},
	}
	for _, tt := range tests {
		c, err := ReadComparison([]byte(tt.in))
		var je *JSONError
		if !errors.As(err, &je) {
			t.Errorf("%s: ReadComparison = %v, %v; want a *JSONError", tt.name, c, err)
			continue
		}
		if c != nil {
			t.Errorf("%s: comparison %+v returned with the error", tt.name, c)
		}
		if tt.line != 0 && je.Line != tt.line {
			t.Errorf("%s: Line %d, want %d (%v)", tt.name, je.Line, tt.line, err)
		}
		if je.Field != tt.field || !strings.Contains(je.Msg, tt.msg) {
			t.Errorf("%s: Field %q Msg %q, want %q and %q", tt.name, je.Field, je.Msg, tt.field, tt.msg)
		}
		if je.Line > 0 && !strings.HasPrefix(err.Error(), fmt.Sprintf("%d:%d: ", je.Line, je.Column)) {
			t.Errorf("%s: Error() = %q, want it to start with LINE:COLUMN", tt.name, err)
		}
	}
}

// TestReadComparisonColumn checks the column of a syntax error is the
// offending character's.
func TestReadComparisonColumn(t *testing.T) {
	//        123456789012345
	line3 := `  "seed": 1,,`
	_, err := ReadComparison([]byte("{\n  \"scenario\": \"x\",\n" + line3 + "\n}"))
	var je *JSONError
	if !errors.As(err, &je) || je.Line != 3 {
		t.Fatalf("err = %v, want a *JSONError on line 3", err)
	}
	if je.Column != 13 {
		t.Errorf("Column %d, want the second comma's, 13", je.Column)
	}
}

// TestReadComparisonUnknownFields checks fields a later version may add
// are ignored rather than refused.
func TestReadComparisonUnknownFields(t *testing.T) {
	in := `{"scenario": "s", "new_header": {"x": [1]}, "results": [{"algorithm": "a", "latency_ms": {"p99": 5, "p9999": 7}, "energy_j": 3}]}`
	c, err := ReadComparison([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if c.Scenario != "s" || len(c.Results) != 1 || c.Results[0].Algorithm != "a" || c.Results[0].Latency.P99 != 5 {
		t.Errorf("read %+v", c)
	}
}

// TestCombineEvents: crashes (and scaling decisions) are combined one by
// one when every run has as many, as for the faults a file schedules, so
// crashes[0] can be checked over seeds; the detection time at its worst
// is the later one.
func TestCombineEvents(t *testing.T) {
	run := func(seed uint64, detected float64, failed int64) *Comparison {
		return &Comparison{Scenario: "s", Seed: seed, Results: []Result{{Algorithm: "a",
			Crashes: []Crash{{Server: "app-1", AtS: 60, DetectedAfterS: detected, FailedDuring: failed}}}}}
	}
	runs := []*Comparison{run(1, 10, 4), run(2, 30, 2)}
	for _, tt := range []struct {
		how      Aggregate
		detected float64
		failed   int64
	}{
		{AggregateWorst, 30, 4},
		{AggregateMean, 20, 3},
	} {
		got := Combine(runs, tt.how).Results[0].Crashes
		if len(got) != 1 || got[0].Server != "app-1" || got[0].AtS != 60 || got[0].DetectedAfterS != tt.detected || got[0].FailedDuring != tt.failed {
			t.Errorf("%s: crashes %+v, want app-1 at 60 s detected after %v s, %d failed", tt.how, got, tt.detected, tt.failed)
		}
	}
	if runs[0].Results[0].Crashes[0].DetectedAfterS != 10 {
		t.Error("Combine changed its input")
	}
}

// TestNeverDetected: a crash never detected has detected_after_s -1, which
// is no time at all: an expectation on it fails with a note instead of
// passing as "-1 <= 30", and combining it with detected runs keeps -1
// under either aggregate.
func TestNeverDetected(t *testing.T) {
	run := func(seed uint64, detected float64) *Comparison {
		return &Comparison{Scenario: "s", Seed: seed, Results: []Result{{Algorithm: "a",
			Crashes: []Crash{{Server: "app-1", DetectedAfterS: detected}}}}}
	}
	e := mustParse(t, "a.crashes[0].detected_after_s <= 30")
	if o := e.Eval(run(1, -1)); o.Passed || !strings.Contains(o.Problem, "never detected crashes[0]") {
		t.Errorf("never detected: %+v, want a failure saying so", o)
	}
	for _, how := range []Aggregate{AggregateWorst, AggregateMean} {
		if got := Combine([]*Comparison{run(1, 10), run(2, -1)}, how).Results[0].Crashes[0].DetectedAfterS; got != -1 {
			t.Errorf("%s of 10 and never: %v, want -1", how, got)
		}
	}
}
