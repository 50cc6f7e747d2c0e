// Package scenarios loads, checks and bundles lbsim scenario files: the
// servers, the workload and the algorithms to compare. Loading is strict: an
// unknown key, a wrong type or a value out of range is an error that names the
// file, line and field.
//
// Load reads a file, Parse reads YAML text, and Open takes either the name of
// a bundled scenario (see Bundled) or a path. Each returns a Scenario with
// every default filled in and every load turned into a rate, or an *Error.
// docs/scenarios.md documents the keys, their defaults and their limits.
//
// Loading never trusts its input: files are limited to MaxFileSize bytes,
// aliases and merge keys are followed within a fixed budget, and counts
// (servers, requests, virtual time) are checked against their limits before
// anything is sized by them.
package scenarios

import (
	"time"

	"github.com/lbsim/lbsim/check"
	"github.com/lbsim/lbsim/results"
)

// Scenario is one validated scenario with every default filled in.
type Scenario struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Seed seeds every random stream of a run; default 1.
	Seed uint64 `yaml:"seed"`
	// Requests is the number of arrivals to simulate. Exactly one of
	// Requests and Duration is non-zero after loading (default: 100000
	// requests), unless the workload is a trace: its length is the run's,
	// and both are 0.
	Requests int64 `yaml:"requests"`
	// Duration is the virtual time during which requests arrive.
	Duration Duration `yaml:"duration"`
	// Warmup is virtual time excluded from metrics; default 0.
	Warmup Duration `yaml:"warmup"`
	// Servers are the server groups, in file order; ExpandServers lists
	// the servers one by one.
	Servers    []ServerGroup `yaml:"servers"`
	Workload   Workload      `yaml:"workload"`
	Algorithms []string      `yaml:"algorithms"`
	// Algorithm names the policy a proxy runs. Alone in a file it is the
	// only one: loading sets Algorithms to [Algorithm]. Beside
	// Algorithms it must be one of them, which the simulator compares.
	Algorithm string `yaml:"algorithm"`

	// Judge is the latency figure readings and the quiz judge the
	// algorithms by: mean, p50, p90, p95, p99 or p999; default p99.
	// `lbsim check` reads only its expect: lines.
	Judge results.Figure `yaml:"judge"`

	// Expect lists what `lbsim check` verifies about the run's results,
	// such as "least_connections.p99 < 0.5 * round_robin.p99"; each names
	// only algorithms the scenario runs.
	Expect []*check.Expectation `yaml:"expect"`

	// Faults are timed events on servers (see faults.go).
	Faults []Fault `yaml:"faults"`
	// CircuitBreaker is per server; nil when the file leaves it out.
	CircuitBreaker *CircuitBreaker `yaml:"circuit_breaker"`
	// Autoscale grows and shrinks one server group; nil when off.
	Autoscale *Autoscale `yaml:"autoscale"`
	// SlowStart ramps the share of a server coming back into rotation
	// from nothing to its full share over this long; 0 (the default) is
	// off.
	SlowStart Duration `yaml:"slow_start"`

	// Failure handling (see proxy.go); nil when the file leaves them out.
	HealthCheck *HealthCheck `yaml:"health_check"`
	Passive     *Passive     `yaml:"passive"`
	Retries     *Retries     `yaml:"retries"`
	// Balancers describes the balancing tier (see balancers.go); nil
	// when the file leaves it out.
	Balancers *Balancers `yaml:"balancers"`
	// Routes send requests to pools of servers, and Pools holds the
	// pools' own settings (see routes.go).
	Routes []Route          `yaml:"routes"`
	Pools  map[string]*Pool `yaml:"pools"`
	// Zones says how zones route and what crossing them costs (see
	// zones.go); nil when the file leaves it out.
	Zones *Zones `yaml:"zones"`
	// Sessions keeps client sessions on servers (see sessions.go); nil,
	// the default, when the file leaves it out: requests carry no state.
	Sessions *Sessions `yaml:"sessions"`
	// Cache makes every server cache the requests' keys (see keys.go);
	// a server group may give its own. After loading, each group that has
	// a cache holds it, and this is the top level's as written.
	Cache *Cache `yaml:"cache"`

	// The live proxy's keys (see proxy.go), defaulted in every scenario.
	// Mode is http or tcp; Listen and Admin are host:port (Admin may be
	// "off").
	Mode           string    `yaml:"mode"`
	Listen         string    `yaml:"listen"`
	Admin          string    `yaml:"admin"`
	MaxHeaderBytes int       `yaml:"max_header_bytes"`
	MaxBodyBytes   int       `yaml:"max_body_bytes"`
	Timeouts       *Timeouts `yaml:"timeouts"`
	// AttemptTimeout is timeouts.response (60s by default, 0 for none):
	// how long the simulator's clients, and the proxy, wait for an answer
	// to one attempt.
	AttemptTimeout Duration `yaml:"-"`
	Sticky         *Sticky  `yaml:"sticky"`

	// MaxBufferedBytes bounds the request body bytes the live proxy holds
	// at once, over all requests (max_buffered_bytes).
	MaxBufferedBytes int64 `yaml:"max_buffered_bytes"`

	// Source names where the scenario came from (a path, or "bundled:NAME"),
	// for messages.
	Source string `yaml:"-"`
	// YAML is the scenario's text as loaded, for reports.
	YAML []byte `yaml:"-"`
}

