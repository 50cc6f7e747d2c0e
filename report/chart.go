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
	// Title is the chart's heading; About is its caption, one sentence
	// on one line that says what to look for.
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

// ChartOptions tunes the charts of a comparison.
type ChartOptions struct {
	// P99Window is the span of the p99 over time, which trails each point,
	// and of the in-flight averages, which are centred on each sample, in
	// whole windows of the runs' timeline (at least one). 0, or less,
	// picks the default:
	// DefaultP99Window, lengthened to minRollingWindows windows when the
	// timeline is coarser, and shortened to a tenth of the run when the
	// run is shorter than ten times that, so that a short run still shows
	// ten spans and a long one a p99 of more than a window's few requests.
	P99Window time.Duration
}

// DefaultP99Window is the span of the p99 over time unless ChartOptions
// says otherwise: a monitoring dashboard's usual span, long enough to
// hold hundreds of requests at tens a second, short enough to show a
// spike of a few seconds.
const DefaultP99Window = 10 * time.Second

// minRollingWindows is the fewest timeline windows the default span
// merges, so that it always smooths.
const minRollingWindows = 5

// Charts returns the charts of c with the default ChartOptions; see
// ChartsWith.
func Charts(c *results.Comparison) []*Chart { return ChartsWith(c, ChartOptions{}) }

// ChartsWith returns the charts of c, in the order a report shows them:
// the latency distribution and its tail, requests and utilization per
// server, requests in flight over time, p99 over time and, when some
// request failed, failures over time. The latency and time charts need
// the runs' Detail (sim.Options.Timeline) and are left out without it.
// With several seeds they describe the first seed's runs, which their
// titles say; the per-server bars show the combined results. The time
// charts cover each run from 0 to its end, on one step: the coarsest of
// the runs' timelines.
func ChartsWith(c *results.Comparison, opt ChartOptions) []*Chart {
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
			about += " (servers the autoscaler never launched are left out)"
		}
		return chart("server-"+what, upperFirst(what)+" per server", results.SeedText(c.Seed, c.Seeds, c.Aggregate), about+".",
			func() (*figure, error) { return serverBars(c, what, ticks, get) })
	}
	seed := detailSeed(c)
	if detailed(func(d *results.Detail) bool { return d.Latency != nil }) {
		out = append(out,
			chart("latency-cdf", "Latency distribution", seed,
				"Share of requests completed within each latency: further left is faster, and a line that reaches the top late has a slow tail.",
				func() (*figure, error) { return single(latencyCDF(c)) }),
			chart("ccdf", "Latency tail", seed,
				"Share of requests slower than each latency, both axes log: the lower and further left a line ends, the shorter its tail; p99 and p999 are on the guides.",
				func() (*figure, error) { return single(latencyCCDF(c)) }))
	}
	if len(c.Results) > 0 {
		out = append(out,
			bars("requests", countTicks, func(s results.Server) float64 { return float64(s.Requests) },
				"Requests sent to each server, failed ones too: even bars split requests evenly, not always the work"),
			bars("utilization", percentTicks, func(s results.Server) float64 { return s.Utilization },
				"Share of each server's slot-time spent serving after the warm-up: a bar far above the rest is a hot server"))
	}
	if detailed(func(d *results.Detail) bool { return len(d.Timeline.Windows) > 0 }) {
		tls := timelines(c)
		span := rollingSpan(tls, opt.P99Window)
		step := tls[0].Step
		inflight := chart("inflight", "Requests in flight per server", seed,
			fmt.Sprintf("Requests waiting or in service on each server, faint as sampled and bold averaged over %s: a line that climbs away from the others is a server being overfed.", span),
			func() (*figure, error) { return inFlightPanels(c, timelines(c), span) })
		inflight.height = panelHeight*vg.Length(len(c.Results)) + 0.4*vg.Inch
		out = append(out, inflight, chart("p99-over-time", fmt.Sprintf("p99 latency over a trailing %s", span), seed,
			fmt.Sprintf("p99 latency of the requests completed in the trailing %s: a rise shows when the tail was made, and the event lines what happened then.", span),
			func() (*figure, error) { return p99OverTime(c, timelines(c), span) }))
		if anyWindowFailed(c) {
			out = append(out, chart("failures-over-time", fmt.Sprintf("Failed requests per %s window", step), seed,
				fmt.Sprintf("Requests failed or turned away per %s window: a plateau after a crash lasts until the balancer takes the server out (its out line).", step),
				func() (*figure, error) { return failuresOverTime(c, timelines(c)) }))
		}
	}
	return out
}

