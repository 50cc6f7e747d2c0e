package sim

import (
	"testing"
)

// layer4Scenario is 8 servers, 40 requests a second of 10 ms for 100 s
// (3999 arrivals, from 25 ms on), from 1000 clients over conns
// connections.
func layer4Scenario(conns, extra string) string {
	return bare(`name: grpc
duration: 100s
servers: [{name: app, count: 8}]
workload:
  arrival: {process: constant, rate: 40}
  service: {dist: constant, mean: 10ms}
  clients: {count: 1000}
  connections: {count: ` + conns + extra)
}

// TestLayer4 checks the L4 model on hand-countable cases: four connections
// through an L4 balancer reach four of the eight servers and no more,
// until a lifetime makes them reconnect; at layer 7 all eight share the
// work. mode: tcp means layer 4 too, as it does to the proxy. The L4
// balancer sees connections: least connections puts eight on eight
// servers, one each, where random choices leave some servers without one
// (all eight distinct has odds of 8!/8^8, 0.24%).
func TestLayer4(t *testing.T) {
	for _, tc := range []struct {
		name, conns, extra, alg string
		lo, hi                  int
	}{
		{"layer 4", "4", "}\nbalancers: {layer: 4}\n", "round_robin", 4, 4},
		{"mode tcp", "4", "}\nmode: tcp\n", "round_robin", 4, 4},
		{"a lifetime", "4", ", lifetime: 10s}\nbalancers: {layer: 4}\n", "round_robin", 8, 8},
		{"layer 7", "4", "}\n", "round_robin", 8, 8},
		{"least connections counts connections", "8", "}\nbalancers: {layer: 4}\n", "least_connections", 8, 8},
		{"random does not", "8", "}\nbalancers: {layer: 4}\n", "random", 1, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(parse(t, layer4Scenario(tc.conns, tc.extra)), tc.alg)
			if err != nil {
				t.Fatal(err)
			}
			used := 0
			for _, s := range res.Servers {
				if s.Requests > 0 {
					used++
				}
			}
			if used < tc.lo || used > tc.hi {
				t.Errorf("%d servers got requests, want %d to %d: %+v", used, tc.lo, tc.hi, res.Servers)
			}
			if res.Failed != 0 || res.Completed != 3999 {
				t.Errorf("completed %d, failed %d; want all 3999 completed", res.Completed, res.Failed)
			}
		})
	}
}

// TestLayer4Crash checks that a connection whose server crashes opens
// again elsewhere for its next request: only the requests in service at
// the crash (at most one, 10 ms of work at 40 a second) are lost, none is
// refused, and the dead server gets nothing more.
func TestLayer4Crash(t *testing.T) {
	sc := parse(t, layer4Scenario("4", "}\nbalancers: {layer: 4}\nfaults: [{at: 50s, server: app-1, kind: crash}]\n"))
	res, err := Run(sc, "round_robin")
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed > 1 || res.FailedByCause["refused"] != 0 {
		t.Errorf("failed %d (%v), want at most 1 and none refused", res.Failed, res.FailedByCause)
	}
	if got := res.Servers[0].Requests; got == 0 || got > 600 {
		t.Errorf("app-1 got %d requests, want its connection's quarter of the first 50 s, about 500", got)
	}
}
