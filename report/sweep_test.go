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

	"gonum.org/v1/plot"
)

// sampleSweep is a rate sweep of an M/M/1-like queue at 10 to 50
// requests/s: round_robin's latency climbs as 1/(60-rate), least_connections
// does a little better, and at 50 round_robin turns some requests away.
func sampleSweep() *Sweep {
	s := &Sweep{
		Scenario:       "queue",
		Description:    "one queue, more and more load",
		ScenarioSHA256: "0123abcd",
		Vary:           Vary{Key: "rate", From: 10, To: 50, Step: 10},
		Algorithms:     []string{"round_robin", "least_connections"},
		Seed:           7,
	}
	for i := 0; i < 5; i++ {
		rate := 10 + 10*float64(i)
		mean := 1000 / (60 - rate)
		p := SweepPoint{Index: i, Value: rate, Requests: 10000}
		for j, alg := range s.Algorithms {
			f := 1 - 0.2*float64(j)
			r := Result{
				Algorithm: alg, Completed: 10000, ThroughputRPS: rate + 0.0001234,
				Latency:  Latency{Mean: mean * f, P50: mean * f * 0.7, P90: mean * f * 2.3, P95: mean * f * 3, P99: mean * f * math.Log(100), P999: mean * f * 6.9, Max: mean * f * 9.87654},
				Fairness: NewFairness([]float64{0.5, 0.5}),
				Servers:  []Server{{Name: "app", Requests: 10000, Utilization: rate / 60}},
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

func TestVaryPoints(t *testing.T) {
	tests := []struct {
		name           string
		from, to, step float64
		want           []float64
	}{
		{"tenths land on the decimals", 0.1, 0.3, 0.1, []float64{0.1, 0.2, 0.3}},
		{"a step that does not divide stops before to", 0, 1, 0.3, []float64{0, 0.3, 0.6, 0.9}},
		{"going down", 10, 1, -3, []float64{10, 7, 4, 1}},
		{"one point", 5, 5, 0, []float64{5}},
		{"one point, any step", 5, 5, 2, []float64{5}},
		{"tiny steps", 1e-7, 3e-7, 1e-7, []float64{1e-7, 2e-7, 3e-7}},
		{"loads", 0.7, 0.95, 0.05, []float64{0.7, 0.75, 0.8, 0.85, 0.9, 0.95}},
		{"large values keep their units", 1e15, 1e15 + 2, 1, []float64{1e15, 1e15 + 1, 1e15 + 2}},
		{"negative to positive", -0.2, 0.2, 0.1, []float64{-0.2, -0.1, 0, 0.1, 0.2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Vary{Key: "k", From: tt.from, To: tt.to, Step: tt.step}.Points()
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	// 0:1:0.1 has 11 points, each the double nearest i/10 (which IEEE
	// division gives), where adding 0.1 ten times would drift.
	got, err := Vary{Key: "k", From: 0, To: 1, Step: 0.1}.Points()
	if err != nil || len(got) != 11 {
		t.Fatalf("0:1:0.1: %d points, %v", len(got), err)
	}
	for i, p := range got {
		if p != float64(i)/10 {
			t.Errorf("0:1:0.1: point %d is %v, want %v", i, p, float64(i)/10)
		}
	}
	if got, err := (Vary{Key: "k", From: 0, To: MaxSweepPoints - 1, Step: 1}).Points(); err != nil || len(got) != MaxSweepPoints {
		t.Errorf("%d points: %d, %v", MaxSweepPoints, len(got), err)
	}

	errs := []struct {
		v    Vary
		want string
	}{
		{Vary{Key: "rate", From: 0, To: MaxSweepPoints, Step: 1}, "rate=0:10000:1: that is 1e+04 points, more than the limit of 10000"},
		{Vary{Key: "rate", From: 0, To: 1e300, Step: 1e-300}, "more than the limit"},
		{Vary{Key: "rate", From: 5, To: 1, Step: 1}, "1 is below 5, so the step must be negative"},
		{Vary{Key: "rate", From: 1, To: 5, Step: -1}, "5 is above 1, so the step must be positive"},
		{Vary{Key: "rate", From: 1, To: 5, Step: 0}, "the step must not be 0"},
		{Vary{Key: "rate", From: math.NaN(), To: 5, Step: 1}, "finite"},
		{Vary{Key: "rate", From: 1, To: math.Inf(1), Step: 1}, "finite"},
		{Vary{Key: "warmup", From: 2, To: 1, Step: 0.5, Unit: "s"}, "warmup=2s:1s:500ms: 1s is below 2s"},
	}
	for _, tt := range errs {
		if _, err := tt.v.Points(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: got %v, want %q", tt.v, err, tt.want)
		}
	}
}

// TestShardIndices: the slices of a sweep hold every point exactly once,
// in order, however many points and slices there are.
func TestShardIndices(t *testing.T) {
	for points := 0; points <= 30; points++ {
		for count := 1; count <= 12; count++ {
			held := make([]int, points)
			for k := 1; k <= count; k++ {
				idx := Shard{Index: k, Count: count}.Indices(points)
				if !slices.IsSorted(idx) {
					t.Errorf("%d points, slice %d/%d: %v not in order", points, k, count, idx)
				}
				for _, i := range idx {
					held[i]++
				}
				if want := (points - k + count) / count; len(idx) != max(want, 0) {
					t.Errorf("%d points, slice %d/%d holds %d, want %d", points, k, count, len(idx), want)
				}
			}
			for i, n := range held {
				if n != 1 {
					t.Errorf("%d points in %d slices: point %d is held %d times", points, count, i, n)
				}
			}
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, s := range []string{"1/1", "3/4", " 10/10 "} {
		sh, err := ParseShard(s)
		if err != nil || sh.String() != strings.TrimSpace(s) {
			t.Errorf("%q: %v, %v", s, sh, err)
		}
	}
	bad := map[string]string{
		"0/4": "the slice must be between 1 and 4, got 0", "5/4": "between 1 and 4, got 5",
		"1/0": "between 1 and 10000, got 0", "1/10001": "got 10001", "3": "want k/n", "a/b": "want k/n",
		"-1/2": "got -1", "": "want k/n", "1/2/3": "want k/n",
	}
	for s, want := range bad {
		if _, err := ParseShard(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", s, err, want)
		}
	}
}

// slice cuts the sweep s into slice k of n, as lbsim sweep --shard k/n
// makes it.
func slice(s *Sweep, k, n int) *Sweep {
	c := *s
	c.Shard = &Shard{Index: k, Count: n}
	c.Points = nil
	for _, i := range c.Shard.Indices(len(s.Points)) {
		c.Points = append(c.Points, s.Points[i])
	}
	return &c
}

func TestMergeSweeps(t *testing.T) {
	whole := sampleSweep()
	for n := 1; n <= 7; n++ {
		var files []SweepFile
		for k := n; k >= 1; k-- { // in any order
			files = append(files, SweepFile{Name: "s" + Shard{k, n}.String(), Sweep: slice(whole, k, n)})
		}
		got, err := MergeSweeps(files)
		if err != nil {
			t.Fatalf("%d slices: %v", n, err)
		}
		if !reflect.DeepEqual(got, whole) {
			t.Errorf("%d slices merge into\n%+v\nwant\n%+v", n, got, whole)
		}
	}
	// A whole sweep is its own only slice.
	if got, err := MergeSweeps([]SweepFile{{"whole.json", whole}}); err != nil || !reflect.DeepEqual(got, whole) {
		t.Errorf("a whole sweep: %v", err)
	}

	other := func(change func(*Sweep)) *Sweep {
		s := slice(whole, 2, 3)
		change(s)
		return s
	}
	a, c := slice(whole, 1, 3), slice(whole, 3, 3)
	tests := []struct {
		name  string
		files []SweepFile
		file  string
		want  string
	}{
		{"no files", nil, "", "no files to merge"},
		{"another range", []SweepFile{{"a", a}, {"b", other(func(s *Sweep) { s.Vary.To = 60 })}, {"c", c}}, "b",
			"a slice of another sweep than a: its vary is rate=10:60:10, not rate=10:50:10"},
		{"another scenario text", []SweepFile{{"a", a}, {"b", other(func(s *Sweep) { s.ScenarioSHA256 = "ff" })}}, "b", "its scenario_sha256 (the scenario file's text) is ff, not 0123abcd"},
		{"other algorithms", []SweepFile{{"a", a}, {"b", other(func(s *Sweep) { s.Algorithms = []string{"random"} })}}, "b", "its algorithms is random, not round_robin,least_connections"},
		{"other seeds", []SweepFile{{"a", a}, {"b", other(func(s *Sweep) { s.Seeds, s.Aggregate = 3, AggregateMean })}}, "b", "its seeds is 3, not 0"},
		{"another seed", []SweepFile{{"a", a}, {"b", other(func(s *Sweep) { s.Seed = 8 })}}, "b", "its seed is 8, not 7"},
		{"another run length", []SweepFile{{"a", a}, {"b", other(func(s *Sweep) { s.RunRequests = 5 })}}, "b", "its run_requests is 5, not 0"},
		{"another unit", []SweepFile{{"a", a}, {"b", other(func(s *Sweep) { s.Vary.Unit = "s" })}}, "b", "its vary is"},
		{"cut otherwise", []SweepFile{{"a", a}, {"b", slice(whole, 2, 4)}}, "b", "slice 2/4 of a sweep cut into 4 slices, but a is a slice of 3"},
		{"twice", []SweepFile{{"a", a}, {"b", slice(whole, 2, 3)}, {"a2", a}}, "a2", "slice 1/3 again: a is that slice too"},
		{"missing", []SweepFile{{"a", a}, {"c", c}}, "", "slice 2/3 of the sweep (rate=10:50:10 of queue) is missing; merge needs every slice"},
		{"two missing", []SweepFile{{"c", c}}, "", "slice 1/3, 2/3 of the sweep"},
		{"a point short", []SweepFile{{"a", a}, {"b", other(func(s *Sweep) { s.Points = s.Points[:0] })}, {"c", c}}, "b", "slice 2/3 of 5 points should hold points 1, 4, but holds none"},
		{"a point too many", []SweepFile{{"a", other(func(s *Sweep) { s.Shard.Index = 1; s.Points = append(a.Points, whole.Points[1]) })}}, "a", "should hold points 0, 3, but holds 0, 3, 1"},
		{"a value off", []SweepFile{{"a", a}, {"b", other(func(s *Sweep) {
			s.Points = slices.Clone(s.Points)
			s.Points[0].Value = 21
		})}}, "b", "point 1 has the value 21, but rate=10:50:10 makes it 20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := MergeSweeps(tt.files)
			var me *MergeError
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
	for _, s := range []*Sweep{sampleSweep(), slice(sampleSweep(), 2, 3), slice(sampleSweep(), 5, 6)} {
		var buf bytes.Buffer
		if err := WriteSweep(&buf, FormatJSON, s); err != nil {
			t.Fatal(err)
		}
		got, err := ReadSweep(buf.Bytes())
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
			_, err := ReadSweep([]byte(tt.in))
			var je *JSONError
			if !errors.As(err, &je) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want a *JSONError with %q", err, tt.want)
			}
		})
	}
}

func TestWriteSweepGolden(t *testing.T) {
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSweep(&buf, f, sampleSweep()); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "sweep-"+string(f)+".golden", buf.Bytes())
		})
	}
	var buf bytes.Buffer
	if err := WriteSweep(&buf, FormatTable, slice(sampleSweep(), 2, 3)); err != nil || !strings.HasPrefix(buf.String(), "queue: latency by rate, seed 7, slice 2/3 of rate=10:50:10") {
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
	for _, s := range []*Sweep{sampleSweep(), empty, nothing} {
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
	p, _ := sweepPanel(s, "mean", func(l Latency) float64 { return l.Mean })
	if _, ok := p.Y.Scale.(plot.LogScale); ok || p.Y.Min != 0 {
		t.Errorf("a 5-fold span: scale %T, min %g; want linear from 0", p.Y.Scale, p.Y.Min)
	}
	s.Points[4].Results[0].Latency.Mean = 5000
	p, _ = sweepPanel(s, "mean", func(l Latency) float64 { return l.Mean })
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
