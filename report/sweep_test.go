package report

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"io"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lbsim/lbsim/results"
	"gonum.org/v1/plot"
)

// sampleSweep is a rate sweep of an M/M/1-like queue at 10 to 50
// requests/s: round_robin's latency climbs as 1/(60-rate), least_connections
// does a little better, and at 50 round_robin turns some requests away.
func sampleSweep() *results.Sweep {
	s := &results.Sweep{
		Scenario:       "queue",
		Description:    "one queue, more and more load",
		ScenarioSHA256: "0123abcd",
		Vary:           results.Vary{Key: "rate", From: 10, To: 50, Step: 10},
		Algorithms:     []string{"round_robin", "least_connections"},
		Seed:           7,
	}
	for i := 0; i < 5; i++ {
		rate := 10 + 10*float64(i)
		mean := 1000 / (60 - rate)
		p := results.SweepPoint{Index: i, Value: rate, Requests: 10000}
		for j, alg := range s.Algorithms {
			f := 1 - 0.2*float64(j)
			r := results.Result{
				Algorithm: alg, Completed: 10000, ThroughputRPS: rate + 0.0001234,
				Latency:  results.Latency{Mean: mean * f, P50: mean * f * 0.7, P90: mean * f * 2.3, P95: mean * f * 3, P99: mean * f * math.Log(100), P999: mean * f * 6.9, Max: mean * f * 9.87654},
				Fairness: results.NewFairness([]float64{0.5, 0.5}),
				Servers:  []results.Server{{Name: "app", Requests: 10000, Utilization: rate / 60}},
			}
			if i == 4 && j == 0 {
				r.Completed, r.Rejected = 9990, 10
				r.FailedByCause = map[string]int64{"queue_full": 10}
			}
			p.Results = append(p.Results, r)
		}
		s.Points = append(s.Points, p)
	}
	return s
}

// slice cuts the sweep s into slice k of n, as lbsim sweep --shard k/n
// makes it.
func slice(s *results.Sweep, k, n int) *results.Sweep {
	c := *s
	c.Shard = &results.Shard{Index: k, Count: n}
	c.Points = nil
	for _, i := range c.Shard.Indices(len(s.Points)) {
		c.Points = append(c.Points, s.Points[i])
	}
	return &c
}

