package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
)

// TestTimeline checks the crash of TestCrash window by window: 120 s of
// arrivals make 1 s windows (a 200th of the run, rounded up to 1-2-5);
// every request takes exactly 100 ms, so each window's p99 is 100 ms; a
// window opens at a whole second, when the requests of the second before
// are done and the next has not arrived, so nothing is in flight; and the
// 15 refusals before detection fall in the windows from 60 s to 75 s.
func TestTimeline(t *testing.T) {
	sc := parse(t, crashScenario("health_check: {interval: 5s, fall: 3, out_of_band: true}\n"))
	res, _, _, err := run(sc, "round_robin", runOptions{timeline: true})
	if err != nil {
		t.Fatal(err)
	}
	tl := res.Detail.Timeline
	// The last completion is at 119.85 s, in the window that ends at
	// 120 s, where arrivals end too: the health checks due then open no
	// window.
	if tl.Step != time.Second || len(tl.Windows) != 120 {
		t.Fatalf("step %v, %d windows; want 1s and 120", tl.Step, len(tl.Windows))
	}
	var completed, failed int64
	for i, w := range tl.Windows {
		completed += w.Completed
		failed += w.Failed
		if n := w.Latency.Count(); n != w.Completed {
			t.Errorf("window %d: %d latencies for %d completions", i, n, w.Completed)
		}
		if w.Completed > 0 && w.Latency.Quantile(0.99) != 100*time.Millisecond {
			t.Errorf("window %d: p99 %v, want 100ms", i, w.Latency.Quantile(0.99))
		}
		if fmt.Sprint(w.InFlight) != "[0 0 0 0]" {
			t.Errorf("window %d: in flight %v at its start, want none", i, w.InFlight)
		}
		if w.Failed > 0 && (i < 60 || i >= 75) {
			t.Errorf("window %d: %d failures, outside the outage before detection", i, w.Failed)
		}
	}
	if completed != res.Completed || failed != res.Failed || failed != 15 {
		t.Errorf("windows hold %d completions and %d failures; the run %d and %d (want 15)", completed, failed, res.Completed, res.Failed)
	}
	if res.Detail.Latency.Count() != res.Completed {
		t.Errorf("latency histogram holds %d, want %d", res.Detail.Latency.Count(), res.Completed)
	}
	want := []results.Event{
		{At: 60 * time.Second, Kind: results.EventCrash, Server: "app-2", Text: "crashed"},
		{At: 75 * time.Second, Kind: results.EventOut, Server: "app-2", Text: "failed 3 health checks"},
	}
	if fmt.Sprint(tl.Events) != fmt.Sprint(want) {
		t.Errorf("events %v\nwant %v", tl.Events, want)
	}
}

// TestTimelineWholeRun checks that a timeline covers the whole run,
// however long it drains, in at most maxWindows windows: 20,000
// one-second requests reach one server within 1 s (5 ms windows) and,
// without a response timeout, take 20,000 s to serve, which would be 4
// million windows; the step doubles until they fit. With the default 60 s
// timeout the drain ends a minute after the last arrival. Either way the
// last window holds the last request's end, every completion and failure
// is in some window, and the requests in flight at each window's start
// are those that arrived and had not ended in the windows before it.
// Without the timeout one request ends each second, a second after the
// one before, so the windows' times are checked too: merged windows keep
// them. A fault scheduled after the drain opens no window, and its event
// is left out.
func TestTimelineWholeRun(t *testing.T) {
	const flood = `name: flood
requests: 20000
servers: [{name: app}]
workload:
  arrival: {process: constant, rate: 20000}
  service: {dist: constant, mean: 1s}
faults: [{at: 50000s, server: app, kind: crash}]
`
	tests := []struct {
		name  string
		extra string
		// lastEnd is about when the last request ends.
		lastEnd time.Duration
		// secondly: the requests end one a second from about 1 s on.
		secondly bool
	}{
		{"no timeout", "timeouts: {response: 0}\n", 20001 * time.Second, true},
		{"60 s timeout", "", 61 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _, _, err := run(parse(t, flood+tt.extra), "round_robin", runOptions{timeline: true})
			if err != nil {
				t.Fatal(err)
			}
			tl := res.Detail.Timeline
			if len(tl.Windows) > maxWindows || len(tl.Windows) < maxWindows/2 {
				t.Errorf("%d windows, want between %d and %d", len(tl.Windows), maxWindows/2, maxWindows)
			}
			if k := tl.Step / (5 * time.Millisecond); tl.Step%(5*time.Millisecond) != 0 || k&(k-1) != 0 {
				t.Errorf("step %v, want 5ms times a power of two", tl.Step)
			}
			if end := tl.End(); end < tt.lastEnd-time.Second || end-tl.Step > tt.lastEnd+time.Second {
				t.Errorf("%d windows of %v end at %v; the last request ends at about %v", len(tl.Windows), tl.Step, end, tt.lastEnd)
			}
			last := tl.Windows[len(tl.Windows)-1]
			if last.Completed+last.Failed == 0 {
				t.Errorf("the last window, %+v, saw no request end", last)
			}
			var ended int64
			for i, w := range tl.Windows {
				if at := time.Duration(i) * tl.Step; at >= time.Second && int64(w.InFlight[0]) != 20000-ended {
					t.Fatalf("window %d (%v): %d in flight at its start, want the 20000 arrived less the %d ended before", i, at, w.InFlight[0], ended)
				}
				// The first arrives within a millisecond of 0.
				if at := time.Duration(i) * tl.Step; tt.secondly && (ended < int64((at-time.Millisecond)/time.Second) || ended > int64(at/time.Second)) {
					t.Fatalf("window %d starts at %v after %d requests ended, want one a second", i, at, ended)
				}
				ended += w.Completed + w.Failed
			}
			if ended != res.Completed+res.Failed || ended != 20000 {
				t.Errorf("windows count %d ended requests; the run %d completed and %d failed of 20000", ended, res.Completed, res.Failed)
			}
			for _, e := range tl.Events {
				if e.Kind == results.EventCrash || e.At > tl.End() {
					t.Errorf("event %v: after the timeline's end, %v", e, tl.End())
				}
			}
		})
	}
}

