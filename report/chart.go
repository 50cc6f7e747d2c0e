package report

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
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

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
