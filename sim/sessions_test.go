package sim

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// oneShopper is two single-slot servers and one client sending ten
// 100 ms requests a second apart, each alone on the servers; a request
// that misses its session costs 50 ms more.
func oneShopper(extra string) string {
	return bare(`name: one-shopper
requests: 10
servers: [{name: app, count: 2}]
workload:
  arrival: {process: constant, rate: 1}
  service: {dist: constant, mean: 100ms}
  clients: {count: 1}
sessions: {miss_cost: 50ms}
` + extra)
}

// TestSessionsByHand counts session misses where they can be counted by
// hand. Round robin alternates, so every request finds the session on the
// other server: ten misses of 150 ms. ip_hash keeps the client on one
// server: one miss, then nine hits of 100 ms. A drain of that server from
// 3.5 s to 5.5 s sends requests 4 and 5 to the other one: the session
// moves there (a miss), stays (a hit), and moves back (a miss). A crash in
// that window instead refuses requests 4 and 5 and loses the session, so
// request 6 misses on its old server.
func TestSessionsByHand(t *testing.T) {
	home := "app-1"
	if r := mustRun(t, parse(t, oneShopper("")), "ip_hash"); r.Servers[1].Requests == 10 {
		home = "app-2"
	}
	fault := func(kind string) string {
		return fmt.Sprintf("faults: [{at: 3500ms, server: %s, kind: %s, for: 2s}]\n", home, kind)
	}
	for _, tc := range []struct {
		name, alg, extra          string
		misses, completed, failed int64
		mean                      float64
	}{
		{"round robin", "round_robin", "", 10, 10, 0, 150},
		{"ip_hash", "ip_hash", "", 1, 10, 0, 105},
		{"ip_hash through a drain", "ip_hash", fault("drain"), 3, 10, 0, 115},
		{"ip_hash through a crash", "ip_hash", fault("crash"), 2, 8, 2, 112.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mustRun(t, parse(t, oneShopper(tc.extra)), tc.alg)
			if r.SessionMisses != tc.misses || r.Completed != tc.completed || r.Failed != tc.failed || r.Latency.Mean != tc.mean {
				t.Errorf("misses %d, completed %d, failed %d, mean %v ms; want %d, %d, %d, %v",
					r.SessionMisses, r.Completed, r.Failed, r.Latency.Mean, tc.misses, tc.completed, tc.failed, tc.mean)
			}
		})
	}
}

// TestSessionMissRetried: a request reset by a crash and retried on the
// other server misses there too, and pays the miss cost once, for the
// server that serves it: 1 s arriving at 1 s, reset at 1.5 s, then 1 s +
// 0.5 s on app-2, done at 3 s.
func TestSessionMissRetried(t *testing.T) {
	r := mustRun(t, parse(t, `name: retried-miss
requests: 1
servers: [{name: app, count: 2}]
workload:
  arrival: {process: constant, rate: 1}
  service: {dist: constant, mean: 1s}
  clients: {count: 1}
sessions: {miss_cost: 500ms}
faults: [{at: 1500ms, server: app-1, kind: crash}]
retries: {count: 1, on: [error]}
`), "round_robin")
	if r.Completed != 1 || r.Retried != 1 || r.SessionMisses != 2 || r.Latency.Mean != 2000 {
		t.Errorf("completed %d, retried %d, misses %d, latency %v ms; want 1, 1, 2, 2000", r.Completed, r.Retried, r.SessionMisses, r.Latency.Mean)
	}
}

// TestSessionsOff: without the sessions key nothing is counted and the
// JSON has no session_misses.
func TestSessionsOff(t *testing.T) {
	sc := parse(t, oneShopper(""))
	sc.Sessions = nil
	r := mustRun(t, sc, "round_robin")
	if r.SessionMisses != 0 || r.Latency.Mean != 100 {
		t.Errorf("misses %d, mean %v ms; want 0 and 100", r.SessionMisses, r.Latency.Mean)
	}
	if js, _ := json.Marshal(r); strings.Contains(string(js), "session_misses") {
		t.Errorf("JSON without sessions has session_misses: %s", js)
	}
}

// TestTraceSessions: the trace says hit or miss for each decision.
func TestTraceSessions(t *testing.T) {
	var got []string
	err := Trace(parse(t, oneShopper("")), "ip_hash", 0, func(ev *TraceEvent) bool {
		got = append(got, ev.Session)
		return len(got) < 3
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[miss hit hit]" {
		t.Errorf("sessions %v, want [miss hit hit]", got)
	}
}

// TestSticky: a sticky cookie pins a client to the server that answered
// it, with any algorithm. In oneShopper round robin misses all ten
// sessions; sticky, it misses the first only. The cookie belongs to the
// client, not its address: 200 clients, half of their requests through 2
// NAT gateways, on four servers under round robin, miss about 3 requests
// in 4 without it, and with it at most once each, about 200 misses in
// 20,000 requests.
func TestSticky(t *testing.T) {
	if r := mustRun(t, parse(t, oneShopper("sticky: {}\n")), "round_robin"); r.SessionMisses != 1 {
		t.Errorf("one shopper, sticky: %d session misses, want 1", r.SessionMisses)
	}
	nat := func(extra string) string {
		return `name: sticky-nat
requests: 20000
servers: [{name: app, count: 4, capacity: 4}]
workload:
  arrival: {process: poisson, load: 0.5}
  service: {dist: exponential, mean: 50ms}
  clients: {count: 200, nat: {gateways: 2, share: 0.5}}
sessions: {miss_cost: 1ms}
` + extra
	}
	for _, alg := range []string{"round_robin", "least_connections", "ip_hash"} {
		if r := mustRun(t, parse(t, nat("sticky: {}\n")), alg); r.SessionMisses < 200 || r.SessionMisses > 260 {
			t.Errorf("%s, sticky behind NAT: %d session misses, want 200 (one a client) give or take a few concurrent first requests", alg, r.SessionMisses)
		}
	}
	if r := mustRun(t, parse(t, nat("")), "round_robin"); r.SessionMisses < 14000 {
		t.Errorf("round robin without sticky: %d session misses, want about 15,000", r.SessionMisses)
	}
}
