package results

import (
	"math/bits"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry. With 3 significant digits hdrhistogram uses 2048
// sub-buckets per power of two, so a bucket is at most 1/1024 of the values
// it holds wide: every quantile is within 0.1% of an exact one (values below
// 2048ns are recorded exactly).
const (
	// HighestTrackable is the largest latency the histogram resolves; larger
	// values are recorded as HighestTrackable (Max still reports them exactly).
	HighestTrackable = 30 * 24 * time.Hour
	// SignificantDigits is the decimal precision of recorded values.
	SignificantDigits = 3

	lowestDiscernible = 1 // nanosecond
)

// Histogram records latencies with bounded relative error (at most 0.1%, see
// [SignificantDigits]) and memory independent of the number of values: about
// 350 KiB of bucket counts, allocated on the first Record or Merge.
//
// Count, Min, Max and Mean are exact; quantiles come from the buckets and are
// clamped to [Min, Max]. Negative durations are recorded as 0, durations above
// [HighestTrackable] are counted in the bucket of HighestTrackable.
//
// The zero value is an empty histogram ready to use; do not copy a Histogram
// after its first Record (copies would share buckets but not counters). A
// Histogram is not safe for concurrent use; callers that record from several goroutines must lock,
// or keep one histogram each and Merge them.
type Histogram struct {
	h *hdrhistogram.Histogram // nil until the first value
	summary
}

// summary keeps what a latency record knows exactly, whatever its
// buckets: the count, the 128-bit sum of the nanoseconds, the smallest
// and the largest value. Histogram and Sketch share it.
type summary struct {
	n            int64
	sumHi, sumLo uint64
	min, max     time.Duration
}

// add counts one value, which is not negative.
func (s *summary) add(d time.Duration) {
	if s.n == 0 || d < s.min {
		s.min = d
	}
	if d > s.max {
		s.max = d
	}
	s.n++
	var carry uint64
	s.sumLo, carry = bits.Add64(s.sumLo, uint64(d), 0)
	s.sumHi += carry
}

// merge counts o's values too.
func (s *summary) merge(o *summary) {
	if s.n == 0 || o.min < s.min {
		s.min = o.min
	}
	if o.max > s.max {
		s.max = o.max
	}
	s.n += o.n
	var carry uint64
	s.sumLo, carry = bits.Add64(s.sumLo, o.sumLo, 0)
	s.sumHi += o.sumHi + carry
}

// Count returns the number of recorded values.
func (s *summary) Count() int64 { return s.n }

// Min returns the smallest recorded value exactly, or 0 when empty.
func (s *summary) Min() time.Duration { return s.min }

// Max returns the largest recorded value exactly, or 0 when empty.
func (s *summary) Max() time.Duration { return s.max }

// Mean returns the exact arithmetic mean of the recorded values, rounded to
// the nearest nanosecond, or 0 when empty.
func (s *summary) Mean() time.Duration {
	if s.n == 0 {
		return 0
	}
	// Every value is below 2^63, so sumHi < n/2 and Div64 cannot overflow.
	q, r := bits.Div64(s.sumHi, s.sumLo, uint64(s.n))
	if r >= uint64(s.n)-r { // round half up
		q++
	}
	return time.Duration(q)
}

// meanMS is the exact mean in milliseconds, without rounding to nanoseconds.
func (s *summary) meanMS() float64 {
	if s.n == 0 {
		return 0
	}
	q, r := bits.Div64(s.sumHi, s.sumLo, uint64(s.n))
	return (float64(q) + float64(r)/float64(s.n)) / 1e6
}

// latency is the summary with percentiles from quantile, in milliseconds.
func (s *summary) latency(quantile func(float64) time.Duration) Latency {
	return Latency{
		Mean: s.meanMS(),
		P50:  ms(quantile(0.50)),
		P90:  ms(quantile(0.90)),
		P95:  ms(quantile(0.95)),
		P99:  ms(quantile(0.99)),
		P999: ms(quantile(0.999)),
		Max:  ms(s.max),
	}
}

// clampQuantile makes q a quantile: negative or NaN is 0, above 1 is 1.
func clampQuantile(q float64) float64 {
	switch {
	case !(q >= 0):
		return 0
	case q > 1:
		return 1
	}
	return q
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram { return &Histogram{} }

func (h *Histogram) init() {
	h.h = hdrhistogram.New(lowestDiscernible, int64(HighestTrackable), SignificantDigits)
}

// Record adds one latency. It does not allocate (after the first call, which
// allocates the buckets) and takes a few nanoseconds.
func (h *Histogram) Record(d time.Duration) {
	if h.h == nil {
		h.init()
	}
	if d < 0 {
		d = 0
	}
	h.add(d)
	v := int64(d)
	if v > int64(HighestTrackable) {
		v = int64(HighestTrackable)
	}
	// v is in [0, HighestTrackable] and the count cannot reach MaxInt64, so
	// RecordValue cannot fail.
	_ = h.h.RecordValue(v)
}

// Quantile returns the value at quantile q in [0, 1] (0.99 for p99): the
// value of rank round(q*n) (at least 1) among the n recorded values in
// ascending order, up to the bucket resolution. hdrhistogram reports the top
// of that value's bucket, so the result is never below the exact value and at
// most 0.1% above it; it is also clamped to [Min, Max]. q outside [0, 1] is
// clamped, NaN counts as 0. An empty histogram returns 0.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	v := time.Duration(h.h.ValueAtQuantile(clampQuantile(q) * 100))
	return min(max(v, h.min), h.max)
}

// Merge adds every value recorded in o to h, as if they had been recorded
// into h. o is unchanged; a nil or empty o is a no-op.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.n == 0 {
		return
	}
	if h.h == nil {
		h.init()
	}
	// Both histograms share one geometry, so nothing is dropped.
	h.h.Merge(o.h)
	h.merge(&o.summary)
}

