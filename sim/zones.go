package sim

import (
	"encoding/binary"
	"math/rand/v2"
	"time"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/workloads"
)

// Servers, balancers and clients live in zones: the availability zones of
// a region, or the regions of a site. Balancer k is in zone k mod the
// number of zones and client c in zone c mod it, so both are spread
// evenly (clients by address), and a client sends to a balancer of its own zone while one is
// up. A request served in another zone than its client's pays the
// crossing each way: it travels to the server, whose slot it takes only
// when it gets there, and its answer travels back; its balancer counts it
// in flight all the while, as a proxy would.
//
// Routing any lets balancers choose among every zone's servers.
// local_first keeps requests in the balancer's zone while that zone has
// its share of the usable servers, and spills the shortfall to the other
// zones, as Envoy's zone-aware routing does: a zone with half its share
// of servers keeps half its requests. latency makes zones regions: a
// balancer uses only its region's servers, and when all of them are down
// its clients move to the next region after balancers.failover, as DNS
// latency-based routing with health checks does; they come back when a
// server of their region is up again.

// zones is the engine's zone state; nil without zones.
type zones struct {
	names   []string
	routing string
	cross   time.Duration
	// target is the region each zone's clients use (latency routing);
	// failSeq is the pending failover of each region, 0 for none;
	// stranded marks a region whose failover found no other region up,
	// whose clients move as soon as one is.
	target   []int
	failSeq  []uint64
	stranded []bool
	// spill decides which requests local_first sends out of their zone.
	spill *rand.Rand
}

// initZones reads the scenario's zones; servers must be in the engine's
// list, with their zone names.
func (e *engine) initZones(sc *scenarios.Scenario) {
	names := sc.ZoneNames()
	if len(names) == 0 {
		return
	}
	z := &zones{names: names, routing: sc.ZoneRouting(), target: make([]int, len(names)), failSeq: make([]uint64, len(names)), stranded: make([]bool, len(names)),
		spill: rand.New(rand.NewPCG(routingSeed(sc.Seed), 0x7a6f6e65))}
	if sc.Zones != nil {
		z.cross = sc.Zones.CrossLatency.D()
	}
	for k := range z.target {
		z.target[k] = k
	}
	index := make(map[string]int16, len(names))
	for k, name := range names {
		index[name] = int16(k)
	}
	for i := range e.servers {
		e.servers[i].zone = index[e.servers[i].zoneName]
	}
	e.zones = z
}

// clientZone is the zone of r's client, 0 without zones: where its
// address is, so that the clients behind one NAT gateway are in one place.
func (e *engine) clientZone(r *workloads.Request) int16 {
	if e.zones == nil {
		return 0
	}
	a := r.Client.As16()
	return int16(binary.BigEndian.Uint32(a[12:]) % uint32(len(e.zones.names)))
}

// balancerZone is the zone of balancer k.
func (e *engine) balancerZone(k int) int16 {
	if e.zones == nil {
		return 0
	}
	return int16(k % len(e.zones.names))
}

// targetZone is the zone whose balancers a client of zone z sends to.
func (e *engine) targetZone(z int16) int16 {
	if e.zones == nil {
		return 0
	}
	return int16(e.zones.target[z])
}

// crosses reports whether request i, on its way to s, leaves its zone and
// so pays the crossing.
func (e *engine) crosses(i int32, s *server) bool {
	return e.zones != nil && e.zones.cross > 0 && e.reqs[i].zone != s.zone && !e.reqs[i].check
}

// zoned reports whether balancers choose by zone: local_first or latency.
func (e *engine) zoned() bool { return e.zones != nil && e.zones.routing != scenarios.ZoneAny }

// updateZoned tells each balancer of view v which servers of pool k are
// usable: those of its own zone, and for local_first those of the others,
// with the share of its requests it keeps in its zone.
func (e *engine) updateZoned(v *view, k int) {
	p := &e.pools[k]
	for _, b := range e.lbs {
		if b.view != v {
			continue
		}
		// Update does not keep the lists: both are scratch.
		local, other := e.listBuf[:0], e.otherBuf[:0]
		for _, i := range p.servers {
			switch {
			case !v.standing[i].inRotation:
			case e.servers[i].zone == b.zone:
				local = append(local, v.backends[i])
			default:
				other = append(other, v.backends[i])
			}
		}
		e.listBuf, e.otherBuf = local, other
		b.algs[k].Update(local)
		if b.spill == nil {
			continue
		}
		b.spill[k].Update(other)
		// The zone keeps the share of its traffic its share of the usable
		// servers can carry, its traffic being an even share of all.
		b.localShare[k] = 1
		if n := len(local) + len(other); n > 0 {
			b.localShare[k] = min(1, float64(len(local))/float64(n)*float64(len(e.zones.names)))
		}
	}
}

// zoneAlgorithm is the instance of the algorithm request i's balancer
// picks with in pool k: its own zone's, or, for the requests local_first
// spills, the other zones'.
func (e *engine) zoneAlgorithm(lb *balancer, k int16) (first, second algorithms.Balancer) {
	if lb.spill == nil {
		return lb.algs[k], nil
	}
	if e.zones.spill.Float64() < lb.localShare[k] {
		return lb.algs[k], lb.spill[k]
	}
	return lb.spill[k], lb.algs[k]
}

// outOfReach reports whether lb may not send to s at all: under latency
// routing, a server of another region.
func (e *engine) outOfReach(lb *balancer, s *server) bool {
	return e.zones != nil && e.zones.routing == scenarios.ZoneLatency && s.zone != lb.zone
}

