package report

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"image/color"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/lbsim/lbsim/results"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart is one figure of a Comparison. It is drawn anew, from the
// Comparison, each time it is written, as SVG or PNG; the same Comparison
// always gives the same bytes.
type Chart struct {
	// Name is the chart's file name without its extension: "latency-cdf".
	Name string
	// Title is the chart's heading, About says in a sentence or two what
	// it shows and how to read it.
	Title, About string

	width, height vg.Length
	// build makes the chart's figure afresh for each drawing.
	build func() (*figure, error)
}

// Chart geometry: PNGs have pngDPI pixels per inch, so a one-panel chart
// is 864 x 432 pixels.
const (
	chartWidth  = 9 * vg.Inch
	chartHeight = 4.5 * vg.Inch
	panelHeight = 2.4 * vg.Inch // each panel of a chart with one per algorithm
	pngDPI      = 96
)

// cdfTicks is how finely the latency CDF is drawn: points per halving of
// the distance to the 100th percentile (see Histogram.CDF).
const cdfTicks = 20

// Charts returns the charts of c, in the order a report shows them: the
// latency distribution, requests and utilization per server, requests in
// flight over time and p99 over time. The latency and time charts need the
// runs' Detail (sim.Options.Timeline) and are left out without it. With
// several seeds they describe the first seed's runs, which their titles
// say; the per-server bars show the combined results.
func Charts(c *results.Comparison) []*Chart {
	var out []*Chart
	detailed := func(need func(*results.Detail) bool) bool {
		for _, r := range c.Results {
			if r.Detail == nil || !need(r.Detail) {
				return false
			}
		}
		return len(c.Results) > 0
	}
	// chart titles a chart by what it shows, the scenario and the seeds.
	chart := func(name, what, seeds, about string, build func() (*figure, error)) *Chart {
		return &Chart{Name: name, Title: fmt.Sprintf("%s, %s, %s", what, c.Scenario, seeds), About: about,
			width: chartWidth, height: chartHeight, build: build}
	}
	bars := func(what string, ticks plot.Ticker, get func(results.Server) float64, about string) *Chart {
		if neverLaunched(c) {
			about += " Servers the autoscaler never launched are left out."
		}
		return chart("server-"+what, upperFirst(what)+" per server", results.SeedText(c.Seed, c.Seeds, c.Aggregate),
			"One group of bars per server, one bar per algorithm: "+about,
			func() (*figure, error) { return serverBars(c, what, ticks, get) })
	}
	seed := detailSeed(c)
	if detailed(func(d *results.Detail) bool { return d.Latency != nil }) {
		out = append(out, chart("latency-cdf", "Latency distribution", seed,
			"Each line is one algorithm: the share of measured requests (y) that completed within a time (x, log scale). "+
				"Further left is faster; a line that reaches the top late has a slow tail. "+
				"The circle on each line marks its median (p50), the triangle its 99th percentile (p99).",
			func() (*figure, error) { return single(latencyCDF(c)) }))
	}
	if len(c.Results) > 0 {
		out = append(out,
			bars("requests", countTicks, func(s results.Server) float64 { return float64(s.Requests) },
				"how many requests each algorithm sent to each server, failed ones included. "+
					"Even bars mean an even split of requests, which is not always an even split of work."),
			bars("utilization", percentTicks, func(s results.Server) float64 { return s.Utilization },
				"the share of the server's slot-time spent serving after the warm-up. "+
					"A bar far above the others is a hot server, where queues and the tail build up."))
	}
	if detailed(func(d *results.Detail) bool { return len(d.Timeline.Windows) > 0 }) {
		inflight := chart("inflight", "Requests in flight per server", seed,
			"One panel per algorithm, one line per server: the requests waiting or in service on it over virtual time, as the balancer counts them; each panel has its own scale. "+
				"A line that climbs while the others stay low is a server the algorithm keeps feeding. "+
				"Vertical lines mark faults, rotation changes, scaling and rate changes; the grey band is the warm-up, which the numbers leave out.",
			func() (*figure, error) { return inFlightPanels(c) })
		inflight.height = panelHeight*vg.Length(len(c.Results)) + 0.4*vg.Inch
		out = append(out, inflight, chart("p99-over-time", fmt.Sprintf("p99 latency per %s window", c.Results[0].Detail.Timeline.Step), seed,
			"One line per algorithm: the 99th percentile latency of the requests that completed in each time window. "+
				"Spikes show when the tail was made, and the vertical lines what happened then; the grey band is the warm-up.",
			func() (*figure, error) { return p99OverTime(c) }))
		if anyWindowFailed(c) {
			out = append(out, chart("failures-over-time", fmt.Sprintf("Failed requests per %s window", c.Results[0].Detail.Timeline.Step), seed,
				"One line per algorithm: the requests that failed or were turned away in each time window, warm-up included. "+
					"A plateau after a crash is the time nothing noticed it; the vertical lines show when the balancer took the server out.",
				func() (*figure, error) { return failuresOverTime(c) }))
		}
	}
	return out
}

