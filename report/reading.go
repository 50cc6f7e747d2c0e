package report

import (
	"math"
	"strconv"
	"strings"
)

// humanMS writes milliseconds as a person would read them, to three
// significant digits: 0.42 ms, 50 ms, 180 ms, 9.02 s, 1200 s.
func humanMS(v float64) string {
	if v = sig3(v); math.Abs(v) >= 1000 {
		return trimZeros(sig3(v/1000)) + " s"
	}
	return trimZeros(v) + " ms"
}

// sig3 rounds v to three significant digits.
func sig3(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// trimZeros prints v without an exponent or trailing zeros.
func trimZeros(v float64) string {
	s := strconv.FormatFloat(v, 'f', 6, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}
