package sim

import (
	"math"
	"net/netip"
	"testing"
	"time"
)

// zoneScenario is two zones of two servers with room to spare (nothing
// queues), 100 requests a second of constant 10 ms, from many clients,
// through one balancer in each zone.
func zoneScenario(extra string) string {
	return bare(`name: zones
duration: 200s
servers:
  - {name: a, count: 2, capacity: 10, zone: za}
  - {name: b, count: 2, capacity: 10, zone: zb}
workload:
  arrival: {process: constant, rate: 100}
  service: {dist: constant, mean: 10ms}
` + extra)
}

// TestCrossZoneLatency: with routing any, each balancer's round robin
// sends every other request to the other zone, where it pays 5 ms each
// way: the mean is 10 ms + 10 ms / 2 = 15 ms, and the slowest request
// 20 ms. The crossing does not hold a slot: utilization is that of
// 10 ms of work, 100 a second over 40 slots, 2.5%.
func TestCrossZoneLatency(t *testing.T) {
	res := mustRun(t, parse(t, zoneScenario("zones: {cross_latency: 5ms}\n")), "round_robin")
	if math.Abs(res.Latency.Mean-15) > 0.1 || math.Abs(res.Latency.Max-20) > 0.05 {
		t.Errorf("mean %.2f ms, max %.2f ms; want 15 and 20", res.Latency.Mean, res.Latency.Max)
	}
	for _, s := range res.Servers {
		if math.Abs(s.Utilization-0.025) > 0.001 {
			t.Errorf("%s utilization %.4f, want 0.025: the crossing holds no slot", s.Name, s.Utilization)
		}
	}
	res = mustRun(t, parse(t, zoneScenario("zones: {cross_latency: 5ms, routing: local_first}\n")), "round_robin")
	if res.Latency.Max > 10.001 {
		t.Errorf("local_first: the slowest request took %.2f ms; want none to cross (10 ms)", res.Latency.Max)
	}
}

// TestLocalFirstSpills: b-1 drains, so zone zb has one usable server of
// three where its clients are half the traffic: local_first keeps 2/3 of
// zb's requests in zb and spills the rest to za, which leaves every
// usable server a third of all requests, as Envoy's zone-aware routing
// intends. Each share of 20,000 requests is within 5 standard deviations
// (about 0.017) of 1/3.
func TestLocalFirstSpills(t *testing.T) {
	res := mustRun(t, parse(t, zoneScenario(`zones: {routing: local_first}
faults: [{at: 0s, server: b-1, kind: drain}]
`)), "round_robin")
	var total int64
	for _, s := range res.Servers {
		total += s.Requests
	}
	for _, s := range res.Servers {
		share := float64(s.Requests) / float64(total)
		want := 1.0 / 3
		if s.Name == "b-1" {
			want = 0
		}
		if math.Abs(share-want) > 0.017 {
			t.Errorf("%s took %.3f of the requests, want %.3f", s.Name, share, want)
		}
	}
}

