package scenarios_test

import (
	"errors"
	"fmt"

	"github.com/lbsim/lbsim/scenarios"
)

func ExampleParse() {
	src := []byte(`name: two-tiers
servers:
  - {name: app, count: 3, capacity: 4}
workload:
  arrival: {process: poisson, load: 0.8}
  classes:
    - {name: read,  share: 0.9, service: {dist: exponential, mean: 20ms}}
    - {name: write, share: 0.1, service: {dist: lognormal, mean: 200ms}}
algorithms: [round_robin, least_connections]
`)
	s, err := scenarios.Parse("two-tiers.yaml", src)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("servers:", len(s.ExpandServers()), s.ExpandServers()[0].Name)
	fmt.Println("mean demand:", s.Workload.MeanDemand())
	fmt.Printf("capacity: %.1f requests/s\n", s.Capacity())
	fmt.Printf("rate: %.1f requests/s\n", s.Workload.Arrival.Rate)
	fmt.Println("requests:", s.Requests, "seed:", s.Seed)
	fmt.Println("write sigma:", s.Workload.Classes[1].Service.Sigma)
	fmt.Println("algorithms:", s.Algorithms)
	// Output:
	// servers: 3 app-1
	// mean demand: 38ms
	// capacity: 315.8 requests/s
	// rate: 252.6 requests/s
	// requests: 100000 seed: 1
	// write sigma: 1
	// algorithms: [round_robin least_connections]
}

func ExampleError() {
	_, err := scenarios.Parse("black.yaml", []byte(`name: black
servers:
  - name: app
    count: 4
  - name: spare
    capacity: 0
`))
	var e *scenarios.Error
	if errors.As(err, &e) {
		fmt.Println(e)
		fmt.Println(e.Line, e.Field)
	}
	// Output:
	// black.yaml:6:5: servers[1].capacity: must be at least 1, got 0
	// 6 servers[1].capacity
}

// A sweep sets one key of a file to each of a range of values; every value
// goes through the loader's checks, as if the file had been written so.
func ExampleParseWith() {
	src := []byte(`name: one-server
servers: [{name: app}]
workload:
  arrival: {load: 0.5}
  service: {dist: exponential, mean: 100ms}
`)
	vary, key, err := scenarios.ParseVary("rate=2:8:3")
	if err != nil {
		fmt.Println(err)
		return
	}
	values, _ := vary.Points()
	for _, v := range values {
		// rate replaces the file's load.
		s, err := scenarios.ParseWith("one-server.yaml", src, scenarios.Setting{Key: key, Value: v})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s=%g: %g requests/s on %.0f of capacity\n", key, v, s.Workload.Arrival.Rate, s.Capacity())
	}
	_, err = scenarios.ParseWith("one-server.yaml", src, scenarios.Setting{Key: key, Value: 0})
	fmt.Println(err)
	// Output:
	// rate=2: 2 requests/s on 10 of capacity
	// rate=5: 5 requests/s on 10 of capacity
	// rate=8: 8 requests/s on 10 of capacity
	// one-server.yaml:4:13: workload.arrival.rate: must be greater than 0, got 0
}
