package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/workloads"
)

// tierScenario is 4 servers with plenty of slots, so nothing queues: 100
// requests a second, constant 100 ms, for 150 s, through the given
// balancers section and faults.
func tierScenario(balancers, faults string) string {
	return bare(`name: tier
duration: 150s
servers: [{name: app, count: 4, capacity: 10}]
workload:
  arrival: {process: constant, rate: 100}
  service: {dist: constant, mean: 100ms}
balancers: ` + balancers + `
faults: ` + faults + "\n")
}

// TestBalancerFailover: balancer 2 of 2 crashes at 60 s for 60 s. Half
// of the arrivals go to each balancer at random; the requests in flight
// through it when it crashes fail, and so does every request its clients
// send it until the failover time is over. With failover 30 s that is
// about half of the 3,000 arrivals from 60 s to 90 s: Binomial(3000,
// 1/2), 1,500 with a standard deviation of 27, so [1,360, 1,650] allows
// five of them plus the few in flight. With failover 0 only those in
// flight fail: the arrivals of the last 100 ms through balancer 2, about
// 5 of 10.
func TestBalancerFailover(t *testing.T) {
	for _, tc := range []struct {
		failover string
		lo, hi   int64
	}{
		{"30s", 1360, 1650},
		{"0s", 1, 10},
	} {
		t.Run(tc.failover, func(t *testing.T) {
			cmp, err := Compare(parse(t, tierScenario("{count: 2, failover: "+tc.failover+"}", "[{at: 60s, balancer: 2, kind: crash, for: 60s}]")), []string{"round_robin"})
			if err != nil {
				t.Fatal(err)
			}
			res := cmp.Results[0]
			got := res.FailedByCause["balancer_down"]
			if got < tc.lo || got > tc.hi || res.Failed != got {
				t.Errorf("failed %d, %d of them because their balancer was down; want all of them, %d to %d", res.Failed, got, tc.lo, tc.hi)
			}
			if res.Completed+res.Failed != cmp.Requests {
				t.Errorf("completed %d + failed %d, want every one of the %d arrivals accounted for", res.Completed, res.Failed, cmp.Requests)
			}
		})
	}
}

