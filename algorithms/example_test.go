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
	// ip_hash
	// least_connections
	// least_response_time
	// power_of_two
	// random
	// round_robin
	// weighted_round_robin
}
