package scenarios

import (
	"reflect"
	"testing"
	"time"
)

const routedScenario = `name: routed
servers:
  - {name: api, count: 4, pool: api}
  - {name: reports, count: 2, pool: reports}
  - {name: canary, pool: canary}
workload:
  arrival: {rate: 10}
  classes:
    - {name: call, share: 0.9, path: /api/, service: {dist: constant, mean: 50ms}}
    - {name: report, share: 0.1, path: /reports/, service: {dist: constant, mean: 5s}}
routes:
  - {class: report, pool: reports}
  - {split: {api: 90, canary: 10}, phases: [{at: 5m, split: {api: 0, canary: 100}}]}
pools:
  reports: {algorithm: leastconn, passive: {max_fails: 3}}
passive: {max_fails: 0}
health_check: {interval: 5s}
`

// TestRoutes checks how a file's routes and pools resolve: the first route
// a class or a path matches, the split in effect at a time, and a pool's
// settings over the top level's.
func TestRoutes(t *testing.T) {
	s := mustParse(t, routedScenario)
	if got, want := s.PoolNames(), []string{"api", "reports", "canary"}; !reflect.DeepEqual(got, want) {
		t.Errorf("PoolNames() = %q, want %q", got, want)
	}
	for c, want := range []int{1, 0} {
		if got := s.ClassRoute(c); got != want {
			t.Errorf("ClassRoute(%d) = %d, want %d", c, got, want)
		}
	}
	for path, want := range map[string]int{"/reports/q3": 0, "/reports": 1, "/api/users": 1, "/": 1} {
		if got := s.PathRoute(path); got != want {
			t.Errorf("PathRoute(%q) = %d, want %d", path, got, want)
		}
	}
	split := &s.Routes[1]
	if got, want := split.Targets(4*time.Minute), []Weighted{{"api", 90}, {"canary", 10}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Targets(4m) = %v, want %v", got, want)
	}
	if got, want := split.Targets(5*time.Minute), []Weighted{{"api", 0}, {"canary", 100}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Targets(5m) = %v, want %v", got, want)
	}
	reports := s.PoolSettings("reports")
	if reports.Algorithm != "least_connections" || reports.Passive.MaxFails != 3 || reports.Passive.FailTimeout != DefaultPassive.FailTimeout || reports.HealthCheck != s.HealthCheck {
		t.Errorf("reports: %+v, passive %+v; want least_connections, its own passive (max_fails 3, the default fail_timeout), the top level's checks", reports, reports.Passive)
	}
	if api := s.PoolSettings("api"); api.Algorithm != "" || api.Passive.MaxFails != 0 {
		t.Errorf("api: %+v, want the top level's settings", api)
	}
}

// TestRoutesInProxy: the proxy routes a class by its path, and cannot
// move a split over virtual time.
func TestRoutesInProxy(t *testing.T) {
	const servers = "name: p\nservers:\n  - {name: a, address: \"127.0.0.1:1\", pool: a}\n  - {name: b, address: \"127.0.0.1:2\", pool: b}\n"
	s, err := ParseProxy("p.yaml", []byte(servers+"workload: {arrival: {rate: 1}, classes: [{name: slow, share: 1, path: /slow/, service: {dist: constant, mean: 1s}}]}\nroutes: [{class: slow, pool: b}, {pool: a}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Routes[0].ClassPath != "/slow/" || s.PathRoute("/slow/x") != 0 || s.PathRoute("/fast") != 1 {
		t.Errorf("routes %+v: want class slow routed by its path /slow/", s.Routes)
	}
	for _, tc := range []struct{ routes, field string }{
		{"routes: [{class: slow, pool: b}, {pool: a}]\n", "routes[0].class"},
		{"routes: [{split: {a: 1, b: 0}, phases: [{at: 1m, split: {a: 0, b: 1}}]}]\n", "routes[0].phases"},
	} {
		_, err := ParseProxy("p.yaml", []byte(servers+tc.routes))
		if e, ok := err.(*Error); !ok || e.Field != tc.field {
			t.Errorf("%q: error %v, want one at %s", tc.routes, err, tc.field)
		}
	}
}
