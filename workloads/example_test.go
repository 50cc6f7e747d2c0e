package workloads_test

import (
	"fmt"
	"time"

	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/workloads"
)

func Example() {
	w := &scenarios.Workload{
		Arrival: scenarios.Arrival{Process: "constant", Rate: 20},
		Service: &scenarios.Service{Dist: "constant", Mean: scenarios.Duration(50 * time.Millisecond)},
		Clients: scenarios.Clients{Count: 1},
	}
	g, err := workloads.New(w, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	var r workloads.Request
	for range 3 {
		g.Next(&r)
		fmt.Println(r.Arrival, r.Client, r.Class, r.Demand)
	}
	// Output:
	// 50ms 10.0.0.1 0 50ms
	// 100ms 10.0.0.1 0 50ms
	// 150ms 10.0.0.1 0 50ms
}
