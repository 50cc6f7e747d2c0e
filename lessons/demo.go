package lessons

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
)

// Demo is a tiny built-in scenario chosen so that one algorithm's
// character shows in nine requests over three servers.
type Demo struct {
	Algorithm string
	// Setup says what the scenario sends where, in a sentence or two.
	Setup string
	// Watch says what to look for in the steps.
	Watch    string
	Scenario *scenarios.Scenario
}

// demoSetup is one of the demos' scenarios and the words that describe it.
type demoSetup struct {
	setup string
	yaml  string
}

// The demos' scenarios. Nine requests 0.1 s apart (from 0.1 s), over three
// servers that serve one request at a time.
var (
	// oneReport's seed makes the first request the report and the eight
	// others calls.
	oneReport = demoSetup{
		setup: "Nine requests arrive 0.1 s apart at three identical servers that serve one request at a time. The first is a 2 s report; the other eight are 50 ms calls.",
		yaml: `name: demo-one-report
seed: 15
requests: 9
servers: [{name: app, count: 3}]
workload:
  arrival: {process: constant, rate: 10}
  classes:
    - {name: call, share: 0.9, service: {dist: constant, mean: 50ms}}
    - {name: report, share: 0.1, service: {dist: constant, mean: 2s}}
  clients: {count: 50}
`,
	}
	oneNewTwoOld = demoSetup{
		setup: "Nine 100 ms requests arrive 0.1 s apart. One server is new, 2.5 times as fast as the two old ones, and has weight 5; the old ones have weight 2.",
		yaml: `name: demo-one-new-two-old
requests: 9
servers:
  - {name: new, speed: 2.5, weight: 5}
  - {name: old, count: 2, weight: 2}
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 100ms}
  clients: {count: 50}
`,
	}
	threeClients = demoSetup{
		setup: "Nine 50 ms requests from three clients, 10.0.0.1 to 10.0.0.3, arrive 0.1 s apart at three identical servers.",
		yaml: `name: demo-three-clients
requests: 9
servers: [{name: app, count: 3}]
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 50ms}
  clients: {count: 3}
`,
	}
	oneSlowServer = demoSetup{
		setup: "Nine 50 ms requests arrive 0.1 s apart at three servers; app-3 is an old machine, five times slower than the other two, so it takes 250 ms over each.",
		yaml: `name: demo-one-slow-server
requests: 9
servers:
  - {name: app-1}
  - {name: app-2}
  - {name: app-3, speed: 0.2}
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 50ms}
  clients: {count: 50}
`,
	}
)

// The keyed demos: requests carry keys (URLs, cache keys) that the
// hashing policies hash.
var (
	threeKeys = demoSetup{
		setup: "Nine 50 ms requests for three keys (say three URLs) arrive 0.1 s apart at three identical servers.",
		yaml: `name: demo-three-keys
requests: 9
servers: [{name: app, count: 3}]
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 50ms}
  keys: {count: 3}
  clients: {count: 50}
`,
	}
	hotKey = demoSetup{
		setup: "Nine 300 ms requests arrive 0.1 s apart at three identical servers; nearly all of them ask for the same hot key.",
		yaml: `name: demo-hot-key
requests: 9
servers: [{name: app, count: 3}]
workload:
  arrival: {process: constant, rate: 10}
  service: {dist: constant, mean: 300ms}
  keys: {count: 3, zipf: 4}
  clients: {count: 50}
`,
	}
)

