package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lbsim/lbsim/results"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// detailedRuns is a hand-built comparison of three algorithms on three
// servers with a 60 s timeline of 1 s windows: a 10 s warm-up, app-2
// crashing at 30 s, taken out at 35 s, recovering at 50 s and back at
// 52 s, the rate rising at 40 s, and no completion at all in window 45.
// Window k of algorithm i completes ten requests of (k+1)(i+1)/10 ms to
// (k+1)(i+1) ms, so its p99 is (k+1)(i+1) ms.
func detailedRuns() *results.Comparison {
	events := []results.Event{
		{At: 30 * time.Second, Kind: results.EventCrash, Server: "app-2", Text: "crashed"},
		{At: 35 * time.Second, Kind: results.EventOut, Server: "app-2", Text: "failed 3 health checks"},
		{At: 40 * time.Second, Kind: results.EventRate, Text: "80/s"},
		{At: 50 * time.Second, Kind: results.EventRecover, Server: "app-2", Text: "works again"},
		{At: 52 * time.Second, Kind: results.EventIn, Server: "app-2", Text: "back in rotation"},
	}
	c := &results.Comparison{Scenario: "hand-built", Description: "three algorithms, one crash", Seed: 7, Requests: 3000}
	for i, alg := range []string{"round_robin", "least_connections", "power_of_two"} {
		h := results.NewHistogram()
		for k := 1; k <= 2000; k++ {
			h.Record(time.Duration(k*(i+1)) * 50 * time.Microsecond)
		}
		tl := results.Timeline{Step: time.Second, Warmup: 10 * time.Second, Servers: []string{"app-1", "app-2", "app-3"}, Events: events}
		for k := range 60 {
			w := results.Window{InFlight: []int{k % 5, (k * (i + 1)) % 7, 3}}
			if k != 45 {
				w.Latency = new(results.Sketch)
				for j := range 10 {
					w.Latency.Record(time.Duration((k+1)*(i+1)*(j+1)) * time.Millisecond / 10)
				}
				w.Completed = w.Latency.Count()
			}
			tl.Windows = append(tl.Windows, w)
		}
		u := []float64{0.5 + 0.1*float64(i), 0.4, 0.3}
		c.Results = append(c.Results, results.Result{
			Algorithm: alg, Completed: h.Count(), Latency: h.Latency(), Fairness: results.NewFairness(u),
			Servers: []results.Server{
				{Name: "app-1", Requests: 1000 + 100*int64(i), Utilization: u[0]},
				{Name: "app-2", Requests: 1000, Utilization: u[1]},
				{Name: "app-3", Requests: 1000 - 100*int64(i), Utilization: u[2]},
			},
			Detail: &results.Detail{Latency: h, Timeline: tl},
		})
	}
	return c
}

var allCharts = []string{"latency-cdf", "ccdf", "server-requests", "server-utilization", "inflight", "p99-over-time"}

func chartNames(charts []*Chart) []string {
	var names []string
	for _, ch := range charts {
		names = append(names, ch.Name)
	}
	return names
}

