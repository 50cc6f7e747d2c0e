package scenarios

import (
	"errors"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const proxyConfig = `name: shop
servers:
  - {name: a, address: "http://127.0.0.1:9001", weight: 2}
  - {name: b, address: "127.0.0.1:9002"}
`

func TestParseProxyDefaults(t *testing.T) {
	s, err := ParseProxy("proxy.yaml", []byte(proxyConfig))
	if err != nil {
		t.Fatal(err)
	}
	if s.Algorithm != DefaultProxyPolicy || s.Mode != ModeHTTP || s.Listen != DefaultListen || s.Admin != DefaultAdmin {
		t.Errorf("algorithm %q mode %q listen %q admin %q, want the defaults", s.Algorithm, s.Mode, s.Listen, s.Admin)
	}
	if *s.Timeouts != DefaultTimeouts {
		t.Errorf("timeouts %+v, want %+v", *s.Timeouts, DefaultTimeouts)
	}
	// The response timeout is on by default, in the simulator too.
	if s.AttemptTimeout != DefaultTimeouts.Response || s.AttemptTimeout != Duration(60*time.Second) {
		t.Errorf("attempt timeout %v, want 60s, nginx's proxy_read_timeout", s.AttemptTimeout)
	}
	if off, err := ParseProxy("proxy.yaml", []byte(proxyConfig+"timeouts: {response: 0}\n")); err != nil || off.AttemptTimeout != 0 {
		t.Errorf("timeouts.response 0: attempt timeout %v (%v), want 0, none", off.AttemptTimeout, err)
	}
	if s.HealthCheck != nil || s.Sticky != nil {
		t.Errorf("absent checks and stickiness must stay off: %+v %+v", s.HealthCheck, s.Sticky)
	}
	// Layer 4 is mode tcp.
	if l4, err := ParseProxy("proxy.yaml", []byte("name: p\nservers:\n  - {name: a, address: \"127.0.0.1:1\"}\nbalancers: {layer: 4}\n")); err != nil || l4.Mode != ModeTCP || l4.Layer() != Layer4 {
		t.Errorf("balancers.layer 4: mode %v (%v), want tcp", l4, err)
	}
	if s.Layer() != Layer7 {
		t.Errorf("mode http: layer %d, want 7", s.Layer())
	}
	// Retries and passive ejection are on, as nginx's defaults are.
	if !reflect.DeepEqual(*s.Passive, DefaultPassive) || !reflect.DeepEqual(*s.Retries, DefaultRetries) || !s.Retries.Retries(RetryConnect) || !s.Retries.Retries(RetryError) {
		t.Errorf("passive %+v, retries %+v; want nginx's defaults, one retry on connect and error, ejection after one failure for 10s", *s.Passive, *s.Retries)
	}
	off, err := ParseProxy("proxy.yaml", []byte(proxyConfig+"retries: {count: 0}\npassive: {max_fails: 0}\n"))
	if err != nil || off.Retries.Retries(RetryConnect) || off.Passive.MaxFails != 0 {
		t.Errorf("retries and passive turned off: %+v %+v (%v)", off.Retries, off.Passive, err)
	}
	servers := s.ExpandServers()
	if len(servers) != 2 || servers[0].Address != "http://127.0.0.1:9001" || servers[0].Weight != 2 || servers[1].Address != "127.0.0.1:9002" {
		t.Errorf("servers %+v", servers)
	}
}

// TestParseProxySections checks that a section given in part gets the
// defaults of the keys it leaves out, and keeps the ones it sets.
func TestParseProxySections(t *testing.T) {
	src := proxyConfig + `algorithm: least_connections
health_check: {path: /healthz, fall: 2}
passive: {fail_timeout: 30s}
retries: {count: 2, on: [connect]}
timeouts: {header: 2s}
sticky: {}
`
	s, err := ParseProxy("proxy.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	hc := DefaultHealthCheck
	hc.Path, hc.Fall = "/healthz", 2
	if *s.HealthCheck != hc {
		t.Errorf("health_check %+v, want %+v", *s.HealthCheck, hc)
	}
	if want := (Passive{MaxFails: 1, FailTimeout: Duration(30 * time.Second), On: []string{RetryConnect, RetryError, RetryTimeout}}); !reflect.DeepEqual(*s.Passive, want) {
		t.Errorf("passive %+v, want %+v", *s.Passive, want)
	}
	if want := (Retries{Count: 2, On: []string{RetryConnect}}); !reflect.DeepEqual(*s.Retries, want) {
		t.Errorf("retries %+v, want %+v", *s.Retries, want)
	}
	if s.Timeouts.Header != Duration(2*time.Second) || s.Timeouts.Connect != DefaultTimeouts.Connect {
		t.Errorf("timeouts %+v", *s.Timeouts)
	}
	if s.Sticky.Cookie != DefaultStickyCookie || s.Algorithm != "least_connections" {
		t.Errorf("sticky %+v algorithm %q", *s.Sticky, s.Algorithm)
	}
	if !s.Retries.Retries(RetryConnect) || s.Retries.Retries(RetryTimeout) {
		t.Error("Retries(condition) disagrees with retries.on")
	}
}

func TestParseProxyAlgorithm(t *testing.T) {
	for _, tc := range []struct{ extra, want string }{
		{"", "round_robin"},
		{"algorithm: ip_hash\n", "ip_hash"},
		{"algorithms: [power_of_two]\n", "power_of_two"},
		{"algorithms: [random, ip_hash]\n", ""},
		// Aliases run as the policy they name.
		{"algorithm: leastconn\n", "least_connections"},
		{"algorithm: LEAST_REQUEST\n", "weighted_least_request"},
		{"algorithm: {name: bounded_load, c: 2}\n", "bounded_load(c=2)"},
		{"algorithms: [static-rr]\n", "weighted_round_robin"},
	} {
		s, err := ParseProxy("p.yaml", []byte(proxyConfig+tc.extra))
		if err != nil {
			t.Fatalf("%q: %v", tc.extra, err)
		}
		if s.Algorithm != tc.want {
			t.Errorf("%q: Algorithm %q, want %q", tc.extra, s.Algorithm, tc.want)
		}
		if tc.want != "" && tc.extra != "" && (len(s.Algorithms) != 1 || s.Algorithms[0] != tc.want) {
			t.Errorf("%q: Algorithms %q, want [%s]", tc.extra, s.Algorithms, tc.want)
		}
	}
}

// TestBundledAsProxyConfig checks the promise that a scenario with
// addresses added is a valid proxy config, and that the proxy keys do not
// change how it simulates.
func TestBundledAsProxyConfig(t *testing.T) {
	data, err := os.ReadFile("bundled/heterogeneous.yaml")
	if err != nil {
		t.Fatal(err)
	}
	port := 9000
	withAddr := regexp.MustCompile(`weight: \d+`).ReplaceAllStringFunc(string(data), func(m string) string {
		port++
		return m + `, address: "http://127.0.0.1:` + strconv.Itoa(port) + `"`
	})
	p, err := ParseProxy("heterogeneous.yaml", []byte(withAddr))
	if err != nil {
		t.Fatal(err)
	}
	if p.Algorithm != "" || len(p.ExpandServers()) != 3 || p.ExpandServers()[2].Address != "http://127.0.0.1:9003" {
		t.Errorf("algorithm %q servers %+v", p.Algorithm, p.ExpandServers())
	}
	sim, err := Parse("heterogeneous.yaml", []byte(withAddr))
	if err != nil {
		t.Fatal(err)
	}
	if sim.Capacity() != p.Capacity() || sim.Workload.Arrival.Rate != p.Workload.Arrival.Rate {
		t.Errorf("the same file simulates differently when read as a proxy config")
	}
}

var proxyErrorCases = []struct {
	name, src string
	line      int
	field     string
	msg       string
}{
	{"missing address", "name: p\nservers:\n  - {name: a}\n", 3, "servers[0].address", "required by the proxy"},
	{"address on a group", "name: p\nservers:\n  - {name: a, count: 2, address: \"127.0.0.1:1\"}\n", 3, "servers[0].address", "count 2"},
	{"address with path", "name: p\nservers:\n  - {name: a, address: \"http://h:1/x\"}\n", 3, "servers[0].address", "no path"},
	{"address without port", "name: p\nservers:\n  - {name: a, address: \"http://h\"}\n", 3, "servers[0].address", "needs a port"},
	{"address scheme", "name: p\nservers:\n  - {name: a, address: \"ftp://h:1\"}\n", 3, "servers[0].address", "scheme must be http or https"},
	{"url in tcp mode", proxyConfig + "mode: tcp\n", 3, "servers[0].address", "mode tcp takes host:port"},
	{"bad mode", proxyConfig + "mode: udp\n", 5, "mode", "must be http or tcp"},
	{"bad listen", proxyConfig + "listen: 8085\n", 5, "listen", "must be host:port"},
	{"bad port", proxyConfig + "listen: \"h:99999\"\n", 5, "listen", "port must be a number"},
	{"unknown algorithm", proxyConfig + "algorithm: fastest\n", 5, "algorithm", "unknown algorithm"},
	{"misspelt alias", proxyConfig + "algorithm: leastcon\n", 5, "algorithm", `unknown algorithm "leastcon", did you mean "leastconn" (HAProxy's name for least_connections)?`},
	{"algorithm not among algorithms", proxyConfig + "algorithm: random\nalgorithms: [round_robin, least_connections]\n", 5, "algorithm", `"random" is the policy lbsim proxy runs, and must be one of algorithms (round_robin, least_connections)`},
	{"negative interval", proxyConfig + "health_check: {interval: -1s}\n", 5, "health_check.interval", "must not be negative"},
	{"fall 0", proxyConfig + "health_check: {fall: 0}\n", 5, "health_check.fall", "at least 1"},
	{"check timeout above interval", proxyConfig + "health_check: {interval: 1s, timeout: 2s}\n", 5, "health_check.timeout", "at most interval"},
	{"check path", proxyConfig + "health_check: {path: health}\n", 5, "health_check.path", "starting with /"},
	{"check status", proxyConfig + "health_check: {status: 700}\n", 5, "health_check.status", "at most 599"},
	{"max_fails below 0", proxyConfig + "passive: {max_fails: -1}\n", 5, "passive.max_fails", "at least 0"},
	{"retry condition", proxyConfig + "retries: {on: [connect, always]}\n", 5, "retries.on[1]", `unknown condition "always"`},
	{"passive condition", proxyConfig + "passive: {on: [5xx, 4xx]}\n", 5, "passive.on[1]", `unknown condition "4xx"`},
	{"5xx retries in mode tcp", "name: p\nservers:\n  - {name: a, address: \"127.0.0.1:1\"}\nmode: tcp\nretries: {on: [connect, 5xx]}\n", 5, "retries.on[1]", "mode http only"},
	{"5xx ejection in mode tcp", "name: p\nservers:\n  - {name: a, address: \"127.0.0.1:1\"}\nmode: tcp\npassive: {on: [5xx]}\n", 5, "passive.on[0]", "mode http only"},
	{"retry count", proxyConfig + "retries: {count: -1}\n", 5, "retries.count", "at least 0"},
	{"retry bool", proxyConfig + "retries: {non_idempotent: yes}\n", 5, "retries.non_idempotent", "must be true or false"},
	{"zero timeout", proxyConfig + "timeouts: {header: 0s}\n", 5, "timeouts.header", "greater than 0"},
	{"timeout retries without a timeout", proxyConfig + "timeouts: {response: 0}\nretries: {on: [connect, timeout]}\n", 6, "retries.on[1]", "set timeouts.response"},
	{"max utilization", proxyConfig + "health_check: {max_utilization: 1.5}\n", 5, "health_check.max_utilization", "at most 1"},
	{"max utilization over tcp", "name: p\nservers:\n  - {name: a, address: \"127.0.0.1:1\"}\nmode: tcp\nhealth_check: {max_utilization: 0.9}\n", 5, "health_check.max_utilization", "mode http only"},
	{"panic threshold", proxyConfig + "health_check: {panic_threshold: -0.5}\n", 5, "health_check.panic_threshold", "at least 0"},
	{"header size", proxyConfig + "max_header_bytes: 10\n", 5, "max_header_bytes", "at least 1024"},
	{"buffered below a body", proxyConfig + "max_body_bytes: 2048\nmax_buffered_bytes: 1024\n", 6, "max_buffered_bytes", "at least max_body_bytes (2048), got 1024"},
	{"buffered below the default body", proxyConfig + "max_buffered_bytes: 1048576\n", 5, "max_buffered_bytes", "at least max_body_bytes (16777216)"},
	{"cookie name", proxyConfig + "sticky: {cookie: \"a b\"}\n", 5, "sticky.cookie", "must be a cookie name"},
	{"sticky over tcp", "name: p\nservers:\n  - {name: a, address: \"127.0.0.1:1\"}\nmode: tcp\nsticky: {}\n", 5, "sticky", "mode http only"},
}

// A file may name the policy the proxy runs among those the simulator
// compares: each mode takes its own from the one file.
func TestAlgorithmAmongAlgorithms(t *testing.T) {
	src := proxyConfig + "algorithm: leastconn\nalgorithms: [round_robin, least_connections, power_of_two]\nworkload: {arrival: {rate: 1}, service: {dist: constant, mean: 1ms}}\n"
	for _, load := range []func(string, []byte) (*Scenario, error){Parse, ParseProxy} {
		s, err := load("p.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		if s.Algorithm != "least_connections" || !slices.Equal(s.Algorithms, []string{"round_robin", "least_connections", "power_of_two"}) {
			t.Errorf("algorithm %q, algorithms %v; want least_connections, and the three to compare", s.Algorithm, s.Algorithms)
		}
	}
}

func TestParseProxyErrors(t *testing.T) {
	for _, tc := range proxyErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseProxy("p.yaml", []byte(tc.src))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if e.Line != tc.line || e.Field != tc.field || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("got %q (line %d, field %q)\nwant line %d, field %q, message containing %q", err, e.Line, e.Field, tc.line, tc.field, tc.msg)
			}
		})
	}
}