// TestTimelineWindows drives a timeline through random runs, as the
// engine does (advance before each event, then what the event did), and
// checks every window against the events: what ended in it, and what was
// in flight at its start. The runs have bursts, idle gaps short and
// very long (windows counted at once), drains far past the expected span
// (windows merged in pairs, from either half of a pair), and an end of
// arrivals before or after their last request's end.
func TestTimelineWindows(t *testing.T) {
	type ev struct {
		at       time.Duration
		inFlight int64 // after the event
		latency  time.Duration
		ended    bool // a completion, else a failure when inFlight drops
	}
	tests := []struct {
		name   string
		seed   uint64
		span   time.Duration // expected
		events int
		// gap is the time to the next event; idle says nothing is in
		// flight.
		gap  func(r *rand.Rand, idle bool) time.Duration
		fail int           // in 10, the share of ends that are failures
		end  time.Duration // of arrivals, after the last event if 0
	}{
		{"steady", 1, 10 * time.Second, 3000, func(r *rand.Rand, _ bool) time.Duration {
			return time.Duration(r.ExpFloat64() * float64(3*time.Millisecond))
		}, 1, 0},
		{"a long drain, many failures", 2, time.Second, 5000, func(r *rand.Rand, _ bool) time.Duration {
			return time.Duration(r.ExpFloat64() * float64(20*time.Millisecond))
		}, 5, 0},
		{"idle gaps", 3, time.Second, 2000, func(r *rand.Rand, idle bool) time.Duration {
			if idle && r.IntN(5) == 0 {
				return time.Duration(r.IntN(10000)) * time.Second
			}
			return time.Duration(r.IntN(10)) * time.Millisecond
		}, 1, 0},
		{"arrivals end late", 4, 5 * time.Second, 500, func(r *rand.Rand, _ bool) time.Duration { return time.Duration(r.IntN(5)) * time.Millisecond }, 1, time.Minute},
		{"one very long gap", 5, time.Second, 300, func(r *rand.Rand, _ bool) time.Duration {
			if r.IntN(300) == 0 {
				return 1e6 * time.Second
			}
			return time.Millisecond
		}, 1, 0},
		// Events further apart than a window: after a long idle gap,
		// the window of an arrival is quiet, and the next is not.
		{"long idle gaps, sparse events", 6, time.Second, 1000, func(r *rand.Rand, idle bool) time.Duration {
			if idle && r.IntN(2) == 0 {
				return time.Duration(1+r.IntN(100000)) * time.Second
			}
			return time.Duration(6+r.IntN(30)) * time.Millisecond
		}, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(tt.seed, 7))
			var evs []ev
			at, n := time.Duration(0), int64(0)
			for range tt.events {
				at += tt.gap(r, n == 0)
				e := ev{at: at, inFlight: n}
				switch {
				case n == 0 || r.IntN(2) == 0:
					e.inFlight = n + 1 // an arrival
				case r.IntN(10) < tt.fail:
					e.inFlight = n - 1 // a failure
				default:
					e.inFlight, e.ended, e.latency = n-1, true, time.Duration(1+r.IntN(1000))*time.Millisecond
				}
				n = e.inFlight
				evs = append(evs, e)
			}
			for ; n > 0; n-- { // the drain
				at += tt.gap(r, false)
				evs = append(evs, ev{at: at, inFlight: n - 1, ended: true, latency: time.Second})
			}
			e := &engine{servers: []server{{name: "app", backend: algorithms.NewBackend(0, "app", 1)}}}
			e.tl = newTimeline(e, tt.span, 0)
			for _, x := range evs {
				e.advance(x.at)
				// The current window is the one after those closed, and
				// holds x.
				tl := e.tl
				if n := time.Duration(len(tl.Windows) + tl.quiet); tl.next != (n+1)*tl.Step || x.at < n*tl.Step || x.at >= tl.next {
					t.Fatalf("at %v: %d windows and %d quiet of %v closed, the current one ending at %v", x.at, len(tl.Windows), tl.quiet, tl.Step, tl.next)
				}
				before := e.servers[0].backend.InFlight()
				e.servers[0].backend.SetInFlight(x.inFlight)
				if x.inFlight < before {
					if x.ended {
						e.tl.hist.Record(x.latency)
					} else {
						e.tl.cur.Failed++
					}
				}
			}
			end := max(tt.end, at)
			e.tl.arrivalsEnded(end)
			e.tl.close()
			tl := e.tl.Timeline
			if len(tl.Windows) > maxWindows || tl.End() < at || tl.End()-tl.Step >= max(tt.end, evs[len(evs)-1].at) && tl.End() > tl.Step {
				t.Fatalf("%d windows of %v end at %v; the last event is at %v, arrivals end at %v", len(tl.Windows), tl.Step, tl.End(), at, end)
			}
			k := 0 // the next event
			inFlight := int64(0)
			for i, w := range tl.Windows {
				start, stop := time.Duration(i)*tl.Step, time.Duration(i+1)*tl.Step
				for ; k < len(evs) && evs[k].at < start; k++ {
					inFlight = evs[k].inFlight
				}
				if int64(w.InFlight[0]) != inFlight {
					t.Fatalf("window %d (%v, step %v): %d in flight at its start, want %d", i, start, tl.Step, w.InFlight[0], inFlight)
				}
				var completed, failed int64
				var worst time.Duration
				for j := k; j < len(evs) && evs[j].at < stop; j++ {
					if j == 0 && evs[j].inFlight > 0 || j > 0 && evs[j].inFlight > evs[j-1].inFlight {
						continue
					}
					if evs[j].ended {
						completed++
						worst = max(worst, evs[j].latency)
					} else {
						failed++
					}
				}
				got := time.Duration(0)
				if w.Latency != nil {
					got = w.Latency.Max()
				}
				if w.Completed != completed || w.Failed != failed || got != worst {
					t.Fatalf("window %d (%v): %d completed up to %v and %d failed, want %d up to %v and %d", i, start, w.Completed, got, w.Failed, completed, worst, failed)
				}
			}
		})
	}
}

