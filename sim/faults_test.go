package sim

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/workloads"
)

// fourServers is four servers behind round robin with constant arrivals
// (4/s from 0.25 s on, so each server gets one request a second: app-2 at
// 0.5 s, 1.5 s, ...) of 100 ms each, for duration; extra adds sections.
func fourServers(duration, extra string) string {
	return bare(`name: four
duration: ` + duration + `
algorithms: [round_robin]
servers: [{name: app, count: 4}]
workload:
  arrival: {process: constant, rate: 4}
  service: {dist: constant, mean: 100ms}
` + extra)
}

// bare turns off the defences a scenario has by default (one retry on
// another server, ejection after one failed attempt, as nginx has) unless
// yaml sets them, so that a test counts what the mechanism it tests does
// alone.
func bare(yaml string) string {
	if !strings.Contains(yaml, "\nretries:") {
		yaml += "retries: {count: 0}\n"
	}
	if !strings.Contains(yaml, "\npassive:") {
		yaml += "passive: {max_fails: 0}\n"
	}
	return yaml
}

// crashScenario is fourServers for 120 s (479 requests) in which app-2
// crashes at 60 s and never comes back.
func crashScenario(extra string) string {
	return fourServers("120s", "faults: [{at: 60s, server: app-2, kind: crash}]\n"+extra)
}

// TestCrash checks a crash on hand-countable cases: app-2 gets one request
// a second, so without checks the 60 s outage fails 60 requests; checks
// every 5 s with fall 3 detect it at 75 s (checks at 65, 70 and 75 fail;
// the one at 60 s still saw it up), after 15 failures; one retry saves
// every one of them (each retry is a pick, so round robin comes back to
// app-2 a little more often: 20 refusals); passive checks eject it at its
// first refusal, at 60.5 s. The crash's failed_during counts requests
// lost for good, attempts_failed every refusal: with the retry, 20
// attempts met the dead server and no request was lost.
func TestCrash(t *testing.T) {
	for _, tc := range []struct {
		name             string
		extra            string
		failed, retried  int64
		detectedAfter    float64
		failedDuringWant int64
		attemptsWant     int64
	}{
		{"no checks", "", 60, 0, -1, 60, 60},
		{"active checks", "health_check: {interval: 5s, fall: 3, out_of_band: true}\n", 15, 0, 15, 15, 15},
		{"checks and a retry", "health_check: {interval: 5s, fall: 3, out_of_band: true}\nretries: {count: 1}\n", 0, 20, 15, 0, 20},
		{"passive checks", "passive: {max_fails: 1, fail_timeout: 1000s}\n", 1, 0, 0.5, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(parse(t, crashScenario(tc.extra)), "round_robin")
			if err != nil {
				t.Fatal(err)
			}
			if res.Failed != tc.failed || res.Retried != tc.retried {
				t.Errorf("failed %d, retried %d; want %d and %d", res.Failed, res.Retried, tc.failed, tc.retried)
			}
			if res.Failed > 0 && res.FailedByCause["refused"] != res.Failed {
				t.Errorf("failed by cause %v, want all %d refused", res.FailedByCause, res.Failed)
			}
			if len(res.Crashes) != 1 {
				t.Fatalf("crashes %+v, want one", res.Crashes)
			}
			c := res.Crashes[0]
			if c.Server != "app-2" || c.AtS != 60 || c.DetectedAfterS != tc.detectedAfter || c.FailedDuring != tc.failedDuringWant || c.AttemptsFailed != tc.attemptsWant {
				t.Errorf("crash %+v, want app-2 at 60 s detected after %v s, %d requests and %d attempts failed", c, tc.detectedAfter, tc.failedDuringWant, tc.attemptsWant)
			}
			if got := res.Servers[1].DownS; got != 60 {
				t.Errorf("app-2 down for %v s, want 60", got)
			}
			if total := res.Completed + res.Failed; total != 479 {
				t.Errorf("completed + failed = %d, want the 479 arrivals", total)
			}
		})
	}
}

