package scenarios

import (
	"slices"
	"strconv"
	"strings"
)

// Zones describes where the servers, balancers and clients are: the
// availability zones of a region, or the regions of a global site.
// Servers name their zone; balancers and clients are spread evenly over
// the zones, and a client uses a balancer of its own zone. The simulator
// applies it; a live proxy, which runs in one place, ignores it.
type Zones struct {
	// CrossLatency is what a request served in another zone than its
	// client's pays each way, on its way to the server and back.
	CrossLatency Duration `yaml:"cross_latency"`
	// Routing is ZoneAny, ZoneLocalFirst or ZoneLatency; default ZoneAny.
	Routing string `yaml:"routing"`
}

// Zone routings.
const (
	// ZoneAny: balancers choose among every zone's servers.
	ZoneAny = "any"
	// ZoneLocalFirst: balancers keep requests in their own zone while it
	// has usable servers for its share of the traffic, and spill the rest
	// to the other zones (Envoy's zone-aware routing).
	ZoneLocalFirst = "local_first"
	// ZoneLatency: zones are regions; clients use their own region, whose
	// balancers use only its servers, until all of them are down, when
	// clients move to the next region after balancers.failover (DNS
	// latency-based routing with failover).
	ZoneLatency = "latency"
)

// ZoneRoutings lists the values zones.routing may take.
var ZoneRoutings = []string{ZoneAny, ZoneLocalFirst, ZoneLatency}

// ZoneNames lists the zones in the order of their first servers; nil when
// the servers name none.
func (s *Scenario) ZoneNames() []string {
	var out []string
	for _, g := range s.Servers {
		if g.Zone != "" && !slices.Contains(out, g.Zone) {
			out = append(out, g.Zone)
		}
	}
	return out
}

// ZoneRouting is zones.routing, ZoneAny without zones.
func (s *Scenario) ZoneRouting() string {
	if s.Zones == nil || s.Zones.Routing == "" {
		return ZoneAny
	}
	return s.Zones.Routing
}

// checkZones checks servers' zones and the zones section: every server in
// a zone or none, and enough balancers for one in each zone.
func checkZones(s *Scenario, d *decoder) error {
	zones := s.ZoneNames()
	for i, g := range s.Servers {
		p := "servers[" + strconv.Itoa(i) + "].zone"
		switch {
		case d.has(p):
			if err := d.checkKeyName(p, g.Zone); err != nil {
				return err
			}
		case len(zones) > 0:
			return d.errorf(p, "required: some servers name their zone (%s), so every server must", strings.Join(zones, ", "))
		}
	}
	if z := s.Zones; z != nil {
		if len(zones) == 0 {
			return d.errorf("zones", "the servers name no zone; give each server group a zone")
		}
		if err := d.durRange("zones.cross_latency", z.CrossLatency, true, MaxVirtualTime); err != nil {
			return err
		}
		if d.has("zones.routing") && !slices.Contains(ZoneRoutings, z.Routing) {
			return d.errorf("zones.routing", "must be one of %s, got %s", strings.Join(ZoneRoutings, ", "), quote(z.Routing))
		}
	}
	if len(zones) > 1 && d.has("balancers.count") && s.BalancerCount() < len(zones) {
		return d.errorf("balancers.count", "must be at least the number of zones (%d): each zone has its balancers", len(zones))
	}
	return nil
}