// TestRegionFailover: zones are regions. At 60 s both servers of za
// crash for good; its balancer, which uses only za's servers, fails its
// requests until, 30 s later, its clients move to zb. The lost requests
// are za's clients' for those 30 s: half of 3,000, Binomial(3000, 1/2),
// within 5 standard deviations (137), and none after.
func TestRegionFailover(t *testing.T) {
	sc := parse(t, zoneScenario(`zones: {routing: latency, cross_latency: 20ms}
balancers: {failover: 30s}
faults:
  - {at: 60s, server: a-1, kind: crash}
  - {at: 60s, server: a-2, kind: crash}
`))
	res := mustRun(t, sc, "round_robin")
	if res.Failed+res.Rejected < 1360 || res.Failed+res.Rejected > 1640 {
		t.Errorf("lost %d (%v), want about 1,500: za's clients for 30 s", res.Failed+res.Rejected, res.FailedByCause)
	}
	var late int
	err := Trace(sc, "round_robin", 91e9, func(ev *TraceEvent) bool {
		if ev.Kind == Failed {
			late++
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if late != 0 {
		t.Errorf("%d requests failed after the failover", late)
	}
	// After it, za's clients cross to zb: 20 ms each way on 10 ms.
	if res.Latency.Max < 49.9 {
		t.Errorf("the slowest request took %.1f ms; want za's clients served in zb, 50 ms", res.Latency.Max)
	}
}

// TestZoneOutage: a zone fault takes the zone's servers and balancer
// down together and brings them back. With failover 0 its clients move
// at once to the other zone's balancer, which (routing any) sends them
// to zb's servers; only the requests in flight on za when it fell are
// lost: those of the last 10 ms to za, about 1.
func TestZoneOutage(t *testing.T) {
	res := mustRun(t, parse(t, zoneScenario(`health_check: {interval: 1s, fall: 1, rise: 1}
faults: [{at: 60s, zone: za, kind: crash, for: 60s}]
`)), "round_robin")
	if res.Failed > 3 {
		t.Errorf("lost %d (%v), want only the few in flight on za", res.Failed, res.FailedByCause)
	}
	for _, s := range res.Servers {
		if s.Name[0] == 'a' && math.Abs(s.DownS-60) > 0.001 {
			t.Errorf("%s was down %.1f s, want 60", s.Name, s.DownS)
		}
	}
}

// TestOneZoneOutage: a zone fault where the zone is the whole site, with
// its one balancer: every request of the outage fails, and the run goes
// on after it.
func TestOneZoneOutage(t *testing.T) {
	res := mustRun(t, parse(t, bare(`name: one-zone
duration: 100s
servers: [{name: a, count: 2, capacity: 10, zone: only}]
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 10ms}
faults: [{at: 50s, zone: only, kind: crash, for: 10s}]
`)), "round_robin")
	if got := res.FailedByCause["balancer_down"]; got != 100 {
		t.Errorf("balancer_down %d (%v), want the 100 arrivals of the outage", got, res.FailedByCause)
	}
}

// TestZoneFallsAtOnce: a zone's servers all stop before any request on
// them is retried, so a request reset by the zone's crash is never reset
// a second time by the crash of a server of the same zone a moment later.
func TestZoneFallsAtOnce(t *testing.T) {
	sc := parse(t, bare(`name: zones
duration: 100s
servers:
  - {name: a, count: 2, capacity: 100, zone: za}
  - {name: b, count: 2, capacity: 100, zone: zb}
workload:
  arrival: {process: constant, rate: 100}
  service: {dist: constant, mean: 1s}
retries: {count: 2}
faults: [{at: 60s, zone: za, kind: crash, for: 10s}]
`))
	resets := map[int64]int{}
	err := Trace(sc, "round_robin", 59e9, func(ev *TraceEvent) bool {
		if ev.Kind == Failed && ev.Text == "reset by the crash" {
			if resets[ev.Request]++; resets[ev.Request] > 1 {
				t.Errorf("request %d reset twice by za's crash", ev.Request)
			}
		}
		return ev.At < 61e9
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resets) == 0 {
		t.Error("no request was in flight on za when it fell; the test tests nothing")
	}
}

// TestRetiredServerWaitsForTransit: a server the autoscaler retires does
// not leave while a request is crossing zones to it; the request's
// arrival lets it go.
func TestRetiredServerWaitsForTransit(t *testing.T) {
	e, err := newEngine(parse(t, zoneScenario("zones: {cross_latency: 5ms}\n")), "round_robin")
	if err != nil {
		t.Fatal(err)
	}
	s := &e.servers[2] // b-1, in the other zone from the first balancer's clients
	i := e.store(request{server: -1, client: netip.MustParseAddr("10.0.0.1"), demand: time.Millisecond})
	e.crossTo(i, s, time.Second)
	s.retired, s.draining = true, true
	e.leaveIfDrained(s, time.Second)
	if s.left {
		t.Fatal("the retired server left with a request crossing to it")
	}
	e.reached(i, time.Second+5*time.Millisecond)
	if s.transit != 0 || s.busy != 1 {
		t.Fatalf("after the crossing: %d in transit, %d busy; want 0 and 1", s.transit, s.busy)
	}
}