// anyWindowFailed reports whether some run lost a request.
func anyWindowFailed(c *results.Comparison) bool {
	for _, r := range c.Results {
		for _, w := range r.Detail.Timeline.Windows {
			if w.Failed > 0 {
				return true
			}
		}
	}
	return false
}

// failuresOverTime draws each algorithm's failed requests per window,
// with the events of every run.
func failuresOverTime(c *results.Comparison) (*figure, error) {
	p := newPlot("", "virtual time (s)", "failed requests")
	p.X.Tick.Marker = secondTicks
	p.Y.Tick.Marker = countTicks
	p.Add(markers{warmup: c.Results[0].Detail.Timeline.Warmup, events: allEvents(c)})
	legend := newLegend()
	for i, r := range c.Results {
		tl := &r.Detail.Timeline
		xys := make(plotter.XYs, len(tl.Windows))
		for k, w := range tl.Windows {
			xys[k] = plotter.XY{X: windowStart(tl, k) + tl.Step.Seconds()/2, Y: float64(w.Failed)}
		}
		if _, err := addLine(p, xys, seriesStyle(i), 1.2, legend, r.Algorithm); err != nil {
			return nil, err
		}
	}
	p.X.Min, p.Y.Min = 0, 0
	return &figure{panels: []*plot.Plot{p}, legend: legend}, nil
}

// allEvents lists the events of every run of c once each, in time order.
func allEvents(c *results.Comparison) []results.Event {
	var events []results.Event
	seen := map[results.Event]bool{}
	for _, r := range c.Results {
		for _, e := range r.Detail.Timeline.Events {
			if !seen[e] {
				seen[e] = true
				events = append(events, e)
			}
		}
	}
	slices.SortStableFunc(events, func(a, b results.Event) int { return cmp.Compare(a.At, b.At) })
	return events
}

// detailSeed says which run the detailed charts draw: Combine keeps the
// first seed's Detail.
func detailSeed(c *results.Comparison) string {
	if c.Seeds > 1 {
		return fmt.Sprintf("seed %d (the first of %d)", c.Seed, c.Seeds)
	}
	return results.SeedText(c.Seed, 1, "")
}

// WriteSVG writes the chart as an SVG document. Text is set in Liberation
// Sans, which is named rather than embedded; a viewer without it uses a
// similar sans-serif font.
func (ch *Chart) WriteSVG(w io.Writer) error {
	c := vgsvg.New(ch.width, ch.height)
	if err := ch.draw(draw.New(c)); err != nil {
		return err
	}
	return ch.write(w, c)
}

// WritePNG writes the chart as a PNG image (96 dots per inch).
func (ch *Chart) WritePNG(w io.Writer) error {
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(ch.width, ch.height), vgimg.UseDPI(pngDPI))}
	if err := ch.draw(draw.New(c)); err != nil {
		return err
	}
	return ch.write(w, c)
}

