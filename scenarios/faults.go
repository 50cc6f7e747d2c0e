package scenarios

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Fault kinds: what happens to a server at a point in virtual time.
const (
	// FaultCrash stops a server: requests in service or waiting fail, and
	// new connections are refused until it recovers.
	FaultCrash = "crash"
	// FaultSlow multiplies the service time of the requests a server
	// starts by Factor: the "dying disk".
	FaultSlow = "slow"
	// FaultRecover ends a crash, a slowdown or a drain.
	FaultRecover = "recover"
	// FaultDrain takes a server out of rotation, as an operator does
	// before maintenance: requests in flight finish, no new ones arrive.
	FaultDrain = "drain"
	// FaultErrors makes a server answer Share of the requests it starts
	// with an error status after ErrorLatency, as a server whose
	// dependency broke does, while its health checks still pass.
	FaultErrors = "5xx"
)

// ErrorLatency is how long a server under a 5xx fault takes to fail a
// request: failing is fast, which is what draws traffic to it.
const ErrorLatency = time.Millisecond

// FaultKinds lists the kinds faults[].kind may name.
var FaultKinds = []string{FaultCrash, FaultSlow, FaultRecover, FaultDrain, FaultErrors}

// Fault is a timed event on a named server, or on a balancer. The
// simulator applies faults; the live proxy ignores them.
type Fault struct {
	// At is when the fault starts, in virtual time.
	At Duration `yaml:"at"`
	// Server names one server (NAME-i for a server of a group).
	Server string `yaml:"server"`
	// Balancer numbers one balancer, from 1, in place of a server: it
	// may crash (and recover).
	Balancer int `yaml:"balancer"`
	// Zone names a zone in place of a server: it may crash (and recover),
	// with all its servers and balancers.
	Zone string `yaml:"zone"`
	// Kind is crash, slow, recover, drain or 5xx.
	Kind string `yaml:"kind"`
	// Factor multiplies service times while a server is slow; required
	// for slow, above 1.
	Factor float64 `yaml:"factor"`
	// Share is the fraction of its requests a server under a 5xx fault
	// fails, above 0 and at most 1 (the default).
	Share float64 `yaml:"share"`
	// For ends the fault after this long (the server recovers); 0, the
	// default, lasts until a recover fault or the end of the run.
	For Duration `yaml:"for"`
}

// CircuitBreaker stops sending a server requests once it keeps failing:
// the CLOSED, OPEN, HALF_OPEN machine. Closed, Failures failed attempts in
// a row open it; open, the server gets nothing for Open; then half-open, it
// gets Probes requests, and closes again if all of them succeed or opens
// again at the first that fails. The simulator and the live proxy apply it
// alike.
type CircuitBreaker struct {
	Failures int      `yaml:"failures"` // default 5
	Open     Duration `yaml:"open"`     // default 30s
	Probes   int      `yaml:"probes"`   // default 1
	// MaxOpen caps the share of the servers whose breakers may be open at
	// once, always allowing one, as Envoy's max_ejection_percent does: without a cap, overload makes healthy
	// servers fail too, and breakers that open on them in turn leave no
	// server at all. Default 0.1.
	MaxOpen float64 `yaml:"max_open"`
}

// DefaultCircuitBreaker fills in the keys a circuit_breaker section leaves
// out.
var DefaultCircuitBreaker = CircuitBreaker{Failures: 5, Open: Duration(30 * time.Second), Probes: 1, MaxOpen: 0.1}

func checkSlowStart(s *Scenario, d *decoder) error {
	return d.durRange("slow_start", s.SlowStart, true, MaxVirtualTime)
}

// checkBreaker fills in and checks the circuit_breaker section.
func checkBreaker(s *Scenario, d *decoder) error {
	cb := s.CircuitBreaker
	if cb == nil {
		return nil
	}
	*cb = withDefaults(d, "circuit_breaker", *cb, DefaultCircuitBreaker)
	if err := d.intRange("circuit_breaker.failures", int64(cb.Failures), 1, maxChecks); err != nil {
		return err
	}
	if err := d.durRange("circuit_breaker.open", cb.Open, false, MaxVirtualTime); err != nil {
		return err
	}
	if err := d.intRange("circuit_breaker.probes", int64(cb.Probes), 1, maxChecks); err != nil {
		return err
	}
	return d.floatRange("circuit_breaker.max_open", cb.MaxOpen, 0, false, 1)
}

