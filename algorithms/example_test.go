package algorithms_test

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/lbsim/lbsim/algorithms"
)

// A host builds its backends once, hands the usable ones to Update, and
// brackets every request it forwards with Begin and End, reporting the
// outcome through Done.
func ExampleNew() {
	bal, err := algorithms.New("round_robin", algorithms.Options{Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	backends := []*algorithms.Backend{
		algorithms.NewBackend(0, "app-1", 1),
		algorithms.NewBackend(1, "app-2", 1),
		algorithms.NewBackend(2, "app-3", 1),
	}
	bal.Update(backends)

	client := netip.MustParseAddr("192.0.2.10")
	for i := range 4 {
		req := &algorithms.Request{Client: client, Now: time.Duration(i) * time.Second}
		b, err := bal.Pick(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		b.Begin() // before forwarding
		fmt.Println(b.Name, "in flight:", b.InFlight())
		// ... the request is served in 20ms ...
		b.End()
		bal.Done(b, algorithms.Outcome{Now: req.Now + 20*time.Millisecond, Latency: 20 * time.Millisecond})
	}

	bal.Update(nil) // every backend went down
	_, err = bal.Pick(&algorithms.Request{})
	fmt.Println(errors.Is(err, algorithms.ErrNoBackend))
	// Output:
	// app-1 in flight: 1
	// app-2 in flight: 1
	// app-3 in flight: 1
	// app-1 in flight: 1
	// true
}

// An unknown name is a *UnknownError that lists the known ones.
func ExampleNew_unknown() {
	_, err := algorithms.New("fastest", algorithms.Options{})
	var unknown *algorithms.UnknownError
	fmt.Println(errors.As(err, &unknown), unknown.Name)
	// Output: true fastest
}

// List is what `lbsim list` prints, sorted by name.
func ExampleList() {
	for _, info := range algorithms.List() {
		fmt.Println(info.Name)
	}
	// Output:
	// bounded_load
	// consistent_hash
	// ip_hash
	// join_idle_queue
	// least_connections
	// least_response_time
	// maglev
	// peak_ewma
	// power_of_two
	// prequal
	// random
	// round_robin
	// weighted_least_request
	// weighted_round_robin
}

// Resolve checks a spec and writes it the way results and expect: lines
// name the policy.
func ExampleResolve() {
	for _, spec := range []string{"bounded_load(c=1.50)", "LEAST_REQUEST", "peak_ewma(decay=2500ms)", "bounded_load(k=2)"} {
		canon, err := algorithms.Resolve(spec)
		fmt.Printf("%q %v\n", canon, err)
	}
	// Output:
	// "bounded_load(c=1.5)" <nil>
	// "weighted_least_request" <nil>
	// "peak_ewma(decay=2.5s)" <nil>
	// "" bounded_load: takes no parameter "k" (it takes c)
}

// SplitList reads --algorithms: commas inside parentheses separate a
// policy's parameters.
func ExampleSplitList() {
	fmt.Printf("%q\n", algorithms.SplitList("p2c, prequal(probes=2,pool=8),bounded_load"))
	// Output:
	// ["p2c" "prequal(probes=2,pool=8)" "bounded_load"]
}
