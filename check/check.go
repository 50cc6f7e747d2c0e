package check

import (
	"fmt"
	"math"
	"strings"

	"github.com/lbsim/lbsim/results"
)

// Assertion is one verdict of a check: an expectation of the scenario, or
// one metric against a baseline.
type Assertion struct {
	// Kind is "expect" or "baseline".
	Kind string `json:"kind"`
	// Name is the expectation as written, or the metric compared with the
	// baseline ("round_robin.latency_ms.p99").
	Name string `json:"name"`
	// Line is the expectation's line in the scenario file; 0 for baselines.
	Line   int  `json:"line,omitempty"`
	Passed bool `json:"passed"`
	// Detail shows the comparison with the measured numbers, or why it
	// could not be made.
	Detail string `json:"detail"`
	// Values are the metrics read, by name ("baseline" and "current" for
	// a baseline comparison).
	Values map[string]float64 `json:"values"`
	// Seed is the run that decided a worst-case verdict over several
	// seeds: the one where the expectation held least, or failed.
	Seed *uint64 `json:"seed,omitempty"`
}

// Expectations judges each expectation against runs, one per seed,
// reading them as how says.
func Expectations(exps []*Expectation, runs []*results.Comparison, how results.Aggregate) []Assertion {
	normal := make([]*results.Comparison, len(runs))
	if how == results.AggregateMean {
		n := results.Rounded(results.Combine(runs, how))
		normal = []*results.Comparison{&n}
	} else {
		for i, r := range runs {
			n := results.Rounded(r)
			normal[i] = &n
		}
	}
	out := make([]Assertion, 0, len(exps))
	for _, e := range exps {
		worst, at := Outcome{}, -1
		for i, c := range normal {
			o := e.Eval(c)
			if at < 0 || worse(o, worst) {
				worst, at = o, i
			}
		}
		a := Assertion{Kind: "expect", Name: e.String(), Line: e.Line, Passed: worst.Passed,
			Detail: e.Detail(worst), Values: worst.Values}
		if len(normal) > 1 {
			seed := normal[at].Seed
			a.Seed = &seed
		}
		out = append(out, a)
	}
	return out
}

// worse reports whether outcome a is a worse verdict than b: unevaluable
// first, then failing, then by margin.
func worse(a, b Outcome) bool {
	if (a.Problem != "") != (b.Problem != "") {
		return a.Problem != ""
	}
	if a.Passed != b.Passed {
		return !a.Passed
	}
	return a.Margin < b.Margin
}

// Comparable says why base cannot serve as a baseline for cur, or nil if
// it can: both must come from the same scenario, seeds, aggregate, number
// of requests and algorithms, or their differences mean nothing.
func Comparable(base, cur *results.Comparison) error {
	seeds := func(c *results.Comparison) string { return results.SeedText(c.Seed, c.Seeds, c.Aggregate) }
	algs := func(c *results.Comparison) string { return strings.Join(results.AlgorithmNames(c.Results), ", ") }
	switch {
	case base.Scenario != cur.Scenario:
		return fmt.Errorf("it is of scenario %q, not %q", base.Scenario, cur.Scenario)
	case seeds(base) != seeds(cur):
		return fmt.Errorf("it was run with %s, this check with %s", seeds(base), seeds(cur))
	case base.Requests != cur.Requests:
		return fmt.Errorf("it simulated %d requests, this check %d; the scenario changed since", base.Requests, cur.Requests)
	case algs(base) != algs(cur):
		return fmt.Errorf("it ran %s, this check runs %s", algs(base), algs(cur))
	}
	return nil
}

// CompareBaseline compares every metric of cur that has a better
// direction (latencies, failures, throughput, fairness; per algorithm and
// per request class) with base, and fails those more than tolerance (a
// fraction: 0.05 is 5%) worse. A metric that was 0 fails on any worsening.
// Per-server metrics, which are shares rather than quality, are not
// compared. base must be Comparable with cur.
func CompareBaseline(base, cur *results.Comparison, tolerance float64) []Assertion {
	n := results.Rounded(cur)
	var out []Assertion
	for i := range n.Results {
		r := &n.Results[i]
		b := &base.Results[i]
		results.Leaves(r, func(p results.Path, _ func(float64)) {
			path := p.Metric
			dir := results.MetricDirection(path)
			if dir == results.Neutral || strings.HasPrefix(path, "servers[") || strings.HasPrefix(path, "crashes[") ||
				strings.HasPrefix(path, "scaling[") || strings.HasPrefix(path, "failed_by_cause.") {
				return
			}
			now, _ := p.Value(r)
			was, ok := p.Value(b)
			if !ok {
				return // a class the baseline lacks; Comparable checked the algorithms
			}
			if was == 0 && path == "fairness.max_over_mean_latency" {
				// At least 1 whenever anything completed: 0 is a baseline
				// written before the metric existed (or one that served
				// nothing), with no spread to compare against.
				return
			}
			out = append(out, baselineAssertion(r.Algorithm+"."+path, was, now, dir, tolerance))
		})
	}
	return out
}

func baselineAssertion(name string, was, now float64, dir results.Direction, tolerance float64) Assertion {
	worsening := (now - was) * float64(-dir) // > 0 when worse
	passed := worsening <= 0 || worsening <= tolerance*math.Abs(was)
	var change string
	switch {
	case now == was:
		change = "unchanged"
	case was == 0:
		change = "was 0"
		if worsening > 0 {
			change += ", now worse"
		}
	default:
		pct := formatNumber(math.Round(math.Abs(worsening)/math.Abs(was)*1000) / 10)
		if pct == "0" {
			pct = "under 0.05"
		}
		change = pct + "% better"
		if worsening > 0 {
			change = pct + "% worse"
		}
	}
	return Assertion{Kind: "baseline", Name: name, Passed: passed,
		Detail: fmt.Sprintf("%s, baseline %s: %s", formatNumber(now), formatNumber(was), change),
		Values: map[string]float64{"baseline": was, "current": now}}
}