// demos are each algorithm's demo: its scenario, and what to watch.
var demos = map[string]struct {
	setup demoSetup
	watch string
}{
	"round_robin":            {oneReport, "Round robin deals the requests out in turn and never looks at the servers: app-1 keeps its turns while the report holds it, and the calls dealt to it wait behind the report."},
	"least_connections":      {oneReport, "Least connections sees the report in flight and sends every call to another server until it is done; idle servers tie, and it picks one of them at random."},
	"power_of_two":           {oneReport, "Power of two draws two servers and takes the one with fewer in flight: whenever the server holding the report is drawn, the other one wins. Between two idle servers the first drawn wins, so the split is uneven."},
	"random":                 {oneReport, "Random looks at nothing: calls land on the server busy with the report and wait behind it, and the split comes out uneven by chance."},
	"weighted_round_robin":   {oneNewTwoOld, "Weighted round robin gives the new server five turns in every nine and the old ones two each, spread out rather than in a burst."},
	"ip_hash":                {threeClients, "ip_hash sends each client to the same server every time. With only three clients the split is whatever the hash makes it: here two of them share a server and one server gets nothing."},
	"least_response_time":    {oneSlowServer, "Least response time tries each server once, learns that app-3 answers slowly, and then keeps the requests on the two fast servers."},
	"consistent_hash":        {threeKeys, "Consistent hashing sends every request for a key to the server that owns the key on its ring: key 0 always to app-3, keys 1 and 2 always to app-1. Which server owns which key is the hash's doing, and with three keys app-2 happens to own none; load is never looked at."},
	"maglev":                 {threeKeys, "Maglev looks each key up in its table: keys 0 and 2 always land on app-2 and key 1 on app-3. Three keys over three servers split as unevenly as any hash makes them, and load is never looked at."},
	"bounded_load":           {hotKey, "Every request asks for key 0, whose home on the ring is app-3. Bounded loads lets a server take a request only while it has fewer in flight than 1.25 times the average, rounded up; the others walk on along the ring to app-1, the next server. The hot key is shared by two servers, and app-2, further round the ring, is not needed."},
	"peak_ewma":              {oneSlowServer, "Peak EWMA draws two servers and takes the one whose latency cost times (requests in flight + 1) is lower. Until app-3 has answered it is tried like the others; once its 250 ms answer is back its cost is five times the fast servers', and it loses every draw after that."},
	"prequal":                {oneSlowServer, "Prequal probes three servers for each request and keeps the answers in a pool: among the probes of servers not among the busiest, it takes the lowest latency estimate times (requests in flight + 1). app-3 is tried once, like the others; once its 250 ms answer is in, its estimate is five times theirs and the requests stay on the two fast servers."},
	"join_idle_queue":        {oneReport, "Join-idle-queue keeps a queue of idle servers and sends each request to the first of them. app-1 leaves the queue with the report and rejoins only when it is idle again, so the calls alternate between app-2 and app-3, which rejoin as each call ends; none waits behind the report."},
	"weighted_least_request": {oneNewTwoOld, "With weights that differ, weighted least request schedules servers by weight divided by (requests in flight + 1), as Envoy does. Every request finds the servers idle here, so it is weighted round robin: the new server gets five turns in nine, the old ones two each."},
}

// DemoFor returns the demo of the algorithm named; an unknown name is an
// *algorithms.UnknownError.
func DemoFor(name string) (*Demo, error) {
	info, ok := algorithms.Lookup(name)
	if !ok {
		return nil, &algorithms.UnknownError{Name: name}
	}
	d, ok := demos[info.Name]
	if !ok {
		// A policy registered without a demo of its own shows itself on
		// the first one.
		d.setup, d.watch = oneReport, "A policy without a demo of its own: watch where it sends the calls while app-1 holds the report."
	}
	sc, err := scenarios.Parse("demo:"+info.Name, []byte(d.setup.yaml))
	if err != nil {
		return nil, err
	}
	return &Demo{Algorithm: info.Name, Setup: d.setup.setup, Watch: d.watch, Scenario: sc}, nil
}

// DemoRun is a demo's run: its steps, narrated, and the run's result.
type DemoRun struct {
	*Demo
	Steps  []Step
	Result results.Result
	// Busy lists the requests sent to a server that was already serving
	// one, in order.
	Busy []int64
}

// Run runs the demo.
func (d *Demo) Run() (*DemoRun, error) {
	out := &DemoRun{Demo: d}
	_, err := Follow(d.Scenario, d.Algorithm, 0, 0, func(s Step) {
		out.Steps = append(out.Steps, s)
		ev := &s.Event
		if k := slices.Index(ev.Servers, ev.Server); ev.Kind == sim.Routed && k >= 0 && ev.InFlight[k] > 0 {
			out.Busy = append(out.Busy, ev.Request)
		}
	})
	if err != nil {
		return nil, err
	}
	if out.Result, err = sim.Run(d.Scenario, d.Algorithm); err != nil {
		return nil, err
	}
	return out, nil
}

// Summary sums the run up in a line: requests per server, latency, and the
// requests sent to a busy server.
func (r *DemoRun) Summary() string {
	var b strings.Builder
	for i, s := range r.Result.Servers {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s=%d", s.Name, s.Requests)
	}
	fmt.Fprintf(&b, "; mean latency %.3f s, slowest %.3f s; ", r.Result.Latency.Mean/1000, r.Result.Latency.Max/1000)
	if len(r.Busy) == 0 {
		b.WriteString("no request was sent to a busy server.")
		return b.String()
	}
	nums := make([]string, len(r.Busy))
	for i, n := range r.Busy {
		nums[i] = fmt.Sprint(n)
	}
	word := "request "
	if len(nums) > 1 {
		word = "requests "
		nums[len(nums)-2] += " and " + nums[len(nums)-1]
		nums = nums[:len(nums)-1]
	}
	fmt.Fprintf(&b, "sent to a busy server: %s%s.", word, strings.Join(nums, ", "))
	return b.String()
}