// timelines returns the runs' timelines on one step, the coarsest of
// theirs: a run that drained long has had its windows merged (see
// results.Timeline), and its lines must be comparable with the others'.
// The runs of one comparison start on one step, which the simulator only
// ever doubles.
func timelines(c *results.Comparison) []results.Timeline {
	var step time.Duration
	for _, r := range c.Results {
		step = max(step, r.Detail.Timeline.Step)
	}
	out := make([]results.Timeline, len(c.Results))
	for i, r := range c.Results {
		tl := &r.Detail.Timeline
		out[i] = tl.Coarsened(int(step / tl.Step))
	}
	return out
}

// timeEnd is where the last of the timelines ends: the time charts' axis.
func timeEnd(tls []results.Timeline) float64 {
	var end time.Duration
	for i := range tls {
		end = max(end, tls[i].End())
	}
	return end.Seconds()
}

// rollingSpan is the span of the p99 over time (trailing) and of the
// in-flight averages (centred), in whole windows of tls's step: want, or the
// default that ChartOptions.P99Window describes.
func rollingSpan(tls []results.Timeline, want time.Duration) time.Duration {
	tl := &tls[0]
	if want > 0 {
		return time.Duration(tl.SpanWindows(want)) * tl.Step
	}
	n := 0
	for i := range tls {
		n = max(n, len(tls[i].Windows))
	}
	w := max(tl.SpanWindows(DefaultP99Window), minRollingWindows)
	return time.Duration(max(min(w, n/10), 1)) * tl.Step
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
func failuresOverTime(c *results.Comparison, tls []results.Timeline) (*figure, error) {
	p := newPlot("", "virtual time (s)", "failed requests")
	p.X.Tick.Marker = secondTicks
	p.Y.Tick.Marker = countTicks
	p.Add(markers{warmup: tls[0].Warmup, events: allEvents(c)})
	legend := newLegend()
	for i, r := range c.Results {
		tl := &tls[i]
		xys := make(plotter.XYs, len(tl.Windows))
		for k, w := range tl.Windows {
			xys[k] = plotter.XY{X: windowStart(tl, k) + tl.Step.Seconds()/2, Y: float64(w.Failed)}
		}
		if err := addSeries(p, xys, seriesStyle(i), 1.2, phase(i, len(c.Results)), legend, r.Algorithm); err != nil {
			return nil, err
		}
	}
	p.X.Min, p.X.Max, p.Y.Min = 0, timeEnd(tls), 0
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

// newLegend returns a legend in the house style, with thumbnails wide
// enough to show a dash pattern and its marker.
func newLegend() *plot.Legend {
	l := plot.NewLegend()
	l.TextStyle.Font = font.From(chartFont, 9)
	l.ThumbnailWidth = vg.Points(30)
	l.Padding = vg.Points(1.5)
	return &l
}

// The look of every chart.
var (
	chartFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
	gridColor = color.Gray{Y: 225}
	// palette is Okabe and Ito's colour-blind safe set, darkest first,
	// without its yellow (too pale on white).
	palette = []color.Color{
		color.RGBA{0, 114, 178, 255},   // blue
		color.RGBA{213, 94, 0, 255},    // vermillion
		color.RGBA{0, 158, 115, 255},   // bluish green
		color.RGBA{204, 121, 167, 255}, // reddish purple
		color.RGBA{230, 159, 0, 255},   // orange
		color.RGBA{86, 180, 233, 255},  // sky blue
		color.RGBA{0, 0, 0, 255},       // black
	}
	// dashPatterns and markerShapes tell series apart where colours
	// cannot: in print, on a grey screen, to a reader who sees few
	// colours. Both lists have the same length (see seriesStyle).
	dashPatterns = [][]vg.Length{
		nil, // solid
		dashes(7, 2.5),
		dashes(1.5, 2),
		dashes(8, 2.5, 1.5, 2.5),
		dashes(13, 3),
		dashes(3.5, 3.5),
		dashes(8, 2.5, 1.5, 2.5, 1.5, 2.5),
		dashes(13, 3, 4, 3),
		dashes(1.5, 5),
		dashes(4, 2, 1.5, 2),
	}
	markerShapes = []marker{markCircle, markSquare, markTriangle, markDiamond, markCross, markPlus, markRing, markOpenSquare, markOpenTriangle, markDown}
)

// dashes turns lengths in points into a dash pattern.
func dashes(points ...float64) []vg.Length {
	out := make([]vg.Length, len(points))
	for i, p := range points {
		out[i] = vg.Points(p)
	}
	return out
}

// style is how a series is drawn: a colour, a dash pattern and a marker.
type style struct {
	color  color.Color
	dashes []vg.Length
	marker marker
}

// seriesStyle is the style of the i-th series of a chart: the algorithms
// in their order, or the servers of a panel. Dash pattern and marker
// shape each differ between the first len(markerShapes) series, and the
// pair of them between the first len(markerShapes) squared (100, the
// most algorithms a scenario may compare): the marker steps one further
// on each round of the dash patterns.
func seriesStyle(i int) style {
	n := len(markerShapes)
	return style{
		color:  palette[i%len(palette)],
		dashes: dashPatterns[i%n],
		marker: markerShapes[(i%n+i/n)%n],
	}
}

// line is the style's line at width points.
func (s style) line(width float64) draw.LineStyle {
	return draw.LineStyle{Color: s.color, Width: vg.Points(width), Dashes: s.dashes}
}

// glyph is the style's marker.
func (s style) glyph() draw.GlyphStyle {
	return draw.GlyphStyle{Color: s.color, Radius: vg.Points(3.2), Shape: s.marker}
}

// markEvery is the distance, along a line on the page, between two of its
// markers: sparse enough to leave the line readable.
const markEvery = vg.Length(64)

// phase places the first marker of series i of n: the series' markers
// are spread evenly along each markEvery, so that lines drawn over each
// other still show every series' markers.
func phase(i, n int) vg.Length { return markEvery * (vg.Length(i) + 0.5) / vg.Length(max(n, 1)) }

// seriesLine is a series drawn as a line in its style, with its marker
// (if it has one) every markEvery of the line's length on the page from
// phase on.
type seriesLine struct {
	*plotter.Line
	glyph draw.GlyphStyle
	phase vg.Length
}

// GlyphBoxes reserves no room at the panel's edges: plotter.Line's box a
// point, for half a line's width, made most of the charts' garbage.
func (l *seriesLine) GlyphBoxes(*plot.Plot) []plot.GlyphBox { return nil }

// Plot draws the line, then its markers where they fall inside the panel.
func (l *seriesLine) Plot(c draw.Canvas, p *plot.Plot) {
	l.Line.Plot(c, p)
	if l.glyph.Shape == nil {
		return
	}
	trX, trY := p.Transforms(&c)
	pts := make([]vg.Point, len(l.XYs))
	for k, xy := range l.XYs {
		pts[k] = vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
	}
	for _, at := range markAlong(pts, l.phase) {
		c.DrawGlyph(l.glyph, at) // only inside the panel
	}
}

// markAlong returns where a line through pts on the page has its markers:
// at phase along it, then every markEvery.
func markAlong(pts []vg.Point, phase vg.Length) []vg.Point {
	var out []vg.Point
	next := phase // how far from pts[k-1] the next marker is
	for k := 1; k < len(pts); k++ {
		d := pts[k].Sub(pts[k-1])
		length := vg.Length(math.Hypot(float64(d.X), float64(d.Y)))
		for ; next <= length; next += markEvery {
			out = append(out, pts[k-1].Add(d.Scale(next/length)))
		}
		next -= length
	}
	return out
}

// Thumbnail draws the legend's sample: the dash pattern and the marker.
func (l *seriesLine) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(l.LineStyle, c.Min.X, y, c.Max.X, y)
	c.DrawGlyph(l.glyph, c.Center())
}

// addSeries adds a line through xys to p in style s at width points,
// with its markers from phase on, and names it in legend unless legend is
// nil.
func addSeries(p *plot.Plot, xys plotter.XYs, s style, width float64, phase vg.Length, legend *plot.Legend, name string) error {
	line, err := plotter.NewLine(xys)
	if err != nil {
		return err
	}
	line.LineStyle = s.line(width)
	l := &seriesLine{Line: line, glyph: s.glyph(), phase: phase}
	p.Add(l)
	if legend != nil {
		legend.Add(name, l)
	}
	return nil
}

// marker is the shape of a series' markers. The open shapes are filled
// white, so that a line under them does not show through.
type marker uint8

const (
	markCircle marker = iota
	markSquare
	markTriangle
	markDiamond
	markCross
	markPlus
	markRing
	markOpenSquare
	markOpenTriangle
	markDown // a triangle pointing down
)

// DrawGlyph draws the marker at pt in sty's colour, sty.Radius from its
// centre to its furthest corner.
func (m marker) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius
	at := func(dx, dy float64) vg.Point { return vg.Point{X: pt.X + r*vg.Length(dx), Y: pt.Y + r*vg.Length(dy)} }
	const h, w = 0.5, 0.866 // a triangle's corners below and beside its centre
	var shape []vg.Point
	switch m {
	case markCircle, markRing:
		var circle vg.Path
		circle.Move(at(1, 0))
		circle.Arc(pt, r, 0, 2*math.Pi)
		circle.Close()
		if m == markCircle {
			c.SetColor(sty.Color)
			c.Fill(circle)
			return
		}
		c.SetColor(color.White)
		c.Fill(circle)
		c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.1)})
		c.Stroke(circle)
		return
	case markCross:
		c.StrokeLine2(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.4)}, at(-0.8, -0.8).X, at(-0.8, -0.8).Y, at(0.8, 0.8).X, at(0.8, 0.8).Y)
		c.StrokeLine2(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.4)}, at(-0.8, 0.8).X, at(-0.8, 0.8).Y, at(0.8, -0.8).X, at(0.8, -0.8).Y)
		return
	case markPlus:
		c.StrokeLine2(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.4)}, pt.X-r, pt.Y, pt.X+r, pt.Y)
		c.StrokeLine2(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.4)}, pt.X, pt.Y-r, pt.X, pt.Y+r)
		return
	case markSquare, markOpenSquare:
		shape = []vg.Point{at(-0.8, -0.8), at(0.8, -0.8), at(0.8, 0.8), at(-0.8, 0.8)}
	case markTriangle, markOpenTriangle:
		shape = []vg.Point{at(0, 1.15), at(-w*1.15, -h*1.15), at(w*1.15, -h*1.15)}
	case markDown:
		shape = []vg.Point{at(0, -1.15), at(-w*1.15, h*1.15), at(w*1.15, h*1.15)}
	case markDiamond:
		shape = []vg.Point{at(0, 1.1), at(1.1, 0), at(0, -1.1), at(-1.1, 0)}
	}
	if m == markOpenSquare || m == markOpenTriangle {
		c.FillPolygon(color.White, shape)
		var outline vg.Path
		outline.Move(shape[0])
		for _, q := range shape[1:] {
			outline.Line(q)
		}
		outline.Close()
		c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(1.1)})
		c.Stroke(outline)
		return
	}
	c.FillPolygon(sty.Color, shape)
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
		st := seriesStyle(i)
		bars.Color = st.color
		bars.LineStyle.Width = 0
		bars.Offset = width * (vg.Length(i) - vg.Length(n-1)/2)
		p.Add(bars)
		key := barKey{color: st.color, glyph: st.glyph()}
		// Each bar wears its algorithm's marker on top, where there is
		// room for it, so that bars are told apart without colours too.
		if width >= 2*key.glyph.Radius+vg.Points(1) {
			p.Add(barMarks{vals: vals, offset: bars.Offset, glyph: key.glyph})
		}
		legend.Add(r.Algorithm, key)
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

