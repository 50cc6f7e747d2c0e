package sim

import (
	"bytes"
	"fmt"
	"math"
	"testing"

	"github.com/lbsim/lbsim/report"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
)

func parse(t testing.TB, yaml string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return sc
}

func mustRun(t testing.TB, sc *scenarios.Scenario, alg string) results.Result {
	t.Helper()
	res, err := Run(sc, alg)
	if err != nil {
		t.Fatalf("run %s: %v", alg, err)
	}
	return res
}

// Decision sequences small enough to check by hand: constant arrivals far
// apart, so every request is alone and only the policy decides.
func TestHandCheckableSplits(t *testing.T) {
	tests := []struct {
		name     string
		servers  string
		alg      string
		requests int
		want     []int64
		tol      int64 // allowed distance from want, for choices made at random
	}{
		{"round robin 9 over 3", "[{name: app, count: 3}]", "round_robin", 9, []int64{3, 3, 3}, 0},
		{"weighted 5:3:2 over 100", "[{name: a, weight: 5}, {name: b, weight: 3}, {name: c, weight: 2}]",
			"weighted_round_robin", 100, []int64{50, 30, 20}, 0},
		// Every server idle at each arrival: least connections picks one of
		// the tied servers at random, so each gets 1/4, within 4 binomial
		// standard deviations, 4 sqrt(4000 x 1/4 x 3/4) = 110.
		{"least connections idle servers share", "[{name: app, count: 4}]", "least_connections", 4000, []int64{1000, 1000, 1000, 1000}, 110},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := parse(t, fmt.Sprintf(`
name: split
requests: %d
servers: %s
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 1ms}
`, tt.requests, tt.servers))
			res := mustRun(t, sc, tt.alg)
			for i, s := range res.Servers {
				if s.Requests < tt.want[i]-tt.tol || s.Requests > tt.want[i]+tt.tol {
					t.Errorf("%s got %d requests, want %d", s.Name, s.Requests, tt.want[i])
				}
			}
			if res.Completed != int64(tt.requests) {
				t.Errorf("completed %d, want %d", res.Completed, tt.requests)
			}
		})
	}
}

// One server, one slot, a queue of one: arrivals every 10 ms, each needing
// 25 ms. Worked by hand: t=0 A starts; 10 B waits; 20 C rejected; 25 B
// starts; 30 D waits; 40 E rejected; 50 B ends, D starts, F waits (the
// completion at 50 fires before the arrival at 50); 60 G and 70 H rejected;
// 75 F starts; 80 I waits; 90 J rejected; 100 I starts, ends 125.
// Latencies A 25, B 40, D 45, F 50, I 45 ms.
func TestQueueLimitByHand(t *testing.T) {
	sc := parse(t, `
name: queue
requests: 10
servers: [{name: app, queue: 1}]
workload:
  arrival: {process: constant, rate: 100}
  service: {dist: constant, mean: 25ms}
`)
	res := mustRun(t, sc, "round_robin")
	if res.Completed != 5 || res.Rejected != 5 {
		t.Fatalf("completed %d rejected %d, want 5 and 5", res.Completed, res.Rejected)
	}
	// The histogram's relative error is 0.1%; a microsecond is far inside.
	checks := []struct {
		name      string
		got, want float64
	}{
		{"mean", res.Latency.Mean, 41},
		{"max", res.Latency.Max, 50},
		{"p50", res.Latency.P50, 45},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > 0.05 {
			t.Errorf("latency %s = %.3f ms, want %.0f", c.name, c.got, c.want)
		}
	}
	if q := res.Servers[0].MaxQueue; q != 1 {
		t.Errorf("max queue %d, want 1", q)
	}
}

// A warm-up excludes early arrivals from every count.
func TestWarmupExcludesEarlyRequests(t *testing.T) {
	sc := parse(t, `
name: warm
requests: 100
warmup: 2s
servers: [{name: app}]
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 10ms}
`)
	// Arrivals at 0.1 s, 0.2 s, ... or 0 s, 0.1 s, ...: either way 20 or 21
	// fall before 2 s; accept exactly the count the clock implies.
	res := mustRun(t, sc, "round_robin")
	if res.Completed != 80 && res.Completed != 81 {
		t.Fatalf("completed %d, want 80 (arrivals after the 2 s warm-up)", res.Completed)
	}
	// Utilization is 10 ms of work per 100 ms.
	if u := res.Servers[0].Utilization; math.Abs(u-0.1) > 0.002 {
		t.Errorf("utilization %.4f, want 0.1", u)
	}
}

// A duration bounds the run by virtual time instead of a count.
func TestDurationBoundsArrivals(t *testing.T) {
	sc := parse(t, `
name: timed
duration: 10s
servers: [{name: app}]
workload:
  arrival: {process: constant, rate: 50}
  service: {dist: constant, mean: 1ms}
`)
	res := mustRun(t, sc, "round_robin")
	if res.Completed < 499 || res.Completed > 501 {
		t.Fatalf("completed %d, want 500 (50/s for 10 s)", res.Completed)
	}
	if math.Abs(res.ThroughputRPS-50) > 0.5 {
		t.Errorf("throughput %.2f, want 50", res.ThroughputRPS)
	}
}

func TestSameSeedSameBytes(t *testing.T) {
	sc := parse(t, `
name: repro
requests: 20000
servers: [{name: app, count: 5}]
workload:
  arrival: {load: 0.8}
  classes:
    - {name: fast, share: 0.9, service: {dist: exponential, mean: 50ms}}
    - {name: slow, share: 0.1, service: {dist: lognormal, mean: 500ms}}
  clients: {count: 1000, nat: {gateways: 2, share: 0.5}}
algorithms: [round_robin, least_connections, random, power_of_two, ip_hash, least_response_time, weighted_round_robin]
`)
	render := func(seed uint64) []byte {
		sc.Seed = seed
		cmp, err := Compare(sc, sc.Algorithms)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := report.Write(&buf, report.FormatJSON, cmp); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a, b, c := render(7), render(7), render(8)
	if !bytes.Equal(a, b) {
		t.Error("two runs with seed 7 differ")
	}
	if bytes.Equal(a, c) {
		t.Error("seeds 7 and 8 gave identical results")
	}
}
