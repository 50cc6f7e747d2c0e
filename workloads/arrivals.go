package workloads

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/lbsim/lbsim/scenarios"
	"gonum.org/v1/gonum/stat/distuv"
)

// Arrival processes.
const (
	poisson = iota
	constant
	bursty
)

// horizon is where arrivals end whatever the rates: far beyond any run the
// scenarios allow (one year), and far enough below math.MaxInt64 that no sum
// of a time and a gap overflows.
const horizon = int64(1) << 62

// arrivals generates arrival times for a piecewise-constant rate. The time
// line is cut into segments: segment 0 starts at 0 at the base rate, one
// segment starts at each phase, and a last, dead segment starts at horizon.
type arrivals struct {
	rng     *rand.Rand
	process int

	// t is the current time in whole nanoseconds and frac the fraction of a
	// nanosecond past it, in [0, 1).
	t    int64
	frac float64

	starts  []int64   // starts[k] is when segment k begins
	gaps    []float64 // gaps[k] is the mean gap in segment k, ns; +Inf for rate 0
	alive   []bool    // alive[k]: segment k or a later one has a positive rate
	seg     int       // the current segment
	nextAt  int64     // when the segment after seg begins
	meanGap float64   // gaps[seg]
	stopped bool

	// The bursty process: whether it is on, and the mean lengths of on and
	// off periods in ns. By memorylessness the state is all it needs.
	src     rand.Source // for distuv; the source of rng
	on      bool
	meanOn  float64
	meanOff float64
}

// init sets a up for the arrival process spec, drawing from src.
func (a *arrivals) init(spec *scenarios.Arrival, src rand.Source) error {
	const p = "workload.arrival"
	*a = arrivals{rng: rand.New(src), src: src}
	switch spec.Process {
	case "poisson":
		a.process = poisson
	case "constant":
		a.process = constant
	case "bursty":
		a.process = bursty
		on, off := spec.On.D(), spec.Off.D()
		if on <= 0 {
			return invalid(p+".on", "must be greater than 0, got %s", on)
		}
		if off < 0 {
			return invalid(p+".off", "must not be negative, got %s", off)
		}
		if off == 0 {
			a.process = poisson // never off
		}
		a.meanOn, a.meanOff = float64(on), float64(off)
	default:
		return invalid(p+".process", "unknown process %q (known: poisson, constant, bursty)", spec.Process)
	}

	gap := func(field string, rate float64) (float64, error) {
		if math.IsNaN(rate) || math.IsInf(rate, 0) || rate < 0 {
			return 0, invalid(field, "must be a finite number at least 0, got %g", rate)
		}
		return 1e9 / rate, nil // +Inf for rate 0
	}
	g, err := gap(p+".rate", spec.Rate)
	if err != nil {
		return err
	}
	a.starts = append(a.starts, 0)
	a.gaps = append(a.gaps, g)
	for i, ph := range spec.Phases {
		field := p + ".phases[" + strconv.Itoa(i) + "]"
		at := int64(ph.At)
		if at < 0 {
			return invalid(field+".at", "must not be negative, got %s", ph.At.D())
		}
		if i > 0 && ph.At < spec.Phases[i-1].At {
			return invalid(field+".at", "must not be earlier than phases[%d].at (%s), got %s", i-1, spec.Phases[i-1].At.D(), ph.At.D())
		}
		g, err := gap(field+".rate", ph.Rate)
		if err != nil {
			return err
		}
		if at >= horizon {
			continue
		}
		a.starts = append(a.starts, at)
		a.gaps = append(a.gaps, g)
	}
	a.starts = append(a.starts, horizon)
	a.gaps = append(a.gaps, math.Inf(1))
	a.alive = make([]bool, len(a.gaps))
	for k := len(a.gaps) - 2; k >= 0; k-- {
		a.alive[k] = a.alive[k+1] || !math.IsInf(a.gaps[k], 1)
	}
	a.enter(0)
	if a.process == bursty {
		// Start in the stationary state: on with probability On/(On+Off).
		a.on = a.rng.Float64()*(a.meanOn+a.meanOff) < a.meanOn
	}
	return nil
}

// enter makes segment k the current one.
func (a *arrivals) enter(k int) {
	a.seg = k
	a.meanGap = a.gaps[k]
	if k+1 < len(a.starts) {
		a.nextAt = a.starts[k+1]
	} else {
		a.nextAt = math.MaxInt64
	}
}

