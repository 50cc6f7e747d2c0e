//go:build unix

package sim

import (
	"syscall"
	"testing"
	"unsafe"
)

// BenchmarkPeakRSS runs ten million requests and reports the process's peak
// resident set size. Run it alone (make bench does) so nothing else in the
// process inflates the figure.
func BenchmarkPeakRSS(b *testing.B) {
	sc := parse(b, benchScenario)
	sc.Requests = 10_000_000
	for b.Loop() {
		if _, err := Run(sc, "power_of_two"); err != nil {
			b.Fatal(err)
		}
	}
	reportPeakRSS(b)
}

// reportPeakRSS reports the process's peak resident set size so far.
func reportPeakRSS(b *testing.B) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB") // Maxrss is in KiB on Linux
}

// TestRequestSize pins the size of a request in flight, which the engine
// keeps for every one: a field that grows it costs memory traffic on
// every event (a 104-byte request against 112 was 9% of power_of_two's
// time at 10,000 servers).
func TestRequestSize(t *testing.T) {
	if got := unsafe.Sizeof(request{}); got > 104 {
		t.Errorf("a request takes %d bytes, more than 104", got)
	}
}
