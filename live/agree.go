package live

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/lbsim/lbsim/results"
)

// Tie is how close two p99s must be, as a fraction of the larger, for a
// ranking to count them as equal: within it the order of two algorithms
// is noise, on either side.
const Tie = 0.05

// Agreement compares a live run with its simulation.
type Agreement struct {
	Algorithms []Side `json:"algorithms"`
	// SimRanking and LiveRanking list the algorithms by p99, lowest first.
	SimRanking  []string `json:"sim_ranking"`
	LiveRanking []string `json:"live_ranking"`
	// RankingAgrees is set when no two algorithms are ordered by p99 one
	// way in the simulation and the other way live, each by more than Tie.
	RankingAgrees bool `json:"ranking_agrees"`
	// Disagreements say which pairs are ordered the other way, and how.
	Disagreements []string `json:"disagreements,omitempty"`
}

// Side is one algorithm's figures live and simulated, and their ratios
// live/sim (absent where the simulated figure is 0). Failed counts the
// requests that got no answer: failed and rejected.
type Side struct {
	Algorithm  string   `json:"algorithm"`
	SimP50     float64  `json:"sim_p50_ms"`
	LiveP50    float64  `json:"live_p50_ms"`
	P50Ratio   *float64 `json:"p50_ratio,omitempty"`
	SimP99     float64  `json:"sim_p99_ms"`
	LiveP99    float64  `json:"live_p99_ms"`
	P99Ratio   *float64 `json:"p99_ratio,omitempty"`
	SimMean    float64  `json:"sim_mean_ms"`
	LiveMean   float64  `json:"live_mean_ms"`
	MeanRatio  *float64 `json:"mean_ratio,omitempty"`
	SimFailed  int64    `json:"sim_failed"`
	LiveFailed int64    `json:"live_failed"`
	// FailedRatio is absent when the simulation failed none.
	FailedRatio *float64 `json:"failed_ratio,omitempty"`
}

// Compare lines up the algorithms that live ran with their simulation.
func Compare(live, simulated *results.Comparison) Agreement {
	var a Agreement
	var lives, sims []results.Result
	for _, l := range live.Results {
		i := slices.IndexFunc(simulated.Results, func(r results.Result) bool { return r.Algorithm == l.Algorithm })
		if i < 0 {
			continue
		}
		s := simulated.Results[i]
		lives, sims = append(lives, l), append(sims, s)
		a.Algorithms = append(a.Algorithms, Side{
			Algorithm: l.Algorithm,
			SimP50:    s.Latency.P50, LiveP50: l.Latency.P50, P50Ratio: ratio(l.Latency.P50, s.Latency.P50),
			SimP99: s.Latency.P99, LiveP99: l.Latency.P99, P99Ratio: ratio(l.Latency.P99, s.Latency.P99),
			SimMean: s.Latency.Mean, LiveMean: l.Latency.Mean, MeanRatio: ratio(l.Latency.Mean, s.Latency.Mean),
			SimFailed: s.Failed + s.Rejected, LiveFailed: l.Failed + l.Rejected,
			FailedRatio: ratio(float64(l.Failed+l.Rejected), float64(s.Failed+s.Rejected)),
		})
	}
	a.SimRanking, a.LiveRanking = ranking(sims), ranking(lives)
	a.RankingAgrees = true
	for i := range lives {
		for j := i + 1; j < len(lives); j++ {
			si, sj := sims[i].Latency.P99, sims[j].Latency.P99
			li, lj := lives[i].Latency.P99, lives[j].Latency.P99
			if order(si, sj)*order(li, lj) < 0 {
				a.RankingAgrees = false
				first, second := i, j
				if order(si, sj) > 0 {
					first, second = j, i
				}
				a.Disagreements = append(a.Disagreements, fmt.Sprintf(
					"the simulation ranks %s (p99 %.4g ms) before %s (%.4g ms), live the other way (%.4g ms against %.4g ms)",
					sims[first].Algorithm, sims[first].Latency.P99, sims[second].Algorithm, sims[second].Latency.P99,
					lives[first].Latency.P99, lives[second].Latency.P99))
			}
		}
	}
	return a
}

// order is -1 when a is below b by more than Tie, 1 when above, else 0.
func order(a, b float64) int {
	switch hi := max(a, b); {
	case hi == 0 || (hi-min(a, b))/hi <= Tie:
		return 0
	case a < b:
		return -1
	}
	return 1
}

func ranking(rs []results.Result) []string {
	sorted := slices.Clone(rs)
	slices.SortStableFunc(sorted, func(a, b results.Result) int { return cmp.Compare(a.Latency.P99, b.Latency.P99) })
	return results.AlgorithmNames(sorted)
}

// ratio is live/sim, nil when sim is 0.
func ratio(live, sim float64) *float64 {
	if sim == 0 {
		return nil
	}
	r := live / sim
	return &r
}
