package check_test

import (
	"fmt"

	"github.com/lbsim/lbsim/check"
	"github.com/lbsim/lbsim/results"
)

func ExampleParseExpectation() {
	e, err := check.ParseExpectation("least_connections.p99 < 0.5 * round_robin.p99")
	if err != nil {
		fmt.Println(err)
		return
	}
	c := &results.Comparison{
		Scenario: "mixed",
		Results: []results.Result{
			{Algorithm: "round_robin", Latency: results.Latency{P99: 460.8}},
			{Algorithm: "least_connections", Latency: results.Latency{P99: 210.5}},
		},
	}
	o := e.Eval(c)
	fmt.Println("passed:", o.Passed)
	fmt.Printf("margin: %.1f\n", o.Margin) // 0.5 * 460.8 - 210.5
	fmt.Println(e.Detail(o))

	// A mistake is reported at its column.
	_, err = check.ParseExpectation("round_robin.p99 < 800ms")
	fmt.Println(err)
	// Output:
	// passed: true
	// margin: 19.9
	// 210.5 < 230.4
	// where least_connections.p99 = 210.5, round_robin.p99 = 460.8
	// column 22: unexpected 'm' after a number; numbers take no units (latencies are in milliseconds: write 800, not 800ms)
}
