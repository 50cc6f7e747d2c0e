package results

import (
	"fmt"
	"slices"
	"strings"
)

// Figure names one latency figure of a result: the yardstick a scenario
// judges policies by (its judge: key), in readings, the quiz and their
// confidence intervals.
type Figure string

// The figures a scenario may judge by. The tail (p99) is the default:
// it is what users wait on when a policy goes wrong, and what a mean
// hides.
const (
	FigureMean Figure = "mean"
	FigureP50  Figure = "p50"
	FigureP90  Figure = "p90"
	FigureP95  Figure = "p95"
	FigureP99  Figure = "p99"
	FigureP999 Figure = "p999"

	DefaultFigure = FigureP99
)

// Figures lists the figures, in the order of Latency's fields.
func Figures() []Figure {
	return []Figure{FigureMean, FigureP50, FigureP90, FigureP95, FigureP99, FigureP999}
}

// ParseFigure returns the figure named s, in any case.
func ParseFigure(s string) (Figure, error) {
	f := Figure(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Figures(), f) {
		return f, nil
	}
	names := make([]string, 0, len(Figures()))
	for _, f := range Figures() {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("unknown figure %q (valid: %s)", s, strings.Join(names, ", "))
}

// Of returns the figure's value in l, in milliseconds; the default
// figure's for an empty Figure (results read from older JSON).
func (f Figure) Of(l Latency) float64 {
	switch f {
	case FigureMean:
		return l.Mean
	case FigureP50:
		return l.P50
	case FigureP90:
		return l.P90
	case FigureP95:
		return l.P95
	case FigureP999:
		return l.P999
	}
	return l.P99
}

// Or returns f, or the default figure when f is empty.
func (f Figure) OrDefault() Figure {
	if f == "" {
		return DefaultFigure
	}
	return f
}

// Text names the figure in a sentence: "p99 latency", "mean latency".
func (f Figure) Text() string { return string(f.OrDefault()) + " latency" }
