// Package limittest holds the steps that pin down a route's rate limit
// (scenarios.Limit), which the simulator's and the proxy's limiters are
// both tested against, so that the two provably agree.
package limittest

import (
	"net/netip"
	"testing"
	"time"

	"github.com/lbsim/lbsim/scenarios"
)

// Step is one request from one client: when it comes, how long the limit
// holds it, and whether it passes.
type Step struct {
	At   time.Duration
	Hold time.Duration
	OK   bool
}

// Case is a limit and the requests of one client through it, in order.
type Case struct {
	Name  string
	Limit scenarios.Limit
	Steps []Step
}

const ms = time.Millisecond

// Cases check limit_req's arithmetic by hand, for a bucket of rate 10 a
// second (one request drains every 100 ms) unless they say otherwise.
var Cases = []Case{
	{"no burst: one every 100 ms", scenarios.Limit{Per: scenarios.LimitPerClient, Rate: 10}, []Step{
		{0, 0, true}, {50 * ms, 0, false}, {100 * ms, 0, true}, {150 * ms, 0, false}, {199 * ms, 0, false}, {200 * ms, 0, true},
	}},
	{"burst 2, nodelay: three at once, then the rate", scenarios.Limit{Per: scenarios.LimitPerClient, Rate: 10, Burst: 2, NoDelay: true}, []Step{
		{0, 0, true}, {0, 0, true}, {0, 0, true}, {0, 0, false}, {100 * ms, 0, true}, {100 * ms, 0, false},
	}},
	{"burst 2: the excess waits its turn", scenarios.Limit{Per: scenarios.LimitPerClient, Rate: 10, Burst: 2}, []Step{
		{0, 0, true}, {0, 100 * ms, true}, {0, 200 * ms, true}, {0, 0, false}, {50 * ms, 0, false}, {100 * ms, 200 * ms, true},
	}},
	{"a high rate idle for months drains to empty", scenarios.Limit{Per: scenarios.LimitPerClient, Rate: 1e9}, []Step{
		{0, 0, true}, {0, 0, false}, {300 * 24 * time.Hour, 0, true}, {300 * 24 * time.Hour, 0, false},
	}},
	{"burst 3, delay 1: the first excess request goes at once", scenarios.Limit{Per: scenarios.LimitPerClient, Rate: 10, Burst: 3, Delay: 1}, []Step{
		{0, 0, true}, {0, 0, true}, {0, 100 * ms, true}, {0, 200 * ms, true}, {0, 0, false},
	}},
}

// An Admit is one limiter's decision for a request from client at a time:
// how long it holds the request, and whether it lets it through.
type Admit func(client netip.Addr, at time.Duration) (hold time.Duration, ok bool)

// Run checks a limiter against every case: limiter makes a fresh one for a
// limit, and every step must come out as the case says.
func Run(t *testing.T, limiter func(scenarios.Limit) Admit) {
	t.Helper()
	client := netip.MustParseAddr("192.0.2.1")
	for _, tc := range Cases {
		t.Run(tc.Name, func(t *testing.T) {
			admit := limiter(tc.Limit)
			for k, s := range tc.Steps {
				if hold, ok := admit(client, s.At); hold != s.Hold || ok != s.OK {
					t.Errorf("request %d at %v: hold %v, through %v; want %v, %v", k+1, s.At, hold, ok, s.Hold, s.OK)
				}
			}
		})
	}
}