// TestTimelineReachesArrivalsEnd checks a run whose last request ends
// well before its duration: one request every 20 s for 100 s, each done
// in 10 ms. Its timeline still reaches 100 s in 0.5 s windows, quiet from
// 80.5 s on.
func TestTimelineReachesArrivalsEnd(t *testing.T) {
	sc := parse(t, `name: sparse
duration: 100s
servers: [{name: app}]
workload:
  arrival: {process: constant, rate: 0.05}
  service: {dist: constant, mean: 10ms}
`)
	res, _, _, err := run(sc, "round_robin", runOptions{timeline: true})
	if err != nil {
		t.Fatal(err)
	}
	tl := res.Detail.Timeline
	if tl.Step != 500*time.Millisecond || tl.End() != 100*time.Second {
		t.Fatalf("%d windows of %v, ending at %v; want 200 of 500ms", len(tl.Windows), tl.Step, tl.End())
	}
	var completed int64
	for i, w := range tl.Windows {
		completed += w.Completed
		if w.Completed > 0 && i%40 != 0 {
			t.Errorf("window %d (%v): %d completed, want completions only every 20 s", i, time.Duration(i)*tl.Step, w.Completed)
		}
	}
	if completed != res.Completed || completed < 4 {
		t.Errorf("windows count %d completions, the run %d", completed, res.Completed)
	}
}