// barMarks draws a marker just above each bar of a series.
type barMarks struct {
	vals   plotter.Values
	offset vg.Length
	glyph  draw.GlyphStyle
}

func (b barMarks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for k, v := range b.vals {
		// Drawn without Canvas.DrawGlyph, which leaves out a point outside
		// the data's range: the outer bars of a group lie beyond it.
		b.glyph.Shape.DrawGlyph(&c, b.glyph, vg.Point{X: trX(float64(k)) + b.offset, Y: trY(v) + b.glyph.Radius + vg.Points(2)})
	}
}

// barKey is a bar series' legend sample: a swatch of its colour and its
// marker.
type barKey struct {
	color color.Color
	glyph draw.GlyphStyle
}

func (k barKey) Thumbnail(c *draw.Canvas) {
	swatch := c.Rectangle
	swatch.Max.X = swatch.Min.X + swatch.Size().X*0.45
	c.FillPolygon(k.color, []vg.Point{swatch.Min, {X: swatch.Max.X, Y: swatch.Min.Y}, swatch.Max, {X: swatch.Min.X, Y: swatch.Max.Y}})
	c.DrawGlyph(k.glyph, vg.Point{X: c.Max.X - k.glyph.Radius - vg.Points(2), Y: c.Center().Y})
}

// faintAlpha is the opacity of a raw series drawn behind its average.
const faintAlpha = 70