// ServerGroup is one or more identical servers.
type ServerGroup struct {
	// Name names the server, or the group: a count above 1 names its servers
	// NAME-1 .. NAME-N.
	Name string `yaml:"name"`
	// Count is the number of servers in the group; default 1.
	Count int `yaml:"count"`
	// Capacity is the number of requests a server serves at once; default 1.
	Capacity int `yaml:"capacity"`
	// Speed divides every service demand; default 1.
	Speed float64 `yaml:"speed"`
	// Weight is the weight weighted policies give each server; default 1.
	Weight int `yaml:"weight"`
	// Queue is the most requests that may wait for a slot; 0 is unbounded.
	// A request that finds the queue full is rejected.
	Queue int `yaml:"queue"`
	// Address is where the live proxy reaches the server: host:port, or
	// an http:// or https:// URL in mode http. It names one server, so a
	// group with an address has count 1.
	Address string `yaml:"address"`
	// Backup servers get requests only while no other server is usable,
	// as nginx's "backup" and HAProxy's "backup" servers.
	Backup bool `yaml:"backup"`
	// MTBF and MTTR make each server of the group crash at random: up for
	// an exponential time of mean MTBF, down for one of mean MTTR, again
	// and again. Both or neither; the simulator applies them.
	MTBF Duration `yaml:"mtbf"`
	MTTR Duration `yaml:"mttr"`
	// Pool is the pool the servers are in, which routes send requests to;
	// default DefaultPool.
	Pool string `yaml:"pool"`
	// Zone is the zone (or region) the servers are in; every group names
	// one, or none does.
	Zone string `yaml:"zone"`
	// Cache is the servers' cache of keys: the group's own, else the top
	// level's; nil for none.
	Cache *Cache `yaml:"cache"`
}

// Workload says when requests arrive, what they cost and who sends them.
type Workload struct {
	Arrival Arrival `yaml:"arrival"`
	// Service is the demand of every request, when there are no Classes.
	// After loading it is nil exactly when Classes is set.
	Service *Service `yaml:"service"`
	// Classes mixes request kinds, each with its share of arrivals.
	Classes []Class `yaml:"classes"`
	Clients Clients `yaml:"clients"`
	// Connections, when set, carry the requests (see balancers.go).
	Connections *Connections `yaml:"connections"`
	// Keys, when set, gives every request a key (see keys.go); a class
	// may draw from a set of its own instead.
	Keys *Keys `yaml:"keys"`
	// Trace, when set, replays recorded requests instead (see trace.go):
	// Arrival, Service, Classes, Keys and Clients are then unused.
	Trace *Trace `yaml:"trace"`
}

