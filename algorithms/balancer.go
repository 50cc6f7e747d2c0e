// Package algorithms holds every load-balancing policy lbsim knows. The same
// values serve the simulator (virtual time, one goroutine) and the live proxy
// (real time, many goroutines), so a policy never reads the wall clock, sleeps,
// starts goroutines or does I/O: time and randomness come from the host.
package algorithms

import (
	"errors"
	"net/netip"
	"time"
)

// ErrNoBackend is returned by Pick when no backend is usable.
var ErrNoBackend = errors.New("no usable backend")

// Request is what a balancer may look at to choose a backend.
type Request struct {
	// Client is the address the request came from (ip_hash, NAT studies).
	Client netip.Addr
	// Now is virtual time in the simulator and the monotonic time since start
	// in the proxy. Policies that age their state use it; none may read a clock.
	Now time.Duration
	// Key is a 64-bit hash of the request's key (a URL, a user id, a cache
	// key) when Keyed: the simulator's keyed workloads and the proxy's
	// request paths. Hashing policies other than ip_hash hash it instead of
	// the client's address.
	Key   uint64
	Keyed bool
}

// Outcome is how a picked request ended, reported back through Done.
type Outcome struct {
	// Now is when the request ended, on the same clock as Request.Now.
	Now time.Duration
	// Latency is the time from the pick to the end of the response.
	Latency time.Duration
	// Err is nil for a success; otherwise why the request failed.
	Err error
}

// Balancer chooses a backend for each request.
//
// The host (simulator or proxy) owns backend state: it calls Update with the
// usable backends whenever membership or health changes, counts requests in
// flight on each Backend around every pick (Begin before forwarding, End when
// the response is over) and reports each outcome through Done. Pick and Done
// may be called from many goroutines at once; Update is called from one
// goroutine at a time, possibly concurrently with Pick.
type Balancer interface {
	// Pick returns one of the backends of the last Update, or ErrNoBackend
	// when that set is empty. It must not block and should not allocate.
	Pick(req *Request) (*Backend, error)
	// Done reports how a request sent to b ended. Learning policies update
	// their estimates here; the others ignore it.
	Done(b *Backend, o Outcome)
	// Update replaces the set of usable backends. Policies rebuild their
	// snapshot (schedule, hash table, cumulative weights) here, not in Pick.
	// The slice is not retained; the *Backend values are.
	Update(backends []*Backend)
}
