package workloads

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/lbsim/lbsim/scenarios"
)

// Statistical tests here compare sample statistics with theory. Each
// tolerance is a number of standard errors of the statistic, worked out from
// the sample size in the test; 5 standard errors leaves a chance below 1e-6
// that a correct generator fails (for a normal statistic). The streams are
// seeded, so a test that passes passes every time; the margin is there so
// that a change of seed or of stream constants does not break it.
const nSE = 5

// workload returns a valid one-class workload: poisson arrivals at rate,
// exponential demand of mean 100ms, 100 clients.
func workload(rate float64) *scenarios.Workload {
	return &scenarios.Workload{
		Arrival: scenarios.Arrival{Process: "poisson", Rate: rate},
		Service: &scenarios.Service{Dist: "exponential", Mean: scenarios.Duration(100 * time.Millisecond)},
		Clients: scenarios.Clients{Count: 100},
	}
}

// newGen returns New(w, seed), failing the test on an error.
func newGen(t testing.TB, w *scenarios.Workload, seed uint64) *Generator {
	t.Helper()
	g, err := New(w, seed)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

// draw returns the next n requests of g.
func draw(g *Generator, n int) []Request {
	rs := make([]Request, n)
	for i := range rs {
		g.Next(&rs[i])
	}
	return rs
}

// arrivalsUntil returns g's arrival times before end (or before arrivals
// end), checking that they never decrease.
func arrivalsUntil(t *testing.T, g *Generator, end time.Duration) []time.Duration {
	t.Helper()
	var out []time.Duration
	var r Request
	last := time.Duration(0)
	for {
		g.Next(&r)
		if r.Arrival < last {
			t.Fatalf("arrival %d at %v, before the previous one at %v", len(out), r.Arrival, last)
		}
		last = r.Arrival
		if r.Arrival >= end {
			return out
		}
		out = append(out, r.Arrival)
	}
}

// meanSD returns the sample mean and standard deviation of xs.
func meanSD(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(xs)-1))
}

// quantile returns the empirical p-quantile of xs, which it sorts.
func quantile(xs []float64, p float64) float64 {
	slices.Sort(xs)
	return xs[min(int(p*float64(len(xs))), len(xs)-1)]
}

// gaps returns the gaps between successive times, the first from 0, in
// nanoseconds.
func gaps(ts []time.Duration) []float64 {
	out := make([]float64, len(ts))
	prev := time.Duration(0)
	for i, t := range ts {
		out[i] = float64(t - prev)
		prev = t
	}
	return out
}

// windowCounts counts the times in consecutive windows of length w over
// [0, end).
func windowCounts(ts []time.Duration, w, end time.Duration) []float64 {
	counts := make([]float64, int(end/w))
	for _, t := range ts {
		if i := int(t / w); i < len(counts) {
			counts[i]++
		}
	}
	return counts
}

// dispersion returns the index of dispersion (variance over mean) of counts.
func dispersion(counts []float64) float64 {
	m, sd := meanSD(counts)
	return sd * sd / m
}

// within reports whether got is within tol of want.
func within(got, want, tol float64) bool { return math.Abs(got-want) <= tol }
