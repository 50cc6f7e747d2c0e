package scenarios

import (
	"strconv"

	"github.com/lbsim/lbsim/algorithms"
)

// applyDefaults fills in every key the file left out. Presence comes from the
// decoder, not from zero values, so an explicit "count: 0" stays 0 and fails
// validation instead of becoming the default.
func applyDefaults(s *Scenario, d *decoder, forProxy bool) {
	if !d.has("seed") {
		s.Seed = DefaultSeed
	}
	if !d.has("requests") && !d.has("duration") && !d.has("workload.trace") {
		s.Requests = DefaultRequests
	}
	for i := range s.Servers {
		p := "servers[" + strconv.Itoa(i) + "]."
		g := &s.Servers[i]
		if !d.has(p + "count") {
			g.Count = 1
		}
		if !d.has(p + "capacity") {
			g.Capacity = 1
		}
		if !d.has(p + "speed") {
			g.Speed = 1
		}
		if !d.has(p + "weight") {
			g.Weight = 1
		}
	}
	w := &s.Workload
	if !d.has("workload.arrival.process") {
		w.Arrival.Process = DefaultProcess
	}
	if w.Service != nil {
		serviceDefaults(w.Service, d, "workload.service.")
	}
	for i := range w.Classes {
		serviceDefaults(&w.Classes[i].Service, d, "workload.classes["+strconv.Itoa(i)+"].service.")
	}
	if !d.has("workload.clients.count") {
		w.Clients.Count = DefaultClients
	}
	switch {
	case d.has("algorithm") || d.has("algorithms"):
	case forProxy:
		s.Algorithm = DefaultProxyPolicy
	default:
		s.Algorithms = algorithms.Names()
	}
	if forProxy && !d.has("algorithm") && len(s.Algorithms) == 1 {
		s.Algorithm = s.Algorithms[0]
	}
	proxyDefaults(s, d)
}

// serviceDefaults sets the shape parameter of the distribution named, when
// absent; parameters of other distributions stay zero.
func serviceDefaults(svc *Service, d *decoder, p string) {
	switch svc.Dist {
	case "lognormal":
		if !d.has(p + "sigma") {
			svc.Sigma = DefaultSigma
		}
	case "pareto":
		if !d.has(p + "alpha") {
			svc.Alpha = DefaultAlpha
		}
	}
}