// TestChartsList checks which charts a comparison gets: all six with
// details, and the failures over time when a window lost a request; only
// the per-server bars without details; none without results.
func TestChartsList(t *testing.T) {
	bare := detailedRuns()
	for i := range bare.Results {
		bare.Results[i].Detail = nil
	}
	half := detailedRuns()
	half.Results[1].Detail = nil
	failing := detailedRuns()
	failing.Results[2].Detail.Timeline.Windows[31].Failed = 4
	tests := []struct {
		name string
		c    *results.Comparison
		want []string
	}{
		{"detailed", detailedRuns(), allCharts},
		{"a failure", failing, append(slices.Clone(allCharts), "failures-over-time")},
		{"no detail", bare, []string{"server-requests", "server-utilization"}},
		{"one run without detail", half, []string{"server-requests", "server-utilization"}},
		{"no results", &results.Comparison{Scenario: "empty"}, nil},
	}
	for _, tt := range tests {
		charts := Charts(tt.c)
		if got := chartNames(charts); !slices.Equal(got, tt.want) {
			t.Errorf("%s: charts %v, want %v", tt.name, got, tt.want)
		}
		for _, ch := range charts {
			if !strings.Contains(ch.Title, tt.c.Scenario) || ch.About == "" {
				t.Errorf("%s: chart %s has title %q and about %q; want the scenario named and an explanation", tt.name, ch.Name, ch.Title, ch.About)
			}
		}
	}
	seeds := detailedRuns()
	seeds.Seeds, seeds.Aggregate = 3, results.AggregateWorst
	for _, ch := range Charts(seeds) {
		want := "seed 7 (the first of 3)" // the detail is the first seed's
		if strings.HasPrefix(ch.Name, "server-") {
			want = "worst of seeds 7 to 9" // the bars are combined
		}
		if !strings.Contains(ch.Title, want) {
			t.Errorf("%s: title %q does not say %q", ch.Name, ch.Title, want)
		}
	}
}

// svgContent parses an SVG document as XML and returns its texts, its
// data lines (paths of ten or more segments) drawn opaque, counted by
// stroke colour, those drawn faint, and its filled marks (shapes of a
// few segments, markers and legend samples), counted by fill colour.
func svgContent(t *testing.T, doc []byte) (texts []string, lines map[string]int, faint int, marks map[string]int) {
	t.Helper()
	lines, marks = map[string]int{}, map[string]int{}
	stroke := regexp.MustCompile(`stroke:(#[0-9A-F]{6})`)
	fill := regexp.MustCompile(`fill:(#[0-9A-F]{6})`)
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var inText bool
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return texts, lines, faint, marks
		}
		if err != nil {
			t.Fatalf("not XML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			inText = el.Name.Local == "text"
			if el.Name.Local != "path" {
				continue
			}
			var d, style string
			for _, a := range el.Attr {
				switch a.Name.Local {
				case "d":
					d = a.Value
				case "style":
					style = a.Value
				}
			}
			segments := strings.Count(d, "L")
			switch m := stroke.FindStringSubmatch(style); {
			case m != nil && segments >= 10 && strings.Contains(style, "stroke-opacity:0."):
				faint++
			case m != nil && segments >= 10:
				lines[m[1]]++
			}
			if m := fill.FindStringSubmatch(style); m != nil && segments < 10 {
				marks[m[1]]++
			}
		case xml.CharData:
			if inText {
				texts = append(texts, strings.TrimSpace(string(el)))
			}
		case xml.EndElement:
			inText = false
		}
	}
}

