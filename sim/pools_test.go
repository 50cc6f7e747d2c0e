package sim

import (
	"strings"
	"testing"

	"github.com/lbsim/lbsim/results"
)

// poolResult finds a pool's summary in a result.
func poolResult(t *testing.T, pools []results.Pool, name string) results.Pool {
	t.Helper()
	for _, p := range pools {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no pool %s in %+v", name, pools)
	return results.Pool{}
}

// TestRoutesByClass: the report class goes to its own pool and nothing
// else does; a server never serves a request of another pool's route.
func TestRoutesByClass(t *testing.T) {
	res := mustRun(t, parse(t, bare(`name: routed
requests: 20000
servers:
  - {name: api, count: 2, capacity: 2, pool: api}
  - {name: reports, count: 2, capacity: 2, pool: reports}
workload:
  arrival: {process: poisson, load: 0.7}
  classes:
    - {name: profile, share: 0.99, service: {dist: constant, mean: 50ms}}
    - {name: report, share: 0.01, service: {dist: constant, mean: 5s}}
routes:
  - {class: report, pool: reports}
  - {pool: api}
`)), "round_robin")
	api, reports := poolResult(t, res.Pools, "api"), poolResult(t, res.Pools, "reports")
	if reports.Requests != res.Classes[1].Completed || api.Requests != res.Classes[0].Completed || api.Requests+reports.Requests != 20000 {
		t.Errorf("pools api %d and reports %d requests; want the classes' %d and %d", api.Requests, reports.Requests, res.Classes[0].Completed, res.Classes[1].Completed)
	}
	for _, s := range res.Servers {
		want := api.Requests / 2
		if strings.HasPrefix(s.Name, "reports") {
			want = reports.Requests / 2
		}
		if d := s.Requests - want; d < -1 || d > 1 {
			t.Errorf("%s served %d requests, want half of its pool's, %d", s.Name, s.Requests, want)
		}
	}
	// The quick calls no longer wait behind reports: constant 50 ms of
	// work at 70% load on 4 slots waits tens of milliseconds at most.
	if p99 := api.Latency.P99; p99 > 500 {
		t.Errorf("api p99 %.0f ms, want well under the 5 s reports", p99)
	}
}

// TestSplit: a 90/10 split sends each request to the canary with
// probability 1/10: of 10,000, Binomial(10000, 0.1), 1000 with a standard
// deviation of 30, so 850 to 1150 is five of them. With a phase at 50 s,
// constant arrivals 10 a second go all to blue until then and all to
// green after: exactly 499 and 500 (the first arrival is at 0.1 s).
func TestSplit(t *testing.T) {
	res := mustRun(t, parse(t, bare(`name: canary
requests: 10000
servers:
  - {name: stable, count: 3, capacity: 10, pool: stable}
  - {name: canary, capacity: 10, pool: canary}
workload:
  arrival: {rate: 10}
  service: {dist: constant, mean: 10ms}
routes: [{split: {stable: 90, canary: 10}}]
`)), "round_robin")
	if c := poolResult(t, res.Pools, "canary").Requests; c < 850 || c > 1150 {
		t.Errorf("the canary got %d of 10000 requests, want 1000 ± 150", c)
	}
	res = mustRun(t, parse(t, bare(`name: blue-green
duration: 100s
servers:
  - {name: blue, count: 2, pool: blue}
  - {name: green, count: 2, pool: green}
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 10ms}
routes: [{split: {blue: 100, green: 0}, phases: [{at: 50s, split: {blue: 0, green: 100}}]}]
`)), "round_robin")
	if b, g := poolResult(t, res.Pools, "blue").Requests, poolResult(t, res.Pools, "green").Requests; b != 499 || g != 500 {
		t.Errorf("blue %d, green %d requests; want 499 before the cutover at 50 s and 500 after", b, g)
	}
}

// TestPoolSettings: each pool balances with its own algorithm and
// handles failures with its own settings. Requests alone (one a second,
// 10 ms) to pool rr, which fixes round_robin while the run compares
// random, alternate between its two servers. In pool fragile, without
// retries, a crashed server fails its requests; in pool sturdy, with a
// retry, none fail.
func TestPoolSettings(t *testing.T) {
	sc := parse(t, bare(`name: pools
duration: 60s
servers:
  - {name: rr, count: 2, pool: rr}
  - {name: fragile, count: 2, pool: fragile}
  - {name: sturdy, count: 2, pool: sturdy}
workload:
  arrival: {process: constant, rate: 3}
  service: {dist: constant, mean: 10ms}
routes: [{split: {rr: 1, fragile: 1, sturdy: 1}}]
faults:
  - {at: 30s, server: fragile-1, kind: crash}
  - {at: 30s, server: sturdy-1, kind: crash}
pools:
  rr: {algorithm: round_robin}
  sturdy: {retries: {count: 1}}
`))
	last := ""
	err := Trace(sc, "random", 0, func(ev *TraceEvent) bool {
		if ev.Kind == Routed && strings.HasPrefix(ev.Server, "rr-") {
			if ev.Server == last {
				t.Errorf("t=%v: rr sent two requests in a row to %s, want round robin", ev.At, ev.Server)
			}
			last = ev.Server
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	res := mustRun(t, sc, "random")
	if f := poolResult(t, res.Pools, "fragile").Failed; f == 0 {
		t.Error("pool fragile, without retries, lost no request to its crashed server")
	}
	if f := poolResult(t, res.Pools, "sturdy").Failed; f != 0 {
		t.Errorf("pool sturdy, with a retry, lost %d requests", f)
	}
	if got := res.Failed; got != poolResult(t, res.Pools, "fragile").Failed {
		t.Errorf("failed %d in all, want the fragile pool's", got)
	}
}
