package sim

import (
	"strconv"
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
	// backends are what the balancer sees of each server: its open
	// connections as Begin and End count them.
	backends []*algorithms.Backend
}

// connection is one client connection through an L4 balancer.
type connection struct {
	server int32 // -1 while closed
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

// balanced is what the balancer sees of s.
func (e *engine) balanced(s *server) *algorithms.Backend {
	if e.l4 != nil {
		return e.l4.backends[s.backend.Index]
	}
	return s.backend
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
	c.server, c.opened = int32(s.backend.Index), now
	e.l4.backends[c.server].Begin()
	return true
}

// connText is what the trace says of request i's connection at layer 4,
// "" at layer 7.
func (e *engine) connText(i int32, opened bool) string {
	if e.l4 == nil {
		return ""
	}
	text := "on connection " + strconv.Itoa(int(e.reqs[i].conn)+1)
	if opened {
		text += ", opened now"
	}
	return text
}

// closeConnection closes c, which broke when its server failed, and tells
// the balancer, as the proxy in mode tcp does when a session ends.
func (e *engine) closeConnection(c *connection, now time.Duration, broke bool) {
	b := e.l4.backends[c.server]
	b.End()
	o := algorithms.Outcome{Now: now, Latency: now - c.opened}
	if broke {
		o.Err = ErrReset
	}
	e.bal.Done(b, o)
	c.server = -1
}

// tellBalancer tells the balancer how a request's attempt on s ended; an L4
// balancer never hears of requests.
func (e *engine) tellBalancer(s *server, o algorithms.Outcome) {
	if e.l4 == nil {
		e.bal.Done(s.backend, o)
	}
}
