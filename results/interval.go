package results

import (
	"math"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Interval is a 95% confidence interval, [low, high], in the unit of its
// figure.
type Interval [2]float64

// Overlaps reports whether i and o share a value: then the seeds do not
// tell the two figures apart.
func (i Interval) Overlaps(o Interval) bool { return i[0] <= o[1] && o[0] <= i[1] }

// LatencyCI holds a 95% interval for each latency figure of a result run
// on several seeds: Student's t over the per-seed values, whatever figure
// the aggregate reports (the worst seed's or the mean).
type LatencyCI struct {
	Mean Interval `json:"mean"`
	P50  Interval `json:"p50"`
	P90  Interval `json:"p90"`
	P95  Interval `json:"p95"`
	P99  Interval `json:"p99"`
	P999 Interval `json:"p999"`
	Max  Interval `json:"max"`
}

// Of returns the interval of figure f.
func (c *LatencyCI) Of(f Figure) Interval {
	switch f {
	case FigureMean:
		return c.Mean
	case FigureP50:
		return c.P50
	case FigureP90:
		return c.P90
	case FigureP95:
		return c.P95
	case FigureP999:
		return c.P999
	}
	return c.P99
}

// NewLatencyCI returns the 95% intervals of the per-seed latencies ls;
// nil for fewer than two seeds, which give no spread to measure.
func NewLatencyCI(ls []Latency) *LatencyCI {
	if len(ls) < 2 {
		return nil
	}
	of := func(get func(Latency) float64) Interval {
		xs := make([]float64, len(ls))
		for i, l := range ls {
			xs[i] = get(l)
		}
		return TInterval(xs)
	}
	return &LatencyCI{
		Mean: of(func(l Latency) float64 { return l.Mean }),
		P50:  of(func(l Latency) float64 { return l.P50 }),
		P90:  of(func(l Latency) float64 { return l.P90 }),
		P95:  of(func(l Latency) float64 { return l.P95 }),
		P99:  of(func(l Latency) float64 { return l.P99 }),
		P999: of(func(l Latency) float64 { return l.P999 }),
		Max:  of(func(l Latency) float64 { return l.Max }),
	}
}

// TInterval is the 95% Student-t interval of the mean of xs (at least
// two values): mean ± t(0.975, n-1) · s/√n, with s the sample standard
// deviation. Seeds are independent runs, so their values are independent
// draws; with few seeds the t quantile (12.7 for two, 2.78 for five) keeps
// the interval honest. It is symmetric about the mean, and is not cut at
// zero: a low end below zero says the seeds disagree that much.
func TInterval(xs []float64) Interval {
	n := float64(len(xs))
	mean, sd := stat.MeanStdDev(xs, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(0.975)
	h := t * sd / math.Sqrt(n)
	return Interval{mean - h, mean + h}
}

// Mid and HalfWidth give the interval as mean ± half-width.
func (i Interval) Mid() float64       { return (i[0] + i[1]) / 2 }
func (i Interval) HalfWidth() float64 { return (i[1] - i[0]) / 2 }

// DiffInterval is the 95% Student-t interval of figure f's per-seed
// difference a - b, for two algorithms run on the same seeds; ok is false
// unless both have the same two or more seeds. Every algorithm of a
// comparison meets the same arrivals on a seed, so the pairs share their
// luck and their difference is far less noisy than either figure: two
// separate intervals can overlap while one algorithm wins on every seed.
func DiffInterval(a, b []Latency, f Figure) (iv Interval, ok bool) {
	if len(a) < 2 || len(a) != len(b) {
		return Interval{}, false
	}
	d := make([]float64, len(a))
	for i := range a {
		d[i] = f.Of(a[i]) - f.Of(b[i])
	}
	return TInterval(d), true
}
