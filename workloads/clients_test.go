package workloads

import (
	"math"
	"net/netip"
	"testing"

	"github.com/lbsim/lbsim/scenarios"
)

func TestAddresses(t *testing.T) {
	cases := []struct {
		got  netip.Addr
		want string
	}{
		{clientAddr(0), "10.0.0.1"},
		{clientAddr(254), "10.0.0.255"},
		{clientAddr(255), "10.0.1.0"},
		{clientAddr(MaxClients - 1), "10.255.255.254"},
		{gatewayAddr(0), "203.0.113.1"},
		{gatewayAddr(253), "203.0.113.254"},
		{gatewayAddr(254), "198.51.100.1"},
		{gatewayAddr(MaxGateways - 1), "198.51.100.254"},
	}
	for _, c := range cases {
		if c.got.String() != c.want {
			t.Errorf("got %v, want %v", c.got, c.want)
		}
	}
}

// isClient reports whether a is the address of one of count clients.
func isClient(a netip.Addr, count int) bool {
	b := a.As4()
	i := int(b[1])<<16 | int(b[2])<<8 | int(b[3])
	return a.Is4() && b[0] == 10 && i >= 1 && i <= count
}

// isGateway reports whether a is the address of one of n gateways.
func isGateway(a netip.Addr, n int) bool {
	for j := range n {
		if a == gatewayAddr(j) {
			return true
		}
	}
	return false
}

func TestClients(t *testing.T) {
	const n = 200_000
	cases := []struct {
		name    string
		spec    scenarios.Clients
		zipfP0  bool // check client 0's share against Zipf's law
		seenAll bool // every client appears (uniform, n >> count)
	}{
		{name: "one client", spec: scenarios.Clients{Count: 1}, seenAll: true},
		{name: "uniform", spec: scenarios.Clients{Count: 1000}, seenAll: true},
		{name: "largest population", spec: scenarios.Clients{Count: MaxClients}},
		{name: "zipf", spec: scenarios.Clients{Count: 1000, Zipf: 1.2}, zipfP0: true},
		{name: "zipf steep", spec: scenarios.Clients{Count: 10_000, Zipf: 3}, zipfP0: true},
		{name: "nat", spec: scenarios.Clients{Count: 10_000, NAT: &scenarios.NAT{Gateways: 3, Share: 0.6}}},
		{name: "nat every request", spec: scenarios.Clients{Count: 10, NAT: &scenarios.NAT{Gateways: 1, Share: 1}}},
		{name: "nat many gateways", spec: scenarios.Clients{Count: 1000, Zipf: 1.5, NAT: &scenarios.NAT{Gateways: 300, Share: 0.5}}},
		{name: "nat share 0", spec: scenarios.Clients{Count: 1000, NAT: &scenarios.NAT{Gateways: 3, Share: 0}}, seenAll: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := workload(1000)
			w.Clients = c.spec
			rs := draw(newGen(t, w, 5), n)
			gateways := 0
			if c.spec.NAT != nil && c.spec.NAT.Share > 0 {
				gateways = c.spec.NAT.Gateways
			}
			counts := map[netip.Addr]int{}
			viaGateway := 0
			behind := map[uint32]bool{} // the clients seen through a gateway
			for _, r := range rs {
				counts[r.Client]++
				if int(r.ClientID) >= c.spec.Count {
					t.Fatalf("client %d of a population of %d", r.ClientID, c.spec.Count)
				}
				switch {
				case isClient(r.Client, c.spec.Count):
					// A client reaching the balancer directly comes
					// from its own address.
					if r.Client != clientAddr(int(r.ClientID)) {
						t.Fatalf("client %d comes from %v, not its address %v", r.ClientID, r.Client, clientAddr(int(r.ClientID)))
					}
				case isGateway(r.Client, gateways):
					viaGateway++
					behind[r.ClientID] = true
				default:
					t.Fatalf("address %v is neither one of %d clients nor one of %d gateways", r.Client, c.spec.Count, gateways)
				}
			}
			if c.seenAll && len(counts) != c.spec.Count {
				// Each client is missed with probability (1-1/count)^n,
				// below 1e-80 here.
				t.Errorf("%d distinct clients, want all %d", len(counts), c.spec.Count)
			}
			// Behind a gateway are many clients, not one: each keeps its
			// own cookies and sessions.
			if want := min(c.spec.Count, 10); gateways > 0 && len(behind) < want {
				t.Errorf("%d clients behind the gateways, want at least %d", len(behind), want)
			}
			if gateways > 0 {
				// The gateway share is binomial: standard error
				// sqrt(p(1-p)/n).
				p := c.spec.NAT.Share
				got := float64(viaGateway) / n
				if tol := nSE * math.Sqrt(p*(1-p)/n); !within(got, p, tol) {
					t.Errorf("%.4f of requests via a gateway, want %.2f ± %.4f", got, p, tol)
				}
				// Every gateway is seen: each is missed with probability
				// (1 - p/gateways)^n, below 1e-140 here.
				seen := 0
				for j := range gateways {
					if counts[gatewayAddr(j)] > 0 {
						seen++
					}
				}
				if seen != gateways {
					t.Errorf("%d distinct gateways seen, want %d", seen, gateways)
				}
			}
			if c.zipfP0 {
				// Client i has probability (i+1)^-s / H, H the sum over
				// the population; client 0's count is binomial.
				h := 0.0
				for i := c.spec.Count; i >= 1; i-- {
					h += math.Pow(float64(i), -c.spec.Zipf)
				}
				p := 1 / h
				got := float64(counts[clientAddr(0)]) / n
				if tol := nSE * math.Sqrt(p*(1-p)/n); !within(got, p, tol) {
					t.Errorf("client 0 sends %.4f of requests, want %.4f ± %.4f", got, p, tol)
				}
				for a, k := range counts {
					if k > counts[clientAddr(0)] {
						t.Errorf("client %v (%d requests) more popular than client 0 (%d)", a, k, counts[clientAddr(0)])
					}
				}
			}
		})
	}
}
