package sim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// runEngine runs a scenario with one algorithm and returns the engine, for
// the tests that look at its state at the end.
func runEngine(t *testing.T, yaml, alg string) *engine {
	t.Helper()
	e, err := newEngine(parse(t, yaml), alg)
	if err != nil {
		t.Fatal(err)
	}
	e.run()
	return e
}

// leaks lists what a finished run left behind: requests neither completed,
// failed nor rejected, requests still in flight, busy slots, queued
// requests, slots never freed.
func leaks(e *engine) []string {
	var out []string
	if e.warmup == 0 && e.completed+e.failed+e.rejected != e.arrivals {
		out = append(out, fmt.Sprintf("completed %d + failed %d + rejected %d != %d arrivals", e.completed, e.failed, e.rejected, e.arrivals))
	}
	for i := range e.servers {
		s := &e.servers[i]
		if n := s.backend.InFlight(); n != 0 || s.busy != 0 || s.waiting.len() != 0 {
			out = append(out, fmt.Sprintf("%s: %d in flight, %d busy, %d waiting", s.name, n, s.busy, s.waiting.len()))
		}
	}
	if len(e.free) != len(e.reqs) {
		out = append(out, fmt.Sprintf("%d of %d request slots not freed", len(e.reqs)-len(e.free), len(e.reqs)))
	}
	return out
}

// randomFailureScenario mixes every failure mechanism at random.
func randomFailureScenario(r *rand.Rand) string {
	var b strings.Builder
	n := 2 + r.IntN(4)
	fmt.Fprintf(&b, "name: mix\nseed: %d\nduration: %ds\nservers:\n  - {name: app, count: %d, capacity: %d", r.IntN(1000), 60+r.IntN(120), n, 1+r.IntN(3))
	if r.IntN(2) == 0 {
		fmt.Fprintf(&b, ", queue: %d", 1+r.IntN(4))
	}
	if r.IntN(3) == 0 {
		fmt.Fprintf(&b, ", mtbf: %ds, mttr: %ds", 5+r.IntN(30), 1+r.IntN(10))
	}
	b.WriteString("}\n")
	if r.IntN(3) == 0 {
		b.WriteString("  - {name: spare, backup: true}\n")
	}
	fmt.Fprintf(&b, "workload:\n  arrival: {process: poisson, rate: %d}\n  service: {dist: exponential, mean: %dms}\nfaults:\n", 5+r.IntN(40), 20+r.IntN(200))
	for k := 1; k <= n; k++ {
		kind := []string{"crash", "slow", "drain"}[r.IntN(3)]
		factor := ""
		if kind == "slow" {
			factor = fmt.Sprintf(", factor: %d", 2+r.IntN(50))
		}
		at := 1 + r.IntN(40)
		fmt.Fprintf(&b, "  - {at: %ds, server: app-%d, kind: %s%s, for: %ds}\n", at, k, kind, factor, 1+r.IntN(30))
	}
	sections := []string{
		fmt.Sprintf("health_check: {interval: %ds, fall: %d, rise: %d}\n", 1+r.IntN(5), 1+r.IntN(3), 1+r.IntN(3)),
		fmt.Sprintf("passive: {max_fails: %d, fail_timeout: %ds}\n", 1+r.IntN(3), 1+r.IntN(10)),
		fmt.Sprintf("retries: {count: %d, on: [connect, error, timeout], budget: %.1f}\n", 1+r.IntN(3), float64(r.IntN(3))/10),
		fmt.Sprintf("timeouts: {response: %dms}\n", 100+r.IntN(1000)),
		fmt.Sprintf("circuit_breaker: {failures: %d, open: %ds, probes: %d}\n", 1+r.IntN(5), 1+r.IntN(10), 1+r.IntN(3)),
		fmt.Sprintf("slow_start: %ds\n", 1+r.IntN(10)),
		fmt.Sprintf("autoscale: {min: 1, max: %d, interval: %ds, cooldown: %ds, startup: %ds}\n", n+r.IntN(4), 1+r.IntN(10), r.IntN(10), r.IntN(10)),
		fmt.Sprintf("sessions: {miss_cost: %dms}\n", r.IntN(200)),
	}
	for _, s := range sections {
		if r.IntN(2) == 0 {
			b.WriteString(s)
		}
	}
	return b.String()
}

