package workloads

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"time"

	"github.com/lbsim/lbsim/scenarios"
)

// Never is the arrival time Next reports once arrivals have ended: the last
// phase has rate 0, or the stream has reached the end of virtual time.
const Never = time.Duration(math.MaxInt64)

// ErrInvalid is wrapped by every error New returns: the workload asks for
// something the generator cannot produce (an unknown name, a parameter out of
// range). The scenarios loader rejects all of these first, so from a loaded
// scenario it signals a bug.
var ErrInvalid = errors.New("invalid workload")

// Request is one arrival.
type Request struct {
	// Arrival is the absolute virtual time of the arrival. It never
	// decreases from one request to the next; it is Never once arrivals
	// have ended.
	Arrival time.Duration
	// Client is the address that sends the request: a client of the
	// population, or a NAT gateway.
	Client netip.Addr
	// ClientID is the client of the population that sends it, numbered
	// from 0, whatever address it comes from: behind a gateway many
	// clients share one address, but each keeps its own cookies.
	ClientID uint32
	// Class indexes the workload's RequestClasses.
	Class int
	// Demand is the service the request needs on a server of speed 1, at
	// least 1ns and at most MaxDemand.
	Demand time.Duration
	// Conn is the connection it is sent on, numbered from 0: its client's
	// (ClientID mod workload.connections.count); -1 when the workload
	// has no connections.
	Conn int32
	// Key is the request's key, numbered from 0 across the workload's
	// key set and then each class's own; -1 when its class has none.
	Key int32
}

// Generator produces a workload's requests in arrival order. It is not safe
// for concurrent use; a simulation run owns one.
type Generator struct {
	arrivals arrivals

	classRand *rand.Rand
	// cum holds the cumulative class shares; the class of an arrival is the
	// first i with u < cum[i] for a uniform u in [0, 1).
	cum      []float64
	services []service
	// classNames names the classes, for ClassNames.
	classNames []string

	clients clients
	// conns is workload.connections.count, 0 without connections.
	conns uint32
	// keys holds each class's key set, nil for a class without keys;
	// keyRand draws from them.
	keys    []*keySet
	keyRand *rand.Rand

	// trace replays a trace instead of drawing requests; nil without.
	trace *replay
}

// Fixed constants that, with the seed, seed each random stream; they spell
// the stream's name in ASCII. The service stream of class i adds i.
const (
	streamArrivals = 0x6172726976616c73 // "arrivals"
	streamClasses  = 0x636c617373657300 // "classes"
	streamService  = 0x7365727669636500 // "service"
	streamClients  = 0x636c69656e747300 // "clients"
	streamBehind   = 0x626568696e640000 // "behind"
	streamKeys     = 0x6b65797300000000 // "keys"
)

// newRand returns the random stream named by stream for seed.
func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}

