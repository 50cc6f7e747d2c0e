package scenarios

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/results"
	"go.yaml.in/yaml/v3"
)

// The algorithm names these tests use (round_robin, random, ...) are those
// the algorithms package registers.

// valid is a small complete scenario; tests derive bad ones from it.
const valid = `name: t
servers:
  - name: app
    count: 2
    capacity: 4
workload:
  arrival: {process: poisson, rate: 10}
  service: {dist: exponential, mean: 50ms}
`

func mustParse(t *testing.T, src string) *Scenario {
	t.Helper()
	s, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return s
}

func TestDefaults(t *testing.T) {
	s := mustParse(t, valid)
	if s.Seed != 1 || s.Requests != 100000 || s.Duration != 0 || s.Warmup != 0 {
		t.Errorf("seed, requests, duration, warmup = %d, %d, %s, %s; want 1, 100000, 0s, 0s", s.Seed, s.Requests, s.Duration, s.Warmup)
	}
	want := ServerGroup{Name: "app", Count: 2, Capacity: 4, Speed: 1, Weight: 1, Queue: 0}
	if !reflect.DeepEqual(s.Servers, []ServerGroup{want}) {
		t.Errorf("servers = %+v, want %+v", s.Servers, want)
	}
	if s.Workload.Arrival.Process != "poisson" {
		t.Errorf("process = %q", s.Workload.Arrival.Process)
	}
	if s.Workload.Clients.Count != 10000 || s.Workload.Clients.NAT != nil || s.Workload.Clients.Zipf != 0 {
		t.Errorf("clients = %+v, want 10000 uniform clients", s.Workload.Clients)
	}
	if !reflect.DeepEqual(s.Algorithms, algorithms.Names()) || len(s.Algorithms) == 0 {
		t.Errorf("algorithms = %v, want all registered %v", s.Algorithms, algorithms.Names())
	}
	if s.Judge != results.FigureP99 {
		t.Errorf("judge = %q, want p99", s.Judge)
	}
	if j := mustParse(t, valid+"judge: Mean\n").Judge; j != results.FigureMean {
		t.Errorf("judge: Mean read as %q, want mean", j)
	}
	if s.Source != "test.yaml" || string(s.YAML) != valid {
		t.Errorf("source %q, yaml %q not kept", s.Source, s.YAML)
	}

	// A group of one server with every key left out.
	s = mustParse(t, `name: t
servers: [{name: solo}]
workload:
  arrival: {load: 0.5}
  classes:
    - {name: a, share: 0.5, service: {dist: lognormal, mean: 10ms}}
    - {name: b, share: 0.25, service: {dist: pareto, mean: 10ms}}
    - {name: c, share: 0.25, service: {dist: uniform, mean: 10ms}}
`)
	if want := (ServerGroup{Name: "solo", Count: 1, Capacity: 1, Speed: 1, Weight: 1}); s.Servers[0] != want {
		t.Errorf("server = %+v, want %+v", s.Servers[0], want)
	}
	c := s.Workload.Classes
	if c[0].Service.Sigma != 1 || c[1].Service.Alpha != 2.5 || c[2].Service.Min != 0 {
		t.Errorf("shape defaults: sigma %g, alpha %g, min %s; want 1, 2.5, 0s", c[0].Service.Sigma, c[1].Service.Alpha, c[2].Service.Min)
	}
	if c[0].Service.Alpha != 0 || c[1].Service.Sigma != 0 {
		t.Errorf("a distribution got another's shape default: %+v", c)
	}
	if s.Workload.Service != nil {
		t.Errorf("service = %+v, want nil with classes", s.Workload.Service)
	}
}

func TestExplicitValuesKept(t *testing.T) {
	s := mustParse(t, `name: full
description: every key given
seed: 0
duration: 2m
warmup: 10s
servers:
  - {name: a, count: 3, capacity: 2, speed: 1.5, weight: 7, queue: 100}
workload:
  arrival:
    process: bursty
    rate: 40
    on: 1s
    off: 500ms
    phases:
      - {at: 0s, rate: 20}
      - {at: 30s, rate: 0}
      - {at: 1m, load: 0.5}
  service: {dist: uniform, mean: 100ms, min: 20ms}
  clients: {count: 500, zipf: 1.2, nat: {gateways: 2, share: 0.3}}
algorithms: [random, round_robin]
`)
	if s.Seed != 0 || s.Requests != 0 || s.Duration.D() != 2*time.Minute || s.Warmup.D() != 10*time.Second {
		t.Errorf("run = seed %d, requests %d, duration %s, warmup %s", s.Seed, s.Requests, s.Duration, s.Warmup)
	}
	if want := (ServerGroup{Name: "a", Count: 3, Capacity: 2, Speed: 1.5, Weight: 7, Queue: 100}); s.Servers[0] != want {
		t.Errorf("server = %+v, want %+v", s.Servers[0], want)
	}
	a := s.Workload.Arrival
	if a.Process != "bursty" || a.Rate != 40 || a.On.D() != time.Second || a.Off.D() != 500*time.Millisecond {
		t.Errorf("arrival = %+v", a)
	}
	// capacity = 3 servers * 2 slots * speed 1.5 / 100ms = 90 requests/s.
	wantPhases := []Phase{{At: 0, Rate: 20}, {At: Duration(30 * time.Second)}, {At: Duration(time.Minute), Rate: 45}}
	if !reflect.DeepEqual(a.Phases, wantPhases) {
		t.Errorf("phases = %+v, want %+v", a.Phases, wantPhases)
	}
	if svc := *s.Workload.Service; svc != (Service{Dist: "uniform", Mean: Duration(100 * time.Millisecond), Min: Duration(20 * time.Millisecond)}) {
		t.Errorf("service = %+v", svc)
	}
	if c := s.Workload.Clients; c.Count != 500 || c.Zipf != 1.2 || *c.NAT != (NAT{Gateways: 2, Share: 0.3}) {
		t.Errorf("clients = %+v", c)
	}
	if !reflect.DeepEqual(s.Algorithms, []string{"random", "round_robin"}) {
		t.Errorf("algorithms = %v", s.Algorithms)
	}
}

// TestScalarForms checks the YAML spellings of numbers and text that
// scenario files may use.
func TestScalarForms(t *testing.T) {
	s := mustParse(t, "\ufeffname: 2024\nrequests: 1_000_000\nseed: 0x10\n"+
		"servers: [{name: a, count: 1e1, capacity: 4.0, speed: 2}]\n"+
		"workload: {arrival: {rate: 1e3}, service: {dist: constant, mean: 1.5ms}}\n")
	if s.Name != "2024" || s.Requests != 1_000_000 || s.Seed != 16 || s.Servers[0].Count != 10 ||
		s.Servers[0].Capacity != 4 || s.Workload.Arrival.Rate != 1000 || s.Workload.Service.Mean.D() != 1500*time.Microsecond {
		t.Errorf("got %+v", s)
	}
}

func TestLoadResolvesToRate(t *testing.T) {
	s := mustParse(t, `name: resolve
servers:
  - {name: a, count: 2, capacity: 4, speed: 1}
  - {name: b, capacity: 2, speed: 3}
workload:
  arrival:
    load: 0.7
    phases:
      - {at: 1m, load: 0.95}
      - {at: 2m, rate: 12}
  classes:
    - {name: quick, share: 0.99, service: {dist: constant, mean: 50ms}}
    - {name: slow, share: 0.01, service: {dist: constant, mean: 5s}}
`)
	// Slots: 2*4*1 + 1*2*3 = 14. Mean demand: 0.99*0.05 + 0.01*5 = 0.0995 s.
	capacity := 14 / 0.0995
	if got := s.Capacity(); math.Abs(got-capacity) > 1e-9 {
		t.Errorf("Capacity() = %g, want %g", got, capacity)
	}
	if got := s.Workload.MeanDemand(); got != 99500*time.Microsecond {
		t.Errorf("MeanDemand() = %s, want 99.5ms", got)
	}
	a := s.Workload.Arrival
	if math.Abs(a.Rate-0.7*capacity) > 1e-9 || a.Load != 0 {
		t.Errorf("rate, load = %g, %g; want %g, 0", a.Rate, a.Load, 0.7*capacity)
	}
	if math.Abs(a.Phases[0].Rate-0.95*capacity) > 1e-9 || a.Phases[0].Load != 0 {
		t.Errorf("phase 0 = %+v, want rate %g", a.Phases[0], 0.95*capacity)
	}
	if a.Phases[1].Rate != 12 {
		t.Errorf("phase 1 = %+v, want rate 12 untouched", a.Phases[1])
	}
}

