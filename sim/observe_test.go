package sim

import (
	"testing"
	"time"

	"github.com/lbsim/lbsim/report"
)

// TestTimelineDetail checks that Options.Timeline gives each result its
// Detail: the measured latencies, the windows from 0 to the end with
// every server's requests in flight, and the crash among the events; and
// that without it there is none.
func TestTimelineDetail(t *testing.T) {
	sc := parse(t, crashScenario("warmup: 10s\nhealth_check: {interval: 5s, fall: 3}\n"))
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
			crash = crash || e == report.Event{At: 60 * time.Second, Kind: report.EventCrash, Server: "app-2", Text: "crashed"}
			out = out || e.Kind == report.EventOut && e.Server == "app-2" && e.At == 75*time.Second
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
