package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	"image/png"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lbsim/lbsim/results"
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