func TestExpandServers(t *testing.T) {
	s := mustParse(t, `name: t
servers:
  - {name: app, count: 3, weight: 2}
  - {name: db, capacity: 8, speed: 0.5, queue: 10, pool: db}
workload:
  arrival: {rate: 1}
  service: {dist: constant, mean: 1s}
routes: [{pool: default}]
`)
	want := []Server{
		{Name: "app-1", Group: "app", Capacity: 1, Speed: 1, Weight: 2, Pool: "default"},
		{Name: "app-2", Group: "app", Capacity: 1, Speed: 1, Weight: 2, Pool: "default"},
		{Name: "app-3", Group: "app", Capacity: 1, Speed: 1, Weight: 2, Pool: "default"},
		{Name: "db", Group: "db", Capacity: 8, Speed: 0.5, Weight: 1, Queue: 10, Pool: "db"},
	}
	if got := s.ExpandServers(); !reflect.DeepEqual(got, want) {
		t.Errorf("ExpandServers() = %+v\nwant %+v", got, want)
	}
	// 3*1*1 + 8*0.5 = 7 slots at 1 s each.
	if got := s.Capacity(); got != 7 {
		t.Errorf("Capacity() = %g, want 7", got)
	}
}

func TestMergeKeysAndAliases(t *testing.T) {
	s := mustParse(t, `name: t
servers:
  - &base {name: a, capacity: 4, speed: 2}
  - {<<: *base, name: b, speed: 3}
  - {<<: [*base], name: c, weight: 2}
workload:
  arrival: {rate: 1}
  service: {dist: exponential, mean: 20ms}
`)
	want := []ServerGroup{
		{Name: "a", Count: 1, Capacity: 4, Speed: 2, Weight: 1},
		{Name: "b", Count: 1, Capacity: 4, Speed: 3, Weight: 1},
		{Name: "c", Count: 1, Capacity: 4, Speed: 2, Weight: 2},
	}
	if !reflect.DeepEqual(s.Servers, want) {
		t.Errorf("servers = %+v, want %+v", s.Servers, want)
	}
}

func TestDurationYAML(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		msg  string // "" when in is valid
	}{
		{in: "50ms", want: 50 * time.Millisecond},
		{in: "2m", want: 2 * time.Minute},
		{in: "1h30m", want: 90 * time.Minute},
		{in: `"5s"`, want: 5 * time.Second},
		{in: "0", want: 0},
		{in: "-5s", want: -5 * time.Second},
		{in: "5", msg: "has no unit"},
		{in: "2.5", msg: "has no unit"},
		{in: `"50"`, msg: "has no unit"},
		{in: "1d", msg: `no "d" unit`},
		{in: "soon", msg: "not a duration"},
		{in: "[1s]", msg: "must be a duration"},
		{in: "true", msg: "must be a duration"},
		{in: "9999999h", msg: "not a duration"},
	} {
		var d Duration
		err := yaml.Unmarshal([]byte(tc.in), &d)
		switch {
		case tc.msg == "" && err != nil:
			t.Errorf("%s: %v", tc.in, err)
		case tc.msg == "" && d.D() != tc.want:
			t.Errorf("%s = %s, want %s", tc.in, d, tc.want)
		case tc.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.msg)):
			t.Errorf("%s: error %v, want one containing %q", tc.in, err, tc.msg)
		}
	}
}