// write encodes the drawn canvas in memory first, so w gets the whole
// chart in one Write or nothing.
func (ch *Chart) write(w io.Writer, c io.WriterTo) error {
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return fmt.Errorf("report: chart %s: %w", ch.Name, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// draw builds the figure and draws it: the title, the panels one above
// the other, and the side legend if there is one. gonum/plot panics on
// data it cannot draw (a log axis over 0, say); that is turned into an
// error.
func (ch *Chart) draw(dc draw.Canvas) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("report: chart %s: %v", ch.Name, r)
		}
	}()
	fig, err := ch.build()
	if err != nil {
		return fmt.Errorf("report: chart %s: %w", ch.Name, err)
	}
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	title := textStyle(12)
	title.XAlign, title.YAlign = draw.XCenter, draw.YTop
	dc.FillText(title, vg.Point{X: dc.Center().X, Y: dc.Max.Y - 4}, ch.Title)
	dc.Max.Y -= title.Height(ch.Title) + 8
	if fig.legend != nil {
		l := fig.legend
		l.Top, l.Left = true, true
		width := l.Rectangle(dc).Size().X + 12
		side := dc
		side.Min.X = dc.Max.X - width
		l.Draw(draw.Crop(side, 6, 0, 0, -16))
		dc.Max.X -= width
	}
	if len(fig.panels) == 1 {
		fig.panels[0].Draw(dc)
		return nil
	}
	rows := make([][]*plot.Plot, len(fig.panels))
	for i, p := range fig.panels {
		rows[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(fig.panels), Cols: 1, PadY: vg.Points(8), PadX: vg.Points(4), PadBottom: vg.Points(4)}
	canvases := plot.Align(rows, tiles, dc)
	for i, p := range fig.panels {
		p.Draw(canvases[i][0])
	}
	return nil
}

// figure is what a chart draws: its panels, one above the other, and a
// legend beside them, or nil when the panels have their own.
type figure struct {
	panels []*plot.Plot
	legend *plot.Legend
}

// single makes a figure of one panel with its own legend.
func single(p *plot.Plot, err error) (*figure, error) {
	if err != nil {
		return nil, err
	}
	return &figure{panels: []*plot.Plot{p}}, nil
}

// newLegend returns a legend in the house style.
func newLegend() *plot.Legend {
	l := plot.NewLegend()
	l.TextStyle.Font = font.From(chartFont, 9)
	l.ThumbnailWidth = vg.Points(16)
	l.Padding = vg.Points(1.5)
	return &l
}

// The look of every chart.
var (
	chartFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
	gridColor = color.Gray{Y: 225}
	// palette is Okabe and Ito's colour-blind safe set, darkest first,
	// without its yellow (too pale on white). Series beyond it repeat the
	// colours with dashes.
	palette = []color.Color{
		color.RGBA{0, 114, 178, 255},   // blue
		color.RGBA{213, 94, 0, 255},    // vermillion
		color.RGBA{0, 158, 115, 255},   // bluish green
		color.RGBA{204, 121, 167, 255}, // reddish purple
		color.RGBA{230, 159, 0, 255},   // orange
		color.RGBA{86, 180, 233, 255},  // sky blue
		color.RGBA{0, 0, 0, 255},       // black
	}
)

// seriesStyle is the line style of the i-th series of a chart.
func seriesStyle(i int) draw.LineStyle {
	s := draw.LineStyle{Color: palette[i%len(palette)], Width: vg.Points(1.5)}
	if n := i / len(palette); n > 0 {
		s.Dashes = []vg.Length{vg.Points(2 + 2*float64(n)), vg.Points(2)}
	}
	return s
}

func textStyle(size vg.Length) text.Style {
	return text.Style{Color: color.Black, Font: font.From(chartFont, size), Handler: plot.DefaultTextHandler}
}

// newPlot returns a panel with the house fonts, a light grid and the
// legend in the top right corner.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(chartFont, 12)
	p.Title.Padding = vg.Points(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(chartFont, 10)
		a.Tick.Label.Font = font.From(chartFont, 9)
	}
	p.X.Label.Text, p.Y.Label.Text = x, y
	p.Legend = *newLegend()
	p.Legend.Top = true
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = gridColor, gridColor
	if x == "server" {
		grid.Vertical.Color = nil // bars need no vertical lines
	}
	p.Add(grid)
	return p
}