// TestCrashResetsInFlight crashes a server with requests in service and
// waiting: they fail as reset, or move to another server with a retry on
// error.
func TestCrashResetsInFlight(t *testing.T) {
	const base = `name: reset
duration: 10s
algorithms: [round_robin]
servers: [{name: app, count: 2}]
workload:
  arrival: {process: constant, rate: 2}
  service: {dist: constant, mean: 2s}
faults: [{at: 5100ms, server: app-1, kind: crash, for: 100ms}]
`
	// Arrivals every 0.5 s alternate between the servers; app-1 gets one
	// a second and serves one at a time for 2 s, so it has one request in
	// service and at least one waiting when it crashes.
	res, err := Run(parse(t, bare(base)), "round_robin")
	if err != nil {
		t.Fatal(err)
	}
	reset := res.FailedByCause["reset"]
	if reset < 2 || res.Failed != reset {
		t.Errorf("failed %d (%v), want 2 or more, all reset", res.Failed, res.FailedByCause)
	}
	res2, err := Run(parse(t, bare(base+"retries: {count: 1, on: [error]}\n")), "round_robin")
	if err != nil {
		t.Fatal(err)
	}
	if res2.Failed != 0 || res2.Retried != reset {
		t.Errorf("with a retry on error: failed %d, retried %d; want 0 and %d", res2.Failed, res2.Retried, reset)
	}
}

// TestSlowAndDrain checks a slow fault (service ten times longer while it
// lasts) and a drain (no new requests while it lasts).
func TestSlowAndDrain(t *testing.T) {
	res, err := Run(parse(t, `name: slow
duration: 30s
algorithms: [round_robin]
servers: [{name: app, count: 2, capacity: 100}]
workload:
  arrival: {process: constant, rate: 2}
  service: {dist: constant, mean: 100ms}
faults:
  - {at: 10s, server: app-1, kind: slow, factor: 10, for: 10s}
  - {at: 5s, server: app-2, kind: drain, for: 5s}
`), "round_robin")
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Latency.Max; math.Abs(got-1000) > 1 {
		t.Errorf("max latency %.1f ms, want 1000 (100 ms ten times slower)", got)
	}
	if got := res.Servers[1].DrainingS; got != 5 {
		t.Errorf("app-2 drained for %v s, want 5", got)
	}
	// 59 arrivals, one every half second from 0.5 s: the 10 of the drain
	// (5 s to 9.5 s) go to app-1, the other 49 alternate from app-1 on.
	if a, b := res.Servers[0].Requests, res.Servers[1].Requests; a != 35 || b != 24 {
		t.Errorf("requests app-1 %d, app-2 %d; want 35 and 24", a, b)
	}
}

// TestTimeouts checks timeouts.response: attempts on a server fifty times
// slower time out after 1 s; without a retry they fail as timeouts, with a
// retry on timeout they succeed elsewhere in about 1.1 s, while the slow
// server goes on serving the abandoned requests.
func TestTimeouts(t *testing.T) {
	const base = `name: timeouts
duration: 60s
algorithms: [round_robin]
servers: [{name: app, count: 2}]
workload:
  arrival: {process: constant, rate: 1}
  service: {dist: constant, mean: 100ms}
faults: [{at: 10s, server: app-1, kind: slow, factor: 50, for: 10s}]
timeouts: {response: 1s}
`
	res, err := Run(parse(t, bare(base)), "round_robin")
	if err != nil {
		t.Fatal(err)
	}
	// app-1 gets the arrivals at 11, 13, ..., 19 s during the slowdown.
	if res.Failed < 5 || res.FailedByCause["timeout"] != res.Failed {
		t.Errorf("failed %d (%v), want 5 or more, all timeouts", res.Failed, res.FailedByCause)
	}
	// Healthy, app-1 would be busy 30 x 100 ms of the 60 s (0.05); the
	// abandoned requests started while slow keep it busy 10 s more.
	if u := res.Servers[0].Utilization; u < 0.15 {
		t.Errorf("app-1 utilization %.2f, want about 0.2: the abandoned requests keep it busy", u)
	}
	res2, err := Run(parse(t, bare(base+"retries: {count: 1, on: [timeout]}\n")), "round_robin")
	if err != nil {
		t.Fatal(err)
	}
	if res2.Failed != 0 || res2.Retried < 5 {
		t.Errorf("with a retry: failed %d, retried %d; want none failed", res2.Failed, res2.Retried)
	}
	if got := res2.Latency.Max; got < 1100 || got > 1500 {
		t.Errorf("max latency %.0f ms, want about 1100 (a 1 s timeout, then 100 ms elsewhere)", got)
	}
}

