package report

import (
	"cmp"
	"errors"
	"fmt"
	"image/color"
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

// The charts over a run's time: requests in flight, p99 and failures,
// with the run's events marked.

// minRollingWindows is the fewest timeline windows the default span
// merges, so that it always smooths.
const minRollingWindows = 5

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