// latencyCDF draws every algorithm's latency distribution on a log time
// axis, with its p50 and p99 marked.
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
		p50, p99 := positiveMS(h.Quantile(0.5)), positiveMS(h.Quantile(0.99))
		line, err := addLine(p, xys, seriesStyle(i), 1.5, &p.Legend, fmt.Sprintf("%s: p50 %s, p99 %s", r.Algorithm, humanMS(p50), humanMS(p99)))
		if err != nil {
			return nil, err
		}
		marks, err := plotter.NewScatter(plotter.XYs{{X: p50, Y: 0.5}, {X: p99, Y: 0.99}})
		if err != nil {
			return nil, err
		}
		marks.GlyphStyleFunc = func(k int) draw.GlyphStyle {
			g := draw.GlyphStyle{Color: line.Color, Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
			if k == 1 {
				g.Shape, g.Radius = draw.PyramidGlyph{}, vg.Points(4.5)
			}
			return g
		}
		p.Add(marks)
	}
	if lo > hi {
		return nil, errors.New("no latencies were measured")
	}
	// Whole decades where the data nearly reach them, so the axis has
	// labelled ticks at both ends.
	p.X.Min, p.X.Max = math.Pow(10, math.Floor(math.Log10(lo)+0.05)), math.Pow(10, math.Ceil(math.Log10(hi)-0.05))
	if p.X.Max <= p.X.Min {
		p.X.Max = p.X.Min * 10
	}
	return p, nil
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

