package report_test

import (
	"io"
	"testing"

	"github.com/lbsim/lbsim/report"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
)

// BenchmarkCharts draws every chart of a typical run, mixed-50ms-5s with
// its five algorithms and 200,000 requests, as SVG and as PNG: what
// --out spends on charts.
func BenchmarkCharts(b *testing.B) {
	sc, err := scenarios.Open("mixed-50ms-5s")
	if err != nil {
		b.Fatal(err)
	}
	runs, err := sim.CompareSeeds(sc, sc.Algorithms, []uint64{sc.Seed}, sim.Options{Timeline: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, format := range []struct {
		name  string
		write func(*report.Chart, io.Writer) error
	}{{"svg", (*report.Chart).WriteSVG}, {"png", (*report.Chart).WritePNG}} {
		b.Run(format.name, func(b *testing.B) {
			for b.Loop() {
				for _, ch := range report.Charts(runs[0]) {
					if err := format.write(ch, io.Discard); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
