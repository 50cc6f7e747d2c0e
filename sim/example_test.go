package sim_test

import (
	"fmt"

	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
)

// Nine requests, far apart, over three servers: round robin deals them out
// like cards, while least connections sees every server idle and rotates
// through the tie the same way.
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
	// least_connections: mean 20 ms, app-1=3 app-2=3 app-3=3
}