// addLine adds a line through xys to p, in style at width points, and
// names it in legend unless legend is nil.
func addLine(p *plot.Plot, xys plotter.XYs, style draw.LineStyle, width float64, legend *plot.Legend, name string) (*plotter.Line, error) {
	line, err := plotter.NewLine(xys)
	if err != nil {
		return nil, err
	}
	line.LineStyle = style
	line.Width = vg.Points(width)
	p.Add(line)
	if legend != nil {
		legend.Add(name, line)
	}
	return line, nil
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

// neverLaunched reports whether some server was never launched under any
// algorithm: it has no bars.
func neverLaunched(c *results.Comparison) bool {
	launched := launchedServers(c)
	return len(c.Results) > 0 && slices.ContainsFunc(c.Results[0].Servers, func(s results.Server) bool { return !launched[s.Name] })
}

// launchedServers names the servers that were in service at some point
// under some algorithm.
func launchedServers(c *results.Comparison) map[string]bool {
	out := make(map[string]bool)
	for _, r := range c.Results {
		for _, s := range r.Servers {
			if !s.NeverLaunched {
				out[s.Name] = true
			}
		}
	}
	return out
}

// serverBars draws one group of bars per server, one bar per algorithm,
// of the value that get reads from a server's result; a server no run
// launched has none.
func serverBars(c *results.Comparison, what string, ticks plot.Ticker, get func(results.Server) float64) (*figure, error) {
	p := newPlot("", "server", what)
	p.Y.Tick.Marker = ticks
	var names []string
	index := map[string]int{}
	launched := launchedServers(c)
	for _, r := range c.Results {
		for _, s := range r.Servers {
			if _, ok := index[s.Name]; !ok && launched[s.Name] {
				index[s.Name] = len(names)
				names = append(names, s.Name)
			}
		}
	}
	if len(names) == 0 {
		return nil, errors.New("no servers")
	}
	// The bars of a group fill about 70% of its share of the width.
	n := len(c.Results)
	width := min(chartWidth*0.7*0.7/vg.Length(len(names)*n), vg.Points(28))
	legend := newLegend()
	for i, r := range c.Results {
		vals := make(plotter.Values, len(names))
		for _, s := range r.Servers {
			if k, ok := index[s.Name]; ok {
				vals[k] = get(s)
			}
		}
		bars, err := plotter.NewBarChart(vals, width)
		if err != nil {
			return nil, err
		}
		bars.Color = palette[i%len(palette)]
		bars.LineStyle.Width = 0
		bars.Offset = width * (vg.Length(i) - vg.Length(n-1)/2)
		p.Add(bars)
		legend.Add(r.Algorithm, bars)
	}
	p.NominalX(names...)
	if len(names) > 8 {
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	}
	p.Y.Min = 0
	p.Y.Max = math.Max(p.Y.Max, 1e-9) * 1.05
	return &figure{panels: []*plot.Plot{p}, legend: legend}, nil
}

// inFlightPanels draws, for each algorithm, every server's requests in
// flight over time, with the run's events and warm-up.
func inFlightPanels(c *results.Comparison) (*figure, error) {
	fig := &figure{legend: newLegend()}
	end := 0.0
	for _, r := range c.Results {
		tl := &r.Detail.Timeline
		end = math.Max(end, windowStart(tl, len(tl.Windows)-1))
	}
	for k, r := range c.Results {
		tl := &r.Detail.Timeline
		p := newPlot(r.Algorithm, "", "in flight")
		p.X.Tick.Marker = secondTicks
		if k == len(c.Results)-1 {
			p.X.Label.Text = "virtual time (s)"
		}
		p.Add(markers{warmup: tl.Warmup, events: tl.Events})
		for s, name := range tl.Servers {
			xys := make(plotter.XYs, len(tl.Windows))
			for i, w := range tl.Windows {
				xys[i] = plotter.XY{X: windowStart(tl, i), Y: float64(w.InFlight[s])}
			}
			legend := fig.legend
			if k > 0 {
				legend = nil // the servers are named once, for every panel
			}
			if _, err := addLine(p, xys, seriesStyle(s), 1, legend, name); err != nil {
				return nil, err
			}
		}
		// Each panel's own y scale, so that every algorithm's servers can
		// be told apart, however many requests another one piled up.
		p.Y.Min, p.Y.Max = 0, math.Max(p.Y.Max, 1)*1.15
		p.Y.Tick.Marker = countTicks
		// One time axis too, so that panels line up.
		p.X.Min, p.X.Max = 0, end
		fig.panels = append(fig.panels, p)
	}
	return fig, nil
}

// windowStart is the start of window i in seconds.
func windowStart(tl *results.Timeline, i int) float64 { return (time.Duration(i) * tl.Step).Seconds() }

// p99OverTime draws each algorithm's p99 per window, with the events of
// every run.
func p99OverTime(c *results.Comparison) (*figure, error) {
	// A short y label: gonum/plot places a long one badly on a log axis.
	p := newPlot("", "virtual time (s)", "p99 latency")
	p.X.Tick.Marker = secondTicks
	lo, hi := math.Inf(1), 0.0
	for _, r := range c.Results {
		for _, w := range r.Detail.Timeline.Windows {
			if w.Completed > 0 {
				lo, hi = math.Min(lo, positiveMS(w.P99)), math.Max(hi, positiveMS(w.P99))
			}
		}
	}
	if hi == 0 {
		return nil, errors.New("no window completed a request")
	}
	p.Add(markers{warmup: c.Results[0].Detail.Timeline.Warmup, events: allEvents(c)})
	logY := hi/lo >= 20
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logDurationTicks
		p.Y.Min, p.Y.Max = lo, hi*1.5
	} else {
		p.Y.Tick.Marker = durationTicks
		p.Y.Min, p.Y.Max = 0, hi*1.15
	}
	legend := newLegend()
	for i, r := range c.Results {
		tl := &r.Detail.Timeline
		// A window where nothing completed has no p99: the line breaks.
		var segs []plotter.XYs
		var seg plotter.XYs
		for k, w := range tl.Windows {
			if w.Completed == 0 {
				if len(seg) > 0 {
					segs, seg = append(segs, seg), nil
				}
				continue
			}
			seg = append(seg, plotter.XY{X: windowStart(tl, k) + tl.Step.Seconds()/2, Y: positiveMS(w.P99)})
		}
		if len(seg) > 0 {
			segs = append(segs, seg)
		}
		for k, s := range segs {
			named := legend
			if k > 0 {
				named = nil // one entry for all of an algorithm's segments
			}
			if _, err := addLine(p, s, seriesStyle(i), 1.2, named, r.Algorithm); err != nil {
				return nil, err
			}
		}
	}
	p.X.Min = 0
	return &figure{panels: []*plot.Plot{p}, legend: legend}, nil
}

// markers draws a run's warm-up as a grey band and its events as vertical
// lines labelled at the top of the panel. Labels that would overlap are
// merged: the first says how many more lines it stands for.
type markers struct {
	warmup time.Duration
	events []results.Event
}