// TestCircuitBreaker checks the breaker on a server that stays down: three
// refusals open it, and every 10 s it turns half-open and lets exactly one
// probe through, which fails and opens it again.
func TestCircuitBreaker(t *testing.T) {
	res, err := Run(parse(t, bare(`name: breaker
duration: 60s
algorithms: [round_robin]
servers: [{name: app, count: 2}]
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 50ms}
faults: [{at: 5s, server: app-1, kind: crash}]
circuit_breaker: {failures: 3, open: 10s, probes: 1}
`)), "round_robin")
	if err != nil {
		t.Fatal(err)
	}
	// Refusals at 5.1, 5.3 and 5.5 s open it; it turns half-open at
	// 15.5, 25.6, 35.7, 45.8 and 55.9 s, one failed probe each time.
	if res.Failed != 8 || res.Servers[0].Failed != 8 {
		t.Errorf("failed %d (app-1: %d), want 3 + 5 probes = 8", res.Failed, res.Servers[0].Failed)
	}
	// The probes met the server down too: the crash cost 8 requests.
	if c := res.Crashes[0]; math.Abs(c.DetectedAfterS-0.5) > 1e-9 || c.FailedDuring != 8 || c.AttemptsFailed != 8 {
		t.Errorf("crash %+v, want detected after 0.5 s, by the breaker, with 8 requests failed", c)
	}
}

// TestBreakerCap crashes two of four servers at 10 s under breakers that
// open at the first refusal and stay open. With max_open 0.5 (two
// servers) both open after one refusal each; with the default 0.1 (one
// server, the least allowed) app-2's breaker cannot open, so app-2 keeps
// its third of the 39 later requests and refuses every one.
func TestBreakerCap(t *testing.T) {
	for _, tt := range []struct {
		maxOpen       string
		app1, app2    int64
		app2Tolerance int64
	}{
		{"0.5", 1, 1, 0},
		{"0.1", 1, 13, 1},
	} {
		res, err := Run(parse(t, fourServers("20s", `faults: [{at: 10s, server: app-1, kind: crash}, {at: 10s, server: app-2, kind: crash}]
circuit_breaker: {failures: 1, open: 1h, max_open: `+tt.maxOpen+`}
`)), "round_robin")
		if err != nil {
			t.Fatal(err)
		}
		got1, got2 := res.Servers[0].Failed, res.Servers[1].Failed
		if got1 != tt.app1 || got2 < tt.app2-tt.app2Tolerance || got2 > tt.app2+tt.app2Tolerance {
			t.Errorf("max_open %s: app-1 failed %d, app-2 %d; want %d and %d ± %d", tt.maxOpen, got1, got2, tt.app1, tt.app2, tt.app2Tolerance)
		}
	}
}

// TestBreakerSlotFreed: app-1 crashes at 10 s and its breaker takes the
// one max_open slot; the checks (every 10 s, fall 1) take it out at 20 s,
// so its half-open breaker never gets a probe. The slot must come free
// when the breaker turns half-open, or app-2, crashing at 30 s, would take
// its third of 4 requests a second (13) until the check at 40 s finds it;
// with the slot its breaker opens at once and each 5 s it lets one probe
// fail.
func TestBreakerSlotFreed(t *testing.T) {
	res, err := Run(parse(t, fourServers("50s", `faults: [{at: 10s, server: app-1, kind: crash}, {at: 30s, server: app-2, kind: crash}]
health_check: {interval: 10s, fall: 1, rise: 1}
circuit_breaker: {failures: 1, open: 5s}
`)), "round_robin")
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Servers[1].Failed; got > 4 {
		t.Errorf("app-2 failed %d requests, want at most 4: its breaker should open at the first", got)
	}
}