// TestChartSVG checks each chart's SVG is XML with one data line per
// algorithm (or per server, in every panel, over its faint samples),
// markers along the lines, and the labels a reader needs.
func TestChartSVG(t *testing.T) {
	const blue, vermillion, green = "#0072B2", "#D55E00", "#009E73"
	gap := detailedRuns()
	for i := range gap.Results {
		for k := 20; k <= 30; k++ {
			w := &gap.Results[i].Detail.Timeline.Windows[k]
			w.Completed, w.Latency = 0, nil
		}
	}
	tests := []struct {
		c     *results.Comparison
		chart string
		// lines is the number of opaque data lines of each palette
		// colour; 0 means the chart has none (bars). faint is the number
		// of faint ones.
		lines map[string]int
		faint int
		texts []string
	}{
		{detailedRuns(), "latency-cdf", map[string]int{blue: 1, vermillion: 1, green: 1}, 0, []string{
			"round_robin: p50 50 ms, p99 99 ms", "least_connections: p50 100 ms, p99 198 ms",
			"power_of_two: p50 150 ms, p99 297 ms", "p50", "p99", "latency (log scale)", "10 ms", "1 s",
		}},
		{detailedRuns(), "ccdf", map[string]int{blue: 1, vermillion: 1, green: 1}, 0, []string{
			"round_robin: p99 99 ms, p999 99.9 ms", "power_of_two: p99 297 ms, p999 300 ms", "p99", "p999", "latency (log scale)", "share of requests slower",
			"100%", "10%", "1%", "0.1%", "0.01%",
		}},
		{detailedRuns(), "server-requests", nil, 0, []string{"app-1", "app-2", "app-3", "round_robin", "least_connections", "power_of_two", "requests"}},
		{detailedRuns(), "server-utilization", nil, 0, []string{"app-1", "power_of_two", "utilization", "60%"}},
		// A line per server in each of three panels, over its samples.
		{detailedRuns(), "inflight", map[string]int{blue: 3, vermillion: 3, green: 3}, 9, []string{
			"round_robin", "least_connections", "power_of_two", "app-1", "app-2", "app-3",
			"crash app-2", "out app-2", "rate 80/s", "recover app-2", "in app-2", "warm-up", "0", "30", "60",
		}},
		{detailedRuns(), "p99-over-time", map[string]int{blue: 1, vermillion: 1, green: 1}, 0, []string{
			"round_robin", "least_connections", "power_of_two", "crash app-2", "out app-2", "rate 80/s", "warm-up", "p99 latency",
		}},
		// No request completed from 20 s to 31 s: the 6 s spans that end
		// from 26 s to 31 s hold none, so each line has two segments.
		{gap, "p99-over-time", map[string]int{blue: 2, vermillion: 2, green: 2}, 0, []string{"round_robin"}},
	}
	for _, tt := range tests {
		charts := Charts(tt.c)
		i := slices.Index(chartNames(charts), tt.chart)
		if i < 0 {
			t.Fatalf("no chart %s", tt.chart)
		}
		var buf bytes.Buffer
		if err := charts[i].WriteSVG(&buf); err != nil {
			t.Fatalf("%s: %v", tt.chart, err)
		}
		texts, lines, faint, marks := svgContent(t, buf.Bytes())
		if tt.lines == nil {
			tt.lines = map[string]int{}
		}
		if !maps.Equal(lines, tt.lines) || faint != tt.faint {
			t.Errorf("%s: data lines by colour %v and %d faint, want %v and %d", tt.chart, lines, faint, tt.lines, tt.faint)
		}
		// Markers: several along each line, besides the legend's.
		for colour := range tt.lines {
			if marks[colour] < 4 {
				t.Errorf("%s: %d marks in %s, want markers along its lines", tt.chart, marks[colour], colour)
			}
		}
		for _, want := range append(tt.texts, charts[i].Title) {
			if !slices.Contains(texts, want) {
				t.Errorf("%s: no text %q among %q", tt.chart, want, texts)
			}
		}
	}
}

// TestChartPNG checks each chart's PNG decodes to the size of the chart
// at 96 dots per inch, and is a picture, not a blank.
func TestChartPNG(t *testing.T) {
	want := map[string]image.Point{
		"latency-cdf": {864, 432}, "ccdf": {864, 432}, "server-requests": {864, 432}, "server-utilization": {864, 432},
		"inflight":      {864, 730}, // three panels of 2.4 in and 0.4 in for the title
		"p99-over-time": {864, 432},
	}
	for _, ch := range Charts(detailedRuns()) {
		var buf bytes.Buffer
		if err := ch.WritePNG(&buf); err != nil {
			t.Fatalf("%s: %v", ch.Name, err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatalf("%s: %v", ch.Name, err)
		}
		if got := img.Bounds().Size(); got != want[ch.Name] {
			t.Errorf("%s: %v pixels, want %v", ch.Name, got, want[ch.Name])
		}
		if n := colours(img); n < 20 {
			t.Errorf("%s: %d colours; a chart has lines, bars and anti-aliased text", ch.Name, n)
		}
	}
}

// colours counts the distinct colours of an image.
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}

