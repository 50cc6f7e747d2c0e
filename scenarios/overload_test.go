package scenarios

import (
	"strings"
	"testing"
)

// TestOverload: the warning reads the rate the run ends on against the
// servers' capacity (two servers of two slots at 100 ms: 40/s), counting
// an autoscaled group at its largest and a bursty process's off periods.
func TestOverload(t *testing.T) {
	for _, tc := range []struct {
		name, workload, extra string
		want                  string // "" for no warning
	}{
		{"under", "{rate: 36}", "", ""},
		{"over", "{rate: 50}", "", "1.25 times"},
		{"a rush that ends", "{rate: 30, phases: [{at: 10s, rate: 80}, {at: 20s, rate: 30}]}", "", ""},
		{"a rush that lasts", "{rate: 30, phases: [{at: 10s, rate: 80}]}", "", "2 times"},
		{"bursty, half on", "{process: bursty, rate: 60, on: 1s, off: 1s}", "", ""},
		{"autoscaled", "{rate: 60}", "autoscale: {max: 4}\n", ""},
		{"beyond autoscaling", "{rate: 100}", "autoscale: {max: 4}\n", "1.25 times"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("o.yaml", []byte(`name: o
duration: 1m
servers: [{name: app, count: 2, capacity: 2}]
workload:
  arrival: `+tc.workload+`
  service: {dist: constant, mean: 100ms}
`+tc.extra))
			if err != nil {
				t.Fatal(err)
			}
			got := s.Overload()
			if (got == "") != (tc.want == "") || !strings.Contains(got, tc.want) {
				t.Errorf("Overload() = %q, want %q", got, tc.want)
			}
		})
	}
}
