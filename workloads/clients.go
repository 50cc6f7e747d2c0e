package workloads

import (
	"math"
	"math/rand/v2"
	"net/netip"

	"github.com/lbsim/lbsim/scenarios"
)

// Limits of the address plan (see the package documentation).
const (
	// MaxClients is the largest client population: 10.0.0.1 to
	// 10.255.255.254.
	MaxClients = 1<<24 - 2
	// MaxGateways is the most NAT gateways: 203.0.113.1-254 and then
	// 198.51.100.1-254.
	MaxGateways = 2 * 254
)

// clients draws the client that sends each request and the address it
// comes from.
type clients struct {
	rng   *rand.Rand
	count int
	zipf  *rand.Zipf // nil for uniform popularity

	natShare float64 // probability a request comes through a gateway
	gateways []netip.Addr
	// behind draws which client a request through a gateway comes from,
	// from a stream of its own, so that the addresses drawn are the same
	// whether or not anything looks at the client behind them.
	behind     *rand.Rand
	behindZipf *rand.Zipf
}

// init sets c up for the population spec, drawing addresses from rng and
// the clients behind gateways from behind.
func (c *clients) init(spec *scenarios.Clients, rng, behind *rand.Rand) error {
	const p = "workload.clients"
	*c = clients{rng: rng, count: spec.Count, behind: behind}
	if spec.Count < 1 || spec.Count > MaxClients {
		return invalid(p+".count", "must be between 1 and %d, got %d", MaxClients, spec.Count)
	}
	z := spec.Zipf
	switch {
	case !(z >= 0) || math.IsInf(z, 1): // also NaN
		return invalid(p+".zipf", "must be 0 (uniform popularity) or a finite number above 1, got %g", z)
	case z > 1 && spec.Count > 1:
		c.zipf = rand.NewZipf(rng, z, 1, uint64(spec.Count-1))
		c.behindZipf = rand.NewZipf(behind, z, 1, uint64(spec.Count-1))
		if c.zipf == nil || c.behindZipf == nil {
			return invalid(p+".zipf", "unusable exponent %g", z)
		}
	}
	if nat := spec.NAT; nat != nil {
		if !(nat.Share >= 0 && nat.Share <= 1) {
			return invalid(p+".nat.share", "must be between 0 and 1, got %g", nat.Share)
		}
		if nat.Gateways < 0 || nat.Gateways > MaxGateways || nat.Gateways == 0 && nat.Share > 0 {
			return invalid(p+".nat.gateways", "must be between 1 and %d, got %d", MaxGateways, nat.Gateways)
		}
		if nat.Share > 0 {
			c.natShare = nat.Share
			c.gateways = make([]netip.Addr, nat.Gateways)
			for j := range c.gateways {
				c.gateways[j] = gatewayAddr(j)
			}
		}
	}
	return nil
}

// next returns the next request's client, numbered from 0, and the
// address it comes from: its own, or its gateway's.
func (c *clients) next() (uint32, netip.Addr) {
	if c.natShare > 0 {
		// One uniform decides both whether the request comes through a
		// gateway and, scaled, which one: given u < share, u/share is
		// uniform on [0, 1).
		if u := c.rng.Float64(); u < c.natShare {
			j := int(u / c.natShare * float64(len(c.gateways)))
			return c.draw(c.behind, c.behindZipf), c.gateways[min(j, len(c.gateways)-1)]
		}
	}
	i := c.draw(c.rng, c.zipf)
	return i, clientAddr(int(i))
}

// draw picks a client of the population from rng, by popularity.
func (c *clients) draw(rng *rand.Rand, zipf *rand.Zipf) uint32 {
	switch {
	case zipf != nil:
		return uint32(zipf.Uint64())
	case c.count > 1:
		return uint32(rng.IntN(c.count))
	}
	return 0
}

// clientAddr is the address of client i: 10.0.0.0 + i + 1.
func clientAddr(i int) netip.Addr {
	n := uint32(10)<<24 + uint32(i) + 1
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

// gatewayAddr is the address of NAT gateway j: 203.0.113.(j+1), then
// 198.51.100.(j-253) from j = 254 on.
func gatewayAddr(j int) netip.Addr {
	if j < 254 {
		return netip.AddrFrom4([4]byte{203, 0, 113, byte(j + 1)})
	}
	return netip.AddrFrom4([4]byte{198, 51, 100, byte(j - 253)})
}