// Arrival is the arrival process.
type Arrival struct {
	// Process is poisson (default), constant or bursty.
	Process string `yaml:"process"`
	// Rate is arrivals per second. Exactly one of Rate and Load is given in
	// a file; loading turns Load into Rate.
	Rate float64 `yaml:"rate"`
	// Load is the arrival rate as a fraction of the servers' total capacity
	// (see Scenario.Capacity). It is always 0 after loading.
	Load float64 `yaml:"load"`
	// On and Off are the mean lengths of the bursty process's on periods
	// (arrivals at Rate) and off periods (no arrivals).
	On  Duration `yaml:"on"`
	Off Duration `yaml:"off"`
	// Phases change the rate from a point in virtual time on, in order.
	Phases []Phase `yaml:"phases"`
}

// Phase sets the arrival rate from At on, until the next phase. Like the
// base arrival it has a Rate or a Load, resolved into Rate when loading; a
// rate of 0 pauses arrivals.
type Phase struct {
	At   Duration `yaml:"at"`
	Rate float64  `yaml:"rate"`
	Load float64  `yaml:"load"`
}

// Service is a distribution of service demand: the time a request takes on
// a server of speed 1.
type Service struct {
	// Dist is constant, exponential, uniform, lognormal or pareto.
	Dist string `yaml:"dist"`
	// Mean is the distribution's mean; required.
	Mean Duration `yaml:"mean"`
	// Min is uniform's lower bound (default 0); its upper bound is 2*Mean-Min.
	Min Duration `yaml:"min"`
	// Sigma is lognormal's shape (the standard deviation of log demand);
	// default 1 for lognormal, 0 for the others.
	Sigma float64 `yaml:"sigma"`
	// Alpha is pareto's tail index, above 1; default 2.5 for pareto, 0 for
	// the others.
	Alpha float64 `yaml:"alpha"`
}

// Class is one kind of request in a mix.
type Class struct {
	Name string `yaml:"name"`
	// Path is the URL path prefix of the class's requests, which lets the
	// proxy route them as the simulator routes the class.
	Path string `yaml:"path"`
	// Share is the fraction of arrivals of this class; shares sum to 1.
	Share   float64 `yaml:"share"`
	Service Service `yaml:"service"`
	// Keys is the class's own key set, apart from the workload's.
	Keys *Keys `yaml:"keys"`
}

// Clients is the population requests come from.
type Clients struct {
	// Count is the number of distinct client addresses; default 10000.
	Count int `yaml:"count"`
	// Zipf, when above 1, makes client popularity Zipf-distributed with this
	// exponent instead of uniform.
	Zipf float64 `yaml:"zipf"`
	// NAT puts a share of all requests behind a few gateway addresses.
	NAT *NAT `yaml:"nat"`
}

// NAT models clients behind shared gateways (corporate networks, carrier NAT).
type NAT struct {
	// Gateways is the number of gateway addresses.
	Gateways int `yaml:"gateways"`
	// Share is the fraction of requests that come through a gateway.
	Share float64 `yaml:"share"`
}

// Duration is a time.Duration written in files as a Go duration string
// ("50ms", "5s", "2m"). A bare number other than 0 is refused: it has no unit.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// RequestClasses returns the workload's request classes: Classes itself, or a
// single class named "default" holding Service. A trace's classes are those
// trace.classes names, then "default"; they have no share or service, as
// the trace gives each request's.
func (w *Workload) RequestClasses() []Class {
	if w.Trace != nil {
		return w.Trace.requestClasses()
	}
	if len(w.Classes) > 0 {
		return w.Classes
	}
	if w.Service == nil {
		return nil
	}
	return []Class{{Name: "default", Share: 1, Service: *w.Service}}
}
