package sim

import (
	"time"

	"github.com/lbsim/lbsim/scenarios"
)

// eventKind says what happens when an event fires.
type eventKind uint8

// Kinds in the order they fire when they fall on the same instant: a
// request that completes as its server crashes has completed, a health
// check at the instant of a crash is sent before it (an out-of-band one
// finds the server up; one served like a request is reset), and a fault
// that ends as the next one on its server starts ends first, so that both
// take effect.
const (
	// completion: a request finishes service and frees its slot.
	completion eventKind = iota
	// timeout: request req's attempt has waited timeouts.response.
	timeout
	// check: a view's active health check of a server (viewEvent).
	check
	// checkTimeout: in-band health check req has waited its timeout.
	checkTimeout
	// faultEnd: faults[req] ends (its "for" is over).
	faultEnd
	// fault: faults[req] starts.
	fault
	// ejectEnd: server req's passive ejection may be over.
	ejectEnd
	// breakerHalfOpen: a server's open circuit breaker in a view turns
	// half-open (viewEvent).
	breakerHalfOpen
	// randomCrash and randomRepair: server req fails or is repaired at
	// random (mtbf, mttr).
	randomCrash
	randomRepair
	// autoscale: the autoscaler evaluates; join: server req, launched by
	// it, joins.
	autoscale
	join
	// snapshot: stale view req catches up with the servers' load.
	snapshot
	// withdraw: clients stop sending to crashed balancer req.
	withdraw
	// unhold: request req, which a rate limit held, goes on.
	unhold
	// reach and deliver: request req, crossing zones, reaches its
	// server, and its answer its client.
	reach
	deliver
	// regionFailover: the clients of region req, all of whose servers
	// are down, move on.
	regionFailover
)

// event is one entry on the virtual clock. Events fire in (at, kind, seq)
// order; seq is the order of scheduling, so ties break the same way every
// run.
type event struct {
	at  time.Duration
	seq uint64
	// req indexes engine.reqs, or names a server, a fault, a view
	// (snapshot), a balancer (withdraw) or a region (regionFailover); a
	// view's events on a server pack all three (see viewEvent). An event
	// keeps to four fields: the compiler keeps such a struct in registers,
	// and the heap moves events about.
	req  int32
	kind eventKind
}

// Bits of a view event's req: the server's index, then the view's, then
// the view's epoch.
const (
	serverBits = 14
	viewBits   = 10
)

// The largest fleet and tier a file may give must fit their bits: these
// arrays have a negative length, and the package does not compile, if a
// limit outgrows them.
var (
	_ [1<<serverBits - scenarios.MaxServers]struct{}
	_ [1<<viewBits - scenarios.MaxBalancers]struct{}
)

// viewEvent is an event of kind at on server s as view v sees it: its
// checks and its breaker.
func viewEvent(at time.Duration, kind eventKind, s int, v *view) event {
	return event{at: at, kind: kind, req: int32(uint32(s) | uint32(v.index)<<serverBits | uint32(v.epoch)<<(serverBits+viewBits))}
}

// server, view and epoch unpack a view event's req.
func (ev *event) server() int  { return int(uint32(ev.req) & (1<<serverBits - 1)) }
func (ev *event) view() int    { return int(uint32(ev.req) >> serverBits & (1<<viewBits - 1)) }
func (ev *event) epoch() uint8 { return uint8(uint32(ev.req) >> (serverBits + viewBits)) }

func (e *event) before(o *event) bool {
	if e.at != o.at {
		return e.at < o.at
	}
	if e.kind != o.kind {
		return e.kind < o.kind
	}
	return e.seq < o.seq
}

// eventQueue orders the events of a run: a binary min-heap specialised by
// hand (the simulator pushes and pops twice per request, and
// container/heap's interface calls cost more than the comparisons
// themselves), beside a FIFO for attempt timeouts. Every attempt times out
// the same time after it starts, and starts never go back in time, so
// timeouts come due in the order they are scheduled: the FIFO keeps them
// sorted at O(1) a push, and the heap stays as small as without them.
type eventQueue struct {
	items    []event
	timeouts ring[event]
	seq      uint64
}

func (q *eventQueue) len() int { return len(q.items) + q.timeouts.len() }

// peek returns the earliest event; the queue must not be empty.
func (q *eventQueue) peek() *event {
	if q.fromFIFO() {
		return q.timeouts.peek()
	}
	return &q.items[0]
}

// fromFIFO reports whether the earliest event is the timeouts' first.
func (q *eventQueue) fromFIFO() bool {
	return q.timeouts.len() > 0 && (len(q.items) == 0 || q.timeouts.peek().before(&q.items[0]))
}

// push schedules an event, stamping it with the next sequence number,
// which it returns. Timeouts must be pushed in the order they come due.
func (q *eventQueue) push(e event) uint64 {
	q.seq++
	e.seq = q.seq
	if e.kind == timeout {
		q.timeouts.push(e)
		return e.seq
	}
	q.items = append(q.items, e)
	i := len(q.items) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !q.items[i].before(&q.items[parent]) {
			break
		}
		q.items[i], q.items[parent] = q.items[parent], q.items[i]
		i = parent
	}
	return e.seq
}

// pop removes and returns the earliest event; the queue must not be empty.
func (q *eventQueue) pop() event {
	if q.fromFIFO() {
		return q.timeouts.pop()
	}
	top := q.items[0]
	last := len(q.items) - 1
	q.items[0] = q.items[last]
	q.items = q.items[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= last {
			break
		}
		min := l
		if r := l + 1; r < last && q.items[r].before(&q.items[l]) {
			min = r
		}
		if !q.items[min].before(&q.items[i]) {
			break
		}
		q.items[i], q.items[min] = q.items[min], q.items[i]
		i = min
	}
	return top
}

// ring is a growable FIFO ring buffer: servers' wait queues and the
// timeouts. Memory follows the longest queue seen, not the number of
// requests simulated.
type ring[T any] struct {
	buf  []T
	head int
	n    int
}

func (q *ring[T]) len() int { return q.n }

// peek returns the oldest entry; the ring must not be empty.
func (q *ring[T]) peek() *T { return &q.buf[q.head] }

func (q *ring[T]) push(v T) {
	if q.n == len(q.buf) {
		grown := make([]T, max(8, 2*len(q.buf)))
		for i := 0; i < q.n; i++ {
			grown[i] = q.buf[(q.head+i)%len(q.buf)]
		}
		q.buf, q.head = grown, 0
	}
	q.buf[(q.head+q.n)%len(q.buf)] = v
	q.n++
}

// pop removes the oldest entry; the ring must not be empty.
func (q *ring[T]) pop() T {
	v := q.buf[q.head]
	q.head++
	if q.head == len(q.buf) {
		q.head = 0
	}
	q.n--
	return v
}