// faint is s's colour made see-through.
func faint(s style) color.Color {
	r, g, b, _ := s.color.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: faintAlpha}
}

// inFlightPanels draws, for each algorithm, every server's requests in
// flight over time: as sampled at each window's start, faint, and their
// average over span around each sample, bold, with the run's events and
// warm-up.
func inFlightPanels(c *results.Comparison, tls []results.Timeline, span time.Duration) (*figure, error) {
	fig := &figure{legend: newLegend()}
	end := timeEnd(tls)
	for k, r := range c.Results {
		tl := &tls[k]
		p := newPlot(r.Algorithm, "", "in flight")
		p.X.Tick.Marker = secondTicks
		if k == len(c.Results)-1 {
			p.X.Label.Text = "virtual time (s)"
		}
		p.Add(markers{warmup: tl.Warmup, events: tl.Events})
		w := tl.SpanWindows(span)
		for s, name := range tl.Servers {
			raw := make(plotter.XYs, len(tl.Windows))
			for i, win := range tl.Windows {
				raw[i] = plotter.XY{X: windowStart(tl, i), Y: float64(win.InFlight[s])}
			}
			avg := centredMean(raw, w)
			line, err := plotter.NewLine(raw)
			if err != nil {
				return nil, err
			}
			st := seriesStyle(s)
			line.LineStyle = draw.LineStyle{Color: faint(st), Width: vg.Points(0.6)}
			p.Add(&seriesLine{Line: line})
			legend := fig.legend
			if k > 0 {
				legend = nil // the servers are named once, for every panel
			}
			if err := addSeries(p, avg, st, 1.3, phase(s, len(tl.Servers)), legend, name); err != nil {
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

// centredMean returns xys with each y the mean of the w around it (fewer
// at the ends): an average that lies on the samples it smooths, where a
// trailing one would lag them by half its span.
func centredMean(xys plotter.XYs, w int) plotter.XYs {
	sums := make([]float64, len(xys)+1) // sums[i] adds the first i
	for i, xy := range xys {
		sums[i+1] = sums[i] + xy.Y
	}
	out := make(plotter.XYs, len(xys))
	for i, xy := range xys {
		lo, hi := max(i-w/2, 0), min(i-w/2+w, len(xys))
		out[i] = plotter.XY{X: xy.X, Y: (sums[hi] - sums[lo]) / float64(hi-lo)}
	}
	return out
}

// windowStart is the start of window i in seconds.
func windowStart(tl *results.Timeline, i int) float64 { return (time.Duration(i) * tl.Step).Seconds() }

// p99OverTime draws each algorithm's p99 over the trailing span, at the
// end of each window, with the events of every run.
func p99OverTime(c *results.Comparison, tls []results.Timeline, span time.Duration) (*figure, error) {
	// A short y label: gonum/plot places a long one badly on a log axis.
	p := newPlot("", "virtual time (s)", "p99 latency")
	p.X.Tick.Marker = secondTicks
	rolling := make([][]results.Rolling, len(tls))
	lo, hi := math.Inf(1), 0.0
	for i := range tls {
		rolling[i] = tls[i].RollingQuantile(span, 0.99)
		for _, r := range rolling[i] {
			if r.Completed > 0 {
				lo, hi = math.Min(lo, positiveMS(r.Value)), math.Max(hi, positiveMS(r.Value))
			}
		}
	}
	if hi == 0 {
		return nil, errors.New("no window completed a request")
	}
	p.Add(markers{warmup: tls[0].Warmup, events: allEvents(c)})
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
		tl := &tls[i]
		// A span where nothing completed has no p99: the line breaks.
		var segs []plotter.XYs
		var seg plotter.XYs
		for k, q := range rolling[i] {
			if q.Completed == 0 {
				if len(seg) > 0 {
					segs, seg = append(segs, seg), nil
				}
				continue
			}
			seg = append(seg, plotter.XY{X: windowStart(tl, k+1), Y: positiveMS(q.Value)})
		}
		if len(seg) > 0 {
			segs = append(segs, seg)
		}
		for k, s := range segs {
			named := legend
			if k > 0 {
				named = nil // one entry for all of an algorithm's segments
			}
			if err := addSeries(p, s, seriesStyle(i), 1.3, phase(i, len(c.Results)), named, r.Algorithm); err != nil {
				return nil, err
			}
		}
	}
	p.X.Min, p.X.Max = 0, timeEnd(tls)
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