// TestBackup checks a backup server: it gets requests only while both
// primaries are out of rotation, from the crash's detection (checks at
// 5 s intervals, fall 1: at 15 s) to their return (rise 1: the check sent
// at 30 s is answered 1 ms later, as checks are served like requests).
func TestBackup(t *testing.T) {
	res, err := Run(parse(t, bare(`name: backup
duration: 40s
algorithms: [round_robin]
servers:
  - {name: app, count: 2}
  - {name: spare, backup: true}
workload:
  arrival: {process: constant, rate: 2}
  service: {dist: constant, mean: 100ms}
faults:
  - {at: 12s, server: app-1, kind: crash, for: 15s}
  - {at: 12s, server: app-2, kind: crash, for: 15s}
health_check: {interval: 5s, fall: 1, rise: 1}
`)), "round_robin")
	if err != nil {
		t.Fatal(err)
	}
	// 2 arrivals a second: 31 from 15 s to 30 s go to the spare; the 6
	// from 12 s to 14.5 s fail, refused.
	if got := res.Servers[2].Requests; got != 31 {
		t.Errorf("the backup got %d requests, want 31", got)
	}
	if res.Failed != 6 {
		t.Errorf("failed %d, want the 6 sent before the checks noticed", res.Failed)
	}
}

// TestSlowStart checks slow start's ramp: a server back from a drain gets
// share/ramp of what the balancer offers it, half at mid-ramp. With random
// choices it is offered half the requests, so over a 10 s ramp it takes a
// quarter of them (0.5 x the mean share 0.5): 250 of 1,000, give or take
// 45 (three standard deviations of the binomial count).
func TestSlowStart(t *testing.T) {
	sc := parse(t, `name: ramp
duration: 20s
algorithms: [random, least_connections, ip_hash]
servers: [{name: app, count: 2, capacity: 100}]
workload:
  arrival: {process: constant, rate: 100}
  service: {dist: constant, mean: 10ms}
  clients: {count: 1000}
faults: [{at: 0s, server: app-2, kind: drain, for: 10s}]
slow_start: 10s
`)
	res, err := Run(sc, "random")
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Servers[1].Requests; got < 205 || got > 295 {
		t.Errorf("app-2 took %d requests during its ramp, want 250 +- 45", got)
	}
	e := &engine{failures: failures{slowStart: 10 * time.Second}}
	if got := e.rampShare(10*time.Second, 15*time.Second); got != 0.5 {
		t.Errorf("share at mid-ramp %v, want 0.5", got)
	}
	// Policies that would send it everything or a fixed half ramp too.
	for _, alg := range []string{"least_connections", "ip_hash"} {
		r, err := Run(sc, alg)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Servers[1].Requests; got < 150 || got > 350 {
			t.Errorf("%s: app-2 took %d requests during its ramp, want about a quarter of 1,000", alg, got)
		}
	}
}

// TestRandomFailures checks mtbf and mttr: each server is down for
// mttr/(mtbf+mttr) of the time in the long run, 1/11 here. Ten servers
// over 2,000 s make about 180 failures; across 30 seeds the down share's
// standard deviation was 9% of it, so the 25% tolerance is nearly three.
func TestRandomFailures(t *testing.T) {
	res, err := Run(parse(t, `name: random-failures
duration: 2000s
algorithms: [round_robin]
servers: [{name: app, count: 10, mtbf: 100s, mttr: 10s}]
workload:
  arrival: {process: constant, rate: 2}
  service: {dist: constant, mean: 10ms}
health_check: {interval: 1s, fall: 1, rise: 1}
`), "round_robin")
	if err != nil {
		t.Fatal(err)
	}
	var down float64
	for _, s := range res.Servers {
		down += s.DownS
	}
	if share := down / (10 * 2000); math.Abs(share-1.0/11) > 0.25/11 {
		t.Errorf("servers down %.4f of the time, want 1/11 = %.4f", share, 1.0/11)
	}
	if n := len(res.Crashes); n < 120 || n > 240 {
		t.Errorf("%d crashes, want about 180", n)
	}
	for _, c := range res.Crashes {
		if c.DetectedAfterS > 1 {
			t.Errorf("crash %+v detected after more than one 1 s check", c)
			break
		}
	}
}

