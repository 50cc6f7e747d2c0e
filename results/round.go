package results

import (
	"math"
	"slices"
)

const (
	latencyDecimals = 3 // milliseconds: microsecond resolution
	rateDecimals    = 3 // requests per second
	ratioDecimals   = 4 // utilization, Jain, max/mean
	secondDecimals  = 6 // times of events and downtime: microsecond resolution
)

// Rounded returns a deep copy of c with every float rounded (see Write) and
// nil slices replaced by empty ones, so JSON has [] rather than null.
func Rounded(c *Comparison) Comparison {
	n := *c
	n.Results = make([]Result, len(c.Results))
	for i, r := range c.Results {
		r.ThroughputRPS = round(r.ThroughputRPS, rateDecimals)
		r.Latency = roundLatency(r.Latency)
		if ci := r.LatencyCI95; ci != nil {
			iv := func(i Interval) Interval {
				return Interval{round(i[0], latencyDecimals), round(i[1], latencyDecimals)}
			}
			r.LatencyCI95 = &LatencyCI{Mean: iv(ci.Mean), P50: iv(ci.P50), P90: iv(ci.P90), P95: iv(ci.P95),
				P99: iv(ci.P99), P999: iv(ci.P999), Max: iv(ci.Max)}
		}
		r.CacheHitRate = roundPtr(r.CacheHitRate, ratioDecimals)
		r.Fairness = Fairness{
			JainUtilization:        round(r.Fairness.JainUtilization, ratioDecimals),
			MaxOverMeanUtilization: round(r.Fairness.MaxOverMeanUtilization, ratioDecimals),
			MaxOverMeanLatency:     round(r.Fairness.MaxOverMeanLatency, ratioDecimals),
		}
		r.Servers = roundEach(r.Servers, func(s *Server) {
			s.Utilization = round(s.Utilization, ratioDecimals)
			s.DownS, s.DrainingS = round(s.DownS, secondDecimals), round(s.DrainingS, secondDecimals)
			s.InServiceS = round(s.InServiceS, secondDecimals)
			s.CacheHitRate = roundPtr(s.CacheHitRate, ratioDecimals)
			s.Latency = roundLatency(s.Latency)
		})
		if r.Servers == nil {
			r.Servers = []Server{} // [] in JSON, not null
		}
		r.Groups = roundEach(r.Groups, func(g *Group) { g.Latency = roundLatency(g.Latency) })
		if r.Groups == nil {
			r.Groups = []Group{}
		}
		r.Crashes = roundEach(r.Crashes, func(cr *Crash) {
			cr.AtS, cr.DetectedAfterS = round(cr.AtS, secondDecimals), round(cr.DetectedAfterS, secondDecimals)
		})
		r.Scaling = roundEach(r.Scaling, func(sc *Scale) {
			sc.AtS, sc.Utilization = round(sc.AtS, secondDecimals), round(sc.Utilization, ratioDecimals)
		})
		r.Classes = roundEach(r.Classes, func(cl *Class) { cl.Latency = roundLatency(cl.Latency) })
		r.Pools = roundEach(r.Pools, func(p *Pool) { p.Latency = roundLatency(p.Latency) })
		n.Results[i] = r
	}
	return n
}

// roundEach returns a copy of xs with round applied to each element, nil
// for nil: the input is never changed.
func roundEach[T any](xs []T, round func(*T)) []T {
	out := slices.Clone(xs)
	for i := range out {
		round(&out[i])
	}
	return out
}

// roundPtr rounds a number that may be absent, into a new value: the
// input is never changed.
func roundPtr(x *float64, decimals int) *float64 {
	if x == nil {
		return nil
	}
	r := round(*x, decimals)
	return &r
}

func roundLatency(l Latency) Latency {
	return Latency{
		Mean: round(l.Mean, latencyDecimals),
		P50:  round(l.P50, latencyDecimals),
		P90:  round(l.P90, latencyDecimals),
		P95:  round(l.P95, latencyDecimals),
		P99:  round(l.P99, latencyDecimals),
		P999: round(l.P999, latencyDecimals),
		Max:  round(l.Max, latencyDecimals),
	}
}

var pow10 = [...]float64{1, 10, 100, 1e3, 1e4, 1e5, 1e6}

// round rounds x to the given number of decimals, half away from zero.
// NaN and ±Inf become 0 (a metric that could not be computed, such as a rate
// over zero time) and -0 becomes 0, so encoders always see a plain number.
func round(x float64, decimals int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	p := pow10[decimals]
	if math.Abs(x)*p >= 1<<52 { // no fractional digits left to round
		return x
	}
	r := math.Round(x*p) / p
	if r == 0 {
		return 0
	}
	return r
}
