package sim

import (
	"strconv"
	"strings"
	"time"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/scenarios"
)

// An L4 balancer picks a server when a connection opens and sends every
// request on that connection there: with a few long-lived connections (gRPC,
// HTTP/2) a few servers take all the work however the balancer chooses.
// It sees connections, not requests: least connections counts the
// connections open on each server, as HAProxy's does in mode tcp. A
// connection closes when its lifetime is over, or when its server crashes,
// drains or leaves; the next request on it opens it again, through the
// balancer. Health checks and ejection keep new connections off a server,
// but, as with a real L4 balancer, not the ones already open.

// layer4 is an L4 balancer's state.
type layer4 struct {
	lifetime time.Duration
	// conns is each connection's server, by workloads.Request.Conn.
	conns []connection
	// backends count each server's open connections, through every
	// balancer; a shared view sees them.
	backends []*algorithms.Backend
}

// connection is one client connection through an L4 balancer.
type connection struct {
	server int32 // -1 while closed
	lb     int16 // the balancer it goes through, while open
	opened time.Duration
}

// newLayer4 returns the L4 state for sc, or nil when the balancer picks a
// server per request: at layer 7, and at layer 4 without connections,
// where each request is a connection of its own.
func newLayer4(sc *scenarios.Scenario, servers []server) *layer4 {
	c := sc.Workload.Connections
	if sc.Layer() != scenarios.Layer4 || c == nil {
		return nil
	}
	l := &layer4{lifetime: c.Lifetime.D(), conns: make([]connection, c.Count)}
	for i := range l.conns {
		l.conns[i].server = -1
	}
	l.backends = make([]*algorithms.Backend, len(servers))
	for i := range servers {
		b := servers[i].backend
		l.backends[i] = algorithms.NewBackend(b.Index, b.Name, b.Weight)
	}
	return l
}

// balanced is what a balancer with a shared, fresh view sees of s: its
// requests in flight, or at layer 4 its open connections.
func (e *engine) balanced(s *server) *algorithms.Backend {
	if e.l4 != nil {
		return e.l4.backends[s.backend.Index]
	}
	return s.backend
}

// openConnection returns connection c when it is open through one of
// several balancers, else nil.
func (e *engine) openConnection(c int32) *connection {
	if e.l4 == nil || e.tier == nil || e.l4.conns[c].server < 0 {
		return nil
	}
	return &e.l4.conns[c]
}

// onConnection returns the server request i's open connection goes to, or
// nil when it has none: at layer 7, or when its connection is closed or
// must close now (its lifetime is over, or its server is down or leaving).
func (e *engine) onConnection(i int32, now time.Duration) *server {
	if e.l4 == nil {
		return nil
	}
	c := &e.l4.conns[e.reqs[i].conn]
	if c.server < 0 {
		return nil
	}
	s := &e.servers[c.server]
	if (e.l4.lifetime > 0 && now-c.opened >= e.l4.lifetime) || !s.up || s.draining || s.retired {
		e.closeConnection(c, now, !s.up)
		return nil
	}
	return s
}

// connect puts request i's connection on s, which the balancer chose for
// it (or which the connection was already open to): the connection opens
// there, or moves there on a retry, unless s is down, which refuses it.
// It reports whether a connection opened.
func (e *engine) connect(i int32, s *server, now time.Duration) bool {
	if e.l4 == nil || !s.up {
		return false
	}
	c := &e.l4.conns[e.reqs[i].conn]
	if c.server == int32(s.backend.Index) {
		return false
	}
	if c.server >= 0 {
		e.closeConnection(c, now, true)
	}
	c.server, c.opened, c.lb = int32(s.backend.Index), now, e.reqs[i].lb
	e.l4.backends[c.server].Begin()
	if v := e.lbs[c.lb].view; v.counted {
		v.backends[c.server].Begin()
	}
	return true
}

// routeText is what the trace says of how request i was routed: its
// pool and the balancer it came through, when there are several, and its
// connection at layer 4; "" for none of them.
func (e *engine) routeText(i int32, opened bool) string {
	var parts []string
	if len(e.pools) > 1 {
		parts = append(parts, "in pool "+e.poolOf(i).name)
	}
	if via := e.viaText(i); via != "" {
		parts = append(parts, via)
	}
	if e.l4 != nil {
		conn := "on connection " + strconv.Itoa(int(e.reqs[i].conn)+1)
		if opened {
			conn += ", opened now"
		}
		parts = append(parts, conn)
	}
	return strings.Join(parts, ", ")
}

// closeConnection closes c, which broke when its server failed, and tells
// the balancer, as the proxy in mode tcp does when a session ends.
func (e *engine) closeConnection(c *connection, now time.Duration, broke bool) {
	lb := e.lbs[c.lb]
	o := algorithms.Outcome{Now: now, Latency: now - c.opened}
	if broke {
		o.Err = ErrReset
	}
	// The count drops first, as for a request: the balancer hears of an
	// outcome with the connection already gone from the server's count.
	k := c.server
	e.dropConnection(c)
	e.zoneDone(lb, &e.servers[k]).Done(lb.view.backends[k], o)
}

// dropConnection closes c without telling its balancer, which crashed.
func (e *engine) dropConnection(c *connection) {
	e.l4.backends[c.server].End()
	if v := e.lbs[c.lb].view; v.counted {
		v.backends[c.server].End()
	}
	c.server = -1
}

// tellBalancer tells request i's balancer how its attempt on s ended; an
// L4 balancer never hears of requests.
func (e *engine) tellBalancer(i int32, s *server, o algorithms.Outcome) {
	if e.l4 == nil {
		lb := e.balancerOf(i)
		e.zoneDone(lb, s).Done(lb.view.backends[s.backend.Index], o)
	}
}
