package report

import (
	"errors"
	"image/color"
	"math"
	"slices"

	"github.com/lbsim/lbsim/results"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The per-server bars.

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