// scaleScenario is two servers of an autoscaled group under 16 requests a
// second of 100 ms (0.8 busy each), then 4 a second from 40 s.
const scaleScenario = `name: scale
duration: 70s
servers: [{name: app, count: 2}]
workload:
  arrival: {process: constant, rate: 16, phases: [{at: 40s, rate: 4}]}
  service: {dist: constant, mean: 100ms}
autoscale: {min: 2, max: 6, target: 0.5, interval: 10s, cooldown: 0s, startup: 5s}
`

// TestAutoscale checks the autoscaler on exact arithmetic: 16 requests a
// second of 100 ms keep 1.6 servers busy. At 10 s the two servers run at
// 0.8, so for a target of 0.5 it wants ceil(2 x 0.8 / 0.5) = 4, which
// join at 15 s; at 0.4 each after that, 4 stays right. At 40 s traffic
// drops to 4 a second, and at 50 s the 4 servers at 0.1 want 1, so it
// retires two (min 2).
func TestAutoscale(t *testing.T) {
	res, err := Run(parse(t, scaleScenario), "round_robin")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Scaling) != 2 {
		t.Fatalf("scaling %+v, want two decisions", res.Scaling)
	}
	up, down := res.Scaling[0], res.Scaling[1]
	if up.AtS != 10 || up.From != 2 || up.To != 4 || math.Abs(up.Utilization-0.8) > 0.01 {
		t.Errorf("first decision %+v, want at 10 s from 2 to 4 at utilization 0.8", up)
	}
	if down.AtS != 50 || down.From != 4 || down.To != 2 || math.Abs(down.Utilization-0.1) > 0.01 {
		t.Errorf("second decision %+v, want at 50 s from 4 to 2 at utilization 0.1", down)
	}
	if len(res.Servers) != 6 || res.Servers[2].Requests == 0 || res.Servers[3].Requests == 0 ||
		res.Servers[4].Requests != 0 || res.Servers[5].Requests != 0 {
		t.Errorf("servers %+v, want app-3 and app-4 used and app-5 and app-6 never", res.Servers)
	}
	if res.Failed != 0 {
		t.Errorf("%d failed, want none", res.Failed)
	}
}

// TestHalfOpenProbes checks that a half-open breaker lets exactly its
// probe count through: requests arriving at one instant, before any probe
// is answered, reach the server only that many times.
func TestHalfOpenProbes(t *testing.T) {
	for _, probes := range []int{1, 2, 5} {
		sc := parse(t, `name: probes
requests: 100
algorithms: [least_connections]
servers: [{name: app, count: 2, capacity: 100}]
workload:
  arrival: {rate: 1}
  service: {dist: constant, mean: 1s}
circuit_breaker: {probes: `+strconv.Itoa(probes)+`}
`)
		e, err := newEngine(sc, "least_connections")
		if err != nil {
			t.Fatal(err)
		}
		v := e.views[0]
		v.standing[0].breaker = breakerOpen
		e.halfOpen(v, &e.servers[0], time.Second)
		// least_connections keeps choosing the idle server 0 while the
		// breaker lets it.
		var r workloads.Request
		for range 20 {
			r.Arrival = time.Second
			e.arrive(&r)
		}
		if got := e.servers[0].backend.InFlight(); got != int64(probes) {
			t.Errorf("probes %d: %d requests reached the half-open server, want %d", probes, got, probes)
		}
	}
}

