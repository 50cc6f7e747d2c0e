package results

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func ptr(x float64) *float64 { return &x }

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
					Fairness:      Fairness{JainUtilization: 0.9, MaxOverMeanUtilization: 1.2, MaxOverMeanLatency: 1.3},
					Servers: []Server{
						{Name: "app-1", Requests: 60, Utilization: 0.5, MaxQueue: 3, Failed: 1},
						{Name: "app-2", Requests: 40, Utilization: 0.3, MaxQueue: 1},
					},
					Classes: []Class{{Name: "profile", Completed: 90, Latency: Latency{P99: 150}}},
					Groups:  []Group{{Name: "app", Requests: 100, Completed: 97, Latency: Latency{P99: 210}}},
				},
				{
					Algorithm: "least_connections", Completed: 110, ThroughputRPS: 11,
					CacheHitRate: ptr(0.6),
					Latency:      Latency{P99: 100},
					Fairness:     Fairness{JainUtilization: 0.95},
					Servers:      []Server{{Name: "app-1", Requests: 55, Utilization: 0.4}, {Name: "app-2", Requests: 55, Utilization: 0.4}},
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
					Fairness:      Fairness{JainUtilization: 0.8, MaxOverMeanUtilization: 1.1, MaxOverMeanLatency: 1.5},
					Servers: []Server{
						{Name: "app-1", Requests: 50, Utilization: 0.4, MaxQueue: 5},
						{Name: "app-2", Requests: 51, Utilization: 0.6},
					},
					Classes: []Class{{Name: "profile", Completed: 85, Latency: Latency{P99: 250}}},
					Groups:  []Group{{Name: "app", Requests: 101, Completed: 97, Latency: Latency{P99: 310}}},
				},
				{
					Algorithm: "least_connections", Completed: 108, ThroughputRPS: 10.5,
					CacheHitRate: ptr(0.8),
					Latency:      Latency{P99: 120},
					Fairness:     Fairness{JainUtilization: 0.97},
					Servers:      []Server{{Name: "app-1", Requests: 54, Utilization: 0.45}, {Name: "app-2", Requests: 54, Utilization: 0.35}},
				},
			},
		},
	}
}

// TestMetricDirection checks how checks and baselines rank metrics.
func TestMetricDirection(t *testing.T) {
	for path, want := range map[string]Direction{
		"latency_ms.p99":                     LowerIsBetter,
		"fairness.max_over_mean_utilization": LowerIsBetter,
		"fairness.max_over_mean_latency":     LowerIsBetter, // 1 is even; higher, one server is slower
		"fairness.jain_utilization":          HigherIsBetter,
		"throughput_rps":                     HigherIsBetter,
		"servers[app-1].utilization":         Neutral,
	} {
		if got := MetricDirection(path); got != want {
			t.Errorf("MetricDirection(%s) = %v, want %v", path, got, want)
		}
	}
}

// TestCombine checks each metric is merged the way its direction says:
// under worst, the highest latency and the lowest throughput; shares of
// servers averaged either way; counts rounded. The values were worked out
// by hand from seedRuns.
func TestCombine(t *testing.T) {
	server := func(i int) func(r *Result) Server {
		return func(r *Result) Server { return r.Servers[i] }
	}
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
		{"fairness.max_over_mean_latency", 0, func(r *Result) float64 { return r.Fairness.MaxOverMeanLatency }, 1.5, 1.4},
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
		{"least_connections cache_hit_rate (higher is better)", 1, func(r *Result) float64 { return *r.CacheHitRate }, 0.6, 0.7},
		{"least_connections servers[app-2].utilization", 1, func(r *Result) float64 { return server(1)(r).Utilization }, 0.375, 0.375},
	}
	runs := seedRuns()
	worst := Combine(runs, AggregateWorst)
	mean := Combine(seedRuns(), AggregateMean)
	if got := *runs[0].Results[1].CacheHitRate; got != 0.6 {
		t.Errorf("Combine changed the first run's cache_hit_rate to %v", got)
	}
	if worst.Results[0].CacheHitRate != nil {
		t.Errorf("round_robin has no cache; combined it has cache_hit_rate %v", *worst.Results[0].CacheHitRate)
	}
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