// next returns the next arrival time in nanoseconds, or Never.
func (a *arrivals) next() int64 {
	if a.stopped {
		return int64(Never)
	}
	for {
		for a.t >= a.nextAt {
			a.enter(a.seg + 1)
		}
		if !a.alive[a.seg] {
			a.stopped = true
			return int64(Never)
		}
		limit := a.nextAt
		if a.process == bursty {
			room := float64(limit-a.t) - a.frac
			gap := math.Inf(1)
			if !math.IsInf(a.meanGap, 1) {
				gap = a.burstGap(room)
			}
			if gap > room {
				// No arrival before the limit: restart there, in the
				// state the process is in at the limit given that.
				a.on = a.rng.Float64() < a.onAfter(room)
				a.t, a.frac = limit, 0
				continue
			}
			a.on = true // an arrival happens in an on period
			return a.advance(gap, limit)
		}
		if math.IsInf(a.meanGap, 1) {
			// Rate 0: nothing arrives before the limit.
			a.t, a.frac = limit, 0
			continue
		}
		var gap float64
		if a.process == constant {
			gap = a.meanGap
		} else {
			gap = a.rng.ExpFloat64() * a.meanGap
		}
		// A gap that crosses the limit restarts there: exact for poisson
		// and bursty (memoryless), the definition for constant.
		room := limit - a.t
		if gap > float64(room)-a.frac {
			a.t, a.frac = limit, 0
			continue
		}
		return a.advance(gap, limit)
	}
}

// advance moves time on by gap ns, at most to limit, and returns the new
// time.
func (a *arrivals) advance(gap float64, limit int64) int64 {
	s := a.frac + gap
	w := int64(s) // 0 <= s < 2^62: truncation is floor
	if room := limit - a.t; w > room {
		w, s = room, float64(room) // float rounding past 2^53 ns
	}
	a.t += w
	a.frac = s - float64(w)
	return a.t
}

// burstGap draws the time, in ns, from now to the next arrival of the
// bursty process at the current rate, were the rate never to change. It may
// return any value above room once the arrival is sure to come later.
//
// Arrivals form a Poisson process on the clock that runs only during on
// periods: the next one comes after on-time need. Each on period that ends
// before need runs out adds an off period. The on periods that end within
// on-time need are the points of a Poisson process of rate 1/On: counted
// one by one when few, drawn from distuv's Poisson when many; the off
// periods they add sum to a Gamma variate. So an arrival costs a bounded
// number of draws however short the periods are.
func (a *arrivals) burstGap(room float64) float64 {
	var gap float64
	if !a.on {
		gap = a.rng.ExpFloat64() * a.meanOff // the rest of this off period
	}
	need := a.rng.ExpFloat64() * a.meanGap
	if gap+need > room {
		return gap + need
	}
	m := need / a.meanOn // the mean number of on periods ending in need
	var k float64
	switch {
	case m < 10:
		for s := a.rng.ExpFloat64(); s < m; s += a.rng.ExpFloat64() {
			k++
		}
	case m < 1e12:
		k = distuv.Poisson{Lambda: m, Src: a.src}.Rand()
	default:
		// Past the precision of distuv's rejection test; the normal
		// approximation is exact to about 1/sqrt(m) < 1e-6.
		k = max(0, math.Round(m+math.Sqrt(m)*a.rng.NormFloat64()))
		return gap + need + max(0, a.meanOff*(k+math.Sqrt(k)*a.rng.NormFloat64()))
	}
	if k > 0 {
		gap += distuv.Gamma{Alpha: k, Beta: 1 / a.meanOff, Src: a.src}.Rand()
	}
	return gap + need
}

// onAfter returns the probability that the bursty process is on at the end
// of an interval of d ns in which no request arrived (at the current rate),
// given its state at the start.
//
// With alpha = 1/On, beta = 1/Off and lambda the rate, the matrix
// M = [[-(alpha+lambda), alpha], [beta, -beta]] (states on, off) gives in
// exp(M d) the probability of each end state and no arrival. Its
// eigenvalues are mu1 > mu2, mu1 - mu2 = r = sqrt((x-y)^2 + 4 alpha beta)
// with x = alpha+lambda, y = beta, and
// exp(M d) is proportional to (M - mu2 I) - e (M - mu1 I), e = exp(-r d),
// whose rows are [u + e v, alpha (1-e)] and [beta (1-e), v + e u] with
// u = -x-mu2 and v = -y-mu2, both positive and u v = alpha beta.
func (a *arrivals) onAfter(d float64) float64 {
	alpha, beta := 1/a.meanOn, 1/a.meanOff
	lambda := 1 / a.meanGap // 0 for rate 0
	x, y := alpha+lambda, beta
	r := math.Hypot(x-y, 2*math.Sqrt(alpha*beta))
	// Compute the larger of u and v without cancellation, the other from
	// their product.
	var u, v float64
	if x >= y {
		v = (x - y + r) / 2
		u = alpha * beta / v
	} else {
		u = (y - x + r) / 2
		v = alpha * beta / u
	}
	oneMinusE := -math.Expm1(-r * d)
	e := 1 - oneMinusE
	if a.on {
		on := u + e*v
		return on / (on + alpha*oneMinusE)
	}
	on := beta * oneMinusE
	return on / (on + v + e*u)
}