func TestMergeSweeps(t *testing.T) {
	whole := sampleSweep()
	for n := 1; n <= 7; n++ {
		var files []results.SweepFile
		for k := n; k >= 1; k-- { // in any order
			files = append(files, results.SweepFile{Name: "s" + results.Shard{Index: k, Count: n}.String(), Sweep: slice(whole, k, n)})
		}
		got, err := results.MergeSweeps(files)
		if err != nil {
			t.Fatalf("%d slices: %v", n, err)
		}
		if !reflect.DeepEqual(got, whole) {
			t.Errorf("%d slices merge into\n%+v\nwant\n%+v", n, got, whole)
		}
	}
	// A whole sweep is its own only slice.
	if got, err := results.MergeSweeps([]results.SweepFile{{Name: "whole.json", Sweep: whole}}); err != nil || !reflect.DeepEqual(got, whole) {
		t.Errorf("a whole sweep: %v", err)
	}

	other := func(change func(*results.Sweep)) *results.Sweep {
		s := slice(whole, 2, 3)
		change(s)
		return s
	}
	a, c := slice(whole, 1, 3), slice(whole, 3, 3)
	tests := []struct {
		name  string
		files []results.SweepFile
		file  string
		want  string
	}{
		{"no files", nil, "", "no files to merge"},
		{"another range", []results.SweepFile{{Name: "a", Sweep: a}, {Name: "b", Sweep: other(func(s *results.Sweep) { s.Vary.To = 60 })}, {Name: "c", Sweep: c}}, "b",
			"a slice of another sweep than a: its vary is rate=10:60:10, not rate=10:50:10"},
		{"another scenario text", []results.SweepFile{{Name: "a", Sweep: a}, {Name: "b", Sweep: other(func(s *results.Sweep) { s.ScenarioSHA256 = "ff" })}}, "b", "its scenario_sha256 (the scenario file's text) is ff, not 0123abcd"},
		{"other algorithms", []results.SweepFile{{Name: "a", Sweep: a}, {Name: "b", Sweep: other(func(s *results.Sweep) { s.Algorithms = []string{"random"} })}}, "b", "its algorithms is random, not round_robin,least_connections"},
		{"other seeds", []results.SweepFile{{Name: "a", Sweep: a}, {Name: "b", Sweep: other(func(s *results.Sweep) { s.Seeds, s.Aggregate = 3, results.AggregateMean })}}, "b", "its seeds is 3, not 0"},
		{"another seed", []results.SweepFile{{Name: "a", Sweep: a}, {Name: "b", Sweep: other(func(s *results.Sweep) { s.Seed = 8 })}}, "b", "its seed is 8, not 7"},
		{"another run length", []results.SweepFile{{Name: "a", Sweep: a}, {Name: "b", Sweep: other(func(s *results.Sweep) { s.RunRequests = 5 })}}, "b", "its run_requests is 5, not 0"},
		{"another unit", []results.SweepFile{{Name: "a", Sweep: a}, {Name: "b", Sweep: other(func(s *results.Sweep) { s.Vary.Unit = "s" })}}, "b", "its vary is"},
		{"cut otherwise", []results.SweepFile{{Name: "a", Sweep: a}, {Name: "b", Sweep: slice(whole, 2, 4)}}, "b", "slice 2/4 of a sweep cut into 4 slices, but a is a slice of 3"},
		{"twice", []results.SweepFile{{Name: "a", Sweep: a}, {Name: "b", Sweep: slice(whole, 2, 3)}, {Name: "a2", Sweep: a}}, "a2", "slice 1/3 again: a is that slice too"},
		{"missing", []results.SweepFile{{Name: "a", Sweep: a}, {Name: "c", Sweep: c}}, "", "slice 2/3 of the sweep (rate=10:50:10 of queue) is missing; merge needs every slice"},
		{"two missing", []results.SweepFile{{Name: "c", Sweep: c}}, "", "slice 1/3, 2/3 of the sweep"},
		{"a point short", []results.SweepFile{{Name: "a", Sweep: a}, {Name: "b", Sweep: other(func(s *results.Sweep) { s.Points = s.Points[:0] })}, {Name: "c", Sweep: c}}, "b", "slice 2/3 of 5 points should hold points 1, 4, but holds none"},
		{"a point too many", []results.SweepFile{{Name: "a", Sweep: other(func(s *results.Sweep) { s.Shard.Index = 1; s.Points = append(a.Points, whole.Points[1]) })}}, "a", "should hold points 0, 3, but holds 0, 3, 1"},
		{"a value off", []results.SweepFile{{Name: "a", Sweep: a}, {Name: "b", Sweep: other(func(s *results.Sweep) {
			s.Points = slices.Clone(s.Points)
			s.Points[0].Value = 21
		})}}, "b", "point 1 has the value 21, but rate=10:50:10 makes it 20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := results.MergeSweeps(tt.files)
			var me *results.MergeError
			if !errors.As(err, &me) {
				t.Fatalf("got %v (%T), want a *MergeError", err, err)
			}
			if me.File != tt.file || !strings.Contains(me.Msg, tt.want) {
				t.Errorf("got file %q, %q; want file %q, %q", me.File, me.Msg, tt.file, tt.want)
			}
		})
	}
}

func TestSweepJSONRoundTrip(t *testing.T) {
	for _, s := range []*results.Sweep{sampleSweep(), slice(sampleSweep(), 2, 3), slice(sampleSweep(), 5, 6)} {
		var buf bytes.Buffer
		if err := WriteSweep(&buf, FormatJSON, s); err != nil {
			t.Fatal(err)
		}
		got, err := results.ReadSweep(buf.Bytes())
		if err != nil {
			t.Fatalf("%v\n%s", err, buf.Bytes())
		}
		if want := normalizeSweep(s); !reflect.DeepEqual(got, want) {
			t.Errorf("read back\n%+v\nwant\n%+v", got, want)
		}
		var again bytes.Buffer
		if err := WriteSweep(&again, FormatJSON, got); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
			t.Errorf("written again differs (%v):\n%s\n---\n%s", err, again.Bytes(), buf.Bytes())
		}
	}
}

func TestReadSweepErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSweep(&buf, FormatJSON, sampleSweep()); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	tests := []struct{ name, in, want string }{
		{"syntax", strings.Replace(good, `"seed": 7`, `"seed": 7,,`, 1), "15:13: invalid character ','"},
		{"type", strings.Replace(good, `"seed": 7`, `"seed": "7"`, 1), "15:13: seed: cannot read a JSON string as uint64"},
		{"a comparison", `{"scenario": "x", "results": [{"algorithm": "round_robin"}]}`, "not an lbsim sweep"},
		{"no points in the range", strings.Replace(good, `"step": 10`, `"step": 0`, 1), "vary: rate=10:50:0: the step must not be 0"},
		{"shard out of range", strings.Replace(good, `"seed": 7,`, `"seed": 7, "shard": {"index": 3, "count": 2},`, 1), "shard: the slice must be between 1 and 2, got 3"},
		{"results for other algorithms", strings.Replace(good, `"algorithm": "least_connections"`, `"algorithm": "random"`, 1), "points[0].results: has results for [round_robin random]"},
		{"trailing", good + "{}", "more after the JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := results.ReadSweep([]byte(tt.in))
			var je *results.JSONError
			if !errors.As(err, &je) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want a *JSONError with %q", err, tt.want)
			}
		})
	}
}

// TestWriteSweepGolden: the tables show the metrics asked for, in that
// order; CSV and JSON are as they always were.
func TestWriteSweepGolden(t *testing.T) {
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSweep(&buf, f, sampleSweep(), "p99", "mean", "failed"); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "sweep-"+string(f)+".golden", buf.Bytes())
		})
	}
	var buf bytes.Buffer
	if err := WriteSweep(&buf, FormatTable, slice(sampleSweep(), 2, 3)); err != nil || !strings.HasPrefix(buf.String(), "queue: p99 latency in ms by rate, seed 7, slice 2/3 of rate=10:50:10\n") {
		t.Errorf("a slice's title: %v\n%s", err, buf.String())
	}
	if err := WriteSweep(&buf, "xml", sampleSweep()); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("format xml: %v", err)
	}
}

// TestSweepChart: both formats draw, the same sweep gives the same bytes,
// and sweeps with nothing to draw do not break the chart.
func TestSweepChart(t *testing.T) {
	empty := slice(sampleSweep(), 6, 6)
	nothing := sampleSweep()
	for i := range nothing.Points {
		nothing.Points[i].Results[1].Completed = 0
	}
	for _, s := range []*results.Sweep{sampleSweep(), empty, nothing} {
		for _, format := range []string{"png", "svg"} {
			var a, b bytes.Buffer
			write := map[string]func(*Chart, io.Writer) error{"png": (*Chart).WritePNG, "svg": (*Chart).WriteSVG}[format]
			if err := write(SweepChart(s), &a); err != nil {
				t.Fatal(err)
			}
			if err := write(SweepChart(s), &b); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Errorf("%s: two charts of the same sweep differ", format)
			}
			switch format {
			case "png":
				img, err := png.Decode(&a)
				if err != nil {
					t.Fatal(err)
				}
				// 9 x 5.2 inches at 96 dpi: two 2.4 in panels and the title.
				if size := img.Bounds().Size(); size != image.Pt(864, 499) {
					t.Errorf("png is %v, want 864x499", size)
				}
			case "svg":
				if !strings.HasPrefix(a.String(), "<?xml") || !strings.Contains(a.String(), "least_connections") || !strings.Contains(a.String(), "p99 latency (ms)") {
					t.Errorf("svg lacks its prolog, legend or axis label")
				}
			}
		}
	}
}

// TestSweepChartScale: a panel whose latencies span more than a factor of
// 100 has a log axis with 1-2-5 labels; a narrower one a linear axis from 0.
func TestSweepChartScale(t *testing.T) {
	s := sampleSweep() // means from 20 to 100 ms
	p, _ := sweepPanel(s, "mean", func(l results.Latency) float64 { return l.Mean })
	if _, ok := p.Y.Scale.(plot.LogScale); ok || p.Y.Min != 0 {
		t.Errorf("a 5-fold span: scale %T, min %g; want linear from 0", p.Y.Scale, p.Y.Min)
	}
	s.Points[4].Results[0].Latency.Mean = 5000
	p, _ = sweepPanel(s, "mean", func(l results.Latency) float64 { return l.Mean })
	if _, ok := p.Y.Scale.(plot.LogScale); !ok {
		t.Fatalf("a 300-fold span: scale %T, want log", p.Y.Scale)
	}
	var labels []string
	for _, tick := range p.Y.Tick.Marker.Ticks(16, 5000) {
		if tick.Label != "" {
			labels = append(labels, tick.Label)
		}
	}
	if want := []string{"20", "50", "100", "200", "500", "1000", "2000", "5000"}; !slices.Equal(labels, want) {
		t.Errorf("log labels %v, want %v", labels, want)
	}
	for _, tick := range sweepTicks.Ticks(0, 0.9) {
		if strings.Contains(tick.Label, "000000") {
			t.Errorf("linear label %q", tick.Label)
		}
	}
}