// zoneDone is the instance of the algorithm that picked s for lb.
func (e *engine) zoneDone(lb *balancer, s *server) algorithms.Balancer {
	if lb.spill != nil && s.zone != lb.zone {
		return lb.spill[s.pool]
	}
	return lb.algs[s.pool]
}

// crossTo sends request i, which its balancer has begun on s, across the
// zones: it reaches s after the crossing.
func (e *engine) crossTo(i int32, s *server, now time.Duration) {
	q := &e.reqs[i]
	q.server, q.transit = int32(s.backend.Index), true
	s.transit++
	q.doneSeq = e.events.push(event{at: now + e.zones.cross, req: i, kind: reach})
	if e.attemptTimeout > 0 {
		q.timeoutSeq = e.events.push(event{at: now + e.attemptTimeout, req: i, kind: timeout})
	}
}

// reached puts request i on its server, which it has crossed the zones
// to: the server takes it, queues it, or refuses it as it would have at
// once.
func (e *engine) reached(i int32, now time.Duration) {
	q := &e.reqs[i]
	q.transit = false
	s := &e.servers[q.server]
	s.transit--
	defer e.leaveIfDrained(s, now) // a retired server may have waited for it
	if q.orphan && (!s.up || s.full()) {
		e.release(i) // its client gave up already
		return
	}
	switch {
	case !s.up:
		q.server, q.timeoutSeq = -1, 0
		if e.refused(i, s, now, now-q.arrival, q.probe) {
			e.retryTried(i, s.backend.Index)
			e.dispatch(i, now)
		}
	case s.full():
		q.server, q.timeoutSeq = -1, 0
		e.queueFull(i, s, now, now-q.arrival, q.probe)
	case s.busy < s.capacity:
		e.start(s, i, now)
	default:
		e.enqueue(s, i)
	}
}

// returnAnswer sends request i's answer back across the zones from s,
// whose slot it has left: it arrives after the crossing.
func (e *engine) returnAnswer(i int32, now time.Duration) {
	q := &e.reqs[i]
	q.returning = true
	q.doneSeq = e.events.push(event{at: now + e.zones.cross, req: i, kind: deliver})
}

// regionChanged notes a change in the state of a server of region z,
// under latency routing: a region all of whose servers are down sends
// its clients on after the failover time; one with a server up again
// takes its clients back.
func (e *engine) regionChanged(z int16, now time.Duration) {
	zs := e.zones
	if zs == nil || zs.routing != scenarios.ZoneLatency {
		return
	}
	if e.regionUp(int(z)) {
		zs.failSeq[z], zs.stranded[z] = 0, false
		if zs.target[z] != int(z) {
			zs.target[z] = int(z)
			e.changed(now, results.EventIn, nil, "clients of %s come back to it", zs.names[z])
		}
		for h, stranded := range zs.stranded {
			if stranded {
				e.moveClients(h, now)
			}
		}
		return
	}
	if zs.failSeq[z] == 0 && zs.target[z] == int(z) {
		failover := time.Duration(0)
		if e.tier != nil {
			failover = e.tier.failover
		}
		zs.failSeq[z] = e.events.push(event{at: now + failover, req: int32(z), kind: regionFailover})
	}
}

// failRegion moves the clients of region z, all of whose servers are
// still down, to the next region that has a server up, unless the
// failover that scheduled this (seq) was called off.
func (e *engine) failRegion(z int, now time.Duration, seq uint64) {
	zs := e.zones
	if zs.failSeq[z] != seq || e.regionUp(z) {
		return
	}
	zs.failSeq[z] = 0
	e.moveClients(z, now)
}

// moveClients sends the clients of region z, and those it had taken in,
// to the next region that has a server up; with none up, they move as
// soon as one is.
func (e *engine) moveClients(z int, now time.Duration) {
	zs := e.zones
	zs.stranded[z] = true
	for k := 1; k < len(zs.names); k++ {
		next := (z + k) % len(zs.names)
		if !e.regionUp(next) {
			continue
		}
		for h := range zs.target {
			if zs.target[h] == z {
				zs.target[h] = next
			}
		}
		zs.stranded[z] = false
		e.changed(now, results.EventOut, nil, "clients of %s move to %s", zs.names[z], zs.names[next])
		return
	}
}

// regionUp reports whether some server of region z is up.
func (e *engine) regionUp(z int) bool {
	for i := range e.servers {
		if s := &e.servers[i]; int(s.zone) == z && s.up && s.inService() {
			return true
		}
	}
	return false
}

// crashZone takes zone z down, with its servers and balancers; recoverZone
// brings it back. The balancers fall first: what went through them is
// lost with them, not retried.
func (e *engine) crashZone(z int16, now time.Duration) {
	e.changed(now, results.EventCrash, nil, "zone %s down", e.zones.names[z])
	for _, b := range e.lbs {
		if b.zone == z {
			b.zoneDown = true
			e.balancerDown(b, now)
		}
	}
	var stopped []*server
	for i := range e.servers {
		if s := &e.servers[i]; s.zone == z {
			s.zoneDown = true
			if s.up && s.inService() { // a server never launched has nothing to lose
				e.stop(s, now)
				stopped = append(stopped, s)
			}
		}
	}
	for _, s := range stopped {
		e.resetRequests(s, now)
	}
}

func (e *engine) recoverZone(z int16, now time.Duration) {
	e.changed(now, results.EventRecover, nil, "zone %s back", e.zones.names[z])
	for i := range e.servers {
		if s := &e.servers[i]; s.zone == z {
			e.trackState(s, now)
			s.zoneDown = false
			e.setUp(s, now)
		}
	}
	for _, b := range e.lbs {
		if b.zone == z {
			b.zoneDown = false
			e.balancerUp(b, now)
		}
	}
}
