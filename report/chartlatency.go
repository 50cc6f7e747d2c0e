package report

import (
	"errors"
	"fmt"
	"image/color"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lbsim/lbsim/results"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The latency distribution and its tail.

// cdfTicks is how finely the latency CDF is drawn: points per halving of
// the distance to the 100th percentile (see Histogram.CDF).
const cdfTicks = 20

// latencyCDF draws every algorithm's latency distribution on a log time
// axis, with guides at the p50 and p99 levels.
func latencyCDF(c *results.Comparison) (*plot.Plot, error) {
	p := newPlot("", "latency (log scale)", "share of requests completed within")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = logDurationTicks
	p.Y.Min, p.Y.Max = 0, 1
	p.Legend.Top = false
	p.Add(levels{0.5: "p50", 0.99: "p99"})
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, r := range c.Results {
		h := r.Detail.Latency
		pts := h.CDF(cdfTicks)
		if len(pts) == 0 {
			continue
		}
		// The distribution rises from 0 at its smallest value.
		xys := plotter.XYs{{X: positiveMS(pts[0].Value), Y: 0}}
		for _, pt := range pts {
			xys = append(xys, plotter.XY{X: positiveMS(pt.Value), Y: pt.Share})
		}
		lo, hi = math.Min(lo, xys[0].X), math.Max(hi, xys[len(xys)-1].X)
		name := fmt.Sprintf("%s: p50 %s, p99 %s", r.Algorithm, humanMS(positiveMS(h.Quantile(0.5))), humanMS(positiveMS(h.Quantile(0.99))))
		if err := addSeries(p, xys, seriesStyle(i), 1.5, phase(i, len(c.Results)), &p.Legend, name); err != nil {
			return nil, err
		}
	}
	if lo > hi {
		return nil, errors.New("no latencies were measured")
	}
	p.X.Min, p.X.Max = decades(lo, hi)
	return p, nil
}

// decades widens [lo, hi] to whole decades where the data nearly reach
// them, so that a log axis has labelled ticks at both ends.
func decades(lo, hi float64) (float64, float64) {
	lo, hi = math.Pow(10, math.Floor(math.Log10(lo)+0.05)), math.Pow(10, math.Ceil(math.Log10(hi)-0.05))
	if hi <= lo {
		hi = lo * 10
	}
	return lo, hi
}

// latencyCCDF draws every algorithm's latency tail: the share of requests
// slower than each latency, on log scales both, down to the one slowest
// request of the run with the most, with guides at the p99 and p999
// levels.
func latencyCCDF(c *results.Comparison) (*plot.Plot, error) {
	p := newPlot("", "latency (log scale)", "share of requests slower")
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker = logDurationTicks
	p.Y.Tick.Marker = shareTicks{}
	p.Legend.Top = true // where a tail falls away: the lines are low at the right
	p.Add(levels{0.01: "p99", 0.001: "p999"})
	lo, hi, floor := math.Inf(1), math.Inf(-1), 1.0
	for i, r := range c.Results {
		h := r.Detail.Latency
		if h.Count() == 0 {
			continue
		}
		xys := ccdf(h)
		lo, hi, floor = math.Min(lo, xys[0].X), math.Max(hi, xys[len(xys)-1].X), math.Min(floor, xys[len(xys)-1].Y)
		name := fmt.Sprintf("%s: p99 %s, p999 %s", r.Algorithm, humanMS(positiveMS(h.Quantile(0.99))), humanMS(positiveMS(h.Quantile(0.999))))
		if err := addSeries(p, xys, seriesStyle(i), 1.5, phase(i, len(c.Results)), &p.Legend, name); err != nil {
			return nil, err
		}
	}
	if lo > hi {
		return nil, errors.New("no latencies were measured")
	}
	p.X.Min, p.X.Max = decades(lo, hi)
	// At least a decade, for a run of a request or a few.
	p.Y.Min, p.Y.Max = math.Min(math.Pow(10, math.Floor(math.Log10(floor)+1e-9)), 0.1), 1
	return p, nil
}

// ccdf is the share of h's requests slower than each latency in
// milliseconds, from 1 at the fastest. Above the slowest none is,
// which a log axis cannot show: the line ends at the slowest, at the
// share of that one request, 1/n. h holds at least one value.
func ccdf(h *results.Histogram) plotter.XYs {
	pts := h.CDF(cdfTicks)
	one := 1 / float64(h.Count())
	xys := plotter.XYs{{X: positiveMS(h.Min()), Y: 1}}
	for _, pt := range pts {
		xys = append(xys, plotter.XY{X: positiveMS(pt.Value), Y: math.Max(1-pt.Share, one)})
	}
	return xys
}

// shareTicks marks a log axis of shares with a labelled tick at each
// power of ten, in percent, and unlabelled ones between.
type shareTicks struct{}

func (shareTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for e := int(math.Floor(math.Log10(lo) + 1e-9)); float64(e) <= math.Log10(hi)+1e-9; e++ {
		decade := math.Pow10(e)
		for m := 1; m < 10; m++ {
			v := float64(m) * decade
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			tick := plot.Tick{Value: v}
			if m == 1 {
				tick.Label = decadePercent(e)
			}
			out = append(out, tick)
		}
	}
	return out
}

// decadePercent writes 10^e as a percentage, exactly: 100%, 1%, 0.001%.
func decadePercent(e int) string {
	if p := e + 2; p < 0 {
		return "0." + strings.Repeat("0", -p-1) + "1%"
	}
	return "1" + strings.Repeat("0", e+2) + "%"
}

// levels draws faint horizontal lines across a panel at the given y
// values, labelled at the left.
type levels map[float64]string

func (l levels) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	sty := draw.LineStyle{Color: color.Gray{Y: 150}, Width: vg.Points(0.6), Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}
	label := textStyle(8)
	label.Color = color.Gray{Y: 90}
	label.YAlign = draw.YBottom
	for _, y := range slices.Sorted(maps.Keys(l)) {
		c.StrokeLine2(sty, c.Min.X, trY(y), c.Max.X, trY(y))
		c.FillText(label, vg.Point{X: c.Min.X + vg.Points(3), Y: trY(y) + vg.Points(1)}, l[y])
	}
}

// positiveMS converts d to milliseconds, at least 1 µs so that a log axis
// can show it.
func positiveMS(d time.Duration) float64 { return math.Max(ms(d), 0.001) }

// ticks relabels the labelled ticks of another ticker with label; whole
// keeps only the ticks at whole numbers.
type ticks struct {
	plot.Ticker
	label func(float64) string
	whole bool
}

func (t ticks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for _, k := range t.Ticker.Ticks(lo, hi) {
		if t.whole && k.Value != math.Trunc(k.Value) {
			continue
		}
		if k.Label != "" {
			k.Label = t.label(k.Value)
		}
		out = append(out, k)
	}
	return out
}

// The axes' ticks: milliseconds as durations on a log or linear axis,
// shares in percent, counts and seconds as plain numbers.
var (
	logDurationTicks = ticks{Ticker: plot.LogTicks{}, label: humanMS}
	durationTicks    = ticks{Ticker: plot.DefaultTicks{}, label: humanMS}
	percentTicks     = ticks{Ticker: plot.DefaultTicks{}, label: percent}
	countTicks       = ticks{Ticker: plot.DefaultTicks{}, label: trimZeros, whole: true}
	secondTicks      = ticks{Ticker: plot.DefaultTicks{}, label: trimZeros}
)
