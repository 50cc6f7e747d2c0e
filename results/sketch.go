package results

import (
	"math"
	"time"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/DataDog/sketches-go/ddsketch/mapping"
	"github.com/DataDog/sketches-go/ddsketch/store"
)

// SketchAccuracy is the relative error of a Sketch's quantiles: each is
// within 1% of the recorded value of its rank.
const SketchAccuracy = 0.01

// sketchMapping is shared by every Sketch: it holds no state, and sketches
// of one mapping merge without loss.
var sketchMapping = func() *mapping.CubicallyInterpolatedMapping {
	m, err := mapping.NewCubicallyInterpolatedMapping(SketchAccuracy)
	if err != nil {
		panic(err) // a constant accuracy in (0, 1) cannot fail
	}
	return m
}()

// Sketch records latencies in a few kilobytes, for breakdowns with many
// parts (each server's latency, each window of a timeline) where a
// Histogram each, at 350 KiB, would cost too much. It is a DDSketch:
// quantiles are within SketchAccuracy (1%) of the exact value of their
// rank, and its memory grows with the spread of the values (a few hundred
// buckets from a millisecond to a minute), not with their number. Count,
// Min, Max and Mean are exact, as a Histogram's are.
//
// The zero value is an empty sketch ready to use. Do not copy a Sketch
// after its first value (its sketch points into it). A Sketch is not
// safe for concurrent use.
type Sketch struct {
	s *ddsketch.DDSketch // nil until the first value
	// pos is s's store of positive values, which Record fills directly.
	// It lives in the Sketch, not behind a pointer, and Record calls it
	// and the mapping as concrete types: on the simulator's per-request
	// path, one memory load fewer and no interface calls.
	pos store.DenseStore
	summary
}

// init makes k's sketch, empty.
func (k *Sketch) init() {
	k.pos = *store.NewDenseStore()
	k.s = ddsketch.NewDDSketch(sketchMapping, &k.pos, store.NewDenseStore())
}

// Record adds one latency; a negative one counts as 0.
func (k *Sketch) Record(d time.Duration) {
	d = max(d, 0)
	if k.s == nil {
		k.init()
	}
	k.add(d)
	// A duration is at most 2^63 ns, far inside the mapping's range, and
	// never negative or NaN; 0 goes to the sketch's count of zeros.
	if v := float64(d); v > sketchMapping.MinIndexableValue() {
		k.pos.Add(sketchMapping.Index(v))
	} else {
		_ = k.s.Add(v)
	}
}

// Merge adds every value recorded in o to k. o is unchanged; a nil or
// empty o is a no-op.
func (k *Sketch) Merge(o *Sketch) {
	if o == nil || o.n == 0 {
		return
	}
	if k.s == nil {
		k.init()
	}
	_ = k.s.MergeWith(o.s) // one mapping: merging cannot fail
	k.merge(&o.summary)
}

// Reset empties k and keeps its buckets for reuse.
func (k *Sketch) Reset() {
	if k.s != nil {
		k.s.Clear() // keeps the store's bins for the next values
	}
	k.summary = summary{}
}

// Quantile returns the value at quantile q in [0, 1], of rank round(q*n)
// (at least 1) among the n values in ascending order, as Histogram's
// Quantile ranks them: within 1% of that value, and clamped to [Min, Max].
// q outside [0, 1] is clamped; an empty sketch returns 0.
func (k *Sketch) Quantile(q float64) time.Duration {
	if k.n == 0 {
		return 0
	}
	rank := max(math.Round(clampQuantile(q)*float64(k.n)), 1) // 1-based
	at := 0.0
	if k.n > 1 {
		// DDSketch reads quantile*(n-1) as a 0-based rank and takes the
		// bucket whose counts pass it. Asking for the middle of the rank
		// (rank-1 + 0.5) keeps rounding in the division from landing
		// just below it, in the bucket of the value before.
		at = min((rank-0.5)/float64(k.n-1), 1)
	}
	v, _ := k.s.GetValueAtQuantile(at) // not empty, at in [0, 1]
	return min(max(time.Duration(math.Round(v)), k.min), k.max)
}

// Latency summarises the sketch in milliseconds: the mean and max exact,
// the percentiles within 1%.
func (k *Sketch) Latency() Latency { return k.latency(k.Quantile) }

// SumGroups sums servers up by group, in the order their groups first
// appear: group[i] names server i's group and latency[i] holds its
// completed requests (nil for none). The simulator and live runs share it.
func SumGroups(servers []Server, group []string, latency []*Sketch) []Group {
	var out []Group
	var merged []*Sketch
	at := make(map[string]int)
	for i, s := range servers {
		k, ok := at[group[i]]
		if !ok {
			k = len(out)
			at[group[i]] = k
			out = append(out, Group{Name: group[i]})
			merged = append(merged, new(Sketch))
		}
		out[k].Requests += s.Requests
		merged[k].Merge(latency[i])
	}
	for k := range out {
		out[k].Completed, out[k].Latency = merged[k].Count(), merged[k].Latency()
	}
	return out
}

// LatencySpread is Fairness.MaxOverMeanLatency: the highest mean latency
// of a server over the mean of every completed request, servers that
// completed none (nil or empty) left out; 0 when nothing completed.
func LatencySpread(latency []*Sketch) float64 {
	var sum, highest float64
	var n int64
	for _, l := range latency {
		if l == nil || l.Count() == 0 {
			continue
		}
		mean := float64(l.Mean())
		sum += mean * float64(l.Count())
		n += l.Count()
		highest = max(highest, mean)
	}
	if n == 0 || sum == 0 {
		return 0
	}
	return highest / (sum / float64(n))
}