// TestFailureModelInvariants runs random mixes of every failure mechanism
// with every algorithm: each request ends exactly once (completed, failed
// or rejected), nothing stays in flight or queued, every slot is freed,
// and a second run gives the same JSON.
func TestFailureModelInvariants(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := 150
	if testing.Short() {
		cases = 20
	}
	for range cases {
		yaml := randomFailureScenario(r)
		for _, alg := range []string{"round_robin", "least_connections", "least_response_time", "power_of_two", "random", "ip_hash", "weighted_round_robin"} {
			if l := leaks(runEngine(t, yaml, alg)); len(l) > 0 {
				t.Fatalf("%s: %s\n%s", alg, strings.Join(l, "; "), yaml)
			}
			sc := parse(t, yaml)
			a, _ := Run(sc, alg)
			b, _ := Run(sc, alg)
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if string(ja) != string(jb) {
				t.Fatalf("%s: two runs differ\n%s", alg, yaml)
			}
		}
	}
}

// TestFailureModelEdges pins cases where mechanisms meet.
func TestFailureModelEdges(t *testing.T) {
	// Servers in rotation from the start do not ramp.
	e := runEngine(t, `name: ramp-at-start
duration: 60s
servers: [{name: app, count: 2, capacity: 4}]
workload: {arrival: {process: constant, rate: 10}, service: {dist: constant, mean: 10ms}}
slow_start: 30s
`, "round_robin")
	if e.rejected != 0 || e.failed != 0 {
		t.Errorf("slow start at t=0: %d rejected, %d failed; want none", e.rejected, e.failed)
	}

	// A half-open probe turned away by a full queue is given back, so the
	// breaker closes once the slowdown is over.
	e = runEngine(t, `name: probe-queue-full
duration: 300s
servers: [{name: app, count: 2, capacity: 1, queue: 1}]
workload: {arrival: {process: constant, rate: 4}, service: {dist: constant, mean: 100ms}}
faults: [{at: 10s, server: app-1, kind: slow, factor: 200, for: 20s}]
timeouts: {response: 1s}
circuit_breaker: {failures: 2, open: 5s, probes: 1}
`, "round_robin")
	if st := &e.views[0].standing[0]; st.breaker != breakerClosed || !st.inRotation {
		t.Errorf("app-1's breaker is %d (in rotation %v) at the end, want closed", st.breaker, st.inRotation)
	}

	// A scale-down cancels a launch rather than retire the only server.
	e = runEngine(t, `name: cancel-launch
duration: 120s
servers: [{name: app, count: 1, capacity: 4}]
workload:
  arrival: {process: constant, rate: 60, phases: [{at: 10s, rate: 5}]}
  service: {dist: constant, mean: 50ms}
autoscale: {min: 1, max: 3, interval: 10s, cooldown: 0s, startup: 60s}
`, "round_robin")
	if e.rejected != 0 || e.failed != 0 {
		t.Errorf("scale-down during a launch: %d rejected, %d failed; want none", e.rejected, e.failed)
	}

	// A random repair does not end a drain from the file.
	e = runEngine(t, `name: drain-and-mtbf
duration: 200s
servers: [{name: app, count: 3, capacity: 4, mtbf: 30s, mttr: 2s}]
workload: {arrival: {process: constant, rate: 10}, service: {dist: constant, mean: 50ms}}
faults: [{at: 10s, server: app-1, kind: drain}]
`, "round_robin")
	if r := e.result(); r.Servers[0].DrainingS != 190 {
		t.Errorf("app-1 drained %v s, want 190 (from 10 s to the end)", r.Servers[0].DrainingS)
	}

	// Retired servers stay out of rotation through random failures.
	e = runEngine(t, `name: retired-and-mtbf
duration: 600s
servers: [{name: app, count: 3, capacity: 4, mtbf: 20s, mttr: 2s}]
workload: {arrival: {process: constant, rate: 10}, service: {dist: constant, mean: 50ms}}
autoscale: {min: 1, max: 3, interval: 10s, cooldown: 0s, startup: 5s}
`, "round_robin")
	for i := range e.servers {
		if s := &e.servers[i]; s.retired && e.views[0].standing[i].inRotation {
			t.Errorf("%s is retired but in rotation", s.name)
		}
	}
}
