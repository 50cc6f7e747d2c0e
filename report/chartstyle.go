package report

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Line styles: what tells algorithms apart on every chart, colour-blind
// or in print: a colour of the Okabe-Ito palette, a dash pattern and a
// marker each.

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

// faintAlpha is the opacity of a raw series drawn behind its average.
const faintAlpha = 70

// faint is s's colour made see-through.
func faint(s style) color.Color {
	r, g, b, _ := s.color.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: faintAlpha}
}
