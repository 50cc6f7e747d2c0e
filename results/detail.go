package results

import "time"

// Detail is what a run's charts draw beyond its summary: the whole latency
// distribution and the run's course over virtual time. Runs record it only
// when asked (see sim.Options); it is not part of the JSON contract.
type Detail struct {
	// Latency holds every measured request's latency (after the warm-up).
	Latency *Histogram
	// Timeline is the run window by window, warm-up included.
	Timeline Timeline
}

// Timeline is a run cut into windows of Step, from time 0 to the last
// completion.
type Timeline struct {
	Step   time.Duration
	Warmup time.Duration
	// Servers names the servers, in the order of InFlight's columns.
	Servers []string
	// Windows are the run's windows, in order.
	Windows []Window
	// Events are what happened to servers and to the arrival rate, in order.
	Events []Event
}

// Window is one step of a Timeline.
type Window struct {
	// InFlight is each server's requests in flight (waiting or in service)
	// at the window's start, as a balancer sees them.
	InFlight []int
	// Completed counts the requests that completed in the window, and P99
	// is their 99th percentile latency (0 when none completed).
	Completed int64
	P99       time.Duration
	// Failed counts the requests that failed or were turned away in it.
	Failed int64
}

// EventKind says what an Event is.
type EventKind string

// The kinds of Event.
const (
	EventCrash   EventKind = "crash"   // the server stopped; the balancer may not know yet
	EventRecover EventKind = "recover" // the server works again
	EventSlow    EventKind = "slow"    // the server slowed down
	EventErrors  EventKind = "5xx"     // the server answers requests with errors
	EventDrain   EventKind = "drain"   // the server takes no new requests
	EventOut     EventKind = "out"     // the balancer took the server out of rotation
	EventIn      EventKind = "in"      // the balancer put it back
	EventScale   EventKind = "scale"   // the autoscaler resized the group
	EventRate    EventKind = "rate"    // the arrival rate changed (a phase began)
)

// Event is one change during a run.
type Event struct {
	At     time.Duration
	Kind   EventKind
	Server string // the server it concerns; empty for rate and scale events
	// Text says more in a few words: why a server left rotation, the new
	// rate, the group's new size.
	Text string
}
