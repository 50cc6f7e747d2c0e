package lessons

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
)

func mustParse(t *testing.T, yaml string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestNarrate(t *testing.T) {
	three := []string{"app-1", "app-2", "app-3"}
	client := netip.MustParseAddr("203.0.113.9")
	many := make([]string, 20)
	for i := range many {
		many[i] = "s" + string(rune('a'+i))
	}
	manyInFlight, manyIn := make([]int, 20), make([]bool, 20)
	for i := range manyIn {
		manyIn[i] = i != 3
		if i%2 == 0 {
			manyInFlight[i] = i / 2
		}
	}
	tests := []struct {
		name string
		ev   sim.TraceEvent
		want string
	}{
		{"routed", sim.TraceEvent{Kind: sim.Routed, At: 120 * time.Millisecond, Request: 7, Client: client, Class: "default", Server: "app-2",
			Servers: three, InFlight: []int{2, 0, 1}, InRotation: []bool{true, true, true}},
			"t=0.120s request 7 from 203.0.113.9 -> app-2 (in flight app-1=2 app-2=0 app-3=1)"},
		{"a retry of a class, with a session", sim.TraceEvent{Kind: sim.Routed, At: 2 * time.Second, Request: 8, Attempt: 1, Client: client, Class: "report", Server: "app-3",
			Session: "miss", Servers: three, InFlight: []int{0, 0, 0}, InRotation: []bool{true, false, true}},
			"t=2.000s request 8 [report] (retry 1) from 203.0.113.9 -> app-3 (in flight app-1=0 app-2=out app-3=0), session miss"},
		{"on a connection", sim.TraceEvent{Kind: sim.Routed, At: 120 * time.Millisecond, Request: 7, Client: client, Class: "default", Server: "app-2", Text: "on connection 3, opened now",
			Servers: three, InFlight: []int{2, 0, 1}, InRotation: []bool{true, true, true}},
			"t=0.120s request 7 from 203.0.113.9 -> app-2 on connection 3, opened now (in flight app-1=2 app-2=0 app-3=1)"},
		{"through one of several balancers", sim.TraceEvent{Kind: sim.Routed, At: 120 * time.Millisecond, Request: 7, Client: client, Class: "default", Server: "app-2", Balancer: 3, Text: "via balancer 3",
			Servers: three, InFlight: []int{2, 0, 1}, InRotation: []bool{true, true, true}},
			"t=0.120s request 7 from 203.0.113.9 -> app-2 via balancer 3 (in flight app-1=2 app-2=0 app-3=1)"},
		{"a balancer crashed", sim.TraceEvent{Kind: sim.Changed, Change: results.EventCrash, At: time.Minute, Text: "balancer 2 crashed",
			Servers: three, InFlight: []int{2, 0, 1}, InRotation: []bool{true, true, true}},
			"t=60.000s balancer 2 crashed (in flight app-1=2 app-2=0 app-3=1)"},
		{"clients give up on a balancer", sim.TraceEvent{Kind: sim.Changed, Change: results.EventOut, At: 90 * time.Second, Text: "clients stop sending to balancer 2",
			Servers: three, InFlight: []int{2, 0, 1}, InRotation: []bool{true, true, true}},
			"t=90.000s clients stop sending to balancer 2 (in flight app-1=2 app-2=0 app-3=1)"},
		{"held by a rate limit", sim.TraceEvent{Kind: sim.Held, At: time.Second, Request: 9, Client: client, Class: "default", Text: "by the rate limit for 50ms",
			Servers: three, InFlight: []int{2, 0, 1}, InRotation: []bool{true, true, true}},
			"t=1.000s request 9 from 203.0.113.9 held by the rate limit for 50ms (in flight app-1=2 app-2=0 app-3=1)"},
		{"refused", sim.TraceEvent{Kind: sim.Failed, At: 60500 * time.Millisecond, Request: 242, Client: client, Class: "default", Server: "app-2", Text: "connection refused",
			Servers: three, InFlight: []int{1, 0, 0}, InRotation: []bool{true, true, true}},
			"t=60.500s request 242 from 203.0.113.9 failed on app-2: connection refused (in flight app-1=1 app-2=0 app-3=0)"},
		{"no server", sim.TraceEvent{Kind: sim.Failed, At: time.Second, Request: 3, Client: client, Class: "default", Text: "no usable server",
			Servers: three, InFlight: []int{0, 0, 0}, InRotation: []bool{false, false, false}},
			"t=1.000s request 3 from 203.0.113.9 failed: no usable server (in flight app-1=out app-2=out app-3=out)"},
		{"crash", sim.TraceEvent{Kind: sim.Changed, Change: results.EventCrash, At: 2 * time.Minute, Server: "app-2", Text: "crashed",
			Servers: three, InFlight: []int{0, 3, 0}, InRotation: []bool{true, true, true}},
			"t=120.000s app-2 crashed (in flight app-1=0 app-2=3 app-3=0)"},
		{"out of rotation", sim.TraceEvent{Kind: sim.Changed, Change: results.EventOut, At: 150 * time.Second, Server: "app-2", Text: "failed 3 health checks",
			Servers: three, InFlight: []int{0, 0, 0}, InRotation: []bool{true, true, true}},
			"t=150.000s app-2 out of rotation: failed 3 health checks (in flight app-1=0 app-2=0 app-3=0)"},
		{"many servers", sim.TraceEvent{Kind: sim.Routed, At: time.Second, Request: 1, Client: client, Server: "sc",
			Servers: many, InFlight: manyInFlight, InRotation: manyIn},
			"t=1.000s request 1 from 203.0.113.9 -> sc (in flight sc=1; of 20 servers 9 busy, 1 out, most 9)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Narrate(&tt.ev); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// staggered is three single-slot servers and requests of 250 ms every
// 100 ms: under round robin each server's request ends 50 ms before its
// next turn, so the state can be counted by hand. Nothing retries or
// ejects: a crash's refusals are told as they come.
const staggered = `name: staggered
requests: 50
servers: [{name: app, count: 3}]
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 250ms}
faults: [{at: 1s, server: app-2, kind: crash}]
retries: {count: 0}
passive: {max_fails: 0}
`

// TestFollow: --first counts decisions, a refused attempt of the last one
// is told with it, and --from skips what came before.
func TestFollow(t *testing.T) {
	var lines []string
	collect := func(s Step) { lines = append(lines, s.Line) }
	n, err := Follow(mustParse(t, staggered), "round_robin", 0, 5, collect)
	if err != nil {
		t.Fatal(err)
	}
	// The default population is 10,000 clients: compare all but the
	// address.
	want := []string{
		"t=0.100s request 1 -> app-1 (in flight app-1=0 app-2=0 app-3=0)",
		"t=0.200s request 2 -> app-2 (in flight app-1=1 app-2=0 app-3=0)",
		"t=0.300s request 3 -> app-3 (in flight app-1=1 app-2=1 app-3=0)",
		"t=0.400s request 4 -> app-1 (in flight app-1=0 app-2=1 app-3=1)",
		"t=0.500s request 5 -> app-2 (in flight app-1=1 app-2=0 app-3=1)",
	}
	if n != 5 || len(lines) != 5 {
		t.Fatalf("%d decisions, %d lines; want 5 and 5:\n%s", n, len(lines), strings.Join(lines, "\n"))
	}
	for i := range want {
		if cut(lines[i]) != want[i] {
			t.Errorf("line %d:\ngot  %s\nwant %s", i+1, lines[i], want[i])
		}
	}

	// From the crash at 1 s: the crash resets request 8 (on app-2 from
	// 0.8 s), then two decisions, and the refusal of the second (request
	// 11, app-2's turn at 1.1 s).
	lines = nil
	if n, err = Follow(mustParse(t, staggered), "round_robin", time.Second, 2, collect); err != nil {
		t.Fatal(err)
	}
	want = []string{
		"t=1.000s app-2 crashed (in flight app-1=0 app-2=1 app-3=1)",
		"t=1.000s request 8 failed on app-2: reset by the crash (in flight app-1=0 app-2=0 app-3=1)",
		"t=1.000s request 10 -> app-1 (in flight app-1=0 app-2=0 app-3=1)",
		"t=1.100s request 11 -> app-2 (in flight app-1=1 app-2=0 app-3=1)",
		"t=1.100s request 11 failed on app-2: connection refused (in flight app-1=1 app-2=0 app-3=1)",
	}
	if n != 2 || len(lines) != len(want) {
		t.Fatalf("%d decisions from 1 s, want 2:\n%s", n, strings.Join(lines, "\n"))
	}
	for i := range want {
		if cut(lines[i]) != want[i] {
			t.Errorf("line %d:\ngot  %s\nwant %s", i+1, cut(lines[i]), want[i])
		}
	}
}

// cut drops " from ADDRESS" from a narrated line.
func cut(line string) string {
	before, rest, found := strings.Cut(line, " from ")
	if !found {
		return line
	}
	_, after, _ := strings.Cut(rest, " ")
	return before + " " + after
}