// eventStyles gives each kind of event its colour and dashes.
var eventStyles = map[results.EventKind]draw.LineStyle{
	results.EventCrash:   eventStyle(color.RGBA{170, 0, 0, 255}, 6, 2),
	results.EventRecover: eventStyle(color.RGBA{0, 120, 50, 255}, 6, 2),
	results.EventSlow:    eventStyle(color.RGBA{140, 80, 0, 255}, 6, 2),
	results.EventErrors:  eventStyle(color.RGBA{200, 60, 0, 255}, 2, 2),
	results.EventDrain:   eventStyle(color.RGBA{110, 40, 140, 255}, 6, 2),
	results.EventOut:     eventStyle(color.Gray{Y: 90}, 3, 2),
	results.EventIn:      eventStyle(color.Gray{Y: 90}, 1, 2),
	results.EventScale:   eventStyle(color.RGBA{0, 70, 170, 255}, 4, 2),
	results.EventRate:    eventStyle(color.Black, 6, 2, 1, 2),
}

// eventStyle is a dashed line, so that markers never look like data.
func eventStyle(c color.Color, dashes ...float64) draw.LineStyle {
	s := draw.LineStyle{Color: c, Width: vg.Points(0.9)}
	for _, d := range dashes {
		s.Dashes = append(s.Dashes, vg.Points(d))
	}
	return s
}

// eventLabel is the short text an event line carries.
func eventLabel(e results.Event) string {
	switch e.Kind {
	case results.EventRate:
		return "rate " + e.Text
	case results.EventScale:
		before, _, _ := strings.Cut(e.Text, " at ")
		return "scale " + before
	case results.EventSlow:
		return "slow " + e.Server + " " + e.Text
	}
	return string(e.Kind) + " " + e.Server
}

var warmupColor = color.Gray{Y: 238}

func (m markers) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	label := textStyle(7)
	label.Rotation = math.Pi / 2
	label.XAlign, label.YAlign = draw.XRight, draw.YBottom
	if m.warmup > 0 && p.X.Max > 0 {
		x0, x1 := trX(math.Max(p.X.Min, 0)), trX(math.Min(m.warmup.Seconds(), p.X.Max))
		c.FillPolygon(warmupColor, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
		w := textStyle(8)
		w.Color = color.Gray{Y: 110}
		w.XAlign, w.YAlign = draw.XLeft, draw.YBottom
		if x1-x0 > w.Width("warm-up")+vg.Points(4) {
			c.FillText(w, vg.Point{X: x0 + vg.Points(2), Y: c.Min.Y + vg.Points(2)}, "warm-up")
		}
	}
	gap := label.Height("M") + vg.Points(1)
	lastX, lastText, merged := vg.Length(math.Inf(-1)), -1, 0
	texts := make([]string, 0, len(m.events))
	at := make([]vg.Length, 0, len(m.events))
	flush := func() {
		if lastText >= 0 && merged > 0 {
			texts[lastText] += fmt.Sprintf(" (+%d)", merged)
		}
	}
	for _, e := range m.events {
		x := trX(e.At.Seconds())
		if x < c.Min.X || x > c.Max.X {
			continue
		}
		c.StrokeLine2(eventStyles[e.Kind], x, c.Min.Y, x, c.Max.Y)
		if x-lastX < gap {
			merged++
			continue
		}
		flush()
		lastX, lastText, merged = x, len(texts), 0
		texts, at = append(texts, eventLabel(e)), append(at, x)
	}
	flush()
	for i, t := range texts {
		c.FillText(label, vg.Point{X: at[i] - vg.Points(1), Y: c.Max.Y - vg.Points(2)}, t)
	}
}

// DataRange widens a panel's time axis to its events and warm-up, and
// leaves its y axis alone.
func (m markers) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	if m.warmup > 0 {
		xmin, xmax = 0, m.warmup.Seconds()
	}
	for _, e := range m.events {
		xmin, xmax = math.Min(xmin, e.At.Seconds()), math.Max(xmax, e.At.Seconds())
	}
	return xmin, xmax, math.Inf(1), math.Inf(-1)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