// errorCases are bad inputs with the line, field and message each must be
// reported with. FuzzParse starts from them too.
var errorCases = []struct {
	name  string
	src   string
	line  int
	field string
	msg   string // a substring of Msg
}{
	// The file as a whole.
	{"empty file", "", 0, "", "empty file"},
	{"blank file", "\n  \n\t\n", 0, "", "empty file"},
	{"comments only", "# nothing here\n", 0, "", "empty file"},
	{"null document", "~\n", 1, "", "empty document"},
	{"binary garbage", "name: x\n\x00\x01\x02\xff\xfe", 2, "", "NUL byte"},
	{"invalid utf-8", "name: x\nservers: \xff\xfe\n", 2, "", "invalid UTF-8"},
	{"two documents", valid + "---\nname: u\n", 9, "", "second one"},
	{"top-level list", "- name: x\n", 1, "", "top level must be a mapping"},
	{"top-level scalar", "hello\n", 1, "", "top level must be a mapping"},
	{"syntax error", "name: t\nservers:\n  - name: a\n    count: [1\n", 4, "", "YAML syntax error"},
	{"tab indentation", "name: t\nservers:\n\t- name: a\n", 3, "", "a tab indents this line; YAML indents with spaces"},
	{"tab after spaces", "name: t\nservers:\n  - name: a\n  \t  count: 2\n", 4, "", "a tab indents this line"},
	{"tab under a list entry", "name: t\nservers:\n  - name: a\n\t  count: 2\n", 4, "", "a tab indents this line"},
	{"tab after a dash", "name: t\nservers:\n  -\tname: a\n", 3, "", "a tab indents this line"},
	{"tab-indented comment", valid + "\t# note\n", 9, "", "a tab indents this line"},
	{"tab in a second document", valid + "---\n\tname: u\n", 10, "", "a tab indents this line"},
	{"duplicate key", "name: t\nname: u\n", 2, "name", "given twice (first at line 1)"},
	{"unknown anchor", "name: t\n\nservers: *pool\n", 3, "", "alias *pool refers to an anchor &pool that is not defined"},
	{"bad second document", valid + "---\n: : [\n", 10, "", "more follows the first one"},
	{"empty list entry", "name: t\nservers:\n  -\n", 3, "servers[0]", "empty list entry"},
	{"complex key", "name: t\n? [a]\n: 1\n", 2, "", "a key must be a plain name"},

	// Strict keys and types.
	{"fault on an unknown server", faultBase + "faults: [{at: 1s, server: app-9, kind: crash}]\n", 4, "faults[0].server", `no server is named "app-9"`},
	{"fault kind", faultBase + "faults: [{at: 1s, server: app-1, kind: explode}]\n", 4, "faults[0].kind", "must be one of crash, slow"},
	{"fault without at", faultBase + "faults: [{server: app-1, kind: crash}]\n", 4, "faults[0].at", "required"},
	{"negative fault time", faultBase + "faults: [{at: -5s, server: app-1, kind: crash}]\n", 4, "faults[0].at", ""},
	{"slow without factor", faultBase + "faults: [{at: 1s, server: app-1, kind: slow}]\n", 4, "faults[0].factor", ""},
	{"factor on a crash", faultBase + "faults: [{at: 1s, server: app-1, kind: crash, factor: 2}]\n", 4, "faults[0].factor", "slow faults only"},
	{"share of none", faultBase + "faults: [{at: 1s, server: app-1, kind: 5xx, share: 0}]\n", 4, "faults[0].share", ""},
	{"share above all", faultBase + "faults: [{at: 1s, server: app-1, kind: 5xx, share: 1.5}]\n", 4, "faults[0].share", ""},
	{"balancing layer", "name: t\nservers: [{name: app, count: 2}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "balancers: {layer: 3}\n", 4, "balancers.layer", "must be 4"},
	{"layer against mode", "name: t\nservers: [{name: app, count: 2}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "mode: tcp\nbalancers: {layer: 7}\n", 5, "balancers.layer", "layer 7 is mode http, but mode is tcp"},
	{"no balancers", "name: t\nservers: [{name: app, count: 2}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "balancers: {count: 0}\n", 4, "balancers.count", "at least 1"},
	{"too many balancers", "name: t\nservers: [{name: app, count: 2}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "balancers: {count: 1001}\n", 4, "balancers.count", "at most 1000"},
	{"unknown view", "name: t\nservers: [{name: app, count: 2}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "balancers: {count: 2, view: psychic}\n", 4, "balancers.view", "must be one of shared, local, stale"},
	{"refresh without stale", "name: t\nservers: [{name: app, count: 2}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "balancers: {count: 2, refresh: 1s}\n", 4, "balancers.refresh", "view: stale only; the view here is local"},
	{"zero refresh", "name: t\nservers: [{name: app, count: 2}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "balancers: {count: 2, view: stale, refresh: 0s}\n", 4, "balancers.refresh", ""},
	{"negative failover", "name: t\nservers: [{name: app, count: 2}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "balancers: {count: 2, failover: -1s}\n", 4, "balancers.failover", "negative"},
	{"fault on balancer 3 of 2", "name: t\nservers: [{name: app, count: 2}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "balancers: {count: 2}\nfaults: [{at: 1s, balancer: 3, kind: crash}]\n", 5, "faults[0].balancer", "numbered 1 to 2"},
	{"slow balancer", "name: t\nservers: [{name: app, count: 2}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "balancers: {count: 2}\nfaults: [{at: 1s, balancer: 1, kind: slow, factor: 2}]\n", 5, "faults[0].kind", "crash or recover"},
	{"fault on a server and a balancer", "name: t\nservers: [{name: app, count: 2}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "faults: [{at: 1s, server: app-1, balancer: 1, kind: crash}]\n", 4, "faults[0]", "give one of server, balancer and zone"},
	{"overlapping balancer faults", "name: t\nservers: [{name: app, count: 2}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "balancers: {count: 2}\nfaults: [{at: 1s, balancer: 2, kind: crash, for: 10s}, {at: 5s, balancer: 2, kind: crash}]\n", 5, "faults[1].at", "overlaps faults[0] on balancer 2"},
	{"pools without routes", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "", 1, "routes", `the servers are in 2 pools (api, reports); give routes`},
	{"bad pool name", "name: t\nservers: [{name: api, pool: \"api v2\"}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n", 2, "servers[0].pool", `a name is 1 to 64 letters`},
	{"route to no pool", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{class: report, pool: report}, {pool: api}]\n", 8, "routes[0].pool", `no server is in pool "report" (pools: api, reports)`},
	{"route to a class that is not", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{class: reports, pool: reports}, {pool: api}]\n", 8, "routes[0].class", `no workload class is named "reports"`},
	{"route without a pool", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{class: report}, {pool: api}]\n", 8, "routes[0].pool", `required`},
	{"pool and split", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{pool: api, split: {api: 1}}]\n", 8, "routes[0].split", `not both`},
	{"split to no pool", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{split: {api: 9, canary: 1}}]\n", 8, "routes[0].split.canary", `no server is in pool`},
	{"split of nothing", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{split: {api: 0, reports: 0}}]\n", 8, "routes[0].split", `weight above 0`},
	{"negative weight", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{split: {api: -1, reports: 2}}]\n", 8, "routes[0].split.api", `at least 0`},
	{"class left unrouted", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{class: report, pool: reports}]\n", 8, "routes", `no route matches the requests of class "call"`},
	{"route path", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{path: reports, pool: reports}, {pool: api}]\n", 8, "routes[0].path", `must be a URL path`},
	{"phases without split", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{pool: api, phases: [{at: 1m, split: {api: 1}}]}]\n", 8, "routes[0].phases", `split only`},
	{"phases out of order", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{split: {api: 1, reports: 0}, phases: [{at: 2m, split: {api: 0, reports: 1}}, {at: 1m, split: {api: 1, reports: 1}}]}]\n", 8, "routes[0].phases[1].at", `later than`},
	{"routes at layer 4", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "balancers: {layer: 4}\nroutes: [{pool: api}]\n", 9, "routes", `need a layer 7 balancer`},
	{"limit without rate", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{pool: api, limit: {burst: 5}}]\n", 8, "routes[0].limit.rate", `required`},
	{"limit per what", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{pool: api, limit: {per: ip, rate: 10}}]\n", 8, "routes[0].limit.per", `must be client`},
	{"limit rate zero", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{pool: api, limit: {rate: 0}}]\n", 8, "routes[0].limit.rate", `greater than 0`},
	{"delay past burst", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{pool: api, limit: {rate: 10, burst: 2, delay: 3}}]\n", 8, "routes[0].limit.delay", `at most 2`},
	{"delay and nodelay", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{pool: api, limit: {rate: 10, burst: 2, delay: 1, nodelay: true}}]\n", 8, "routes[0].limit.delay", `not both`},
	{"limit status", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{pool: api, limit: {rate: 10, status: 200}}]\n", 8, "routes[0].limit.status", `at least 400`},
	{"burst held past a year", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{pool: api, limit: {rate: 0.000001, burst: 100}}]\n", 8, "routes[0].limit.burst", `more than the virtual-time limit`},
	{"a server without a zone", "name: t\nservers: [{name: a, zone: eu-1a}, {name: b}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "", 2, "servers[1].zone", `required: some servers name their zone`},
	{"zones without zones", "name: t\nservers: [{name: a}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "zones: {cross_latency: 1ms}\n", 4, "zones", `name no zone`},
	{"zone routing", "name: t\nservers: [{name: a, count: 2, zone: eu-1a}, {name: b, count: 2, zone: eu-1b}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "zones: {routing: nearest}\n", 4, "zones.routing", `must be one of any, local_first, latency`},
	{"fewer balancers than zones", "name: t\nservers: [{name: a, count: 2, zone: eu-1a}, {name: b, count: 2, zone: eu-1b}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "balancers: {count: 1}\n", 4, "balancers.count", `at least the number of zones (2)`},
	{"fault on a zone that is not", "name: t\nservers: [{name: a, count: 2, zone: eu-1a}, {name: b, count: 2, zone: eu-1b}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "faults: [{at: 1s, zone: eu-1c, kind: crash}]\n", 4, "faults[0].zone", `no server is in zone`},
	{"slow zone", "name: t\nservers: [{name: a, count: 2, zone: eu-1a}, {name: b, count: 2, zone: eu-1b}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "faults: [{at: 1s, zone: eu-1a, kind: slow, factor: 2}]\n", 4, "faults[0].kind", `crash or recover`},
	{"a region without a pool", "name: t\nservers: [{name: a, zone: r1, pool: web}, {name: b, zone: r2, pool: web}, {name: c, zone: r1, pool: api}]\nworkload: {arrival: {rate: 1}, classes: [{name: x, share: 1, service: {dist: constant, mean: 10ms}}]}\nzones: {routing: latency}\nroutes: [{pool: web}]\n", 4, "zones.routing", `region "r2" has no server of pool "api"`},
	{"pool settings for no pool", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{pool: api}]\npools: {canary: {algorithm: random}}\n", 9, "pools.canary", `no server is in pool`},
	{"pool algorithm", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{pool: api}]\npools: {api: {algorithm: leest_conn}}\n", 9, "pools.api.algorithm", `unknown`},
	{"pool passive", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{pool: api}]\npools: {api: {passive: {max_fails: -1}}}\n", 9, "pools.api.passive.max_fails", `at least 0`},
	{"pool retries", "name: t\nservers: [{name: api, count: 2, pool: api}, {name: rep, pool: reports}]\nworkload:\n  arrival: {rate: 1}\n  classes:\n    - {name: call, share: 0.9, service: {dist: constant, mean: 10ms}}\n    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 1s}}\n" + "routes: [{pool: api}]\npools: {api: {retries: {on: [sometimes]}}}\n", 9, "pools.api.retries.on[0]", `unknown condition`},
	{"timeout retries without a timeout", "name: t\nservers: [{name: app, count: 2}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n" + "timeouts: {response: 0}\nretries: {on: [connect, timeout]}\n", 5, "retries.on[1]", `set timeouts.response`},
	{"connections without count", "name: t\nservers: [{name: app, count: 2}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}, connections: {lifetime: 1m}}\n", 3, "workload.connections.count", "required"},
	{"negative lifetime", "name: t\nservers: [{name: app, count: 2}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}, connections: {count: 2, lifetime: -1m}}\n", 3, "workload.connections.lifetime", "negative"},
	{"share on a slow fault", faultBase + "faults: [{at: 1s, server: app-1, kind: slow, factor: 2, share: 0.5}]\n", 4, "faults[0].share", "5xx faults only"},
	{"overlapping faults", faultBase + "faults: [{at: 1s, server: app-1, kind: crash, for: 10s}, {at: 5s, server: app-1, kind: slow, factor: 3}]\n", 4, "faults[1].at", "overlaps faults[0]"},
	{"breaker failures", faultBase + "circuit_breaker: {failures: 0}\n", 4, "circuit_breaker.failures", "at least 1"},
	{"breaker open time", faultBase + "circuit_breaker: {open: -1s}\n", 4, "circuit_breaker.open", ""},
	{"negative session miss cost", faultBase + "sessions: {miss_cost: -1ms}\n", 4, "sessions.miss_cost", "must not be negative"},
	{"session miss cost without unit", faultBase + "sessions: {miss_cost: 100}\n", 4, "sessions.miss_cost", "no unit"},
	{"unknown sessions key", faultBase + "sessions: {cost: 100ms}\n", 4, "sessions.cost", `unknown key "cost" (known: miss_cost)`},
	{"faults out of order", faultBase + "faults: [{at: 10s, server: app-1, kind: crash, for: 1s}, {at: 5s, server: app-1, kind: drain}]\n", 4, "faults[1].at", "time order"},
	{"unknown top-level key", "name: t\nserver: []\n", 2, "server", `unknown key "server", did you mean "servers"? (known: name, description, seed, requests, duration, warmup, servers, workload, algorithms, algorithm, judge, expect, faults, circuit_breaker, autoscale, slow_start, health_check,`},
	{"unknown key at depth", "name: t\nservers:\n  - name: a\n    capcity: 4\n", 4, "servers[0].capcity", `unknown key "capcity", did you mean "capacity"? (known: name, count, capacity, speed, weight, queue, address, backup, mtbf, mttr, pool, zone, cache)`},
	{"unknown key in service", strings.Replace(valid, "mean: 50ms", "mean: 50ms, shape: 2", 1), 8, "workload.service.shape", `unknown key "shape" (known:`},
	{"misspelt key in service", strings.Replace(valid, "mean: 50ms", "maen: 50ms", 1), 8, "workload.service.maen", `unknown key "maen", did you mean "mean"? (known:`},
	{"misspelt key of the arrival", strings.Replace(valid, "rate: 10", "rtae: 10", 1), 7, "workload.arrival.rtae", `did you mean "rate"?`},
	{"misspelt nested key", valid + "health_check: {intervall: 5s}\n", 9, "health_check.intervall", `did you mean "interval"?`},
	{"wrong type int", strings.Replace(valid, "capacity: 4", "capacity: four", 1), 5, "servers[0].capacity", `must be a whole number, got "four"`},
	{"fraction for int", strings.Replace(valid, "count: 2", "count: 1.5", 1), 4, "servers[0].count", "must be a whole number"},
	{"list for scalar", strings.Replace(valid, "count: 2", "count: [2]", 1), 4, "servers[0].count", "got a list"},
	{"mapping for list", "name: t\nservers: {name: a}\n", 2, "servers", "must be a list, got a mapping"},
	{"scalar for mapping", "name: t\nservers: [{name: a}]\nworkload: busy\n", 3, "workload", "must be a mapping with keys arrival, service, classes, clients"},
	{"string for number", strings.Replace(valid, "rate: 10", "rate: fast", 1), 7, "workload.arrival.rate", `must be a number, got "fast"`},
	{"bool for number", strings.Replace(valid, "rate: 10", "rate: true", 1), 7, "workload.arrival.rate", "got the boolean true"},
	{"null value", "name: t\nseed:\n", 2, "seed", "no value given"},
	{"negative seed", "name: t\nseed: -1\n", 2, "seed", "must not be negative"},
	{"huge seed", "name: t\nseed: 99999999999999999999999\n", 2, "seed", "out of range"},
	{"list for name", "name: [a]\n", 1, "name", "must be text, got a list"},

	// Durations.
	{"bare number duration", strings.Replace(valid, "mean: 50ms", "mean: 50", 1), 8, "workload.service.mean", `50 has no unit; write a duration such as "50ms" or "50s"`},
	{"bad duration", "name: t\nwarmup: soon\n", 2, "warmup", "not a duration"},
	{"negative warmup", valid + "warmup: -1s\n", 9, "warmup", "must not be negative, got -1s"},
	{"zero duration", valid + "duration: 0s\n", 9, "duration", "must be greater than 0"},
	{"duration over a year", valid + "duration: 9000h\n", 9, "duration", "must be at most 8760h0m0s"},
	{"requests and duration", valid + "requests: 10\nduration: 1m\n", 10, "duration", "not both"},
	{"warmup not before end", valid + "duration: 1m\nwarmup: 1m\n", 10, "warmup", "must be shorter than duration (1m0s)"},
	{"warmup longer than the run", valid + "requests: 100\nwarmup: 1m\n", 10, "warmup", "before the warmup (1m0s) ends"},
	{"zero requests", valid + "requests: 0\n", 9, "requests", "must be at least 1, got 0"},
	{"too many requests", valid + "requests: 1e11\n", 9, "requests", "must be at most 10000000000"},

	// Name.
	{"missing name", strings.Replace(valid, "name: t\n", "description: x\n", 1), 1, "name", "required"},
	{"empty name", strings.Replace(valid, "name: t\n", "name: ''\n", 1), 1, "name", "must not be empty"},
	{"multi-line name", strings.Replace(valid, "name: t\n", "name: \"a\\nb\"\n", 1), 1, "name", "one line"},

	// Servers.
	{"missing servers", "name: t\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 1s}}\n", 1, "servers", "required"},
	{"no servers", strings.Replace(valid, "servers:\n  - name: app\n    count: 2\n    capacity: 4\n", "servers: []\n", 1), 2, "servers", "at least one server"},
	{"server without name", strings.Replace(valid, "  - name: app\n    count: 2", "  - count: 2", 1), 3, "servers[0].name", "required"},
	{"zero count", strings.Replace(valid, "count: 2", "count: 0", 1), 4, "servers[0].count", "must be at least 1, got 0"},
	{"zero capacity", strings.Replace(valid, "capacity: 4", "capacity: 0", 1), 5, "servers[0].capacity", "must be at least 1, got 0"},
	{"huge capacity", strings.Replace(valid, "capacity: 4", "capacity: 2000000", 1), 5, "servers[0].capacity", "must be at most 1000000"},
	{"negative speed", strings.Replace(valid, "capacity: 4", "speed: -1", 1), 5, "servers[0].speed", "must be greater than 0, got -1"},
	{"zero speed", strings.Replace(valid, "capacity: 4", "speed: 0", 1), 5, "servers[0].speed", "must be greater than 0, got 0"},
	{"infinite speed", strings.Replace(valid, "capacity: 4", "speed: .inf", 1), 5, "servers[0].speed", "finite"},
	{"NaN speed", strings.Replace(valid, "capacity: 4", "speed: .nan", 1), 5, "servers[0].speed", "finite"},
	{"zero weight", strings.Replace(valid, "capacity: 4", "weight: 0", 1), 5, "servers[0].weight", "must be at least 1"},
	{"heavy weight", strings.Replace(valid, "capacity: 4", "weight: 1001", 1), 5, "servers[0].weight", "must be at most 1000"},
	{"negative queue", strings.Replace(valid, "capacity: 4", "queue: -1", 1), 5, "servers[0].queue", "must be at least 0"},
	{"10^12 servers", strings.Replace(valid, "count: 2", "count: 1000000000000", 1), 4, "servers[0].count", "must be at most 10000, got 1000000000000"},
	{"10^12 servers as float", strings.Replace(valid, "count: 2", "count: 1e12", 1), 4, "servers[0].count", "must be at most 10000"},
	{"too many servers in total", strings.Replace(strings.Replace(valid, "count: 2", "count: 6000", 1), "capacity: 4\n", "capacity: 4\n  - {name: more, count: 6000}\n", 1), 6, "servers[1].count", "add up to 12000"},
	{"duplicate server name", strings.Replace(valid, "capacity: 4\n", "capacity: 4\n  - name: app\n", 1), 6, "servers[1].name", `"app" is already the name of servers[0]`},
	{"expanded names collide", strings.Replace(valid, "capacity: 4\n", "capacity: 4\n  - name: app-2\n", 1), 6, "servers[1].name", `two servers would be named "app-2"`},

	// Arrivals.
	{"missing workload", "name: t\nservers: [{name: a}]\n", 1, "workload", "required"},
	{"missing arrival", strings.Replace(valid, "  arrival: {process: poisson, rate: 10}\n", "", 1), 6, "workload.arrival", "required"},
	{"unknown process", strings.Replace(valid, "poisson", "poison", 1), 7, "workload.arrival.process", `unknown process "poison" (known: poisson, constant, bursty)`},
	{"no rate or load", strings.Replace(valid, ", rate: 10", "", 1), 7, "workload.arrival.rate", "give rate (requests/s) or load"},
	{"rate and load", strings.Replace(valid, "rate: 10", "rate: 10, load: 0.5", 1), 7, "workload.arrival.load", "not both"},
	{"zero rate", strings.Replace(valid, "rate: 10", "rate: 0", 1), 7, "workload.arrival.rate", "must be greater than 0, got 0"},
	{"negative load", strings.Replace(valid, "rate: 10", "load: -0.5", 1), 7, "workload.arrival.load", "must be greater than 0, got -0.5"},
	{"rate too high", strings.Replace(valid, "rate: 10", "rate: 2e9", 1), 7, "workload.arrival.rate", "must be at most 1e+09"},
	{"load too high", strings.Replace(valid, "rate: 10", "load: 101", 1), 7, "workload.arrival.load", "must be at most 100"},
	{"load resolves too high", strings.Replace(strings.Replace(valid, "rate: 10", "load: 100", 1), "mean: 50ms", "mean: 1ns", 1), 7, "workload.arrival.load", "above the limit"},
	{"bursty without on", strings.Replace(valid, "poisson", "bursty", 1), 7, "workload.arrival.on", "required by process bursty"},
	{"bursty zero off", strings.Replace(valid, "process: poisson", "process: bursty, on: 1s, off: 0s", 1), 7, "workload.arrival.off", "must be greater than 0"},
	{"on without bursty", strings.Replace(valid, "rate: 10", "rate: 10, on: 1s", 1), 7, "workload.arrival.on", "applies only to process bursty"},
	{"phase without at", strings.Replace(valid, "rate: 10}", "rate: 10, phases: [{rate: 5}]}", 1), 7, "workload.arrival.phases[0].at", "required"},
	{"phase without rate", strings.Replace(valid, "rate: 10}", "rate: 10, phases: [{at: 1s}]}", 1), 7, "workload.arrival.phases[0].rate", "give rate"},
	{"phase negative rate", strings.Replace(valid, "rate: 10}", "rate: 10, phases: [{at: 1s, rate: -1}]}", 1), 7, "workload.arrival.phases[0].rate", "must be at least 0, got -1"},
	{"phases out of order", strings.Replace(valid, "rate: 10}", "rate: 10,\n    phases: [{at: 2s, rate: 5},\n      {at: 1s, rate: 6}]}", 1), 9, "workload.arrival.phases[1].at", "must be later than phases[0].at (2s)"},
	{"phases at the same time", strings.Replace(valid, "rate: 10}", "rate: 10, phases: [{at: 2s, rate: 5}, {at: 2s, rate: 6}]}", 1), 7, "workload.arrival.phases[1].at", "must be later"},
	{"phase after the end", strings.Replace(valid, "rate: 10}", "rate: 10, phases: [{at: 2m, rate: 5}]}", 1) + "duration: 1m\n", 7, "workload.arrival.phases[0].at", "must be earlier than duration (1m0s)"},
	{"run that never ends", strings.Replace(valid, "rate: 10}", "rate: 10, phases: [{at: 1m, rate: 0}]}", 1), 7, "workload.arrival.phases[0].rate", "never all arrive"},
	{"run too long in requests", strings.Replace(valid, "rate: 10", "rate: 0.001", 1), 1, "requests", "more than the limit of 8760h0m0s"},

	// Service.
	{"service and classes", strings.Replace(valid, "  service:", "  classes: [{name: a, share: 1, service: {dist: constant, mean: 1s}}]\n  service:", 1), 8, "workload.classes", "not both"},
	{"no service", strings.Replace(valid, "  service: {dist: exponential, mean: 50ms}\n", "", 1), 6, "workload.service", "required"},
	{"unknown distribution", strings.Replace(valid, "exponential", "gamma", 1), 8, "workload.service.dist", `unknown distribution "gamma" (known: constant, exponential, uniform, lognormal, pareto)`},
	{"missing dist", strings.Replace(valid, "dist: exponential, ", "", 1), 8, "workload.service.dist", "required"},
	{"missing mean", strings.Replace(valid, ", mean: 50ms", "", 1), 8, "workload.service.mean", "required"},
	{"zero mean", strings.Replace(valid, "mean: 50ms", "mean: 0s", 1), 8, "workload.service.mean", "must be greater than 0"},
	{"negative mean", strings.Replace(valid, "mean: 50ms", "mean: -50ms", 1), 8, "workload.service.mean", "must not be negative"},
	{"sigma on exponential", strings.Replace(valid, "mean: 50ms", "mean: 50ms, sigma: 1", 1), 8, "workload.service.sigma", "applies only to dist lognormal"},
	{"alpha on lognormal", strings.Replace(valid, "exponential, mean: 50ms", "lognormal, mean: 50ms, alpha: 2", 1), 8, "workload.service.alpha", "applies only to dist pareto"},
	{"min on constant", strings.Replace(valid, "exponential, mean: 50ms", "constant, mean: 50ms, min: 1ms", 1), 8, "workload.service.min", "applies only to dist uniform"},
	{"zero sigma", strings.Replace(valid, "exponential, mean: 50ms", "lognormal, mean: 50ms, sigma: 0", 1), 8, "workload.service.sigma", "must be greater than 0"},
	{"huge sigma", strings.Replace(valid, "exponential, mean: 50ms", "lognormal, mean: 50ms, sigma: 11", 1), 8, "workload.service.sigma", "must be at most 10"},
	{"alpha of 1", strings.Replace(valid, "exponential, mean: 50ms", "pareto, mean: 50ms, alpha: 1", 1), 8, "workload.service.alpha", "must be greater than 1, got 1"},
	{"uniform min at mean", strings.Replace(valid, "exponential, mean: 50ms", "uniform, mean: 50ms, min: 50ms", 1), 8, "workload.service.min", "must be less than mean (50ms)"},
	{"uniform negative min", strings.Replace(valid, "exponential, mean: 50ms", "uniform, mean: 50ms, min: -1ms", 1), 8, "workload.service.min", "must not be negative"},

	// Classes.
	{"empty classes", strings.Replace(valid, "service: {dist: exponential, mean: 50ms}", "classes: []", 1), 8, "workload.classes", "at least one class"},
	{"shares not summing to 1", strings.Replace(valid, "  service: {dist: exponential, mean: 50ms}\n",
		"  classes:\n    - {name: a, share: 0.5, service: {dist: constant, mean: 1s}}\n    - {name: b, share: 0.4, service: {dist: constant, mean: 1s}}\n", 1), 8, "workload.classes", "shares must sum to 1, got 0.9"},
	{"shares summing to 0.9 in floating point", strings.Replace(valid, "  service: {dist: exponential, mean: 50ms}\n",
		"  classes:\n    - {name: a, share: 0.6, service: {dist: constant, mean: 1s}}\n    - {name: b, share: 0.3, service: {dist: constant, mean: 1s}}\n", 1), 8, "workload.classes", "shares must sum to 1, got 0.9"},
	{"zero share", strings.Replace(valid, "  service: {dist: exponential, mean: 50ms}\n",
		"  classes:\n    - {name: a, share: 1, service: {dist: constant, mean: 1s}}\n    - {name: b, share: 0, service: {dist: constant, mean: 1s}}\n", 1), 10, "workload.classes[1].share", "must be greater than 0, got 0"},
	{"duplicate class", strings.Replace(valid, "  service: {dist: exponential, mean: 50ms}\n",
		"  classes:\n    - {name: a, share: 0.5, service: {dist: constant, mean: 1s}}\n    - {name: a, share: 0.5, service: {dist: constant, mean: 1s}}\n", 1), 10, "workload.classes[1].name", "already the name of classes[0]"},
	{"class without service", strings.Replace(valid, "  service: {dist: exponential, mean: 50ms}\n",
		"  classes:\n    - {name: a, share: 1}\n", 1), 9, "workload.classes[0].service", "required"},
	{"class with unknown dist", strings.Replace(valid, "  service: {dist: exponential, mean: 50ms}\n",
		"  classes:\n    - name: a\n      share: 1\n      service: {dist: normal, mean: 1s}\n", 1), 11, "workload.classes[0].service.dist", `unknown distribution "normal"`},

	// Clients.
	{"zero clients", valid + "  clients: {count: 0}\n", 9, "workload.clients.count", "must be at least 1, got 0"},
	{"too many clients", valid + "  clients: {count: 16000001}\n", 9, "workload.clients.count", "must be at most 16000000"},
	{"zipf of 1", valid + "  clients: {zipf: 1}\n", 9, "workload.clients.zipf", "must be 0 (uniform popularity) or above 1"},
	{"negative zipf", valid + "  clients: {zipf: -2}\n", 9, "workload.clients.zipf", "must be at least 0"},
	{"nat without gateways", valid + "  clients:\n    nat: {share: 0.5}\n", 10, "workload.clients.nat.gateways", "required"},
	{"too many gateways", valid + "  clients:\n    nat: {gateways: 509, share: 0.5}\n", 10, "workload.clients.nat.gateways", "must be at most 508"},
	{"nat share above 1", valid + "  clients:\n    nat: {gateways: 3, share: 1.5}\n", 10, "workload.clients.nat.share", "must be at most 1"},

	// Judge.
	{"unknown judge", valid + "judge: p98\n", 9, "judge", `unknown figure "p98" (valid: mean, p50, p90, p95, p99, p999)`},
	{"judge as a list", valid + "judge: [p99]\n", 9, "judge", "a list"},

	// Algorithms.
	{"unknown algorithm", valid + "algorithms: [round_robin, fastest]\n", 9, "algorithms[1]", `unknown algorithm "fastest" (known: `},
	{"misspelt algorithm", valid + "algorithms:\n  - round-robin\n", 10, "algorithms[0]", `did you mean "round_robin"?`},
	{"duplicate algorithm", valid + "algorithms: [random, random]\n", 9, "algorithms[1]", `"random" is already listed as algorithms[0]`},
	{"alias of a listed algorithm", valid + "algorithms: [least_connections, leastconn]\n", 9, "algorithms[1]", `"leastconn" is least_connections, already listed as algorithms[0]`},
	{"two aliases of one algorithm", valid + "algorithms: [roundrobin, ROUND_ROBIN]\n", 9, "algorithms[1]", `"ROUND_ROBIN" is weighted_round_robin, already listed as algorithms[0]`},
	{"misspelt alias", valid + "algorithms: [least_con]\n", 9, "algorithms[0]", `unknown algorithm "least_con", did you mean "least_conn" (nginx's name for least_connections)?`},
	{"alias in expect, not run", valid + "algorithms: [round_robin]\nexpect: [leastconn.p99 < 100]\n", 10, "expect[0]", `"leastconn" (least_connections) is not among the scenario's algorithms (round_robin)`},
	{"misspelt algorithm in expect", valid + "algorithms: [round_robin]\nexpect: [round_robbin.p99 < 100]\n", 10, "expect[0]", `unknown algorithm "round_robbin", did you mean "round_robin"?`},
	{"autoscale max below count", faultBase + "autoscale: {max: 1}\n", 4, "autoscale.max", "starts with count 2, which must lie between min (1) and max (1)"},
	{"autoscale min above count", faultBase + "autoscale: {min: 3, max: 4}\n", 4, "autoscale.min", "starts with count 2, which must lie between min (3) and max (4)"},
	{"empty algorithms", valid + "algorithms: []\n", 9, "algorithms", "at least one algorithm"},
	{"unknown parameter", valid + "algorithms:\n  - {name: bounded_load, k: 2}\n", 10, "algorithms[0]", `bounded_load: takes no parameter "k" (it takes c)`},
	{"parameter of a plain policy", valid + "algorithms: [{name: round_robin, c: 2}]\n", 9, "algorithms[0]", "round_robin: takes no parameters"},
	{"parameter out of range", valid + "algorithms: [{name: bounded_load, c: 0.5}]\n", 9, "algorithms[0]", "bounded_load: c must be at least 1, got 0.5"},
	{"parameter not a number", valid + "algorithms: [{name: bounded_load, c: lots}]\n", 9, "algorithms[0]", `c must be a number, got "lots"`},
	{"parameters without a name", valid + "algorithms: [{c: 1.5}]\n", 9, "algorithms[0]", "needs its name"},
	{"parameter as a list", valid + "algorithms: [{name: bounded_load, c: [1]}]\n", 9, "algorithms[0].c", "must be a number or a duration"},
	{"one spec twice", valid + "algorithms: [bounded_load(c=1.5), {name: bounded_load, c: 1.50}]\n", 9, "algorithms[1]", "already listed as algorithms[0]"},
	{"spec in expect, not run", valid + "algorithms: [bounded_load]\nexpect: [bounded_load(c=2).p99 < 100]\n", 10, "expect[0]", `"bounded_load(c=2)" is not among the scenario's algorithms (bounded_load)`},
	{"cache without keys", valid + "cache: {entries: 10}\n", 9, "cache", "add workload.keys"},
	{"cache without entries", valid + "  keys: {count: 10}\ncache: {miss_cost: 1ms}\n", 10, "cache.entries", "required"},
	{"group cache of 0 entries alone", valid + "  keys: {count: 10}\ncache: {entries: 0}\n", 10, "cache.entries", "must be at least 1"},
	{"keys without count", valid + "  keys: {zipf: 1}\n", 9, "workload.keys.count", "required"},
	{"negative key zipf", valid + "  keys: {count: 10, zipf: -1}\n", 9, "workload.keys.zipf", "must be at least 0"},
	{"too many keys", valid + "  keys: {count: 100000001}\n", 9, "workload.keys.count", "must be at most 100000000"},
	{"algorithms as string", valid + "algorithms: round_robin\n", 9, "algorithms", "must be a list"},
}

// TestPolicySpecs checks the forms a policy with parameters takes in a
// file: a mapping or spec text, each normalised to one spec, the same
// policy with two parameter sets side by side, and expect: lines that
// name them either way.
func TestPolicySpecs(t *testing.T) {
	s := mustParse(t, valid+`algorithms:
  - power_of_two
  - {name: bounded_load, c: 1.5}
  - bounded_load( c = 2.0 )
  - bounded_load
expect:
  - bounded_load(c=1.5).p99 < 2 * bounded_load(c=2).p99
`)
	want := []string{"power_of_two", "bounded_load(c=1.5)", "bounded_load(c=2)", "bounded_load"}
	if !slices.Equal(s.Algorithms, want) {
		t.Errorf("algorithms %q, want %q", s.Algorithms, want)
	}
	refs := s.Expect[0].Refs()
	if refs[0].Algorithm != "bounded_load(c=1.5)" || refs[1].Algorithm != "bounded_load(c=2)" {
		t.Errorf("expect reads %q and %q", refs[0].Algorithm, refs[1].Algorithm)
	}
	p := mustParse(t, valid+"algorithm: {name: bounded_load, c: 3}\n")
	if p.Algorithm != "bounded_load(c=3)" {
		t.Errorf("algorithm %q, want bounded_load(c=3)", p.Algorithm)
	}
}

// TestErrors checks that each bad input fails with an *Error naming the
// right line and field.
// faultBase is a valid scenario of three lines, for the faults cases.
const faultBase = "name: t\nservers: [{name: app, count: 2}]\nworkload: {arrival: {rate: 1}, service: {mean: 10ms}}\n"

func TestErrors(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("bad.yaml", []byte(tc.src))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", s)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not an *Error", err, err)
			}
			if e.Source != "bad.yaml" || e.Line != tc.line || e.Field != tc.field || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("got  %q (source %q, line %d, field %q)\nwant line %d, field %q, message containing %q",
					err, e.Source, e.Line, e.Field, tc.line, tc.field, tc.msg)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{Source: "black.yaml", Line: 12, Column: 5, Field: "servers[1].capacity", Msg: "must be at least 1, got 0"},
			"black.yaml:12:5: servers[1].capacity: must be at least 1, got 0"},
		{Error{Source: "a.yaml", Line: 3, Msg: "YAML syntax error: x"}, "a.yaml:3: YAML syntax error: x"},
		{Error{Source: "a.yaml", Msg: "empty file"}, "a.yaml: empty file"},
		{Error{Msg: "m"}, "m"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
	// Positions are those of the key at fault.
	_, err := Parse("black.yaml", []byte(strings.Replace(valid, "capacity: 4", "capacity: 0", 1)))
	if want := "black.yaml:5:5: servers[0].capacity: must be at least 1, got 0"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}
}

// TestHugeServerCountFast checks that an absurd server count is refused
// before anything is sized by it.
func TestHugeServerCountFast(t *testing.T) {
	src := []byte(strings.Replace(valid, "count: 2", "count: 1000000000000", 1))
	allocs := testing.AllocsPerRun(5, func() {
		if _, err := Parse("huge.yaml", src); err == nil {
			t.Fatal("Parse accepted 10^12 servers")
		}
	})
	// Parsing a small file takes a few hundred small allocations; a slice
	// of 10^12 servers would not fit in memory at all.
	if allocs > 5000 {
		t.Errorf("Parse made %v allocations", allocs)
	}
}

// laughs returns the levels of a "billion laughs" document: nine lists,
// each of nine aliases to the one before, 9^9 strings if expanded. prefix
// gives each line's start, and the lines name the anchors "l1" .. "l9".
func laughs(prefix func(level int) string) string {
	var b strings.Builder
	b.WriteString(prefix(1) + `&l1 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for i := 2; i <= 9; i++ {
		prev := "*l" + strconv.Itoa(i-1)
		b.WriteString(prefix(i) + "&l" + strconv.Itoa(i) + " [" + strings.Repeat(prev+",", 8) + prev + "]\n")
	}
	return b.String()
}

// TestAliasBomb checks that "billion laughs" documents fail fast with a
// clear error.
func TestAliasBomb(t *testing.T) {
	// Merge keys that merge the mapping before them nine times over, nine
	// levels deep; each mapping is merged once, so this one is valid.
	var mb strings.Builder
	mb.WriteString("name: merges\nservers:\n  - &m0 {name: s0, capacity: 2}\n")
	for i := 1; i <= 9; i++ {
		prev := "*m" + strconv.Itoa(i-1)
		mb.WriteString("  - &m" + strconv.Itoa(i) + " {name: s" + strconv.Itoa(i) + ", <<: [" + strings.Repeat(prev+", ", 8) + prev + "]}\n")
	}
	mb.WriteString("workload: {arrival: {rate: 1}, service: {dist: constant, mean: 1s}}\n")
	mergeBomb := mb.String()

	// Each of 9000 servers merges the same list of 1000 distinct mappings:
	// 9 million merged keys, which only the work budget stops.
	var bb strings.Builder
	bb.WriteString("name: budget\nservers:\n  - {name: t, <<: &m [" + strings.Repeat("{capacity: 1}, ", 999) + "{capacity: 1}]}\n")
	for i := 0; i < 9000; i++ {
		bb.WriteString("  - {name: s" + strconv.Itoa(i) + ", <<: *m}\n")
	}
	budgetBomb := bb.String()

	for _, tc := range []struct {
		name, src string
		line      int
		field     string
		msg       string // "" when the document is valid
	}{
		// Keys outside the schema are refused before their values are read.
		{"top-level bomb", "name: bomb\n" + laughs(func(i int) string { return "l" + strconv.Itoa(i) + ": " }), 2, "l1", `unknown key "l1"`},
		// Under a known key, the schema stops the walk at the first value
		// of the wrong shape.
		{"bomb as algorithms", "name: bomb\nalgorithms:\n" + laughs(func(int) string { return "  - " }), 3, "algorithms[0]", "must be text, got a list"},
		{"merge bomb", mergeBomb, 0, "", ""},
		{"work budget", budgetBomb, 0, "", "the document expands to more than 1000000 values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := Parse("bomb.yaml", []byte(tc.src))
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %s", d)
			}
			if tc.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if tc.line != 0 && (e.Line != tc.line || e.Field != tc.field) || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("got %q; want line %d, field %q, message containing %q", err, tc.line, tc.field, tc.msg)
			}
		})
	}
}

// TestYAMLAliasGuard records what yaml.v3 itself does with a bomb: decoding
// into Go values stops with "excessive aliasing", while parsing into a Node
// keeps aliases as pointers and costs no more than the text. Parse relies on
// the latter and bounds its own walk.
func TestYAMLAliasGuard(t *testing.T) {
	src := []byte("a:\n" + laughs(func(int) string { return "  - " }))
	var v any
	if err := yaml.Unmarshal(src, &v); err == nil || !strings.Contains(err.Error(), "excessive aliasing") {
		t.Errorf("yaml.Unmarshal of a bomb: %v, want excessive aliasing", err)
	}
	var n yaml.Node
	if err := yaml.Unmarshal(src, &n); err != nil {
		t.Errorf("parsing a bomb into a Node: %v", err)
	}
}

func TestInputLimits(t *testing.T) {
	big := []byte(valid + "description: " + strings.Repeat("x", MaxFileSize) + "\n")
	_, err := Parse("big.yaml", big)
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Msg, "larger than") {
		t.Errorf("large input: %v", err)
	}
	many := "name: t\nservers:\n" + strings.Repeat("  - {name: a}\n", MaxServers+1)
	_, err = Parse("many.yaml", []byte(many))
	if !errors.As(err, &e) || e.Field != "servers" || e.Line != 2 || !strings.Contains(e.Msg, "at most 10000 entries") {
		t.Errorf("too many server entries: %v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ok.yaml")
	if err := os.WriteFile(path, []byte(valid), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Source != path || string(s.YAML) != valid {
		t.Errorf("Source %q, YAML %q", s.Source, s.YAML)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: t\nservers:\n  - name: a\n    capcity: 4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad)
	if want := bad + `:4:5: servers[0].capcity: unknown key "capcity", did you mean "capacity"? (known: name, count, capacity, speed, weight, queue, address, backup, mtbf, mttr, pool, zone, cache)`; err == nil || err.Error() != want {
		t.Errorf("Load(bad) = %v\nwant %s", err, want)
	}

	for _, p := range []string{filepath.Join(dir, "missing.yaml"), dir} {
		_, err := Load(p)
		var e *Error
		if !errors.As(err, &e) || e.Source != p {
			t.Errorf("Load(%s) = %v, want an *Error", p, err)
		}
	}
}

func TestOpen(t *testing.T) {
	s, err := Open("mixed-50ms-5s")
	if err != nil {
		t.Fatal(err)
	}
	if s.Source != "bundled:mixed-50ms-5s" {
		t.Errorf("Source = %q", s.Source)
	}
	// Open hands out copies: changing one does not change the next.
	s.Seed = 99
	s.Servers[0].Count = 99
	s2, _ := Open("mixed-50ms-5s")
	if s2.Seed == 99 || s2.Servers[0].Count == 99 {
		t.Error("Open returned a shared scenario")
	}

	path := filepath.Join(t.TempDir(), "own.yaml")
	if err := os.WriteFile(path, []byte(valid), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(path); err != nil || s.Name != "t" {
		t.Errorf("Open(%s) = %v, %v", path, s, err)
	}

	_, err = Open("no-such-scenario.yaml")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Open(missing) = %v, want an *Error", err)
	}
	if !errors.Is(err, fs.ErrNotExist) || e.Source != "no-such-scenario.yaml" ||
		!strings.Contains(e.Msg, "no such file") || !strings.Contains(e.Msg, "mixed-50ms-5s") || strings.Contains(e.Msg, "did you mean") {
		t.Errorf("Open(missing) = %v", err)
	}
	if _, err := Open("mixed-50ms-5"); err == nil || !strings.Contains(err.Error(), "did you mean mixed-50ms-5s?") {
		t.Errorf("Open(a misspelt bundled name) = %v, want a suggestion", err)
	}
}

func TestClone(t *testing.T) {
	s := mustParse(t, `name: t
servers: [{name: a}]
workload:
  arrival: {rate: 1, phases: [{at: 1s, rate: 2}]}
  service: {dist: constant, mean: 1s}
  clients: {nat: {gateways: 1, share: 0.5}}
algorithms: [random]
`)
	c := s.Clone()
	if !reflect.DeepEqual(s, c) {
		t.Fatalf("clone differs:\n%+v\n%+v", s, c)
	}
	c.Servers[0].Name = "x"
	c.Workload.Arrival.Phases[0].Rate = 9
	c.Workload.Service.Mean = 9
	c.Workload.Clients.NAT.Gateways = 9
	c.Algorithms[0] = "x"
	c.YAML[0] = 'X'
	if s.Servers[0].Name != "a" || s.Workload.Arrival.Phases[0].Rate != 2 || s.Workload.Service.Mean != Duration(time.Second) ||
		s.Workload.Clients.NAT.Gateways != 1 || s.Algorithms[0] != "random" || s.YAML[0] != 'n' {
		t.Error("changing the clone changed the original")
	}
}

// TestEveryGivenKeyIsKept sets every key of the sections that take defaults
// to a value that is not its default, and checks that loading keeps each
// one: a key dropped while defaults are filled in would read as its
// default.
func TestEveryGivenKeyIsKept(t *testing.T) {
	const file = `name: all-keys
servers:
  - {name: app, count: 2}
  - {name: spare, count: 2}
workload:
  arrival: {rate: 10}
  service: {dist: constant, mean: 10ms}
health_check: {path: /healthz, status: 204, interval: 7s, timeout: 2s, fall: 4, rise: 5, out_of_band: true, max_utilization: 0.8, panic_threshold: 0.3}
passive: {max_fails: 3, fail_timeout: 20s, on: [5xx]}
retries: {count: 2, on: [timeout], timeout: 9s, non_idempotent: true, budget: 0.2}
timeouts: {connect: 1s, header: 2s, idle: 3s, response: 4s, grace: 5s}
circuit_breaker: {failures: 9, open: 11s, probes: 3, max_open: 0.5}
autoscale: {group: spare, min: 2, max: 4, target: 0.7, interval: 13s, cooldown: 17s, startup: 19s}
sessions: {miss_cost: 100ms}
`
	sc, err := Parse("all-keys.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultAutoscale
	def.Group = "app"
	sections := []struct {
		name      string
		got, want any
	}{
		{"health_check", *sc.HealthCheck, DefaultHealthCheck},
		{"passive", *sc.Passive, DefaultPassive},
		{"retries", *sc.Retries, DefaultRetries},
		{"timeouts", *sc.Timeouts, DefaultTimeouts},
		{"circuit_breaker", *sc.CircuitBreaker, DefaultCircuitBreaker},
		{"autoscale", *sc.Autoscale, def},
		{"sessions", *sc.Sessions, Sessions{}},
	}
	for _, s := range sections {
		got, dflt := reflect.ValueOf(s.got), reflect.ValueOf(s.want)
		for _, f := range yamlFields(got.Type()) {
			if reflect.DeepEqual(got.Field(f.index).Interface(), dflt.Field(f.index).Interface()) {
				t.Errorf("%s.%s = %v, its default: the file's value was dropped", s.name, f.name, got.Field(f.index))
			}
		}
	}
}

// The names of nginx, HAProxy and Envoy run, and are reported, as the
// policies they stand for, in algorithms, algorithm and expect: alike.
func TestAlgorithmAliases(t *testing.T) {
	s := mustParse(t, valid+`algorithms: [leastconn, roundrobin, p2c, source, RANDOM, round_robin]
expect:
  - leastconn.p99 < 2 * p2c.p99
  - ROUND_ROBIN.completed >= round_robin.completed
`)
	want := []string{"least_connections", "weighted_round_robin", "power_of_two", "ip_hash", "random", "round_robin"}
	if !slices.Equal(s.Algorithms, want) {
		t.Errorf("Algorithms %q, want %q", s.Algorithms, want)
	}
	for i, refs := range [][]string{{"least_connections", "power_of_two"}, {"weighted_round_robin", "round_robin"}} {
		var got []string
		for _, r := range s.Expect[i].Refs() {
			got = append(got, r.Algorithm)
		}
		if !slices.Equal(got, refs) {
			t.Errorf("expect[%d] reads %q, want %q", i, got, refs)
		}
	}
	if got := s.Expect[0].String(); got != "leastconn.p99 < 2 * p2c.p99" {
		t.Errorf("expect[0] is %q, not as written", got)
	}
	s = mustParse(t, valid+"algorithm: random two least_conn\n")
	if s.Algorithm != "power_of_two" || !slices.Equal(s.Algorithms, []string{"power_of_two"}) {
		t.Errorf("algorithm %q, algorithms %q; want power_of_two", s.Algorithm, s.Algorithms)
	}
}

// TestBalancerDefaults: one balancer sees the servers as they are; several
// know only what they sent, unless the file says; a stale view refreshes
// every second unless the file says.
func TestBalancerDefaults(t *testing.T) {
	const base = "name: t\nservers: [{name: app, count: 2}]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 10ms}}\n"
	for _, tc := range []struct {
		balancers string
		count     int
		view      string
		refresh   time.Duration
	}{
		{"", 1, ViewShared, 0},
		{"balancers: {layer: 7}\n", 1, ViewShared, 0},
		{"balancers: {count: 8}\n", 8, ViewLocal, 0},
		{"balancers: {count: 8, view: shared}\n", 8, ViewShared, 0},
		{"balancers: {count: 8, view: stale}\n", 8, ViewStale, time.Second},
		{"balancers: {count: 3, view: stale, refresh: 250ms}\n", 3, ViewStale, 250 * time.Millisecond},
	} {
		s, err := Parse("t.yaml", []byte(base+tc.balancers))
		if err != nil {
			t.Fatalf("%q: %v", tc.balancers, err)
		}
		var refresh time.Duration
		if s.Balancers != nil {
			refresh = s.Balancers.Refresh.D()
		}
		if s.BalancerCount() != tc.count || s.BalancerView() != tc.view || refresh != tc.refresh {
			t.Errorf("%q: %d balancers, view %s, refresh %v; want %d, %s, %v", tc.balancers, s.BalancerCount(), s.BalancerView(), refresh, tc.count, tc.view, tc.refresh)
		}
	}
}