// TestChartsReproducible checks the same comparison gives the same bytes,
// drawn twice from one Chart or from two comparisons built alike.
func TestChartsReproducible(t *testing.T) {
	a, b := Charts(detailedRuns()), Charts(detailedRuns())
	for i, ch := range a {
		for _, format := range []struct {
			ext   string
			write func(*Chart, io.Writer) error
		}{{"svg", (*Chart).WriteSVG}, {"png", (*Chart).WritePNG}} {
			var first, again, other bytes.Buffer
			for _, w := range []struct {
				ch  *Chart
				buf *bytes.Buffer
			}{{ch, &first}, {ch, &again}, {b[i], &other}} {
				if err := format.write(w.ch, w.buf); err != nil {
					t.Fatalf("%s.%s: %v", ch.Name, format.ext, err)
				}
			}
			if !bytes.Equal(first.Bytes(), again.Bytes()) || !bytes.Equal(first.Bytes(), other.Bytes()) {
				t.Errorf("%s.%s: different bytes for the same input", ch.Name, format.ext)
			}
		}
	}
}

// TestChartErrors checks data a chart cannot draw gives an error, and
// nothing written.
func TestChartErrors(t *testing.T) {
	empty := detailedRuns()
	for i := range empty.Results {
		empty.Results[i].Detail.Latency = results.NewHistogram()
		for k := range empty.Results[i].Detail.Timeline.Windows {
			w := &empty.Results[i].Detail.Timeline.Windows[k]
			w.Completed, w.Latency = 0, nil
		}
	}
	for _, ch := range Charts(empty) {
		want := map[string]string{"latency-cdf": "no latencies were measured", "ccdf": "no latencies were measured", "p99-over-time": "no window completed a request"}[ch.Name]
		for _, write := range []func(io.Writer) error{ch.WriteSVG, ch.WritePNG} {
			var buf bytes.Buffer
			err := write(&buf)
			switch {
			case want == "" && err != nil:
				t.Errorf("%s: %v", ch.Name, err)
			case want != "" && (err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), ch.Name)):
				t.Errorf("%s: error %v, want one naming the chart and saying %q", ch.Name, err, want)
			case want != "" && buf.Len() > 0:
				t.Errorf("%s: %d bytes written along with the error", ch.Name, buf.Len())
			}
		}
	}
}

// TestChartMarkers checks the event lines: the p99 chart marks an event
// shared by every run once, and labels too close to read apart are merged
// into the first, which counts the others.
func TestChartMarkers(t *testing.T) {
	c := detailedRuns()
	extra := results.Event{At: 30*time.Second + 200*time.Millisecond, Kind: results.EventOut, Server: "app-2", Text: "ejected by passive checks"}
	c.Results[2].Detail.Timeline.Events = append(slices.Clone(c.Results[2].Detail.Timeline.Events), extra)
	charts := Charts(c)
	var buf bytes.Buffer
	if err := charts[slices.Index(chartNames(charts), "p99-over-time")].WriteSVG(&buf); err != nil {
		t.Fatal(err)
	}
	texts, _, _, _ := svgContent(t, buf.Bytes())
	count := func(s string) (n int) {
		for _, t := range texts {
			if t == s {
				n++
			}
		}
		return n
	}
	for label, want := range map[string]int{"crash app-2 (+1)": 1, "crash app-2": 0, "out app-2": 1, "rate 80/s": 1} {
		if got := count(label); got != want {
			t.Errorf("label %q %d times, want %d; labels %q", label, got, want, texts)
		}
	}
}

