package workloads

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/lbsim/lbsim/scenarios"
	"gonum.org/v1/gonum/stat/distuv"
)

// quantiler is what the tests need of a distuv distribution.
type quantiler interface {
	Quantile(p float64) float64
	Prob(x float64) float64
	Mean() float64
	StdDev() float64
}

func TestService(t *testing.T) {
	const n = 200_000
	ms := float64(time.Millisecond)
	cases := []struct {
		name string
		spec scenarios.Service
		// theory is the distribution the spec means, built from the
		// formulas in the package documentation; nil for constant.
		theory quantiler
		// meanOK: the variance is finite, so the sample mean is within a
		// few standard errors of Mean.
		meanOK bool
		// lo, hi bound every demand.
		lo, hi time.Duration
	}{
		{name: "constant", spec: scenarios.Service{Dist: "constant", Mean: scenarios.Duration(50 * time.Millisecond)},
			meanOK: true, lo: 50 * time.Millisecond, hi: 50 * time.Millisecond},
		{name: "exponential", spec: scenarios.Service{Dist: "exponential", Mean: scenarios.Duration(100 * time.Millisecond)},
			theory: distuv.Exponential{Rate: 1 / (100 * ms)}, meanOK: true, lo: 1, hi: MaxDemand},
		{name: "uniform", spec: scenarios.Service{Dist: "uniform", Mean: scenarios.Duration(50 * time.Millisecond), Min: scenarios.Duration(20 * time.Millisecond)},
			theory: distuv.Uniform{Min: 20 * ms, Max: 80 * ms}, meanOK: true, lo: 20 * time.Millisecond, hi: 80 * time.Millisecond},
		{name: "uniform from 0", spec: scenarios.Service{Dist: "uniform", Mean: scenarios.Duration(time.Second)},
			theory: distuv.Uniform{Min: 0, Max: 2000 * ms}, meanOK: true, lo: 1, hi: 2 * time.Second},
		{name: "lognormal", spec: scenarios.Service{Dist: "lognormal", Mean: scenarios.Duration(100 * time.Millisecond), Sigma: 1},
			theory: distuv.LogNormal{Mu: math.Log(100*ms) - 0.5, Sigma: 1}, meanOK: true, lo: 1, hi: MaxDemand},
		// sigma 2: the mean is exp(2) times the median and the sample mean
		// is dominated by rare draws; check quantiles only.
		{name: "lognormal heavy", spec: scenarios.Service{Dist: "lognormal", Mean: scenarios.Duration(100 * time.Millisecond), Sigma: 2},
			theory: distuv.LogNormal{Mu: math.Log(100*ms) - 2, Sigma: 2}, lo: 1, hi: MaxDemand},
		{name: "pareto", spec: scenarios.Service{Dist: "pareto", Mean: scenarios.Duration(100 * time.Millisecond), Alpha: 2.5},
			theory: distuv.Pareto{Xm: 100 * ms * 1.5 / 2.5, Alpha: 2.5}, meanOK: true, lo: 60 * time.Millisecond, hi: MaxDemand},
		// alpha 1.5: infinite variance; check quantiles only.
		{name: "pareto infinite variance", spec: scenarios.Service{Dist: "pareto", Mean: scenarios.Duration(100 * time.Millisecond), Alpha: 1.5},
			theory: distuv.Pareto{Xm: 100 * ms / 3, Alpha: 1.5}, lo: time.Duration(100 * ms / 3), hi: MaxDemand},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s service
			if err := s.init(&c.spec, rand.NewPCG(1, 2), "service"); err != nil {
				t.Fatal(err)
			}
			xs := make([]float64, n)
			for i := range xs {
				d := s.draw()
				if d < c.lo || d > c.hi {
					t.Fatalf("demand %v outside [%v, %v]", d, c.lo, c.hi)
				}
				xs[i] = float64(d)
			}
			mean, _ := meanSD(xs)
			want := float64(c.spec.Mean)
			if c.theory == nil {
				if mean != want {
					t.Errorf("mean %v, want exactly %v", mean, want)
				}
				return
			}
			// The theoretical distribution has the scenario's mean.
			if m := c.theory.Mean(); !within(m, want, 1e-9*want) {
				t.Fatalf("test bug: theory has mean %v, want %v", m, want)
			}
			// Standard error of the mean: sd/sqrt(n). Demands are
			// rounded to whole nanoseconds, a bias of at most 0.5ns.
			if se := c.theory.StdDev() / math.Sqrt(n); c.meanOK && !within(mean, want, nSE*se+0.5) {
				t.Errorf("mean %.0fns, want %.0fns ± %.0f", mean, want, nSE*se+0.5)
			}
			// An empirical p-quantile has standard error
			// sqrt(p(1-p)/n) / f(q), f the density at the quantile q.
			for _, p := range []float64{0.1, 0.5, 0.9, 0.99} {
				q := c.theory.Quantile(p)
				got := quantile(xs, p)
				tol := nSE*math.Sqrt(p*(1-p)/n)/c.theory.Prob(q) + 1
				t.Logf("p%g: %.4g, want %.4g ± %.2g", 100*p, got, q, tol)
				if !within(got, q, tol) {
					t.Errorf("p%g %.0fns, want %.0fns ± %.0f", 100*p, got, q, tol)
				}
			}
		})
	}
}

// TestDemandBounds checks rounding to whole nanoseconds within
// [1ns, MaxDemand].
func TestDemandBounds(t *testing.T) {
	cases := []struct {
		x    float64
		want time.Duration
	}{
		{0, 1}, {0.2, 1}, {1.4, 1}, {1.5, 2}, {99.5, 100}, {1e9 + 0.49, 1e9},
		{math.NaN(), 1}, {-3, 1},
		{float64(MaxDemand) - 1000, MaxDemand - 1000}, {1e30, MaxDemand}, {math.Inf(1), MaxDemand},
	}
	for _, c := range cases {
		if got := demand(c.x); got != c.want {
			t.Errorf("demand(%g) = %d, want %d", c.x, got, c.want)
		}
	}
	// A mean of 1ns: exponential draws below 0.5ns still cost 1ns.
	var s service
	if err := s.init(&scenarios.Service{Dist: "exponential", Mean: 1}, rand.NewPCG(1, 2), "service"); err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		if d := s.draw(); d < 1 {
			t.Fatalf("demand %v below 1ns", d)
		}
	}
}