// TestBackToBackFaults: a fault that starts at the instant the previous
// one on the same server ends takes effect. app-2 gets one 100 ms request
// a second; it is down from 60 s to 120 s (60 refused) and five times
// slower from 120 s to 180 s, so its 60 requests of that minute take
// 500 ms, and the run's slowest request is one of them.
func TestBackToBackFaults(t *testing.T) {
	res := mustRun(t, parse(t, fourServers("240s", `faults:
  - {at: 60s, server: app-2, kind: crash, for: 60s}
  - {at: 120s, server: app-2, kind: slow, factor: 5, for: 60s}
`)), "round_robin")
	if res.Failed != 60 {
		t.Errorf("failed %d, want the 60 requests of the crash minute", res.Failed)
	}
	if res.Latency.Max != 500 {
		t.Errorf("slowest request %v ms, want 500 ms: the slow minute did not happen", res.Latency.Max)
	}
}

// TestAutoscaleInService: utilization and fairness are over each server's
// time in service. In TestAutoscale's run app-1 is busy 0.8 of 15 s, 0.4
// of 25 s, 0.1 of 10 s and 0.2 of 20 s: 27 s of 70. app-3 joins at 15 s
// and leaves once drained after the scale-in at 50 s: 11 s busy in 35 s
// of service (its drain lasts at most one 100 ms request). app-5 and app-6
// never launch: they are marked so and left out of fairness, instead of
// counting as idle servers.
func TestAutoscaleInService(t *testing.T) {
	res := mustRun(t, parse(t, scaleScenario), "round_robin")
	app1, app3 := res.Servers[0], res.Servers[2]
	if math.Abs(app1.Utilization-27.0/70) > 0.005 || app1.InServiceS != 70 {
		t.Errorf("app-1 %+v, want utilization 27/70 over 70 s in service", app1)
	}
	if math.Abs(app3.InServiceS-35) > 0.1 || math.Abs(app3.Utilization-11.0/35) > 0.005 || app3.DrainingS > 0.1 {
		t.Errorf("app-3 %+v, want about 35 s in service at utilization 11/35, draining at most 0.1 s", app3)
	}
	var utils []float64
	for i, s := range res.Servers {
		if want := i >= 4; s.NeverLaunched != want {
			t.Errorf("%s never launched: %v, want %v", s.Name, s.NeverLaunched, want)
		}
		if !s.NeverLaunched {
			utils = append(utils, s.Utilization)
		}
	}
	if want := results.NewFairness(utils); res.Fairness.JainUtilization != want.JainUtilization || res.Fairness.MaxOverMeanUtilization != want.MaxOverMeanUtilization {
		t.Errorf("fairness %+v, want %+v over the four servers that served", res.Fairness, want)
	}
	if res.Fairness.JainUtilization < 0.97 {
		t.Errorf("Jain %v: the load was even over each server's time in service", res.Fairness.JainUtilization)
	}
}

// TestDefaultDefences: a scenario without retries or passive sections has
// nginx's defaults, one retry on another server and ejection for 10 s
// after one failed attempt. app-2 crashes at 60 s for good; its first
// request, at 60.5 s, is refused, retried elsewhere, and ejects it; each
// time an ejection ends the next request meets it down again: six
// refusals in the minute (60.5 s, then about every 10 s), all retried,
// no request lost. Turned off, the minute's 60 requests fail.
func TestDefaultDefences(t *testing.T) {
	const file = `name: defaults
duration: 120s
servers: [{name: app, count: 4}]
workload:
  arrival: {process: constant, rate: 4}
  service: {dist: constant, mean: 100ms}
faults: [{at: 60s, server: app-2, kind: crash}]
`
	res := mustRun(t, parse(t, file), "round_robin")
	if c := res.Crashes[0]; res.Failed != 0 || res.Retried != 6 || c.AttemptsFailed != 6 || c.DetectedAfterS != 0.5 {
		t.Errorf("failed %d, retried %d, crash %+v; want none lost, 6 refusals retried, detected after 0.5 s", res.Failed, res.Retried, c)
	}
	if off := mustRun(t, parse(t, file+"retries: {count: 0}\npassive: {max_fails: 0}\n"), "round_robin"); off.Failed != 60 {
		t.Errorf("defences off: failed %d, want 60", off.Failed)
	}
}