// TestNeverLaunchedBars: a server no algorithm launched gets no bars, and
// the caption says why it is missing; one launched by some algorithm
// keeps its bars.
func TestNeverLaunchedBars(t *testing.T) {
	c := detailedRuns()
	for i := range c.Results {
		r := &c.Results[i]
		r.Servers = append(slices.Clone(r.Servers), results.Server{Name: "spare", NeverLaunched: true}, results.Server{Name: "late", NeverLaunched: i > 0})
	}
	for _, ch := range Charts(c) {
		if !strings.HasPrefix(ch.Name, "server-") {
			continue
		}
		if !strings.Contains(ch.About, "never launched are left out") {
			t.Errorf("%s: caption %q does not say why a server is missing", ch.Name, ch.About)
		}
		fig, err := ch.build()
		if err != nil {
			t.Fatal(err)
		}
		var labels []string
		for _, tick := range fig.panels[0].X.Tick.Marker.Ticks(fig.panels[0].X.Min, fig.panels[0].X.Max) {
			if tick.Label != "" {
				labels = append(labels, tick.Label)
			}
		}
		if slices.Contains(labels, "spare") || !slices.Contains(labels, "late") {
			t.Errorf("%s: servers %v, want late and not spare", ch.Name, labels)
		}
	}
	if neverLaunched(detailedRuns()) {
		t.Error("a comparison where every server served says some never launched")
	}
}

// TestSeriesStyles checks series can be told apart without colours: the
// first ten differ from each other in dash pattern and in marker, and
// all of the up to 100 algorithms a scenario may compare in the pair of
// them; a series' style is the same on every call.
func TestSeriesStyles(t *testing.T) {
	type look struct {
		dashes string
		marker marker
	}
	lookOf := func(s style) look { return look{fmt.Sprint(s.dashes), s.marker} }
	tests := []struct {
		n    int
		both bool // each pair differs in dash and in marker
	}{{2, true}, {5, true}, {len(markerShapes), true}, {len(markerShapes) + 1, false}, {100, false}}
	for _, tt := range tests {
		seen := map[look]int{}
		for i := range tt.n {
			s := seriesStyle(i)
			if again := seriesStyle(i); lookOf(again) != lookOf(s) || again.color != s.color {
				t.Errorf("series %d: two calls give two styles", i)
			}
			if !slices.Contains(palette, s.color) {
				t.Errorf("series %d: colour %v is not in the palette", i, s.color)
			}
			if j, ok := seen[lookOf(s)]; ok {
				t.Errorf("%d series: %d and %d share dashes %v and marker %d", tt.n, j, i, s.dashes, s.marker)
			}
			seen[lookOf(s)] = i
			for j := range i {
				o := seriesStyle(j)
				if tt.both && (fmt.Sprint(o.dashes) == fmt.Sprint(s.dashes) || o.marker == s.marker) {
					t.Errorf("%d series: %d and %d share a dash pattern or a marker", tt.n, j, i)
				}
			}
		}
	}
	if len(dashPatterns) != len(markerShapes) {
		t.Errorf("%d dash patterns for %d markers", len(dashPatterns), len(markerShapes))
	}
}

// TestMarkAlong checks markers fall at their phase along a line, then
// every markEvery of its length, across its bends, and that lines drawn
// over each other with the phases of two series have their markers
// apart.
func TestMarkAlong(t *testing.T) {
	pt := func(x, y vg.Length) vg.Point { return vg.Point{X: x, Y: y} }
	tests := []struct {
		name  string
		pts   []vg.Point
		phase vg.Length
		want  []vg.Point
	}{
		{"straight", []vg.Point{pt(0, 0), pt(200, 0)}, 10, []vg.Point{pt(10, 0), pt(74, 0), pt(138, 0)}},
		{"a bend", []vg.Point{pt(0, 0), pt(40, 0), pt(40, 100)}, 32, []vg.Point{pt(32, 0), pt(40, 56)}},
		{"many short segments", []vg.Point{pt(0, 0), pt(10, 0), pt(20, 0), pt(30, 0), pt(70, 0), pt(140, 0)}, 5, []vg.Point{pt(5, 0), pt(69, 0), pt(133, 0)}},
		{"shorter than the phase", []vg.Point{pt(0, 0), pt(3, 4)}, 6, nil},
		{"one point", []vg.Point{pt(1, 1)}, 0, nil},
	}
	for _, tt := range tests {
		got := markAlong(tt.pts, tt.phase)
		if len(got) != len(tt.want) {
			t.Errorf("%s: markers at %v, want %v", tt.name, got, tt.want)
			continue
		}
		for i := range got {
			if d := got[i].Sub(tt.want[i]); math.Hypot(float64(d.X), float64(d.Y)) > 1e-9 {
				t.Errorf("%s: markers at %v, want %v", tt.name, got, tt.want)
				break
			}
		}
	}
	line := []vg.Point{pt(0, 0), pt(300, 0)}
	a, b := markAlong(line, phase(0, 2)), markAlong(line, phase(1, 2))
	for i := range min(len(a), len(b)) {
		if d := b[i].X - a[i].X; d != markEvery/2 {
			t.Errorf("overlapping lines: markers %v and %v, want them half of %v apart", a, b, markEvery)
			break
		}
	}
}

