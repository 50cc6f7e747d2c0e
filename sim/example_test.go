package sim_test

import (
	"fmt"

	"github.com/lbsim/lbsim/check"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
)

// Nine requests, far apart, over three servers: round robin deals them out
// like cards, while least connections sees every server idle each time and
// picks one of the tied servers at random. Either way no request waits.
func ExampleCompare() {
	sc, err := scenarios.Parse("example.yaml", []byte(`
name: nine-requests
requests: 9
servers: [{name: app, count: 3}]
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 20ms}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	cmp, err := sim.Compare(sc, []string{"round_robin", "least_connections"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range cmp.Results {
		fmt.Printf("%s: mean %.0f ms,", r.Algorithm, r.Latency.Mean)
		for _, s := range r.Servers {
			fmt.Printf(" %s=%d", s.Name, s.Requests)
		}
		fmt.Println()
	}
	// Output:
	// round_robin: mean 20 ms, app-1=3 app-2=3 app-3=3
	// least_connections: mean 20 ms, app-1=5 app-2=2 app-3=2
}

// A check over three seeds: the scenario's expect: line must hold on each
// seed's run, and the verdict names the seed where it held least.
func ExampleCompareSeeds() {
	sc, err := scenarios.Parse("example.yaml", []byte(`
name: two-servers
requests: 5000
servers: [{name: app, count: 2}]
workload:
  arrival: {process: poisson, load: 0.8}
  service: {dist: exponential, mean: 10ms}
algorithms: [random, least_connections]
expect:
  - least_connections.p99 < random.p99
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	runs, err := sim.CompareSeeds(sc, sc.Algorithms, []uint64{1, 2, 3}, sim.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range check.Expectations(sc.Expect, runs, results.AggregateWorst) {
		if a.Passed {
			fmt.Printf("%s: holds on all %d seeds, by the least margin on seed %d\n", a.Name, len(runs), *a.Seed)
		} else {
			fmt.Printf("%s: fails on seed %d: %s\n", a.Name, *a.Seed, a.Detail)
		}
	}
	// Output:
	// least_connections.p99 < random.p99: holds on all 3 seeds, by the least margin on seed 2
}

// Least connections over three servers, one of which is kept busy by a
// long request: the trace shows what the balancer saw at each decision.
func ExampleTrace() {
	sc, err := scenarios.Parse("example.yaml", []byte(`
name: trace
requests: 6
servers: [{name: app, count: 3}]
workload:
  arrival: {process: constant, rate: 10}
  classes:
    - {name: quick, share: 0.8, service: {dist: constant, mean: 50ms}}
    - {name: slow, share: 0.2, service: {dist: constant, mean: 2s}}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	err = sim.Trace(sc, "least_connections", 0, func(ev *sim.TraceEvent) bool {
		fmt.Printf("t=%v request %d (%s) -> %s, in flight %v\n", ev.At, ev.Request, ev.Class, ev.Server, ev.InFlight)
		return true
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// t=100ms request 1 (quick) -> app-1, in flight [0 0 0]
	// t=200ms request 2 (slow) -> app-3, in flight [0 0 0]
	// t=300ms request 3 (slow) -> app-1, in flight [0 0 1]
	// t=400ms request 4 (quick) -> app-2, in flight [1 0 1]
	// t=500ms request 5 (quick) -> app-2, in flight [1 0 1]
	// t=600ms request 6 (slow) -> app-2, in flight [1 0 1]
}
