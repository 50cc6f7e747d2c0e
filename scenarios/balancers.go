package scenarios

import (
	"slices"
	"strings"
	"time"
)

// Balancers describes the balancing tier in front of the servers: its
// layer, and how many balancer instances share the traffic and what each
// knows of the servers.
type Balancers struct {
	// Layer is 4, a server picked per connection as an L4 (TCP) balancer
	// does, or 7, a server picked per request; default 7, or 4 when mode
	// is tcp. In the proxy, layer 4 is mode tcp and layer 7 mode http.
	Layer int `yaml:"layer"`
	// Count is how many balancer instances split the arrivals, at random;
	// default 1. They are numbered from 1.
	Count int `yaml:"count"`
	// View is what each balancer knows of the servers: ViewShared,
	// ViewLocal or ViewStale. Default shared for one balancer, local for
	// more.
	View string `yaml:"view"`
	// Refresh is how often a stale view catches up with the servers'
	// true state; default 1s, and only with view stale.
	Refresh Duration `yaml:"refresh"`
	// Failover is how long clients go on sending a crashed balancer its
	// share before they stop (a DNS TTL, a VRRP takeover); default 0.
	Failover Duration `yaml:"failover"`
}

// Balancers' views of the servers.
const (
	// ViewShared: every balancer sees the servers' true load and one
	// health state, as a single balancer would.
	ViewShared = "shared"
	// ViewLocal: each balancer knows only the requests it sent itself,
	// and keeps its own health checks, ejections, breakers and retry
	// budget, as separate proxies do.
	ViewLocal = "local"
	// ViewStale: as local, but each balancer sees the servers' true load
	// as of its last refresh, as from a stats service polled every
	// Refresh.
	ViewStale = "stale"
)

// Views lists the values balancers.view may take.
var Views = []string{ViewShared, ViewLocal, ViewStale}

// DefaultRefresh is how often a stale view refreshes unless the file says.
const DefaultRefresh = Duration(time.Second)

// MaxBalancers bounds balancers.count.
const MaxBalancers = 1000

// Connections are the long-lived connections clients send their requests
// on, as gRPC and HTTP/2 clients do.
type Connections struct {
	// Count is how many connections the clients hold in all; client i
	// sends every request on connection i mod Count. Required.
	Count int `yaml:"count"`
	// Lifetime closes a connection this long after it opened; the next
	// request on it opens it again, through the balancer (gRPC's
	// max_connection_age). 0, the default, keeps connections for ever.
	Lifetime Duration `yaml:"lifetime"`
}

// The balancing layers.
const (
	Layer4 = 4
	Layer7 = 7
)

// maxConnections bounds workload.connections.count.
const maxConnections = 1_000_000

// Layer is the layer the balancers work at: balancers.layer, else 4 in
// mode tcp, else 7.
func (s *Scenario) Layer() int {
	switch {
	case s.Balancers != nil && s.Balancers.Layer != 0:
		return s.Balancers.Layer
	case s.Mode == ModeTCP:
		return Layer4
	}
	return Layer7
}

// BalancerCount is how many balancers share the traffic: balancers.count,
// else one in each zone, else 1.
func (s *Scenario) BalancerCount() int {
	if s.Balancers == nil || s.Balancers.Count == 0 {
		return max(1, len(s.ZoneNames()))
	}
	return s.Balancers.Count
}

// BalancerView is the balancers' view of the servers: balancers.view,
// else shared for one balancer and local for more.
func (s *Scenario) BalancerView() string {
	switch {
	case s.Balancers != nil && s.Balancers.View != "":
		return s.Balancers.View
	case s.BalancerCount() > 1:
		return ViewLocal
	}
	return ViewShared
}

// layerMode is the proxy mode that balances at layer.
func layerMode(layer int) string {
	if layer == Layer4 {
		return ModeTCP
	}
	return ModeHTTP
}

// checkConnections checks the workload's connections.
func checkConnections(s *Scenario, d *decoder) error {
	c := s.Workload.Connections
	if c == nil {
		return nil
	}
	const p = "workload.connections"
	if !d.has(p + ".count") {
		return d.errorf(p+".count", "required: how many connections the clients hold, 1 to %d", maxConnections)
	}
	if err := d.intRange(p+".count", int64(c.Count), 1, maxConnections); err != nil {
		return err
	}
	return d.durRange(p+".lifetime", c.Lifetime, true, MaxVirtualTime)
}

// checkBalancers checks and completes the balancers section, whose layer
// must agree with mode when both are given.
func checkBalancers(s *Scenario, d *decoder) error {
	b := s.Balancers
	if b == nil {
		return nil
	}
	if d.has("balancers.layer") {
		if b.Layer != Layer4 && b.Layer != Layer7 {
			return d.errorf("balancers.layer", "must be 4 (a server per connection) or 7 (a server per request), got %d", b.Layer)
		}
		if d.has("mode") && layerMode(b.Layer) != s.Mode {
			return d.errorf("balancers.layer", "layer %d is mode %s, but mode is %s; give one of them, or both alike", b.Layer, layerMode(b.Layer), s.Mode)
		}
	}
	if d.has("balancers.count") {
		if err := d.intRange("balancers.count", int64(b.Count), 1, MaxBalancers); err != nil {
			return err
		}
	}
	if d.has("balancers.view") && !slices.Contains(Views, b.View) {
		return d.errorf("balancers.view", "must be one of %s, got %s", strings.Join(Views, ", "), quote(b.View))
	}
	switch {
	case s.BalancerView() == ViewStale && !d.has("balancers.refresh"):
		b.Refresh = DefaultRefresh
	case s.BalancerView() == ViewStale:
		if err := d.durRange("balancers.refresh", b.Refresh, false, MaxVirtualTime); err != nil {
			return err
		}
	case d.has("balancers.refresh"):
		return d.errorf("balancers.refresh", "applies to view: stale only; the view here is %s", s.BalancerView())
	}
	return d.durRange("balancers.failover", b.Failover, true, MaxVirtualTime)
}
