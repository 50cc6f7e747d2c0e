package live_test

import (
	"context"
	"fmt"

	"github.com/lbsim/lbsim/live"
	"github.com/lbsim/lbsim/scenarios"
)

// Run a bundled scenario live at ten times its speed beside its
// simulation, and see whether both rank the algorithms alike. It needs
// the loopback network and about a minute.
func ExampleRun() {
	sc, err := scenarios.Open("mixed-50ms-5s")
	if err != nil {
		fmt.Println(err)
		return
	}
	sc.Requests = 20000
	rep, err := live.Run(context.Background(), sc, live.Options{
		Algorithms: []string{"round_robin", "least_connections"},
		Speedup:    10,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range rep.Agreement.Algorithms {
		fmt.Printf("%s: p99 %.0f ms simulated, %.0f ms live\n", s.Algorithm, s.SimP99, s.LiveP99)
	}
	fmt.Println("same ranking:", rep.Agreement.RankingAgrees)
}