// TestCentredMean checks the in-flight average: the mean of the w
// samples around each, fewer at the ends.
func TestCentredMean(t *testing.T) {
	ys := func(vs ...float64) plotter.XYs {
		out := make(plotter.XYs, len(vs))
		for i, v := range vs {
			out[i] = plotter.XY{X: float64(i), Y: v}
		}
		return out
	}
	tests := []struct {
		name string
		in   plotter.XYs
		w    int
		want plotter.XYs
	}{
		{"one sample each", ys(1, 5, 3), 1, ys(1, 5, 3)},
		{"three", ys(3, 0, 0, 6, 0), 3, ys(1.5, 1, 2, 2, 3)},
		{"four", ys(4, 0, 0, 0, 8), 4, ys(2, 4.0/3, 1, 2, 8.0/3)},
		{"wider than the run", ys(1, 2, 3), 10, ys(2, 2, 2)},
		{"none", nil, 3, ys()},
	}
	for _, tt := range tests {
		got := centredMean(tt.in, tt.w)
		if len(got) != len(tt.want) {
			t.Fatalf("%s: %v, want %v", tt.name, got, tt.want)
		}
		for i := range got {
			if got[i].X != tt.want[i].X || math.Abs(got[i].Y-tt.want[i].Y) > 1e-12 {
				t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
				break
			}
		}
	}
}

// TestRollingSpan checks the span of the p99 over time: 10 s by default,
// at least five windows, at most a tenth of the run, at least one window;
// or what ChartOptions asks, in whole windows.
func TestRollingSpan(t *testing.T) {
	tl := func(step time.Duration, windows int) []results.Timeline {
		return []results.Timeline{{Step: step, Windows: make([]results.Window, windows)}}
	}
	tests := []struct {
		name string
		tls  []results.Timeline
		want time.Duration
		span time.Duration
	}{
		{"default", tl(time.Second, 200), 0, 10 * time.Second},
		{"default on fine windows", tl(500*time.Millisecond, 200), 0, 10 * time.Second},
		{"five windows of a long run", tl(20*time.Second, 180), 0, 100 * time.Second},
		{"a tenth of a short run", tl(200*time.Millisecond, 200), 0, 4 * time.Second},
		{"a run of a few windows", tl(time.Second, 7), 0, time.Second},
		{"the longest run's tenth", append(tl(time.Second, 30), tl(time.Second, 90)...), 0, 9 * time.Second},
		{"asked", tl(time.Second, 200), 30 * time.Second, 30 * time.Second},
		{"asked, rounded to windows", tl(2*time.Second, 200), 5 * time.Second, 6 * time.Second},
		{"asked, less than a window", tl(5*time.Second, 200), time.Second, 5 * time.Second},
		{"asked, longer than the run", tl(time.Second, 20), time.Minute, time.Minute},
	}
	for _, tt := range tests {
		if got := rollingSpan(tt.tls, tt.want); got != tt.span {
			t.Errorf("%s: span %v, want %v", tt.name, got, tt.span)
		}
	}
}

