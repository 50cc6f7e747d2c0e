package sim

import (
	"math"
	"testing"
)

// max_over_mean_latency by hand: requests far apart, so each latency is its
// service time alone.
func TestMaxOverMeanLatency(t *testing.T) {
	tests := []struct {
		name string
		alg  string
		yaml string
		want float64
	}{
		// Round robin alternates between a server three times as fast
		// (10 ms) and one at speed 1 (30 ms): per-server means 10 and 30,
		// overall 20, so 30/20 = 1.5.
		{"10 ms and 30 ms servers", "round_robin", `
name: spread
requests: 10
servers: [{name: fast, speed: 3}, {name: slow}]
workload:
  arrival: {process: constant, rate: 1}
  service: {dist: constant, mean: 30ms}
`, 1.5},
		// One client, one server for every request: the idle server has
		// no latency to count, so the spread is 1, not a mean of 0.
		{"idle server left out", "ip_hash", `
name: spread
requests: 10
servers: [{name: fast, speed: 3}, {name: slow}]
workload:
  arrival: {process: constant, rate: 1}
  service: {dist: constant, mean: 30ms}
  clients: {count: 1}
`, 1},
		// slow takes 10 x 30 ms before the warm-up ends and 30 ms after:
		// counting only measured requests, both servers average 30 ms.
		{"warm-up left out", "round_robin", `
name: spread
requests: 20
warmup: 10s
servers: [{name: a}, {name: b}]
workload:
  arrival: {process: constant, rate: 1}
  service: {dist: constant, mean: 30ms}
faults:
  - {at: 0s, server: b, kind: slow, factor: 10, for: 9s}
`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustRun(t, parse(t, tt.yaml), tt.alg)
			if got := res.Fairness.MaxOverMeanLatency; math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("max_over_mean_latency %v, want %v (servers %+v)", got, tt.want, res.Servers)
			}
		})
	}
}

// A run that completed nothing has no latency to spread: 0, not NaN.
func TestMaxOverMeanLatencyNothingCompleted(t *testing.T) {
	res := mustRun(t, parse(t, `
name: none
requests: 5
servers: [{name: a}]
workload:
  arrival: {process: constant, rate: 1}
  service: {dist: constant, mean: 30ms}
faults:
  - {at: 0s, server: a, kind: crash}
`), "round_robin")
	if res.Completed != 0 || res.Fairness.MaxOverMeanLatency != 0 {
		t.Errorf("completed %d, max_over_mean_latency %v; want 0 and 0", res.Completed, res.Fairness.MaxOverMeanLatency)
	}
}