// TestFailFast checks a 5xx fault on hand-countable cases: from 60 s on,
// app-2 answers its requests (one a second, 60 in all) with an error
// after 1 ms. They fail unless a retry on 5xx sends them elsewhere;
// passive checks eject the server only when told to count 5xx answers;
// health checks, which it still answers, never take it out.
func TestFailFast(t *testing.T) {
	for _, tc := range []struct {
		name           string
		fault, extra   string
		failLo, failHi int64
		retried        bool
	}{
		{"all of its requests", "", "", 60, 60, false},
		// Binomial(60, 0.5): mean 30, sd 3.9; 15 to 45 is about 4 sd.
		{"half of them", ", share: 0.5", "", 15, 45, false},
		{"a retry on 5xx", "", "retries: {count: 1, on: [5xx]}\n", 0, 0, true},
		{"a retry on errors only", "", "retries: {count: 1, on: [connect, error]}\n", 60, 60, false},
		{"passive checks on 5xx", "", "passive: {max_fails: 1, fail_timeout: 1000s, on: [5xx]}\n", 1, 1, false},
		{"passive checks by default", "", "passive: {max_fails: 1, fail_timeout: 1000s}\n", 60, 60, false},
		{"health checks", "", "health_check: {interval: 5s, fall: 1}\n", 60, 60, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := parse(t, fourServers("120s", "faults: [{at: 60s, server: app-2, kind: 5xx"+tc.fault+"}]\n"+tc.extra))
			res, err := Run(sc, "round_robin")
			if err != nil {
				t.Fatal(err)
			}
			if res.Failed < tc.failLo || res.Failed > tc.failHi || res.FailedByCause["5xx"] != res.Failed {
				t.Errorf("failed %d (%v), want %d to %d, all 5xx", res.Failed, res.FailedByCause, tc.failLo, tc.failHi)
			}
			if tc.retried != (res.Retried >= 60) {
				t.Errorf("retried %d; want 60 or more: %v", res.Retried, tc.retried)
			}
			if total := res.Completed + res.Failed; total != 479 {
				t.Errorf("completed + failed = %d, want the 479 arrivals", total)
			}
		})
	}
}

// TestBlackHole checks why a server that fails fast is dangerous: it is
// always free, so least connections sends it far more than its quarter of
// the requests (round robin gives it exactly a quarter), until passive
// checks that count 5xx eject it, for 10 s after each error.
func TestBlackHole(t *testing.T) {
	const base = `name: black-hole
duration: 120s
servers: [{name: app, count: 4}]
workload:
  arrival: {rate: 28}
  service: {dist: exponential, mean: 100ms}
faults: [{at: 0s, server: app-2, kind: 5xx}]
`
	for _, tc := range []struct {
		name, alg, extra string
		lo, hi           float64
	}{
		{"round robin", "round_robin", "", 0.24, 0.26},
		// It ties with every idle server and beats every busy one: with
		// the others at about 70% it draws nearly half; 0.4 is well past
		// the fair quarter.
		{"least connections", "least_connections", "", 0.4, 1},
		{"least connections, ejected on 5xx", "least_connections", "passive: {max_fails: 1, fail_timeout: 10s, on: [5xx]}\n", 0, 0.01},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(parse(t, bare(base+tc.extra)), tc.alg)
			if err != nil {
				t.Fatal(err)
			}
			var total int64
			for _, s := range res.Servers {
				total += s.Requests
			}
			share := float64(res.Servers[1].Requests) / float64(total)
			if share < tc.lo || share > tc.hi {
				t.Errorf("app-2 got %.3f of the requests, want %v to %v", share, tc.lo, tc.hi)
			}
			if res.FailedByCause["5xx"] != res.Servers[1].Requests {
				t.Errorf("%d failed with 5xx, want every one of app-2's %d requests", res.FailedByCause["5xx"], res.Servers[1].Requests)
			}
		})
	}
}

