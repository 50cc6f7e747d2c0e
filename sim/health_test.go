package sim

import (
	"fmt"
	"testing"
)

// TestCheckInBand: a check is served like a request unless out_of_band.
// Three one-slot servers get 2 requests a second each, of 100 ms; from
// 10 s app-2 is 100 times slower, so each of its requests takes 10 s and
// its queue grows. An out-of-band check costs it 100 ms, well within the
// 1 s timeout: it stays in rotation and gets its third of the 60 s, 120
// requests. An in-band check waits behind the queue and times out: the
// checks sent at 12 s and 14 s fail at 13 s and 15 s, fall 2 takes it out
// at 15 s, and the queue (10 s a request) never lets a check through
// again, so it gets only the 30 requests of its first 15 s.
func TestCheckInBand(t *testing.T) {
	for _, tc := range []struct {
		outOfBand bool
		lo, hi    int64
	}{
		{true, 119, 121},
		{false, 29, 31},
	} {
		t.Run(fmt.Sprint("out_of_band=", tc.outOfBand), func(t *testing.T) {
			res := mustRun(t, parse(t, fmt.Sprintf(`name: in-band
duration: 60s
servers: [{name: app, count: 3}]
workload:
  arrival: {process: constant, rate: 6}
  service: {dist: constant, mean: 100ms}
faults: [{at: 10s, server: app-2, kind: slow, factor: 100}]
health_check: {interval: 2s, timeout: 1s, fall: 2, rise: 2, out_of_band: %v}
timeouts: {response: 0}
`, tc.outOfBand)), "round_robin")
			if got := res.Servers[1].Requests; got < tc.lo || got > tc.hi {
				t.Errorf("app-2 got %d requests, want %d to %d", got, tc.lo, tc.hi)
			}
		})
	}
}

// TestMaxUtilizationAndPanic: two one-slot servers at 95% utilization
// (19 requests a second of 100 ms) under a deep health check that fails
// above 90% (interval 1 s, fall 1, rise 1), served out of band so that
// only utilization decides. The one left in rotation when the other fails
// takes all the load, is saturated and fails at the next check; the one
// that rested passes and returns: in a cycle of 3 s, neither is in
// rotation for one second, and a third of the requests find no server.
// With panic_threshold 0.5 the second server leaving puts the balancer in
// panic, and it balances over both, healthy or not: no request is turned
// away.
func TestMaxUtilizationAndPanic(t *testing.T) {
	for _, tc := range []struct {
		panic  string
		lo, hi float64 // rejected share
	}{
		{"0", 0.28, 0.38},
		{"0.5", 0, 0},
	} {
		t.Run("panic_threshold="+tc.panic, func(t *testing.T) {
			res := mustRun(t, parse(t, `name: deep-checks
duration: 60s
servers: [{name: app, count: 2}]
workload:
  arrival: {process: constant, rate: 19}
  service: {dist: constant, mean: 100ms}
health_check: {interval: 1s, timeout: 500ms, fall: 1, rise: 1, out_of_band: true, max_utilization: 0.9, panic_threshold: `+tc.panic+`}
`), "round_robin")
			share := float64(res.Rejected) / float64(res.Rejected+res.Completed+res.Failed)
			if share < tc.lo || share > tc.hi || (tc.hi == 0 && res.Rejected != 0) {
				t.Errorf("rejected %d (%.2f of requests, by cause %v), want a share of %v to %v", res.Rejected, share, res.FailedByCause, tc.lo, tc.hi)
			}
		})
	}
}
