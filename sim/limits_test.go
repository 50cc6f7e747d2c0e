package sim

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/lbsim/lbsim/internal/limittest"
	"github.com/lbsim/lbsim/scenarios"
)

// TestLeakyBucket runs the simulator's limiter through limittest's
// hand-checked steps, which the proxy's passes too.
func TestLeakyBucket(t *testing.T) {
	limittest.Run(t, func(l scenarios.Limit) limittest.Admit {
		return (&limiter{cfg: &l, buckets: make(map[netip.Addr]*bucket)}).admit
	})
}

// TestRateLimit runs limits through the simulator: one client at 200
// requests a second under rate 100 gets exactly half through (every other
// request finds the bucket half a request over). Two clients, each
// sending every other request on average (at random, so a burst of 10
// absorbs the jitter), pass a limit per client at 60 a second each, but
// not one for all: 120 a second into 100 lets 100 a second and the burst
// through. And four balancers with views of their own each keep their own
// buckets, so the client's requests, split four ways, all pass.
func TestRateLimit(t *testing.T) {
	const base = `name: limited
duration: 100s
servers: [{name: app, count: 2, capacity: 100}]
workload:
  arrival: {process: constant, rate: RATE}
  service: {dist: constant, mean: 1ms}
  clients: {count: CLIENTS}
`
	const all = -1 // every arrival
	for _, tc := range []struct {
		name, rate, clients, extra string
		lo, hi                     int64
	}{
		{"half of 200 under 100", "200", "1", "routes: [{pool: default, limit: {rate: 100}}]\n", 10000, 10000},
		{"two clients, per client", "120", "2", "routes: [{pool: default, limit: {rate: 100, burst: 10, nodelay: true}}]\n", all, all},
		{"two clients, for all", "120", "2", "routes: [{pool: default, limit: {per: all, rate: 100, burst: 10, nodelay: true}}]\n", 10000, 10011},
		{"four balancers, four buckets", "200", "1", "routes: [{pool: default, limit: {rate: 100, burst: 10, nodelay: true}}]\nbalancers: {count: 4}\n", all, all},
	} {
		t.Run(tc.name, func(t *testing.T) {
			yaml := base
			for _, r := range [][2]string{{"RATE", tc.rate}, {"CLIENTS", tc.clients}} {
				yaml = strings.ReplaceAll(yaml, r[0], r[1])
			}
			cmp, err := Compare(parse(t, bare(yaml+tc.extra)), []string{"round_robin"})
			if err != nil {
				t.Fatal(err)
			}
			res := cmp.Results[0]
			if tc.lo == all {
				tc.lo, tc.hi = cmp.Requests, cmp.Requests
			}
			if res.Completed < tc.lo || res.Completed > tc.hi {
				t.Errorf("completed %d, want %d to %d", res.Completed, tc.lo, tc.hi)
			}
			if res.Rejected != res.FailedByCause["rate_limited"] || res.Failed != 0 {
				t.Errorf("rejected %d (rate limited %d), failed %d: want every loss a rate-limit rejection", res.Rejected, res.FailedByCause["rate_limited"], res.Failed)
			}
		})
	}
}