// TestChartsWith checks ChartOptions reach the titles, the captions and
// the lines, that Charts draws the defaults, and that runs whose
// timelines have different steps are drawn on the coarsest.
func TestChartsWith(t *testing.T) {
	coarse := detailedRuns()
	coarse.Results[1].Detail.Timeline = coarse.Results[1].Detail.Timeline.Coarsened(2)
	coarse.Results[2].Detail.Timeline.Windows[7].Failed = 3
	tests := []struct {
		name  string
		c     *results.Comparison
		opt   ChartOptions
		texts map[string]string // chart: in its title and caption
	}{
		{"default", detailedRuns(), ChartOptions{}, map[string]string{"p99-over-time": "6s", "inflight": "6s"}},
		{"asked", detailedRuns(), ChartOptions{P99Window: 3 * time.Second}, map[string]string{"p99-over-time": "3s", "inflight": "3s"}},
		{"rounded", detailedRuns(), ChartOptions{P99Window: 2400 * time.Millisecond}, map[string]string{"p99-over-time": "2s"}},
		{"negative is the default", detailedRuns(), ChartOptions{P99Window: -time.Second}, map[string]string{"p99-over-time": "6s"}},
		{"steps differ", coarse, ChartOptions{P99Window: 3 * time.Second}, map[string]string{"p99-over-time": "4s", "failures-over-time": "2s"}},
	}
	for _, tt := range tests {
		charts := ChartsWith(tt.c, tt.opt)
		for name, want := range tt.texts {
			i := slices.Index(chartNames(charts), name)
			if i < 0 {
				t.Fatalf("%s: no chart %s", tt.name, name)
			}
			ch := charts[i]
			if !strings.Contains(ch.About, " "+want) || (name != "inflight" && !strings.Contains(ch.Title, " "+want+" ") && !strings.Contains(ch.Title, " "+want+",")) {
				t.Errorf("%s: %s: title %q, caption %q; want both to say %s", tt.name, name, ch.Title, ch.About, want)
			}
		}
		for _, ch := range charts {
			var buf bytes.Buffer
			if err := ch.WriteSVG(&buf); err != nil {
				t.Errorf("%s: %s: %v", tt.name, ch.Name, err)
			}
		}
	}
	tls := timelines(coarse)
	for i, tl := range tls {
		if tl.Step != 2*time.Second || len(tl.Windows) != 30 {
			t.Errorf("run %d on %d windows of %v, want 30 of 2s", i, len(tl.Windows), tl.Step)
		}
	}
	for i, ch := range Charts(detailedRuns()) {
		var a, b bytes.Buffer
		other := ChartsWith(detailedRuns(), ChartOptions{})[i]
		if ch.WritePNG(&a) != nil || other.WritePNG(&b) != nil || !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: Charts and ChartsWith the defaults differ", ch.Name)
		}
	}
}

// TestCaptions checks every chart has a caption of one line, one
// sentence, short enough to read at a glance.
func TestCaptions(t *testing.T) {
	all := detailedRuns()
	all.Results[0].Detail.Timeline.Windows[3].Failed = 1
	for i := range all.Results {
		r := &all.Results[i]
		r.Servers = append(slices.Clone(r.Servers), results.Server{Name: "spare", NeverLaunched: true})
	}
	charts := append(Charts(all), SweepChart(sampleSweep()))
	if len(charts) != len(allCharts)+2 {
		t.Fatalf("charts %v, want every one and the sweep's", chartNames(charts))
	}
	for _, ch := range charts {
		switch {
		case ch.About == "":
			t.Errorf("%s: no caption", ch.Name)
		case strings.ContainsAny(ch.About, "\n\r"):
			t.Errorf("%s: caption on several lines: %q", ch.Name, ch.About)
		case len(ch.About) > 160:
			t.Errorf("%s: caption of %d characters: %q", ch.Name, len(ch.About), ch.About)
		case !strings.HasSuffix(ch.About, ".") || strings.Count(ch.About, ". ") > 0:
			t.Errorf("%s: caption is not one sentence: %q", ch.Name, ch.About)
		}
	}
}

