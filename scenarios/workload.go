package scenarios

import (
	"math"
	"time"
)

// MeanDemand is the mean service demand of a request: the share-weighted
// mean over the request classes, on a server of speed 1.
func (w *Workload) MeanDemand() time.Duration {
	return time.Duration(math.Round(w.meanDemand() * 1e9))
}

// meanDemand is MeanDemand in seconds, unrounded.
func (w *Workload) meanDemand() float64 {
	sum := 0.0
	for _, c := range w.RequestClasses() {
		sum += c.Share * c.Service.Mean.D().Seconds()
	}
	return sum
}

// Clone returns a deep copy of s, which the caller may change freely (for
// example to apply a --seed flag) without affecting s.
func (s *Scenario) Clone() *Scenario {
	c := *s
	c.Servers = append([]ServerGroup(nil), s.Servers...)
	c.Algorithms = append([]string(nil), s.Algorithms...)
	c.YAML = append([]byte(nil), s.YAML...)
	w := &c.Workload
	w.Arrival.Phases = append([]Phase(nil), s.Workload.Arrival.Phases...)
	w.Classes = append([]Class(nil), s.Workload.Classes...)
	if s.Workload.Service != nil {
		svc := *s.Workload.Service
		w.Service = &svc
	}
	if t := s.Workload.Trace; t != nil {
		c := *t
		c.Classes = append([]TraceClass(nil), t.Classes...)
		w.Trace = &c
	}
	if s.Workload.Clients.NAT != nil {
		nat := *s.Workload.Clients.NAT
		w.Clients.NAT = &nat
	}
	return &c
}