// maxFaultFactor bounds how much slower a slow server gets.
const maxFaultFactor = 1e6

// checkFaults checks the faults: known servers and kinds, sensible times,
// and no two faults on one server at once.
func checkFaults(s *Scenario, d *decoder) error {
	for i, g := range s.Servers {
		p := "servers[" + strconv.Itoa(i) + "]"
		if d.has(p+".mtbf") != d.has(p+".mttr") {
			return d.errorf(p+".mttr", "give mtbf and mttr together: the mean times between failures and to repair")
		}
		if d.has(p + ".mtbf") {
			if err := d.durRange(p+".mtbf", g.MTBF, false, MaxVirtualTime); err != nil {
				return err
			}
			if err := d.durRange(p+".mttr", g.MTTR, false, MaxVirtualTime); err != nil {
				return err
			}
		}
	}
	names := make(map[string]bool)
	for _, srv := range s.ExpandServers() {
		names[srv.Name] = true
	}
	// busy[server] is when the server's last fault ends (-1: never).
	type span struct {
		start, end Duration
		index      int
	}
	last := make(map[string]span)
	for i, f := range s.Faults {
		p := "faults[" + strconv.Itoa(i) + "]"
		target, err := checkFaultTarget(s, d, i, names)
		if err != nil {
			return err
		}
		if !d.has(p + ".at") {
			return d.errorf(p+".at", "required; when the fault starts, e.g. 60s")
		}
		if err := d.durRange(p+".at", f.At, true, MaxVirtualTime); err != nil {
			return err
		}
		if err := d.durRange(p+".for", f.For, true, MaxVirtualTime); err != nil {
			return err
		}
		switch {
		case f.Kind == FaultSlow:
			if err := d.floatRange(p+".factor", f.Factor, 1, true, maxFaultFactor); err != nil {
				return err
			}
		case d.has(p + ".factor"):
			return d.errorf(p+".factor", "applies to slow faults only")
		}
		switch {
		case f.Kind == FaultErrors && !d.has(p+".share"):
			s.Faults[i].Share = 1
		case f.Kind == FaultErrors:
			if err := d.floatRange(p+".share", f.Share, 0, true, 1); err != nil {
				return err
			}
		case d.has(p + ".share"):
			return d.errorf(p+".share", "applies to 5xx faults only")
		}
		if f.Kind == FaultRecover && d.has(p+".for") {
			return d.errorf(p+".for", "a recover fault has no length")
		}
		end := Duration(MaxVirtualTime)
		if f.For > 0 {
			end = f.At + f.For
		}
		if prev, ok := last[target]; ok {
			if f.At < prev.start {
				return d.errorf(p+".at", "faults on %s must be listed in time order: faults[%d] starts at %s", target, prev.index, prev.start)
			}
			if f.Kind != FaultRecover && f.At < prev.end {
				return d.errorf(p+".at", "overlaps faults[%d] on %s, which lasts until %s; end it first (for, or a recover fault)", prev.index, target, prev.end)
			}
		}
		if f.Kind == FaultRecover {
			end = f.At
		}
		last[target] = span{f.At, end, i}
	}
	return nil
}