// TestCCDF checks the tail's points: from 1 at the fastest request down
// to 1/n at the slowest, never rising, crossing the p99 guide at the
// p99; and the chart's share axis reaches 1/n, a decade at least.
func TestCCDF(t *testing.T) {
	tests := []struct {
		name string
		n    int
		at   func(k int) time.Duration // the k-th of n latencies
	}{
		{"one request", 1, func(int) time.Duration { return 40 * time.Millisecond }},
		{"ties", 1000, func(k int) time.Duration { return time.Duration(1+k%2) * 50 * time.Millisecond }},
		{"uniform", 20000, func(k int) time.Duration { return time.Duration(k+1) * time.Millisecond / 10 }},
		{"a slow tail", 100000, func(k int) time.Duration {
			if k%1000 == 0 {
				return 5 * time.Second
			}
			return 50*time.Millisecond + time.Duration(k%997)*time.Microsecond
		}},
	}
	for _, tt := range tests {
		h := results.NewHistogram()
		for k := range tt.n {
			h.Record(tt.at(k))
		}
		xys := ccdf(h)
		first, last := xys[0], xys[len(xys)-1]
		if first.X != positiveMS(h.Min()) || first.Y != 1 || last.X != positiveMS(h.Max()) || last.Y != 1/float64(tt.n) {
			t.Errorf("%s: from %v to %v; want from (%v, 1) to (%v, 1/%d)", tt.name, first, last, positiveMS(h.Min()), positiveMS(h.Max()), tt.n)
		}
		for k := 1; k < len(xys); k++ {
			if xys[k].Y > xys[k-1].Y || xys[k].X < xys[k-1].X || xys[k].Y < 1/float64(tt.n) {
				t.Errorf("%s: point %d %v after %v", tt.name, k, xys[k], xys[k-1])
			}
		}
		if tt.n >= 1000 {
			k := slices.IndexFunc(xys, func(xy plotter.XY) bool { return xy.Y <= 0.01+1e-12 })
			if p99 := positiveMS(h.Quantile(0.99)); k < 0 || math.Abs(xys[k].X-p99) > 0.01*p99 {
				t.Errorf("%s: the line reaches 1%% at %v, want the p99, %v ms", tt.name, xys[max(k, 0)], p99)
			}
		}
		c := &results.Comparison{Scenario: "tail", Results: []results.Result{{Algorithm: "random", Detail: &results.Detail{Latency: h}}}}
		p, err := latencyCCDF(c)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if want := math.Min(math.Pow(10, math.Floor(math.Log10(1/float64(tt.n))+1e-9)), 0.1); math.Abs(p.Y.Min-want) > 1e-9*want || p.Y.Max != 1 {
			t.Errorf("%s: share axis from %g to %g, want from the decade of 1/%d, at most 0.1, to 1", tt.name, p.Y.Min, p.Y.Max, tt.n)
		}
		var buf bytes.Buffer
		ch := Charts(&results.Comparison{Scenario: "tail", Results: []results.Result{{Algorithm: "random", Detail: &results.Detail{Latency: h}}}})
		if i := slices.Index(chartNames(ch), "ccdf"); i < 0 || ch[i].WritePNG(&buf) != nil {
			t.Errorf("%s: the ccdf chart does not draw", tt.name)
		}
	}
}

// TestShareTicks checks the tail's share axis: a labelled tick at each
// power of ten, in percent written out, and unlabelled ones between.
func TestShareTicks(t *testing.T) {
	var labels []string
	minor := 0
	for _, tick := range (shareTicks{}).Ticks(1e-6, 1) {
		if tick.Label == "" {
			minor++
		} else {
			labels = append(labels, tick.Label)
		}
	}
	want := []string{"0.0001%", "0.001%", "0.01%", "0.1%", "1%", "10%", "100%"}
	if !slices.Equal(labels, want) || minor != 6*8 {
		t.Errorf("labels %v and %d minor ticks, want %v and 48", labels, minor, want)
	}
}
