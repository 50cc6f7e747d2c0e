package report

import (
	"math"
	"strconv"

	"github.com/lbsim/lbsim/results"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// sweepLogSpan is how many times the largest latency of a panel must be
// its smallest for the panel to use a log scale: beyond it, a linear axis
// would flatten every curve but the steepest.
const sweepLogSpan = 100

// SweepChart returns the chart of s, named "sweep": two panels, the mean
// latency above the p99, each with a line per algorithm against the
// varied value, in the look and the line styles of the comparison charts
// (see Chart). A panel
// whose latencies span more than a factor of 100 has a log scale. Points
// where an algorithm completed nothing are left out.
func SweepChart(s *results.Sweep) *Chart {
	n := normalizeSweep(s)
	return &Chart{
		Name:  "sweep",
		Title: sweepTitle(n),
		About: "Mean (top) and p99 (bottom) latency by " + n.Vary.Key +
			": flat while the servers keep up, then rising; the later an algorithm's rise, the more it carries.",
		width:  chartWidth,
		height: 2*panelHeight + 0.4*vg.Inch,
		build: func() (*figure, error) {
			mean, legend := sweepPanel(n, "mean latency", func(l results.Latency) float64 { return l.Mean })
			p99, _ := sweepPanel(n, "p99 latency", func(l results.Latency) float64 { return l.P99 })
			return &figure{panels: []*plot.Plot{mean, p99}, legend: legend}, nil
		},
	}
}

// sweepPanel plots one latency statistic of every algorithm against the
// varied value, and returns the legend of its lines.
func sweepPanel(s *results.Sweep, what string, stat func(results.Latency) float64) (*plot.Plot, *plot.Legend) {
	x := s.Vary.Key
	if s.Vary.Unit != "" {
		x += " (" + s.Vary.Unit + ")"
	}
	p := newPlot("", x, what+" (ms)")
	p.X.Tick.Marker = sweepTicks
	p.Y.Tick.Marker = sweepTicks
	legend := newLegend()
	lo, hi := math.Inf(1), math.Inf(-1)
	for j, alg := range s.Algorithms {
		st := seriesStyle(j)
		var xys plotter.XYs
		for _, pt := range s.Points {
			r := pt.Results[j]
			if r.Completed == 0 {
				continue
			}
			y := stat(r.Latency)
			xys = append(xys, plotter.XY{X: pt.Value, Y: y})
			lo, hi = math.Min(lo, y), math.Max(hi, y)
		}
		if len(xys) == 0 {
			// Listed all the same, so that each algorithm keeps its style.
			legend.Add(alg, &seriesLine{Line: &plotter.Line{LineStyle: st.line(1.5)}, glyph: st.glyph()})
			continue
		}
		// Only NaN or infinite values fail, which normalizing rules out.
		if addSeries(p, xys, st, 1.5, phase(j, len(s.Algorithms)), legend, alg) != nil {
			continue
		}
		// The measured points, as small dots among the sparser markers.
		points, err := plotter.NewScatter(xys)
		if err != nil {
			continue
		}
		points.GlyphStyle = draw.GlyphStyle{Color: st.color, Radius: vg.Points(1.4), Shape: draw.CircleGlyph{}}
		p.Add(points)
	}
	if lo > 0 && hi/lo > sweepLogSpan {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = sweepLogTicks{}
	} else if hi >= lo {
		p.Y.Min = 0
	}
	return p, legend
}

// sweepTicks marks a linear axis with plot's default ticks and short
// labels ("25000", not "25000.00").
var sweepTicks = ticks{Ticker: plot.DefaultTicks{}, label: tickLabel}

// sweepLogTicks marks a log axis with labels at 1, 2 and 5 times each
// power of ten and unlabelled ticks between.
type sweepLogTicks struct{}

func (sweepLogTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for pow := math.Pow(10, math.Floor(math.Log10(lo))); pow <= hi; pow *= 10 {
		for m := 1; m < 10; m++ {
			v := float64(m) * pow
			if v < lo || v > hi {
				continue
			}
			tick := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				tick.Label = tickLabel(v)
			}
			ticks = append(ticks, tick)
		}
	}
	return ticks
}

// tickLabel writes a tick's value to 6 significant digits, which drops
// the binary noise of values such as 0.30000000000000004.
func tickLabel(v float64) string {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	return results.Vary{}.Format(r) // a plain number: Vary has no unit
}
