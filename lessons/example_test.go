package lessons_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/lbsim/lbsim/lessons"
	"github.com/lbsim/lbsim/scenarios"
)

func ExampleDemo_WriteExplanation() {
	demo, err := lessons.DemoFor("leastconn") // an alias names its policy
	if err != nil {
		fmt.Println(err)
		return
	}
	var b strings.Builder
	if err := demo.WriteExplanation(&b); err != nil {
		fmt.Println(err)
		return
	}
	first, _, _ := strings.Cut(b.String(), "\n")
	fmt.Println(first)
	// Output: least_connections: fewest requests in flight per unit of weight; ties broken at random
}

func ExampleWriteTrace() {
	sc, err := scenarios.Parse("steady.yaml", []byte(`name: steady
requests: 4
servers: [{name: app, count: 2}]
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 150ms}
  clients: {count: 1}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	// A deadline bounds a trace that starts late in a long run.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := lessons.WriteTrace(ctx, os.Stdout, sc, "least_connections", 0, 10); err != nil {
		fmt.Println(err)
	}
	// Output:
	// steady with least_connections, seed 1, from t=0.000s:
	// t=0.100s request 1 from 10.0.0.1 -> app-1 (in flight app-1=0 app-2=0)
	// t=0.200s request 2 from 10.0.0.1 -> app-2 (in flight app-1=1 app-2=0)
	// t=0.300s request 3 from 10.0.0.1 -> app-1 (in flight app-1=0 app-2=1)
	// t=0.400s request 4 from 10.0.0.1 -> app-2 (in flight app-1=1 app-2=0)
	// (the run ended after 4 decisions)
}

func ExampleWrap() {
	fmt.Println(lessons.Wrap("Reports hold a slot for 5 s while calls take 50 ms.", "  ", 30))
	// Output:
	//   Reports hold a slot for 5 s
	//   while calls take 50 ms.
}
