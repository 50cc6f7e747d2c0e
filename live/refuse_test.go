package live

import (
	"errors"
	"strings"
	"testing"

	"github.com/lbsim/lbsim/scenarios"
)

func TestCheckBundled(t *testing.T) {
	for _, tc := range []struct {
		name string
		key  string // "" when live runs it
	}{
		{"identical-stateless", ""},
		{"heterogeneous", ""},
		{"mixed-50ms-5s", ""},
		{"nat-skew", ""},
		{"crash-with-health-checks", ""},
		{"zombie-server-ejected", ""},
		{"replay-shop-log", ""},
		{"autoscale-black-friday", "autoscale"},
		{"herding", "balancers.count"},
		{"zone-outage", "servers[0].zone"},
		{"quiz-shopping-cart", "sessions"},
		{"cache-affinity", "servers[0].cache"},
		{"grpc-behind-l4", "workload.connections"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := scenarios.Open(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			err = Check(sc)
			var se *scenarios.Error
			switch {
			case tc.key == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.key != "" && (!errors.As(err, &se) || se.Field != tc.key):
				t.Errorf("got %v, want a refusal of %s", err, tc.key)
			}
		})
	}
}

func TestCheckKeys(t *testing.T) {
	const base = "name: t\nrequests: 100\nworkload: {arrival: {rate: 10}, service: {dist: constant, mean: 10ms}}\n"
	for _, tc := range []struct {
		name, yaml string
		key        string // "" when live runs it
		line       int
	}{
		{"plain", "servers: [{name: a, count: 2}]\n", "", 0},
		{"faults, checks, limits", `servers: [{name: a, count: 2, queue: 3}, {name: b, pool: b}]
faults: [{at: 1s, server: a-1, kind: crash, for: 1s}, {at: 1s, server: b, kind: 5xx, share: 0.5}]
health_check: {interval: 1s, out_of_band: true, max_utilization: 0.9}
circuit_breaker: {failures: 3}
routes: [{path: /b/, pool: b, limit: {rate: 5, burst: 2}}, {pool: default}]
sticky: {}
slow_start: 2s
`, "", 0},
		{"random crashes", "servers: [{name: a, mtbf: 1h, mttr: 1m}]\n", "servers[0].mtbf", 4},
		{"zone fault", "servers: [{name: a, zone: z}, {name: b, zone: y}]\nfaults: [{at: 1s, zone: z, kind: crash}]\n", "servers[0].zone", 4},
		{"layer 4", "servers: [{name: a}]\nbalancers: {layer: 4}\n", "balancers.layer", 5},
		{"mode tcp", "servers: [{name: a}]\nmode: tcp\n", "mode", 5},
		{"stale view", "servers: [{name: a}]\nbalancers: {view: stale}\n", "balancers.view", 5},
		{"split phases", "servers: [{name: a}, {name: b, pool: b}]\nroutes: [{split: {default: 1, b: 1}, phases: [{at: 1s, split: {b: 1}}]}]\n", "routes[0].phases", 5},
		{"queue and 5xx retries", "servers: [{name: a, queue: 2}, {name: b}]\nretries: {on: [connect, 5xx]}\n", "retries.on[1]", 5},
		{"queue and 5xx ejection", "servers: [{name: a, queue: 2}, {name: b}]\npassive: {on: [5xx]}\n", "passive.on[0]", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := scenarios.Parse("t.yaml", []byte(base+tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			err = Check(sc)
			var se *scenarios.Error
			switch {
			case tc.key == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.key == "":
			case !errors.As(err, &se) || se.Field != tc.key || se.Line != tc.line:
				t.Errorf("got %v, want a refusal of %s at line %d", err, tc.key, tc.line)
			case !strings.Contains(err.Error(), "t.yaml:"):
				t.Errorf("%v does not name the file", err)
			}
		})
	}
}