// TestBalancersSplitArrivals: four balancers each get about a quarter of
// the arrivals (Binomial(1000, 1/4): 250, standard deviation 14), and a
// request keeps its balancer; the trace says which.
func TestBalancersSplitArrivals(t *testing.T) {
	sc := parse(t, tierScenario("{count: 4}", "[]"))
	sc.Duration = 0
	sc.Requests = 1000
	var through [5]int
	err := Trace(sc, "round_robin", 0, func(ev *TraceEvent) bool {
		if ev.Kind == Routed {
			through[ev.Balancer]++
			if want := "via balancer "; !strings.HasPrefix(ev.Text, want) {
				t.Errorf("routed %q, want it to start with %q", ev.Text, want)
			}
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if through[0] != 0 {
		t.Errorf("%d requests through no balancer", through[0])
	}
	for b := 1; b <= 4; b++ {
		if through[b] < 180 || through[b] > 320 {
			t.Errorf("balancer %d routed %d of 1000 requests, want 250 ± 70", b, through[b])
		}
	}
}

// TestViews checks what each view lets a balancer see of the servers'
// load, step by step: two balancers, least_connections, two servers, long
// requests arriving one at a time.
func TestViews(t *testing.T) {
	const yaml = `name: views
requests: 100
servers: [{name: app, count: 2}]
workload:
  arrival: {process: constant, rate: 1}
  service: {dist: constant, mean: 1h}
`
	arrive := func(e *engine, at time.Duration, n int) {
		r := workloads.Request{Demand: time.Hour}
		for range n {
			r.Arrival = at
			e.arrive(&r)
		}
	}
	t.Run("local counts only its own", func(t *testing.T) {
		e, err := newEngine(parse(t, bare(yaml+"balancers: {count: 2, view: local}\n")), "least_connections")
		if err != nil {
			t.Fatal(err)
		}
		arrive(e, time.Second, 40)
		for k := range e.servers {
			own := e.views[0].backends[k].InFlight() + e.views[1].backends[k].InFlight()
			if truth := e.servers[k].backend.InFlight(); own != truth {
				t.Errorf("app-%d: the views count %d in flight, the server has %d", k+1, own, truth)
			}
		}
		// Each balancer spreads its own requests evenly, so the servers
		// end up even too, give or take one per balancer.
		if d := e.servers[0].backend.InFlight() - e.servers[1].backend.InFlight(); d < -2 || d > 2 {
			t.Errorf("in flight %d and %d, want them within 2", e.servers[0].backend.InFlight(), e.servers[1].backend.InFlight())
		}
	})
	t.Run("stale sees the load as of its refresh", func(t *testing.T) {
		e, err := newEngine(parse(t, bare(yaml+"balancers: {count: 2, view: stale, refresh: 10s}\n")), "least_connections")
		if err != nil {
			t.Fatal(err)
		}
		// At 0 both views saw idle servers; at 5 s the second one
		// refreshes (the views take turns, refresh/count apart).
		for e.events.len() > 0 && e.events.peek().at <= 0 {
			e.fire(e.events.pop())
		}
		arrive(e, time.Second, 1)
		first := e.servers[0].backend.InFlight()
		for e.events.len() > 0 && e.events.peek().at <= 5*time.Second {
			e.fire(e.events.pop())
		}
		// Balancer 2 now sees the server with the request busy, and
		// balancer 1 still sees both idle: every request through
		// balancer 2 goes to the other server (the herd), balancer 1's
		// split between them.
		busy := 0
		if first == 0 {
			busy = 1
		}
		for k := range e.servers {
			want := int64(0)
			if k == busy {
				want = 1
			}
			if got := e.views[1].backends[k].InFlight(); got != want {
				t.Errorf("balancer 2 sees %d in flight on app-%d, want %d", got, k+1, want)
			}
			if got := e.views[0].backends[k].InFlight(); got != 0 {
				t.Errorf("balancer 1 sees %d in flight on app-%d, want 0 until its refresh at 10 s", got, k+1)
			}
		}
		var r workloads.Request
		for range 20 {
			r.Arrival = 6 * time.Second
			i := e.alloc(&r, 1, 0)
			e.tried = e.tried[:0]
			if b := e.choose(i, r.Arrival); b.Index == busy {
				t.Fatalf("balancer 2 chose app-%d, which it saw busy, over an idle one", busy+1)
			}
			e.release(i)
		}
	})
}

// TestBalancerChecksOwnView: with views of their own, every balancer
// runs its own health checks, and each takes a crashed server out on its
// own; the crash counts as detected once the last one has.
func TestBalancerChecksOwnView(t *testing.T) {
	sc := parse(t, tierScenario("{count: 3}", `[{at: 60s, server: app-2, kind: crash}]
health_check: {interval: 2s, fall: 3}`))
	e, err := newEngine(sc, "round_robin")
	if err != nil {
		t.Fatal(err)
	}
	checks := 0
	for e.events.len() > 0 {
		ev := e.events.pop()
		if ev.kind == check && ev.at == 2*time.Second {
			checks++
		}
		if ev.at > 70*time.Second {
			break
		}
		e.fire(ev)
	}
	if want := 3 * len(e.servers); checks != want {
		t.Errorf("%d checks at 2 s, want %d: each balancer checks every server", checks, want)
	}
	for k, v := range e.views {
		if !v.standing[1].checkDown {
			t.Errorf("balancer %d still has app-2 in rotation 10 s after it crashed", k+1)
		}
	}
	res := mustRun(t, sc, "round_robin")
	if len(res.Crashes) != 1 || res.Crashes[0].DetectedAfterS < 4 || res.Crashes[0].DetectedAfterS > 6 {
		t.Errorf("crashes %+v, want app-2's detected after 4 to 6 s (3 failed checks 2 s apart)", res.Crashes)
	}
}

// TestRestartedBalancerStartsAfresh: app-2 crashes at 30 s and both
// balancers' checks take it out within 6 s. Balancer 2 crashes at 60 s and
// comes back at 70 s with a fresh view, in which app-2 is in rotation
// until its own checks fail it again: requests through balancer 2, and
// only those, are refused again after 70 s, for up to 6 s. With a shared
// view the restarted balancer inherits what the view knows, and nothing is
// refused.
func TestRestartedBalancerStartsAfresh(t *testing.T) {
	for _, tc := range []struct {
		view    string
		refused bool
	}{{"local", true}, {"shared", false}} {
		t.Run(tc.view, func(t *testing.T) {
			sc := parse(t, tierScenario("{count: 2, view: "+tc.view+"}", `[{at: 30s, server: app-2, kind: crash}, {at: 60s, balancer: 2, kind: crash, for: 10s}]
health_check: {interval: 2s, fall: 3}`))
			var before, after int
			err := Trace(sc, "round_robin", 40*time.Second, func(ev *TraceEvent) bool {
				if ev.Kind != Failed || ev.Text != "connection refused" {
					return true
				}
				switch {
				case ev.At < 60*time.Second:
					before++
				case ev.Balancer != 2 || ev.At < 70*time.Second || ev.At > 76*time.Second:
					t.Errorf("refused at %v through balancer %d, want only through balancer 2 from 70 s to 76 s", ev.At, ev.Balancer)
				default:
					after++
				}
				return true
			})
			if err != nil {
				t.Fatal(err)
			}
			if before != 0 || (after > 0) != tc.refused {
				t.Errorf("refused %d from 40 s to 60 s and %d after balancer 2 restarted; want none, then some: %v", before, after, tc.refused)
			}
		})
	}
}

// TestViewsClassicResults checks the classic results on ten single-slot
// servers at 90% load through eight balancers, for three seeds each: with
// one fresh view least_connections beats power_of_two (it always knows the
// idlest server); with local views it still beats random (each balancer
// spreads its own share); with views refreshed every second it herds, and
// power_of_two beats it. Each margin is a third or more of the mean, where
// the seeds move a mean by a few percent.
func TestViewsClassicResults(t *testing.T) {
	for _, tc := range []struct {
		view          string
		better, worse string
	}{
		{"shared", "least_connections", "power_of_two"},
		{"local", "least_connections", "random"},
		{"stale", "power_of_two", "least_connections"},
	} {
		t.Run(tc.view, func(t *testing.T) {
			sc := parse(t, `name: classic
duration: 5m
warmup: 30s
servers: [{name: app, count: 10}]
workload:
  arrival: {rate: 90}
  service: {dist: exponential, mean: 100ms}
balancers: {count: 8, view: `+tc.view+`}
`)
			cmps, err := CompareSeeds(sc, []string{tc.better, tc.worse}, []uint64{1, 2, 3}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cmps {
				better, worse := c.Results[0].Latency.Mean, c.Results[1].Latency.Mean
				if better > 0.75*worse {
					t.Errorf("seed %d: %s's mean %.0f ms, %s's %.0f ms; want the first at most 3/4 of the second", c.Seed, tc.better, better, tc.worse, worse)
				}
			}
		})
	}
}

// TestViewEventsFit: a view's events on a server pack the server, the
// view and its epoch into one field, which holds any the scenario limits
// allow.
func TestViewEventsFit(t *testing.T) {
	if scenarios.MaxServers > 1<<serverBits || scenarios.MaxBalancers > 1<<viewBits {
		t.Fatalf("%d servers and %d balancers do not fit %d and %d bits", scenarios.MaxServers, scenarios.MaxBalancers, serverBits, viewBits)
	}
	v := &view{index: scenarios.MaxBalancers - 1, epoch: 255}
	ev := viewEvent(time.Second, check, scenarios.MaxServers-1, v)
	if ev.server() != scenarios.MaxServers-1 || ev.view() != v.index || ev.epoch() != v.epoch || ev.kind != check {
		t.Errorf("packed server %d, view %d, epoch %d; unpacked %d, %d, %d", scenarios.MaxServers-1, v.index, v.epoch, ev.server(), ev.view(), ev.epoch())
	}
}