// checkFaultTarget checks what fault i hits, a server or a balancer, and
// its kind, and returns the target's name for messages.
func checkFaultTarget(s *Scenario, d *decoder, i int, names map[string]bool) (string, error) {
	f, p := &s.Faults[i], "faults["+strconv.Itoa(i)+"]"
	targets := 0
	for _, k := range []string{".server", ".balancer", ".zone"} {
		if d.has(p + k) {
			targets++
		}
	}
	switch {
	case targets > 1:
		return "", d.errorf(p, "give one of server, balancer and zone")
	case d.has(p + ".zone"):
		if !slices.Contains(s.ZoneNames(), f.Zone) {
			return "", d.errorf(p+".zone", "no server is in zone %s (zones: %s)", quote(f.Zone), strings.Join(s.ZoneNames(), ", "))
		}
		if f.Kind != FaultCrash && f.Kind != FaultRecover {
			return "", d.errorf(p+".kind", "a zone fault is crash or recover, got %s", quote(f.Kind))
		}
		return "zone " + f.Zone, nil
	case d.has(p + ".balancer"):
		if n := s.BalancerCount(); f.Balancer < 1 || f.Balancer > n {
			return "", d.errorf(p+".balancer", "balancers are numbered 1 to %d (balancers.count), got %d", n, f.Balancer)
		}
		if f.Kind != FaultCrash && f.Kind != FaultRecover {
			return "", d.errorf(p+".kind", "a balancer fault is crash or recover, got %s", quote(f.Kind))
		}
		return "balancer " + strconv.Itoa(f.Balancer), nil
	case !d.has(p + ".server"):
		return "", d.errorf(p+".server", "required; name the server the fault hits (or give balancer: N, or zone: NAME)")
	case !names[f.Server]:
		return "", d.errorf(p+".server", "no server is named %s (servers of a group are NAME-1, NAME-2, ...)", quote(f.Server))
	case !slices.Contains(FaultKinds, f.Kind):
		return "", d.errorf(p+".kind", "must be one of %s, got %s", strings.Join(FaultKinds, ", "), quote(f.Kind))
	}
	return f.Server, nil
}

// Autoscale adds and removes servers of one group as their utilization
// moves, as a cloud autoscaler does: every Interval it sizes the group so
// that its servers would run at Target, within Min and Max, waiting
// Cooldown after each change; a new server joins Startup after its launch
// (with slow start, if set). The group's count is how many servers it
// starts with. The simulator applies it.
type Autoscale struct {
	// Group names the server group that scales; default the first.
	Group    string   `yaml:"group"`
	Min      int      `yaml:"min"`      // default 1
	Max      int      `yaml:"max"`      // required
	Target   float64  `yaml:"target"`   // default 0.6
	Interval Duration `yaml:"interval"` // default 30s
	Cooldown Duration `yaml:"cooldown"` // default 2m
	Startup  Duration `yaml:"startup"`  // default 60s
}

// DefaultAutoscale fills in the keys an autoscale section leaves out.
var DefaultAutoscale = Autoscale{Min: 1, Target: 0.6, Interval: Duration(30 * time.Second),
	Cooldown: Duration(2 * time.Minute), Startup: Duration(time.Minute)}

// checkAutoscale fills in and checks the autoscale section.
func checkAutoscale(s *Scenario, d *decoder) error {
	a := s.Autoscale
	if a == nil {
		return nil
	}
	const p = "autoscale"
	def := DefaultAutoscale
	def.Group = s.Servers[0].Name
	*a = withDefaults(d, p, *a, def)
	g := slices.IndexFunc(s.Servers, func(g ServerGroup) bool { return g.Name == a.Group })
	if g < 0 {
		return d.errorf(p+".group", "no server group is named %s", quote(a.Group))
	}
	if !d.has(p + ".max") {
		return d.errorf(p+".max", "required; the most servers the group may grow to")
	}
	if err := d.intRange(p+".min", int64(a.Min), 1, maxCount); err != nil {
		return err
	}
	if err := d.intRange(p+".max", int64(a.Max), int64(a.Min), maxCount); err != nil {
		return err
	}
	count := s.Servers[g].Count
	if count < a.Min || count > a.Max {
		bound := p + ".min"
		if count > a.Max {
			bound = p + ".max"
		}
		return d.errorf(bound, "the group %s starts with count %d, which must lie between min (%d) and max (%d)", quote(a.Group), count, a.Min, a.Max)
	}
	if n := len(s.ExpandServers()) + a.Max - count; n > MaxServers {
		return d.errorf(p+".max", "the servers could add up to %d, more than the limit of %d", n, MaxServers)
	}
	if err := d.floatRange(p+".target", a.Target, 0, true, 1); err != nil {
		return err
	}
	if err := d.durRange(p+".interval", a.Interval, false, MaxVirtualTime); err != nil {
		return err
	}
	if err := d.durRange(p+".cooldown", a.Cooldown, true, MaxVirtualTime); err != nil {
		return err
	}
	return d.durRange(p+".startup", a.Startup, true, MaxVirtualTime)
}