// TestSimulationKeys checks which keys of a file a live proxy is told it
// ignores: those the file gives, merge keys included, and no others.
func TestSimulationKeys(t *testing.T) {
	const workload = "workload: {arrival: {rate: 10}, service: {dist: constant, mean: 10ms}}\n"
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"none", proxyConfig + "algorithm: random\nhealth_check: {}\nretries: {}\nslow_start: 10s\n", nil},
		{"workload and run", proxyConfig + "seed: 3\nrequests: 100\nwarmup: 1s\n" + workload, []string{"seed", "requests", "warmup", "workload"}},
		{"duration", proxyConfig + "duration: 1m\n" + workload, []string{"duration", "workload"}},
		{"faults, autoscale, sessions, expect", `name: p
servers:
  - {name: a, address: "127.0.0.1:1", capacity: 4}
  - {name: b, address: "127.0.0.1:2", mtbf: 1h, mttr: 1m}
` + workload + `algorithms: [random]
faults: [{at: 1s, server: a, kind: crash}]
autoscale: {group: a, max: 3}
sessions: {miss_cost: 1ms}
expect: ["random.p99 < 1"]
`, []string{"workload", "sessions", "faults", "autoscale", "expect", "servers[].capacity", "servers[].mtbf", "servers[].mttr"}},
		{"balancer instances", proxyConfig + "balancers: {layer: 7, count: 4, view: stale, refresh: 2s, failover: 30s}\n",
			[]string{"balancers.count", "balancers.view", "balancers.refresh", "balancers.failover"}},
		{"classes routed by path", proxyConfig + "workload: {arrival: {rate: 1}, classes: [{name: slow, share: 1, path: /slow/, service: {dist: constant, mean: 1s}}]}\nroutes: [{class: slow, pool: default}, {pool: default}]\n",
			[]string{"workload (all but the classes' paths, which routes use)"}},
		{"through a merge key", `name: p
servers:
  - &a {name: a, address: "127.0.0.1:1", speed: 2}
  - {<<: *a, name: b, address: "127.0.0.1:2", queue: 5}
`, []string{"servers[].speed", "servers[].queue"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseProxy("p.yaml", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			if got := s.SimulationKeys(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("SimulationKeys() = %q, want %q", got, tc.want)
			}
		})
	}
	if got := (&Scenario{Name: "by hand"}).SimulationKeys(); got != nil {
		t.Errorf("a scenario built by hand: %q, want none", got)
	}
}

