package workloads

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/lbsim/lbsim/scenarios"
	"gonum.org/v1/gonum/stat/distuv"
)

// MaxDemand caps every service demand: one year, the longest virtual time a
// scenario may span. Only extreme lognormal or pareto shapes reach it; the
// cap keeps later arithmetic on demands (demand / speed, now + service time)
// far from overflow.
const MaxDemand = 365 * 24 * time.Hour

// Service demand distributions.
const (
	distConstant = iota
	distExponential
	distUniform
	distLogNormal
	distPareto
)

// service draws the service demands of one request class. It holds a value
// of each distuv distribution it may use, sharing one source, and switches
// on kind, so a draw neither allocates nor goes through an interface.
// distuv's Rand wraps Src in a rand.Rand that stays on the stack.
type service struct {
	kind  int
	fixed time.Duration // distConstant: the mean, exactly
	exp   distuv.Exponential
	uni   distuv.Uniform
	logn  distuv.LogNormal
	par   distuv.Pareto
}

// init sets s up for spec, drawing from src; field names spec in errors.
func (s *service) init(spec *scenarios.Service, src rand.Source, field string) error {
	mean := spec.Mean.D()
	if mean <= 0 {
		return invalid(field+".mean", "must be greater than 0, got %s", mean)
	}
	m := float64(mean)
	*s = service{}
	switch spec.Dist {
	case "constant":
		s.kind, s.fixed = distConstant, mean
	case "exponential":
		s.kind = distExponential
		s.exp = distuv.Exponential{Rate: 1 / m, Src: src}
	case "uniform":
		lo := spec.Min.D()
		if lo < 0 || lo > mean {
			return invalid(field+".min", "must be between 0 and the mean (%s), got %s", mean, lo)
		}
		s.kind = distUniform
		s.uni = distuv.Uniform{Min: float64(lo), Max: 2*m - float64(lo), Src: src}
	case "lognormal":
		sigma := spec.Sigma
		if !(sigma > 0 && sigma <= 100) {
			return invalid(field+".sigma", "must be greater than 0 and at most 100, got %g", sigma)
		}
		s.kind = distLogNormal
		s.logn = distuv.LogNormal{Mu: math.Log(m) - sigma*sigma/2, Sigma: sigma, Src: src}
	case "pareto":
		alpha := spec.Alpha
		if !(alpha > 1) || math.IsInf(alpha, 1) {
			return invalid(field+".alpha", "must be a finite number greater than 1 (a finite mean), got %g", alpha)
		}
		s.kind = distPareto
		s.par = distuv.Pareto{Xm: m * (alpha - 1) / alpha, Alpha: alpha, Src: src}
	default:
		return invalid(field+".dist", "unknown distribution %q (known: constant, exponential, uniform, lognormal, pareto)", spec.Dist)
	}
	return nil
}

// draw returns the next demand.
func (s *service) draw() time.Duration {
	var x float64
	switch s.kind {
	case distConstant:
		return s.fixed
	case distExponential:
		x = s.exp.Rand()
	case distUniform:
		x = s.uni.Rand()
	case distLogNormal:
		x = s.logn.Rand()
	default:
		x = s.par.Rand()
	}
	return demand(x)
}

// demand rounds x nanoseconds to the nearest whole nanosecond within
// [1ns, MaxDemand].
func demand(x float64) time.Duration {
	switch {
	case !(x >= 1): // also NaN, which valid parameters never give
		return 1
	case x >= float64(MaxDemand):
		return MaxDemand
	}
	return time.Duration(x + 0.5)
}