// New returns a generator of w's requests whose random streams are seeded
// from seed. It expects w as the scenarios loader leaves it (defaults filled
// in, loads turned into rates) and returns an error wrapping ErrInvalid, never
// panics, for a workload it cannot generate.
func New(w *scenarios.Workload, seed uint64) (*Generator, error) {
	if w == nil {
		return nil, invalid("workload", "missing")
	}
	g := new(Generator)
	if w.Trace != nil {
		r, err := newReplay(w, seed)
		if err != nil {
			return nil, err
		}
		g.trace = r
		return g, nil
	}
	if err := g.arrivals.init(&w.Arrival, rand.NewPCG(seed, streamArrivals)); err != nil {
		return nil, err
	}
	classes := w.RequestClasses()
	if len(classes) == 0 {
		return nil, invalid("workload.service", "required: give service or classes")
	}
	g.cum = make([]float64, len(classes))
	for _, c := range classes {
		g.classNames = append(g.classNames, c.Name)
	}
	g.services = make([]service, len(classes))
	sum := 0.0
	for i, c := range classes {
		p := "workload.classes[" + strconv.Itoa(i) + "]"
		if len(w.Classes) == 0 {
			p = "workload"
		}
		if !(c.Share >= 0 && c.Share <= 1) {
			return nil, invalid(p+".share", "must be between 0 and 1, got %g", c.Share)
		}
		sum += c.Share
		g.cum[i] = sum
		src := rand.NewPCG(seed, streamService+uint64(i))
		if err := g.services[i].init(&c.Service, src, p+".service"); err != nil {
			return nil, err
		}
	}
	if math.Abs(sum-1) > 1e-6 {
		return nil, invalid("workload.classes", "shares must sum to 1, got %g", sum)
	}
	// Normalise, and let the last class with a positive share take any
	// rounding left at the top, so a draw never falls past the end and a
	// class with share 0 is never chosen.
	last := 0
	for i := range g.cum {
		g.cum[i] /= sum
		if classes[i].Share > 0 {
			last = i
		}
	}
	for i := last; i < len(g.cum); i++ {
		g.cum[i] = 1
	}
	if len(classes) > 1 {
		g.classRand = newRand(seed, streamClasses)
	}
	if err := g.clients.init(&w.Clients, newRand(seed, streamClients), newRand(seed, streamBehind)); err != nil {
		return nil, err
	}
	if w.Keyed() {
		g.keys = make([]*keySet, len(classes))
		g.keyRand = newRand(seed, streamKeys)
		var shared *keySet
		next := int32(0)
		if w.Keys != nil {
			shared, next = newKeySet(w.Keys, 0), int32(w.Keys.Count)
		}
		for i, c := range classes {
			g.keys[i] = shared
			if c.Keys != nil {
				g.keys[i] = newKeySet(c.Keys, next)
				next += int32(c.Keys.Count)
			}
		}
	}
	if c := w.Connections; c != nil {
		if c.Count < 1 {
			return nil, invalid("workload.connections.count", "must be at least 1, got %d", c.Count)
		}
		g.conns = uint32(min(c.Count, math.MaxInt32))
	}
	return g, nil
}

// Next fills r with the next request. The stream is infinite: the caller
// stops at its request count or virtual time (or at an Arrival of Never).
// Next does not allocate, but to replay a trace's new client or class.
func (g *Generator) Next(r *Request) {
	if g.trace != nil {
		g.trace.next(r)
		return
	}
	r.Arrival = time.Duration(g.arrivals.next())
	c := 0
	if g.classRand != nil {
		c = g.class(g.classRand.Float64())
	}
	r.Class = c
	r.Demand = g.services[c].draw()
	r.ClientID, r.Client = g.clients.next()
	r.Conn = -1
	if g.conns > 0 {
		r.Conn = int32(r.ClientID % g.conns)
	}
	r.Key = -1
	if g.keys != nil && g.keys[c] != nil {
		r.Key = g.keys[c].draw(g.keyRand)
	}
}

// Err returns why a trace replay stopped early, an error wrapping
// ErrTrace; nil when it did not, and for a drawn workload.
func (g *Generator) Err() error {
	if g.trace == nil {
		return nil
	}
	return g.trace.err
}

// TraceStats says what a trace replay has read so far; nil for a drawn
// workload.
func (g *Generator) TraceStats() *TraceStats {
	if g.trace == nil {
		return nil
	}
	st := g.trace.stats
	st.Errors = append([]string(nil), st.Errors...)
	return &st
}

// ClassNames names the classes of the requests generated so far, by
// Request.Class: the workload's RequestClasses, and for a trace with a
// class column, the classes it named since.
func (g *Generator) ClassNames() []string {
	if g.trace != nil {
		return append([]string(nil), g.trace.classes...)
	}
	return append([]string(nil), g.classNames...)
}

// Progress is the share of a trace read so far, 0 when unknown or for a
// drawn workload.
func (g *Generator) Progress() float64 {
	if g.trace == nil {
		return 0
	}
	return g.trace.progress()
}

// Close releases the trace file a replay reads; a no-op otherwise.
func (g *Generator) Close() error {
	if g.trace == nil {
		return nil
	}
	return g.trace.close()
}

// class returns the class that the uniform draw u in [0, 1) selects.
func (g *Generator) class(u float64) int {
	lo, hi := 0, len(g.cum)-1
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if u < g.cum[m] {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// invalid returns an error wrapping ErrInvalid about field.
func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
}