// TestTimelineEvents checks the events a timeline marks besides crashes:
// a rate change, a slowdown, a drain and the recovery from it.
func TestTimelineEvents(t *testing.T) {
	sc := parse(t, `name: events
duration: 60s
servers: [{name: app, count: 2}]
workload:
  arrival: {rate: 4, phases: [{at: 30s, rate: 8}]}
  service: {dist: constant, mean: 10ms}
faults:
  - {at: 10s, server: app-1, kind: slow, factor: 3}
  - {at: 20s, server: app-2, kind: drain}
  - {at: 40s, server: app-2, kind: recover}
`)
	res, _, _, err := run(sc, "round_robin", runOptions{timeline: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range res.Detail.Timeline.Events {
		got = append(got, fmt.Sprintf("%v %s %s %s", ev.At, ev.Kind, ev.Server, ev.Text))
	}
	want := []string{
		"10s slow app-1 3x slower",
		"20s drain app-2 draining",
		"20s out app-2 draining",
		"30s rate  8/s",
		"40s in app-2 back in rotation",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestTrace follows the crash of TestCrash: app-2 crashes at 60 s and the
// next request round robin gives it (60.5 s) is refused. The state is what round robin saw
// before each decision: every earlier request is done by then.
func TestTrace(t *testing.T) {
	sc := parse(t, crashScenario("health_check: {interval: 5s, fall: 3, out_of_band: true}\n"))
	var lines []string
	err := Trace(sc, "round_robin", 59750*time.Millisecond, func(ev *TraceEvent) bool {
		line := fmt.Sprintf("%v %d %d %s %s %v %v", ev.At, ev.Kind, ev.Request, ev.Server, ev.Text, ev.InFlight, ev.InRotation)
		if ev.Kind == Changed {
			line += " " + string(ev.Change)
		}
		lines = append(lines, line)
		return len(lines) < 6
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"59.75s 0 239 app-3  [0 0 0 0] [true true true true]",
		"1m0s 2 0 app-2 crashed [0 0 0 0] [true true true true] crash",
		"1m0s 0 240 app-4  [0 0 0 0] [true true true true]",
		"1m0.25s 0 241 app-1  [0 0 0 0] [true true true true]",
		"1m0.5s 0 242 app-2  [0 0 0 0] [true true true true]",
		"1m0.5s 1 242 app-2 connection refused [0 0 0 0] [true true true true]",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("trace:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestProgress checks that a comparison's progress stays within [0, 1]
// and ends at 1.
func TestProgress(t *testing.T) {
	sc := parse(t, `name: p
requests: 100000
servers: [{name: app, count: 4}]
workload: {arrival: {load: 0.5}, service: {dist: exponential, mean: 10ms}}
`)
	var mu sync.Mutex
	var got []float64
	_, err := CompareAll([]*scenarios.Scenario{sc, sc}, []string{"random", "round_robin"}, Options{Progress: func(done float64) {
		mu.Lock()
		got = append(got, done)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	// 100000 arrivals report every 16384: 6 reports per run, 4 runs, and
	// the final 1.
	if len(got) != 25 || got[len(got)-1] != 1 {
		t.Fatalf("%d reports ending at %v; want 25 ending at 1", len(got), got[len(got)-1])
	}
	for _, v := range got {
		if v < 0 || v > 1 {
			t.Errorf("progress %v outside [0, 1]", v)
		}
	}
}

func TestExpectedSpan(t *testing.T) {
	for _, tc := range []struct {
		name, lines string
		want        time.Duration
	}{
		{"duration", "duration: 90s\nworkload: {arrival: {rate: 10}, service: {dist: constant, mean: 1ms}}", 90 * time.Second},
		{"requests at a rate", "requests: 1000\nworkload: {arrival: {rate: 10}, service: {dist: constant, mean: 1ms}}", 100 * time.Second},
		// 100 requests by 10 s, then 900 more at 100/s.
		{"phases", "requests: 1000\nworkload: {arrival: {rate: 10, phases: [{at: 10s, rate: 100}]}, service: {dist: constant, mean: 1ms}}", 19 * time.Second},
		// The phase never comes: the requests are sent before it.
		{"late phase", "requests: 50\nworkload: {arrival: {rate: 10, phases: [{at: 10s, rate: 100}]}, service: {dist: constant, mean: 1ms}}", 5 * time.Second},
		// On half the time: 5/s on average.
		{"bursty", "requests: 100\nworkload: {arrival: {process: bursty, rate: 10, on: 1s, off: 1s}, service: {dist: constant, mean: 1ms}}", 20 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := parse(t, "name: span\nservers: [{name: a}]\n"+tc.lines+"\n")
			if got := expectedSpan(sc); (got - tc.want).Abs() > time.Millisecond {
				t.Errorf("span %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNiceStep(t *testing.T) {
	for _, tc := range []struct{ in, want time.Duration }{
		{0, time.Millisecond},
		{time.Millisecond, time.Millisecond},
		{1500 * time.Microsecond, 2 * time.Millisecond},
		{3 * time.Second, 5 * time.Second},
		{600 * time.Millisecond, time.Second},
		{7 * time.Minute, 500 * time.Second},
	} {
		if got := niceStep(tc.in); got != tc.want {
			t.Errorf("niceStep(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestTimelineDetail checks that Options.Timeline gives each result its
// Detail: the measured latencies, the windows from 0 to the end with
// every server's requests in flight, and the crash among the events; and
// that without it there is none.
func TestTimelineDetail(t *testing.T) {
	sc := parse(t, crashScenario("warmup: 10s\nhealth_check: {interval: 5s, fall: 3, out_of_band: true}\n"))
	runs, err := CompareSeeds(sc, []string{"round_robin", "least_connections"}, []uint64{1}, Options{Timeline: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs[0].Results {
		d := r.Detail
		if d == nil || d.Latency == nil {
			t.Fatalf("%s: no Detail", r.Algorithm)
		}
		if d.Latency.Count() != r.Completed {
			t.Errorf("%s: Detail.Latency holds %d latencies, want the %d completed after the warm-up", r.Algorithm, d.Latency.Count(), r.Completed)
		}
		tl := d.Timeline
		if tl.Step <= 0 || tl.Warmup != 10*time.Second || len(tl.Servers) != 4 {
			t.Errorf("%s: timeline step %v, warmup %v, servers %v", r.Algorithm, tl.Step, tl.Warmup, tl.Servers)
		}
		if end := time.Duration(len(tl.Windows)) * tl.Step; end < 120*time.Second || end > 120*time.Second+2*tl.Step {
			t.Errorf("%s: %d windows of %v end at %v, want about 120s", r.Algorithm, len(tl.Windows), tl.Step, end)
		}
		var completed int64
		for _, w := range tl.Windows {
			completed += w.Completed
			if len(w.InFlight) != 4 {
				t.Fatalf("%s: a window has %d in-flight columns, want 4", r.Algorithm, len(w.InFlight))
			}
		}
		if completed < r.Completed {
			t.Errorf("%s: windows count %d completions, fewer than the %d measured", r.Algorithm, completed, r.Completed)
		}
		var crash, out bool
		for _, e := range tl.Events {
			crash = crash || e == results.Event{At: 60 * time.Second, Kind: results.EventCrash, Server: "app-2", Text: "crashed"}
			out = out || e.Kind == results.EventOut && e.Server == "app-2" && e.At == 75*time.Second
		}
		if !crash || !out {
			t.Errorf("%s: events %+v, want app-2's crash at 60s and its removal at 75s", r.Algorithm, tl.Events)
		}
	}
	plain, err := CompareSeeds(sc, []string{"round_robin"}, []uint64{1}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if plain[0].Results[0].Detail != nil {
		t.Error("a run without Options.Timeline has a Detail")
	}
}

// TestTimelineFirstSeed checks timelines are kept only when asked, and
// then only for the first seed, the one the charts draw; progress climbs
// from 0 to 1.
func TestTimelineFirstSeed(t *testing.T) {
	sc, err := scenarios.Open("identical-stateless")
	if err != nil {
		t.Fatal(err)
	}
	sc.Requests, sc.Duration = 20000, 0
	names := []string{"round_robin", "least_connections"}
	for _, charts := range []bool{false, true} {
		var mu sync.Mutex
		var shares []float64
		runs, err := CompareSeeds(sc, names, []uint64{1, 2, 3}, Options{Timeline: charts, Progress: func(s float64) {
			mu.Lock()
			defer mu.Unlock()
			shares = append(shares, s)
		}})
		if err != nil {
			t.Fatal(err)
		}
		for i, run := range runs {
			for _, r := range run.Results {
				if want := charts && i == 0; (r.Detail != nil) != want {
					t.Errorf("charts %v: seed %d %s has Detail %v, want %v", charts, run.Seed, r.Algorithm, r.Detail != nil, want)
				}
			}
		}
		if len(shares) == 0 || slices.Max(shares) != 1 || slices.Min(shares) < 0 {
			t.Errorf("charts %v: progress %v, want shares in [0, 1] reaching 1", charts, shares)
		}
	}
}
