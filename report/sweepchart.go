package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The sweep chart's size, and the width of the legend at its right.
const (
	sweepChartWidth  = 24 * vg.Centimeter
	sweepChartHeight = 22 * vg.Centimeter
	sweepLegendWidth = 6 * vg.Centimeter
)

// sweepLogSpan is how many times the largest latency of a panel must be
// its smallest for the panel to use a log scale: beyond it, a linear axis
// would flatten every curve but the steepest.
const sweepLogSpan = 100

// WriteSweepChart draws s as two panels, the mean latency above the p99,
// each with a line per algorithm against the varied value, and writes the
// picture to w as "png" or "svg". A panel whose latencies span more than
// a factor of 100 has a log scale. Points where an algorithm completed
// nothing are left out. The same sweep always gives the same bytes.
func WriteSweepChart(w io.Writer, format string, s *Sweep) error {
	if s == nil {
		return fmt.Errorf("report: nil sweep")
	}
	n := normalizeSweep(s)
	var c interface {
		vg.CanvasSizer
		io.WriterTo
	}
	switch format {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.New(sweepChartWidth, sweepChartHeight)}
	case "svg":
		c = vgsvg.New(sweepChartWidth, sweepChartHeight)
	default:
		return fmt.Errorf("report: unknown chart format %q (valid: png, svg)", format)
	}
	mean, legend := sweepPanel(n, "mean latency", func(l Latency) float64 { return l.Mean })
	p99, _ := sweepPanel(n, "p99 latency", func(l Latency) float64 { return l.P99 })
	mean.Title.Text = sweepTitle(n) + "\n" + mean.Title.Text
	dc := draw.New(c)
	plots := [][]*plot.Plot{{mean}, {p99}}
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadX: vg.Centimeter, PadY: vg.Centimeter,
		PadTop: vg.Centimeter / 2, PadBottom: vg.Centimeter / 2, PadLeft: vg.Centimeter / 2, PadRight: vg.Centimeter / 2}
	canvases := plot.Align(plots, tiles, draw.Crop(dc, 0, -sweepLegendWidth, 0, 0))
	mean.Draw(canvases[0][0])
	p99.Draw(canvases[1][0])
	legend.Draw(draw.Crop(dc, sweepChartWidth-sweepLegendWidth, 0, 0, -2*vg.Centimeter))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return fmt.Errorf("report: sweep chart: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// sweepPanel plots one latency statistic of every algorithm against the
// varied value, and returns the legend of its lines.
func sweepPanel(s *Sweep, what string, stat func(Latency) float64) (*plot.Plot, plot.Legend) {
	p := plot.New()
	p.Title.Text = what
	p.X.Label.Text = s.Vary.Key
	if s.Vary.Unit != "" {
		p.X.Label.Text += " (" + s.Vary.Unit + ")"
	}
	p.Y.Label.Text = what + " (ms)"
	p.X.Tick.Marker = sweepTicks{}
	p.Y.Tick.Marker = sweepTicks{}
	p.Add(plotter.NewGrid())
	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	lo, hi := math.Inf(1), math.Inf(-1)
	for j, alg := range s.Algorithms {
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
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			continue // only NaN or infinite values, which normalizing rules out
		}
		line.Color = plotutil.Color(j)
		line.Width = vg.Points(1.5)
		points.Color = plotutil.Color(j)
		points.Shape = plotutil.Shape(j)
		if len(xys) > 0 {
			p.Add(line, points)
		}
		legend.Add(alg, line, points)
	}
	if lo > 0 && hi/lo > sweepLogSpan {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = sweepTicks{log: true}
	} else if hi >= lo {
		p.Y.Min = 0
	}
	return p, legend
}

// sweepTicks marks an axis with short labels ("25000", not "25000.00"):
// plot's default ticks on a linear axis; on a log axis, labels at 1, 2
// and 5 times each power of ten and unlabelled ticks between.
type sweepTicks struct{ log bool }

func (t sweepTicks) Ticks(lo, hi float64) []plot.Tick {
	if !t.log {
		ticks := plot.DefaultTicks{}.Ticks(lo, hi)
		for i := range ticks {
			if ticks[i].Label != "" {
				ticks[i].Label = tickLabel(ticks[i].Value)
			}
		}
		return ticks
	}
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
	return formatValue(r)
}
