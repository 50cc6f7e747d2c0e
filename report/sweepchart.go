package report

import (
	"bytes"
	"fmt"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// The sweep chart's size.
const (
	sweepChartWidth  = 18 * vg.Centimeter
	sweepChartHeight = 22 * vg.Centimeter
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
	mean := sweepPanel(n, "mean latency", func(l Latency) float64 { return l.Mean })
	p99 := sweepPanel(n, "p99 latency", func(l Latency) float64 { return l.P99 })
	mean.Title.Text = sweepTitle(n) + "\n" + mean.Title.Text
	plots := [][]*plot.Plot{{mean}, {p99}}
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadX: vg.Centimeter, PadY: vg.Centimeter,
		PadTop: vg.Centimeter / 2, PadBottom: vg.Centimeter / 2, PadLeft: vg.Centimeter / 2, PadRight: vg.Centimeter}
	canvases := plot.Align(plots, tiles, draw.New(c))
	mean.Draw(canvases[0][0])
	p99.Draw(canvases[1][0])
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return fmt.Errorf("report: sweep chart: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// sweepPanel plots one latency statistic of every algorithm against the
// varied value.
func sweepPanel(s *Sweep, what string, stat func(Latency) float64) *plot.Plot {
	p := plot.New()
	p.Title.Text = what
	p.X.Label.Text = s.Vary.Key
	if s.Vary.Unit != "" {
		p.X.Label.Text += " (" + s.Vary.Unit + ")"
	}
	p.Y.Label.Text = what + " (ms)"
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
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
		if len(xys) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			continue // only NaN or infinite values, which normalizing rules out
		}
		line.Color = plotutil.Color(j)
		line.Width = vg.Points(1.5)
		points.Color = plotutil.Color(j)
		points.Shape = plotutil.Shape(j)
		p.Add(line, points)
		p.Legend.Add(alg, line, points)
	}
	if lo > 0 && hi/lo > sweepLogSpan {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	} else if hi >= lo {
		p.Y.Min = 0
	}
	return p
}
