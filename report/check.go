package report

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
)

// Aggregate says how a check over several seeds reads their runs.
type Aggregate string

// The aggregates.
const (
	// AggregateWorst holds an expectation only if it holds on every seed,
	// and reports the seed where it held least; a combined metric is the
	// worst seed's value (the highest latency, the lowest throughput).
	AggregateWorst Aggregate = "worst"
	// AggregateMean judges expectations once, on every metric averaged
	// over the seeds.
	AggregateMean Aggregate = "mean"
)

// ParseAggregate returns the Aggregate named s.
func ParseAggregate(s string) (Aggregate, error) {
	switch a := Aggregate(strings.ToLower(strings.TrimSpace(s))); a {
	case AggregateWorst, AggregateMean:
		return a, nil
	}
	return "", fmt.Errorf("unknown aggregate %q (valid: worst, mean)", s)
}

// Combine merges runs of one scenario with different seeds (the same
// algorithms, in the same order) into one Comparison: each metric of each
// algorithm is the worst value over the runs or their mean, by how. A
// metric that is neither better nor worse when higher (a server's share
// of requests, its utilization) is averaged either way; counts are
// rounded to whole numbers. Crashes and scaling decisions are combined
// one by one when every run has as many (crashes from the file's faults),
// and left out when not (random crashes, autoscaling that differed). One
// run is returned as it is.
func Combine(runs []*Comparison, how Aggregate) *Comparison {
	if len(runs) == 1 {
		return runs[0]
	}
	c := *runs[0]
	c.Seeds, c.Aggregate = len(runs), how
	var requests float64
	for _, r := range runs {
		requests += float64(r.Requests)
	}
	c.Requests = int64(math.Round(requests / float64(len(runs))))
	c.Results = make([]Result, len(runs[0].Results))
	for i := range c.Results {
		r := runs[0].Results[i]
		r.Servers = slices.Clone(r.Servers)
		r.Classes = slices.Clone(r.Classes)
		// Events are combined by their place in the list, which means
		// something only when every run has as many.
		r.Crashes, r.Scaling = slices.Clone(r.Crashes), slices.Clone(r.Scaling)
		for _, run := range runs {
			if len(run.Results[i].Crashes) != len(r.Crashes) {
				r.Crashes = nil
			}
			if len(run.Results[i].Scaling) != len(r.Scaling) {
				r.Scaling = nil
			}
		}
		r.FailedByCause = nil
		for _, run := range runs {
			for k := range run.Results[i].FailedByCause {
				if r.FailedByCause == nil {
					r.FailedByCause = make(map[string]int64)
				}
				r.FailedByCause[k] = 0
			}
		}
		leaves(reflect.ValueOf(&r).Elem(), "", nil, func(path string, steps []step, set func(float64)) {
			var vals []float64
			for _, run := range runs {
				if v, ok := valueAt(reflect.ValueOf(&run.Results[i]).Elem(), steps); ok {
					vals = append(vals, v)
				}
			}
			if isDetection(path) && len(vals) > 0 && slices.Min(vals) < 0 {
				set(-1) // never detected on some seed
				return
			}
			set(combine(vals, MetricDirection(path), how))
		})
		c.Results[i] = r
	}
	return &c
}

func combine(vals []float64, dir Direction, how Aggregate) float64 {
	switch {
	case len(vals) == 0:
		return 0
	case how == AggregateWorst && dir == LowerIsBetter:
		return slices.Max(vals)
	case how == AggregateWorst && dir == HigherIsBetter:
		return slices.Min(vals)
	}
	var sum float64
	for _, v := range vals {
		sum += v
	}
	return sum / float64(len(vals))
}

// leaves calls fn for every numeric metric under v (a struct) with its
// path, the steps that reach it, and a setter. Map keys are visited in
// sorted order, so the walk is deterministic.
func leaves(v reflect.Value, path string, steps []step, fn func(path string, steps []step, set func(float64))) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !isMetricType(f.Type) {
			continue
		}
		p := jsonName(f)
		if path != "" {
			p = path + "." + p
		}
		fv := v.Field(i)
		at := slices.Concat(steps, []step{{field: i, index: -1}})
		switch f.Type.Kind() {
		case reflect.Struct:
			leaves(fv, p, at, fn)
		case reflect.Slice:
			nf := nameField(f.Type.Elem())
			for j := 0; j < fv.Len(); j++ {
				s := step{field: i, list: true, index: j}
				key := fmt.Sprint(j)
				if nf >= 0 {
					s.key, s.index = fv.Index(j).Field(nf).String(), -1
					key = s.key
				}
				leaves(fv.Index(j), p+"["+key+"]", slices.Concat(steps, []step{s}), fn)
			}
		case reflect.Map:
			keys := slices.Sorted(maps.Keys(fv.Interface().(map[string]int64)))
			for _, k := range keys {
				s := step{field: i, isMap: true, key: k, index: -1}
				fn(p+"."+k, slices.Concat(steps, []step{s}), func(x float64) {
					fv.SetMapIndex(reflect.ValueOf(k), reflect.ValueOf(int64(math.Round(x))))
				})
			}
		default:
			fn(p, at, func(x float64) {
				if fv.Kind() == reflect.Float64 {
					fv.SetFloat(x)
				} else {
					fv.SetInt(int64(math.Round(x)))
				}
			})
		}
	}
}

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

// CheckExpectations judges each expectation against runs, one per seed,
// reading them as how says.
func CheckExpectations(exps []*Expectation, runs []*Comparison, how Aggregate) []Assertion {
	normal := make([]*Comparison, len(runs))
	if how == AggregateMean {
		n := normalize(Combine(runs, how))
		normal = []*Comparison{&n}
	} else {
		for i, r := range runs {
			n := normalize(r)
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
func Comparable(base, cur *Comparison) error {
	seeds := func(c *Comparison) string { return seedText(c.Seed, c.Seeds, c.Aggregate) }
	algs := func(c *Comparison) string { return strings.Join(algorithmNames(c.Results), ", ") }
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
func CompareBaseline(base, cur *Comparison, tolerance float64) []Assertion {
	n := normalize(cur)
	var out []Assertion
	for i := range n.Results {
		r := &n.Results[i]
		b := reflect.ValueOf(&base.Results[i]).Elem()
		leaves(reflect.ValueOf(r).Elem(), "", nil, func(path string, steps []step, _ func(float64)) {
			dir := MetricDirection(path)
			if dir == Neutral || strings.HasPrefix(path, "servers[") || strings.HasPrefix(path, "crashes[") ||
				strings.HasPrefix(path, "scaling[") || strings.HasPrefix(path, "failed_by_cause.") {
				return
			}
			now, _ := valueAt(reflect.ValueOf(r).Elem(), steps)
			was, ok := valueAt(b, steps)
			if !ok {
				return // a class the baseline lacks; Comparable checked the algorithms
			}
			out = append(out, baselineAssertion(r.Algorithm+"."+path, was, now, dir, tolerance))
		})
	}
	return out
}

func baselineAssertion(name string, was, now float64, dir Direction, tolerance float64) Assertion {
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
