package scenarios

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lbsim/lbsim/algorithms"
)

// maxBundledArrivals keeps every bundled scenario quick: at a million or two
// simulated requests a second, well under a second per algorithm.
const maxBundledArrivals = 500_000

func TestBundled(t *testing.T) {
	names := BundledNames()
	want := []string{"autoscale-black-friday", "balancer-failover", "black-friday", "blue-green", "cache-affinity", "canary", "crash-with-health-checks", "crash-without-health-checks",
		"deep-health-checks", "deep-health-checks-panic", "dying-disk", "ecommerce-regions", "grpc-behind-l4", "grpc-behind-l7", "herding",
		"heterogeneous", "hot-key", "identical-stateless", "mixed-50ms-5s", "mixed-routed", "nat-skew",
		"quiz-independent-api", "quiz-one-new-two-old", "quiz-shopping-cart", "quiz-video-encoding",
		"replay-shop-log", "retry-storm", "retry-storm-with-breaker", "shifting-speeds", "zombie-server", "zombie-server-ejected", "zone-outage"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("BundledNames() = %v, want %v", names, want)
	}
	all := Bundled()
	if len(all) != len(names) {
		t.Errorf("Bundled() has %d scenarios, want %d: %v", len(all), len(names), bundled.errs)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			s, err := Open(name)
			if err != nil {
				t.Fatalf("bundled scenario does not load: %v", err)
			}
			if s.Name != name || s.Source != "bundled:"+name {
				t.Errorf("name %q, source %q; want the file's name", s.Name, s.Source)
			}
			if s.Description == "" || strings.ContainsAny(s.Description, "\n\r") || len(s.Description) > 160 {
				t.Errorf("description %q is not one line", s.Description)
			}
			for _, a := range s.Algorithms {
				if _, ok := algorithms.Lookup(a); !ok {
					t.Errorf("algorithm %q is not registered", a)
				}
			}
			a := s.Workload.Arrival
			arrivals := float64(s.Requests)
			if s.Duration > 0 {
				arrivals = expectedArrivals(&a, s.Duration.D().Seconds())
			}
			if s.Workload.Trace != nil {
				arrivals = float64(traceLines(t, s.Workload.Trace))
			}
			if arrivals > maxBundledArrivals {
				t.Errorf("about %.0f arrivals per algorithm, more than %d", arrivals, maxBundledArrivals)
			}
			if s.Workload.Trace == nil && (a.Load != 0 || a.Rate <= 0) {
				t.Errorf("arrival rate %g, load %g: load not resolved", a.Rate, a.Load)
			}
			if !bytes.Contains(s.YAML, []byte("description: ")) {
				t.Error("YAML not kept")
			}
			t.Logf("%s: %d servers, capacity %.1f/s, rate %.1f/s, ~%.0f arrivals, algorithms %v",
				name, len(s.ExpandServers()), s.Capacity(), a.Rate, arrivals, s.Algorithms)
		})
	}
}

// traceLines counts the lines of a trace.
func traceLines(t *testing.T, tr *Trace) int {
	t.Helper()
	f, err := tr.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(data, []byte("\n"))
}

// TestBundledNumbers pins the numbers the scenario descriptions promise.
func TestBundledNumbers(t *testing.T) {
	get := func(name string) *Scenario {
		s, err := Open(name)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	const eps = 1e-9
	near := func(what string, got, want float64) {
		t.Helper()
		if got < want-eps || got > want+eps {
			t.Errorf("%s = %g, want %g", what, got, want)
		}
	}

	bf := get("black-friday")
	near("black-friday servers", float64(len(bf.ExpandServers())), 8)
	near("black-friday base load", bf.Workload.Arrival.Rate/bf.Capacity(), 0.5)
	near("black-friday spike load", bf.Workload.Arrival.Phases[0].Rate/bf.Capacity(), 0.95)
	if len(bf.Algorithms) != len(algorithms.Names()) {
		t.Errorf("black-friday runs %v, want every algorithm", bf.Algorithms)
	}

	mixed := get("mixed-50ms-5s")
	c := mixed.Workload.Classes
	if c[0].Service.Mean.D() != 50*time.Millisecond || c[0].Share != 0.99 || c[1].Service.Mean.D() != 5*time.Second || c[1].Share != 0.01 {
		t.Errorf("mixed-50ms-5s classes = %+v", c)
	}
	// 4 servers x 2 slots over a 99.5 ms mean demand, at 70%.
	near("mixed-50ms-5s rate", mixed.Workload.Arrival.Rate, 0.7*8/0.0995)

	nat := get("nat-skew")
	if n := nat.Workload.Clients.NAT; n == nil || n.Gateways != 3 || n.Share != 0.6 || nat.Workload.Clients.Count != 10000 {
		t.Errorf("nat-skew clients = %+v", nat.Workload.Clients)
	}
	// The busiest ip_hash server gets at least one gateway's fifth plus a
	// quarter of the rest: 0.2 + 0.4/4 = 30% of arrivals, 1.2x its fair
	// share, which 85% load turns into overload (1.02) however it hashes.
	near("nat-skew load", nat.Workload.Arrival.Rate/nat.Capacity(), 0.85)

	het := get("heterogeneous")
	for i, want := range []float64{5, 3, 2} {
		g := het.Servers[i]
		if g.Speed != want || float64(g.Weight) != want {
			t.Errorf("heterogeneous server %s: speed %g, weight %d; want %g", g.Name, g.Speed, g.Weight, want)
		}
	}
	// Round robin gives the speed-2 server a third of 70%: 1.17x its capacity.
	near("heterogeneous load", het.Workload.Arrival.Rate/het.Capacity(), 0.7)

	// Round robin gives each old server a third of 70% of 180 requests/s,
	// 42/s, 105% of the 40/s it can serve.
	old := get("quiz-one-new-two-old")
	near("quiz-one-new-two-old old server's share", old.Workload.Arrival.Rate/3/40, 1.05)

	cart := get("quiz-shopping-cart")
	if cart.Sessions == nil || cart.Sessions.MissCost.D() != 100*time.Millisecond || cart.Workload.Clients.Count != 2000 {
		t.Errorf("quiz-shopping-cart sessions %+v, %d clients", cart.Sessions, cart.Workload.Clients.Count)
	}
	// Jobs of 5 s to 5 min: clips of 5 to 55 s, films of 60 to 300 s.
	video := get("quiz-video-encoding").Workload.Classes
	if video[0].Service.Min.D() != 5*time.Second || video[1].Service.Min.D()+2*(video[1].Service.Mean.D()-video[1].Service.Min.D()) != 5*time.Minute {
		t.Errorf("quiz-video-encoding classes = %+v", video)
	}
}

// TestDocsExample checks that the complete example in docs/scenarios.md
// loads.
func TestDocsExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/scenarios.md")
	if err != nil {
		t.Skip("docs not found:", err)
	}
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no yaml example in docs/scenarios.md")
	}
	s, err := Parse("docs/scenarios.md", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.ExpandServers()) != 4 || s.Workload.Arrival.Phases[1].Rate != 0 {
		t.Errorf("example loaded as %+v", s)
	}
}
