package algorithms

import "sync/atomic"

// Backend is one server as balancers see it. The host creates it and keeps
// its live state; balancers only read that state. Backends are compared by
// pointer, so a host keeps one value per server for its whole life.
type Backend struct {
	// Index is the backend's position in the host's full server list; it is
	// stable across Update calls and names the backend in results.
	Index int
	// Name is the server's name from the scenario or proxy config.
	Name string
	// Weight is the configured weight, at least 1.
	Weight int

	inFlight atomic.Int64
}

// NewBackend returns a backend with the given identity; weights below 1 count as 1.
func NewBackend(index int, name string, weight int) *Backend {
	if weight < 1 {
		weight = 1
	}
	return &Backend{Index: index, Name: name, Weight: weight}
}

// Begin records that a request was sent to b. The host calls it right after
// Pick returned b, before forwarding.
func (b *Backend) Begin() { b.inFlight.Add(1) }

// End records that a request sent to b is over, whatever its outcome.
func (b *Backend) End() { b.inFlight.Add(-1) }

// SetInFlight sets the count a host learns from elsewhere rather than by
// Begin and End: the simulator's stale views hold the servers' load as of
// their last refresh this way.
func (b *Backend) SetInFlight(n int64) { b.inFlight.Store(n) }

// InFlight is the number of requests sent to b that have not ended yet:
// those being served and those waiting in the server's queue.
func (b *Backend) InFlight() int64 { return b.inFlight.Load() }
