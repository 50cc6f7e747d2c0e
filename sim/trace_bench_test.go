//go:build unix

package sim

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/workloads"
)

// benchTrace writes an nginx access log of n lines in the default format
// (combined with $request_time), at 1,000 requests a second of 20 ms each
// from 10,000 clients over 1,000 paths, once per run of the benchmarks,
// and returns a scenario replaying it on 100 servers of 4 slots each
// (about 5% load).
func benchTrace(b *testing.B, n int) *scenarios.Scenario {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "lbsim-bench-trace")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	log := filepath.Join(dir, fmt.Sprintf("access-%d.log", n))
	if _, err := os.Stat(log); err != nil {
		f, err := os.Create(log + ".tmp")
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		rng := rand.New(rand.NewPCG(1, 2))
		start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		for i := range n {
			end := start.Add(time.Duration(i) * time.Millisecond)
			c := rng.IntN(10_000)
			fmt.Fprintf(w, "10.0.%d.%d - - [%s] \"GET /items/%d?page=2 HTTP/1.1\" 200 5120 \"https://shop.example/\" \"Mozilla/5.0 (X11; Linux x86_64)\" 0.0%02d\n",
				c/250, c%250+1, end.Format("02/Jan/2006:15:04:05 -0700"), rng.IntN(1000), 10+rng.IntN(20))
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		f.Close()
		if err := os.Rename(log+".tmp", log); err != nil {
			b.Fatal(err)
		}
	}
	path := filepath.Join(dir, "replay.yaml")
	yaml := "name: bench-trace\nservers: [{name: app, count: 100, capacity: 4}]\nworkload:\n  trace: {file: " + filepath.Base(log) + ", format: nginx}\n"
	sc, err := scenarios.Parse(path, []byte(yaml))
	if err != nil {
		b.Fatal(err)
	}
	return sc
}

// BenchmarkTraceReplay reports lines per second of wall time, reading a
// one-million-line nginx log into requests (read) and simulating them
// (run, round_robin and power_of_two, full metrics).
func BenchmarkTraceReplay(b *testing.B) {
	const lines = 1_000_000
	sc := benchTrace(b, lines)
	b.Run("read", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		for b.Loop() {
			g, err := workloads.New(&sc.Workload, 1)
			if err != nil {
				b.Fatal(err)
			}
			var r workloads.Request
			for n := 0; ; n++ {
				g.Next(&r)
				if r.Arrival == workloads.Never {
					if n != lines {
						b.Fatalf("replayed %d requests, want %d", n, lines)
					}
					break
				}
			}
			g.Close()
		}
		b.ReportMetric(float64(lines)*float64(b.N)/time.Since(start).Seconds(), "lines/s")
	})
	for _, alg := range []string{"round_robin", "power_of_two"} {
		b.Run("run/"+alg, func(b *testing.B) {
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				if _, err := Run(sc, alg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(lines)*float64(b.N)/time.Since(start).Seconds(), "lines/s")
		})
	}
}

// BenchmarkTracePeakRSS replays a ten-million-line nginx log (1.3 GB)
// through the simulator and reports the process's peak resident set size:
// a replay holds a minute of requests, not the file. Run it alone (make
// bench does).
func BenchmarkTracePeakRSS(b *testing.B) {
	sc := benchTrace(b, 10_000_000)
	for b.Loop() {
		if _, err := Run(sc, "power_of_two"); err != nil {
			b.Fatal(err)
		}
	}
	reportPeakRSS(b)
}
