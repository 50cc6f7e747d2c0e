package sim

import (
	"testing"
)

// accounted runs sc and checks that every arrival ended as completed,
// failed or rejected, and that no server is left with a request in flight.
func accounted(t *testing.T, sc string, alg string) *engine {
	t.Helper()
	e, err := newEngine(parse(t, sc), alg)
	if err != nil {
		t.Fatal(err)
	}
	e.run()
	res := e.result()
	if got := res.Completed + res.Failed + res.Rejected; got != e.arrivals {
		t.Errorf("completed %d + failed %d + rejected %d = %d, want the %d arrivals", res.Completed, res.Failed, res.Rejected, got, e.arrivals)
	}
	for i := range e.servers {
		if n := e.servers[i].backend.InFlight(); n != 0 {
			t.Errorf("%s has %d in flight after the run", e.servers[i].name, n)
		}
	}
	return e
}

// TestArchitectureEdges pins down combinations of the architecture models
// that once lost requests or state.
func TestArchitectureEdges(t *testing.T) {
	t.Run("a 500 that crossed zones is retried and counted", func(t *testing.T) {
		// a fails everything fast across the zones; its retries go to b,
		// which crashes for 5 s: those retries must be reset, not lost.
		accounted(t, `name: c1
requests: 300
servers:
  - {name: a, capacity: 100, zone: z1}
  - {name: b, capacity: 1, speed: 0.2, zone: z2}
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 50ms}
zones: {cross_latency: 10ms}
timeouts: {response: 0s}
retries: {count: 1, on: [connect, error, 5xx]}
passive: {max_fails: 0}
faults:
  - {at: 0s, server: a, kind: 5xx}
  - {at: 10s, server: b, kind: crash, for: 5s}
`, "round_robin")
	})
	t.Run("a retry after a timeout keeps its client's zone", func(t *testing.T) {
		// Every request goes to the thousand-times-slower a first, times
		// out after 1 s, and is retried on b; the clients of b's zone
		// then pay no crossing: 1 s + 10 ms, not 1 s + 210 ms.
		res := mustRun(t, parse(t, `name: b2
requests: 100
servers:
  - {name: a, capacity: 1000, zone: z1}
  - {name: b, capacity: 1000, zone: z2}
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 10ms}
  clients: {count: 2}
zones: {cross_latency: 100ms}
timeouts: {response: 1s}
retries: {count: 1, on: [timeout]}
passive: {max_fails: 0}
faults: [{at: 0s, server: a, kind: slow, factor: 1000}]
`), "round_robin")
		if p50 := res.Latency.P50; p50 > 1011 {
			t.Errorf("p50 %.0f ms, want 1010: a retry in its client's zone crosses nothing", p50)
		}
	})
	t.Run("a region fails over once another is up again", func(t *testing.T) {
		// Both regions fall at 10 s; r2 is back at 15 s, r1 at 50 s. r1's
		// clients must move to r2 once it is up (and the 2 s failover is
		// over), not fail until r1 returns.
		e := accounted(t, `name: b1
duration: 60s
servers:
  - {name: a, capacity: 4, zone: r1}
  - {name: b, capacity: 4, zone: r2}
workload: {arrival: {process: constant, rate: 100}, service: {dist: constant, mean: 10ms}}
zones: {cross_latency: 10ms, routing: latency}
balancers: {failover: 2s}
retries: {count: 0}
passive: {max_fails: 0}
faults:
  - {at: 10s, server: a, kind: crash, for: 40s}
  - {at: 10s, server: b, kind: crash, for: 5s}
`, "round_robin")
		// Lost: everything from 10 s to 15 s (500), nothing after.
		if res := e.result(); res.Failed+res.Rejected > 520 {
			t.Errorf("lost %d (%v), want about the 500 of the 5 s both regions were down", res.Failed+res.Rejected, res.FailedByCause)
		}
	})
	t.Run("one balancer with a stale view refreshes", func(t *testing.T) {
		// With refreshes least connections routes around busy servers;
		// without them it sees every server idle and picks at random.
		base := `name: stale1
requests: 20000
servers: [{name: app, count: 8}]
workload: {arrival: {process: poisson, load: 0.85}, service: {dist: exponential, mean: 10ms}}
`
		stale := mustRun(t, parse(t, base+"balancers: {count: 1, view: stale, refresh: 10ms}\n"), "least_connections")
		random := mustRun(t, parse(t, base), "random")
		if stale.Latency.P99 > 0.8*random.Latency.P99 {
			t.Errorf("stale least_connections p99 %.0f ms, random's %.0f ms: the view never refreshed", stale.Latency.P99, random.Latency.P99)
		}
	})
	t.Run("one balancer's own view restarts fresh", func(t *testing.T) {
		// app-1's crash gets it ejected for 30 s; the balancer's restart
		// at 10 s forgets that, so app-1 serves again from 12 s.
		e := accounted(t, bare(`name: fresh1
duration: 40s
servers: [{name: app, count: 2}]
workload: {arrival: {process: constant, rate: 20}, service: {dist: constant, mean: 10ms}}
balancers: {count: 1, view: local}
passive: {max_fails: 1, fail_timeout: 30s}
faults:
  - {at: 5s, server: app-1, kind: crash, for: 1s}
  - {at: 10s, balancer: 1, kind: crash, for: 2s}
`), "round_robin")
		if r := e.result().Servers[0].Requests; r < 250 {
			t.Errorf("app-1 served %d requests; want about half of those after the restart at 12 s, 280", r)
		}
	})
	t.Run("a server fault in its zone's outage is one crash", func(t *testing.T) {
		e := accounted(t, zoneScenario(`faults:
  - {at: 10s, zone: za, kind: crash, for: 20s}
  - {at: 15s, server: a-1, kind: crash, for: 5s}
`), "round_robin")
		n := 0
		for _, c := range e.result().Crashes {
			if c.Server == "a-1" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("a-1 crashed %d times, want once: its zone held it down already", n)
		}
	})
}
