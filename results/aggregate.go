package results

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
// run is returned as it is. Each result of several runs also gets a 95%
// interval per latency figure over the seeds (Result.LatencyCI95).
func Combine(runs []*Comparison, how Aggregate) *Comparison {
	if len(runs) == 1 {
		return runs[0]
	}
	c := *runs[0]
	c.Seeds, c.Aggregate = len(runs), how
	var requests float64
	for _, r := range runs {
		requests += float64(r.Requests)
		c.CutAt = max(c.CutAt, r.CutAt) // cut on one seed is cut
	}
	c.Requests = int64(math.Round(requests / float64(len(runs))))
	c.Results = make([]Result, len(runs[0].Results))
	for i := range c.Results {
		r := runs[0].Results[i]
		r.Servers = slices.Clone(r.Servers)
		r.Classes = slices.Clone(r.Classes)
		r.Pools = slices.Clone(r.Pools)
		r.Groups = slices.Clone(r.Groups)
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
			if IsDetection(path) && len(vals) > 0 && slices.Min(vals) < 0 {
				set(-1) // never detected on some seed
				return
			}
			set(combine(vals, MetricDirection(path), how))
		})
		perSeed := make([]Latency, len(runs))
		for k, run := range runs {
			perSeed[k] = run.Results[i].Latency
		}
		r.LatencyCI95 = NewLatencyCI(perSeed)
		r.SeedLatency = perSeed
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
		case reflect.Pointer:
			if !fv.IsNil() {
				// A new number rather than through the pointer, which a
				// copied Result shares with its original.
				fn(p, at, func(x float64) { fv.Set(reflect.ValueOf(&x)) })
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

// Leaves calls fn for every numeric metric of r, in a fixed order (map keys
// sorted), with its path and a setter that stores a value into r.
func Leaves(r *Result, fn func(p Path, set func(float64))) {
	leaves(reflect.ValueOf(r).Elem(), "", nil, func(path string, steps []step, set func(float64)) {
		fn(Path{Metric: path, steps: steps}, set)
	})
}
