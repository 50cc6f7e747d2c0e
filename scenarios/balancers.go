package scenarios

// Balancers describes the balancing tier in front of the servers.
type Balancers struct {
	// Layer is 4, a server picked per connection as an L4 (TCP) balancer
	// does, or 7, a server picked per request; default 7, or 4 when mode
	// is tcp. In the proxy, layer 4 is mode tcp and layer 7 mode http.
	Layer int `yaml:"layer"`
}

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

// layerMode is the proxy mode that balances at layer.
func layerMode(layer int) string {
	if layer == Layer4 {
		return ModeTCP
	}
	return ModeHTTP
}

// checkBalancers checks the balancers section, which must agree with mode
// when both are given, and the workload's connections.
func checkBalancers(s *Scenario, d *decoder) error {
	if b := s.Balancers; b != nil && d.has("balancers.layer") {
		if b.Layer != Layer4 && b.Layer != Layer7 {
			return d.errorf("balancers.layer", "must be 4 (a server per connection) or 7 (a server per request), got %d", b.Layer)
		}
		if d.has("mode") && layerMode(b.Layer) != s.Mode {
			return d.errorf("balancers.layer", "layer %d is mode %s, but mode is %s; give one of them, or both alike", b.Layer, layerMode(b.Layer), s.Mode)
		}
	}
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
