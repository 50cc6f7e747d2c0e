package sim

import (
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
)

// CompareEach runs each scenario of scs with seeds seeds, its own seed and
// the next ones, and combines each scenario's runs as how says (see
// results.Combine): the points of a sweep. Every run of every scenario
// shares the cores, as in CompareAll; the comparisons are in the order of
// scs.
func CompareEach(scs []*scenarios.Scenario, algs []string, seeds int, how results.Aggregate, opt Options) ([]*results.Comparison, error) {
	seeds = max(seeds, 1)
	runs := make([]*scenarios.Scenario, 0, len(scs)*seeds)
	for _, sc := range scs {
		for k := range seeds {
			c := *sc
			c.Seed = sc.Seed + uint64(k)
			runs = append(runs, &c)
		}
	}
	cmps, err := CompareAll(runs, algs, opt)
	if err != nil {
		return nil, err
	}
	out := make([]*results.Comparison, len(scs))
	for i := range scs {
		out[i] = results.Combine(cmps[i*seeds:(i+1)*seeds], how)
	}
	return out, nil
}