// Reset empties h and keeps its buckets for reuse.
func (h *Histogram) Reset() {
	b := h.h
	if b != nil {
		b.Reset()
	}
	*h = Histogram{h: b}
}

// ByteSize returns the approximate memory held by the histogram's buckets;
// it depends on the geometry only, never on the number of values.
func (h *Histogram) ByteSize() int {
	if h.h == nil {
		return 0
	}
	return h.h.ByteSize()
}

// Latency summarises the histogram in milliseconds. The mean and max are
// exact, the percentiles carry the histogram's relative error (<= 0.1%).
func (h *Histogram) Latency() Latency { return h.latency(h.Quantile) }

// ms converts a duration to (fractional) milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// CDFPoint is one point of a cumulative distribution: Share of the
// recorded values are at or below Value.
type CDFPoint struct {
	Value time.Duration
	Share float64
}

// CDF returns the cumulative distribution of the recorded values, in
// ascending order of value, from hdrhistogram's percentile iteration: ticks
// points between the 0th and the 50th percentile, as many again between the
// 50th and the 75th, and so on, halving the distance to 100% each time, so
// the tail is drawn as finely as the body. Each point's Share counts the
// values in its bucket and below (exact up to the bucket resolution), its
// Value is clamped to [Min, Max], and no two points share a value. The last
// point is (Max, 1). ticks below 1 count as 1; an empty histogram returns
// nil.
func (h *Histogram) CDF(ticks int) []CDFPoint {
	if h.n == 0 {
		return nil
	}
	var out []CDFPoint
	for _, b := range h.h.CumulativeDistributionWithTicks(int32(max(ticks, 1))) {
		p := CDFPoint{Value: min(max(time.Duration(b.ValueAt), h.min), h.max), Share: float64(b.Count) / float64(h.n)}
		if n := len(out); n > 0 && out[n-1].Value == p.Value {
			out[n-1].Share = max(out[n-1].Share, p.Share)
			continue
		}
		out = append(out, p)
	}
	last := &out[len(out)-1]
	if last.Value != h.max {
		out = append(out, CDFPoint{Value: h.max, Share: 1})
	} else {
		last.Share = 1
	}
	return out
}
