package sim

import (
	"math"
	"testing"
)

// TestServerLatencyByHand: requests 100 ms apart never queue, so each
// server's latency is its service time: 20 ms on the two fast servers,
// 40 ms on the slow one at half speed; round robin gives each a third.
// The groups add their servers up.
func TestServerLatencyByHand(t *testing.T) {
	sc := parse(t, `
name: per-server
requests: 300
servers: [{name: fast, count: 2}, {name: slow, speed: 0.5}]
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 20ms}
`)
	res := mustRun(t, sc, "round_robin")
	for _, s := range res.Servers {
		want := 20.0
		if s.Name == "slow" {
			want = 40
		}
		l := s.Latency
		if s.Completed != 100 || l.Mean != want || l.Max != want || math.Abs(l.P50-want) > 0.01*want || math.Abs(l.P99-want) > 0.01*want {
			t.Errorf("%s: completed %d, latency %+v, want 100 requests of %v ms", s.Name, s.Completed, l, want)
		}
	}
	want := []struct {
		name      string
		requests  int64
		latencyMS float64
	}{{"fast", 200, 20}, {"slow", 100, 40}}
	if len(res.Groups) != len(want) {
		t.Fatalf("groups %+v, want fast and slow", res.Groups)
	}
	for i, g := range res.Groups {
		w := want[i]
		if g.Name != w.name || g.Requests != w.requests || g.Completed != w.requests || g.Latency.Mean != w.latencyMS || g.Latency.Max != w.latencyMS {
			t.Errorf("group %+v, want %s with %d requests of %v ms", g, w.name, w.requests, w.latencyMS)
		}
	}
}

// TestServerLatencyMM1: random routing splits Poisson arrivals into
// Poisson streams, so each server is an M/M/1 queue of its own, whose
// time in system is exponential with rate mu - lambda: a mean of
// 1/(mu-lambda) and a p99 of ln(100)/(mu-lambda). At 12 requests/s split
// evenly, the server at speed 1 (mu 10/s) has a mean of 250 ms and a p99
// of 1151 ms, the one at speed 2 (mu 20/s) 71.4 and 329 ms.
//
// Tolerance: times in system are strongly correlated, so a million of
// them pin the mean to about 0.5% and the p99 to about 2% (on six seeds
// at this length the means strayed 0.7% at most and the p99s 2.1%, the
// sketch's 1% included); 5% leaves room for other seeds without hiding
// a wrong queue, which would be off by tens of percent.
func TestServerLatencyMM1(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000,000 requests")
	}
	sc := parse(t, `
name: mm1-per-server
requests: 2000000
warmup: 100s
servers: [{name: slow}, {name: quick, speed: 2}]
workload:
  arrival: {process: poisson, rate: 12}
  service: {dist: exponential, mean: 100ms}
`)
	res := mustRun(t, sc, "random")
	for i, mu := range []float64{10, 20} {
		s := res.Servers[i]
		rate := mu - 6 // each server gets half of 12/s
		for _, c := range []struct {
			what      string
			got, want float64
		}{
			{"mean", s.Latency.Mean, 1000 / rate},
			{"p50", s.Latency.P50, 1000 * math.Ln2 / rate},
			{"p99", s.Latency.P99, 1000 * math.Log(100) / rate},
		} {
			if math.Abs(c.got-c.want) > 0.05*c.want {
				t.Errorf("%s %s = %.1f ms, want %.1f (M/M/1, mu %v, lambda 6)", s.Name, c.what, c.got, c.want, mu)
			}
		}
	}
}
