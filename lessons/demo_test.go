package lessons

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/sim"
)

// decisions lists a demo's routing decisions: server chosen, and the
// servers' requests in flight as the algorithm saw them.
func decisions(t *testing.T, name string) (*DemoRun, []sim.TraceEvent) {
	t.Helper()
	d, err := DemoFor(name)
	if err != nil {
		t.Fatal(err)
	}
	run, err := d.Run()
	if err != nil {
		t.Fatal(err)
	}
	var out []sim.TraceEvent
	for _, s := range run.Steps {
		if s.Event.Kind == sim.Routed {
			out = append(out, s.Event)
		}
	}
	if len(out) != 9 || len(run.Steps) != 9 || len(out[0].Servers) != 3 {
		t.Fatalf("%s: %d steps, %d decisions over %d servers; want nine requests over three servers", name, len(run.Steps), len(out), len(out[0].Servers))
	}
	return run, out
}

func servers(evs []sim.TraceEvent) string {
	var s []string
	for _, ev := range evs {
		s = append(s, ev.Server)
	}
	return strings.Join(s, ",")
}

// TestDemos checks that each demo shows its algorithm's character.
func TestDemos(t *testing.T) {
	t.Run("round_robin deals in turn, busy or not", func(t *testing.T) {
		run, evs := decisions(t, "round_robin")
		if got := servers(evs); got != "app-1,app-2,app-3,app-1,app-2,app-3,app-1,app-2,app-3" {
			t.Errorf("servers %s", got)
		}
		if evs[0].Class != "report" || fmt.Sprint(run.Busy) != "[4 7]" {
			t.Errorf("request 1 is a %s; busy %v, want the report first and requests 4 and 7 behind it", evs[0].Class, run.Busy)
		}
	})
	t.Run("least_connections avoids the busy server", func(t *testing.T) {
		run, evs := decisions(t, "least_connections")
		report := evs[0].Server // every server idle: any of them
		k := slices.Index(evs[0].Servers, report)
		if evs[0].Class != "report" || k < 0 {
			t.Fatalf("request 1 is a %s sent to %s; want the report", evs[0].Class, report)
		}
		for _, ev := range evs[1:] {
			if ev.Server == report || ev.InFlight[k] != 1 {
				t.Errorf("request %d went to %s with in flight %v; %s holds the report", ev.Request, ev.Server, ev.InFlight, report)
			}
		}
		if len(run.Busy) != 0 || run.Result.Latency.Max != 2000 {
			t.Errorf("busy %v, slowest %v ms; want none and the report's 2000", run.Busy, run.Result.Latency.Max)
		}
	})
	t.Run("power_of_two never picks the busy server from a pair", func(t *testing.T) {
		run, _ := decisions(t, "power_of_two")
		if len(run.Busy) != 0 {
			t.Errorf("busy %v, want none", run.Busy)
		}
	})
	t.Run("random sends calls to the busy server", func(t *testing.T) {
		if run, _ := decisions(t, "random"); len(run.Busy) == 0 {
			t.Error("random never chose a busy server; the demo shows nothing")
		}
	})
	t.Run("weighted_round_robin splits 5:2:2, interleaved", func(t *testing.T) {
		_, evs := decisions(t, "weighted_round_robin")
		got := servers(evs)
		if strings.Count(got, "new") != 5 || strings.Count(got, "old-1") != 2 || strings.Count(got, "old-2") != 2 {
			t.Errorf("servers %s, want new 5 times, old-1 and old-2 twice", got)
		}
		if strings.Contains(got, "new,new,new") {
			t.Errorf("servers %s: the new server's turns come in a burst", got)
		}
	})
	t.Run("ip_hash keeps each client on one server", func(t *testing.T) {
		_, evs := decisions(t, "ip_hash")
		home := map[string]string{}
		for _, ev := range evs {
			c := ev.Client.String()
			if h, ok := home[c]; ok && h != ev.Server {
				t.Errorf("%s went to %s and %s", c, h, ev.Server)
			}
			home[c] = ev.Server
		}
		run, _ := decisions(t, "ip_hash")
		idle := 0
		for _, s := range run.Result.Servers {
			if s.Requests == 0 {
				idle++
			}
		}
		if len(home) != 3 || idle != 1 {
			t.Errorf("%d clients, %d idle servers; want 3 clients, two sharing a server, and one idle: %v", len(home), idle, home)
		}
	})
	t.Run("least_response_time learns to avoid the slow server", func(t *testing.T) {
		run, evs := decisions(t, "least_response_time")
		if s := run.Result.Servers[2]; s.Name != "app-3" || s.Requests != 1 {
			t.Errorf("%s got %d requests, want only its first try", s.Name, s.Requests)
		}
		first := strings.Split(servers(evs[:3]), ",")
		if slices.Sort(first); !slices.Equal(first, []string{"app-1", "app-2", "app-3"}) {
			t.Errorf("first tries %v, want each server once", first)
		}
	})
}

func TestDemoEveryAlgorithm(t *testing.T) {
	for _, name := range algorithms.Names() {
		d, err := DemoFor(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := demos[name]; !ok || d.Setup == "" || d.Watch == "" {
			t.Errorf("%s has no demo of its own", name)
		}
	}
	var unknown *algorithms.UnknownError
	if _, err := DemoFor("least_connection"); !errors.As(err, &unknown) {
		t.Errorf("DemoFor(least_connection) = %v, want an UnknownError", err)
	}
	// An alias shows its policy's demo, under the policy's name.
	d, err := DemoFor("leastconn")
	if err != nil || d.Algorithm != "least_connections" || d.Watch != demos["least_connections"].watch {
		t.Errorf("DemoFor(leastconn) = %+v, %v; want least_connections's demo", d, err)
	}
}

func TestDemoSummary(t *testing.T) {
	run, _ := decisions(t, "round_robin")
	want := "app-1=3 app-2=3 app-3=3; mean latency 0.617 s, slowest 2.000 s; sent to a busy server: requests 4 and 7."
	if got := run.Summary(); got != want {
		t.Errorf("summary\n%s\nwant\n%s", got, want)
	}
}
