package sim

import (
	"reflect"
	"testing"

	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
)

// CompareEach gives, for each scenario, what CompareSeeds and Combine give
// for it alone: the same runs, combined the same way, in order.
func TestCompareEach(t *testing.T) {
	base := parse(t, `
name: each
requests: 3000
servers: [{name: app, count: 2}]
workload:
  arrival: {rate: 20}
  service: {dist: exponential, mean: 50ms}
`)
	var scs []*scenarios.Scenario
	for i, rate := range []float64{10, 20, 30} {
		sc := *base
		sc.Workload.Arrival.Rate = rate
		sc.Seed = uint64(5 * i)
		scs = append(scs, &sc)
	}
	algs := []string{"round_robin", "random"}
	for _, seeds := range []int{1, 3} {
		got, err := CompareEach(scs, algs, seeds, results.AggregateWorst, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i, sc := range scs {
			runs, err := CompareSeeds(sc, algs, []uint64{sc.Seed, sc.Seed + 1, sc.Seed + 2}[:seeds], Options{})
			if err != nil {
				t.Fatal(err)
			}
			if want := results.Combine(runs, results.AggregateWorst); !reflect.DeepEqual(got[i], want) {
				t.Errorf("%d seeds, scenario %d:\n%+v\nwant\n%+v", seeds, i, got[i], want)
			}
		}
	}
}
