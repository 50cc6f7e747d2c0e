package scenarios

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// FuzzParse feeds Parse arbitrary bytes. It must never panic; it either
// fails with an *Error or returns a scenario that keeps every promise the
// package documents.
func FuzzParse(f *testing.F) {
	for _, name := range BundledNames() {
		data, err := bundledFiles.ReadFile("bundled/" + name + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(valid))
	for _, tc := range errorCases {
		f.Add([]byte(tc.src))
	}
	f.Add([]byte("name: bomb\nalgorithms:\n" + laughs(func(int) string { return "  - " })))
	f.Add([]byte("name: t\nservers:\n  - &b {name: a}\n  - {<<: *b, name: b}\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %q is not an *Error", err, err)
			}
			if e.Source != "fuzz.yaml" || e.Msg == "" || e.Line < 0 || e.Column < 0 {
				t.Fatalf("malformed error %#v", e)
			}
			return
		}
		checkInvariants(t, s)
	})
}

// checkInvariants asserts what a successfully loaded scenario promises.
func checkInvariants(t *testing.T, s *Scenario) {
	t.Helper()
	if strings.TrimSpace(s.Name) == "" {
		t.Error("empty name")
	}
	if (s.Requests > 0) == (s.Duration > 0) {
		t.Errorf("requests %d, duration %s: want exactly one", s.Requests, s.Duration)
	}
	if s.Warmup < 0 || (s.Duration > 0 && s.Warmup >= s.Duration) {
		t.Errorf("warmup %s with duration %s", s.Warmup, s.Duration)
	}
	servers := s.ExpandServers()
	if len(servers) == 0 || len(servers) > MaxServers {
		t.Errorf("%d servers", len(servers))
	}
	names := make(map[string]bool, len(servers))
	for _, sv := range servers {
		if names[sv.Name] {
			t.Errorf("server name %q twice", sv.Name)
		}
		names[sv.Name] = true
		if sv.Capacity < 1 || !(sv.Speed > 0) || sv.Weight < 1 || sv.Queue < 0 {
			t.Errorf("server %+v out of range", sv)
		}
	}
	if c := s.Capacity(); !(c > 0) || math.IsInf(c, 0) {
		t.Errorf("capacity %g", c)
	}
	w := s.Workload
	if (w.Service == nil) == (len(w.Classes) == 0) {
		t.Errorf("service %v with %d classes", w.Service, len(w.Classes))
	}
	sum := 0.0
	for _, c := range w.RequestClasses() {
		sum += c.Share
		if c.Service.Mean <= 0 {
			t.Errorf("class %q mean %s", c.Name, c.Service.Mean)
		}
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("shares sum to %g", sum)
	}
	a := w.Arrival
	if !(a.Rate > 0) || a.Rate > maxRate || a.Load != 0 {
		t.Errorf("arrival rate %g, load %g", a.Rate, a.Load)
	}
	for i, ph := range a.Phases {
		if ph.Rate < 0 || ph.Rate > maxRate || ph.Load != 0 || (i > 0 && ph.At <= a.Phases[i-1].At) {
			t.Errorf("phase %d: %+v", i, ph)
		}
	}
	if w.Clients.Count < 1 {
		t.Errorf("clients %d", w.Clients.Count)
	}
	if len(s.Algorithms) == 0 {
		t.Error("no algorithms")
	}
	// Loading is deterministic.
	again, err := Parse(s.Source, s.YAML)
	if err != nil || again.Name != s.Name || again.Workload.Arrival.Rate != s.Workload.Arrival.Rate {
		t.Errorf("second Parse differs: %v", err)
	}
}
