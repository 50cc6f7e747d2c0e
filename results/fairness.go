package results

import "gonum.org/v1/gonum/floats"

// Jain returns Jain's fairness index of xs, (Σx)² / (n·Σx²): 1 when all
// values are equal, down to 1/n when one value holds everything. xs should
// be non-negative (utilizations, request counts).
//
// Degenerate inputs count as perfectly fair: Jain returns 1 for an empty
// slice and for all zeros (no server is busier than another).
func Jain(xs []float64) float64 {
	if len(xs) == 0 {
		return 1
	}
	sumSq := floats.Dot(xs, xs)
	if sumSq == 0 {
		return 1
	}
	sum := floats.Sum(xs)
	return sum * sum / (float64(len(xs)) * sumSq)
}

// MaxOverMean returns max(xs) / mean(xs): 1 when all values are equal, up to
// n when one of n values holds everything. xs should be non-negative.
//
// Degenerate inputs count as perfectly balanced: MaxOverMean returns 1 for an
// empty slice and when the mean is 0 (all zeros).
func MaxOverMean(xs []float64) float64 {
	if len(xs) == 0 {
		return 1
	}
	mean := floats.Sum(xs) / float64(len(xs))
	if mean == 0 {
		return 1
	}
	return floats.Max(xs) / mean
}

// NewFairness summarises per-server utilizations (one value per server, in
// [0, 1]) with [Jain] and [MaxOverMean].
func NewFairness(utilizations []float64) Fairness {
	return Fairness{
		JainUtilization:        Jain(utilizations),
		MaxOverMeanUtilization: MaxOverMean(utilizations),
	}
}