// TestRetriesAvoidEveryTriedServer checks that a request retried twice
// never goes back to a server it tried, as in the proxy: two of three
// servers never answer within the 1 s timeout, so with two retries every
// request reaches the third, whichever order random choices try them in.
func TestRetriesAvoidEveryTriedServer(t *testing.T) {
	sc := parse(t, bare(`name: two-retries
duration: 60s
servers:
  - {name: slow, count: 2, capacity: 100, speed: 0.001}
  - {name: fast, capacity: 100}
workload:
  arrival: {process: constant, rate: 5}
  service: {dist: constant, mean: 10ms}
timeouts: {response: 1s}
retries: {count: 2, on: [timeout]}
`))
	res, err := Run(sc, "random")
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 0 || res.Completed != 299 {
		t.Errorf("completed %d, failed %d (%v); want all 299 completed", res.Completed, res.Failed, res.FailedByCause)
	}
	if res.Retried < 150 {
		t.Errorf("retried %d, want about two thirds of 299 first attempts and a half of those twice", res.Retried)
	}
}

// TestRetryTiesAtRandom: under ip_hash one client always hashes to the
// same server, so its retry is the host's own pick among the rest, all
// idle: it must take each of them about as often, not the first listed.
// With the hashed server down, each of the other three serves a third of
// about 3,000 retries: Binomial(3000, 1/3), standard deviation 26, so a
// share within 130 of 1,000 is five of them.
func TestRetryTiesAtRandom(t *testing.T) {
	const yaml = `name: ties
duration: 300s
servers: [{name: app, count: 4}]
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 1ms}
  clients: {count: 1}
retries: {count: 1, on: [connect]}
`
	// trace returns the server the client hashes to, and where its
	// retries went.
	trace := func(extra string) (hashed string, retried map[string]int) {
		retried = map[string]int{}
		err := Trace(parse(t, bare(yaml+extra)), "ip_hash", 0, func(ev *TraceEvent) bool {
			if ev.Kind == Routed && hashed == "" {
				hashed = ev.Server
			}
			if ev.Kind == Routed && ev.Attempt == 1 {
				retried[ev.Server]++
			}
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		return hashed, retried
	}
	hashed, retried := trace("")
	if hashed == "" || len(retried) > 0 {
		t.Fatalf("retries %v with every server up; want none", retried)
	}
	_, retried = trace("faults: [{at: 0s, server: " + hashed + ", kind: crash}]\n")
	if len(retried) != 3 {
		t.Fatalf("retried on %v, want the three servers left", retried)
	}
	for name, n := range retried {
		if n < 870 || n > 1130 {
			t.Errorf("%s took %d of the retries, want 1000 ± 130 (%v)", name, n, retried)
		}
	}
}

// TestDefaultResponseTimeout: a file that says nothing of timeouts has
// nginx's 60 s response timeout in the simulator too, so a request that
// would take 90 s fails as timed out; timeouts.response: 0 is none.
func TestDefaultResponseTimeout(t *testing.T) {
	const base = `name: slow
requests: 1
servers: [{name: app}]
workload:
  arrival: {process: constant, rate: 1}
  service: {dist: constant, mean: 90s}
`
	for _, tc := range []struct {
		extra              string
		completed, timeout int64
	}{{"", 0, 1}, {"timeouts: {response: 0}\n", 1, 0}} {
		res := mustRun(t, parse(t, bare(base+tc.extra)), "round_robin")
		if res.Completed != tc.completed || res.FailedByCause["timeout"] != tc.timeout {
			t.Errorf("%q: completed %d, timed out %d; want %d and %d", tc.extra, res.Completed, res.FailedByCause["timeout"], tc.completed, tc.timeout)
		}
	}
}