// TestDocsKinds keeps docs/scenarios.md's Kind column in line with the
// keys the proxy ignores: a top-level key of kind world is a simulation
// key and every simulation key is of kind world (balancers, of kind both,
// is a simulation key only in part: its count, view, refresh and
// failover); a server key of kind world is a server simulation key, and
// the other way round.
func TestDocsKinds(t *testing.T) {
	doc, err := os.ReadFile("../docs/scenarios.md")
	if err != nil {
		t.Fatal(err)
	}
	kinds := func(section string) map[string]string {
		text := string(doc)
		start := strings.Index(text, "\n### "+section+"\n")
		if start < 0 {
			t.Fatalf("no section %q in docs/scenarios.md", section)
		}
		text = text[start+1:]
		if end := strings.Index(text[4:], "\n### "); end >= 0 {
			text = text[:end+4]
		}
		out := map[string]string{}
		for line := range strings.Lines(text) {
			cells := strings.Split(line, "|")
			if len(cells) < 4 || !strings.Contains(cells[1], "`") {
				continue
			}
			for _, key := range strings.Split(cells[1], ",") {
				out[strings.Trim(strings.TrimSpace(key), "`")] = strings.TrimSpace(cells[2])
			}
		}
		return out
	}
	check := func(section string, documented map[string]string, keys []string) {
		for key, kind := range documented {
			if (kind == "world") != slices.Contains(keys, key) {
				t.Errorf("%s: %s is of kind %s in the docs, but the proxy's simulation keys %v say otherwise", section, key, kind, keys)
			}
		}
		for _, key := range keys {
			if _, ok := documented[key]; !ok && !strings.Contains(key, ".") {
				t.Errorf("%s: simulation key %s is not in the docs' table", section, key)
			}
		}
	}
	check("Top level", kinds("Top level"), simulationKeys)
	check("servers", kinds("servers"), serverSimulationKeys)
}
