package accesslog

import (
	"io"
	"runtime"
	"testing"
)

// source returns a Reader of format over its synthetic lines, repeated
// up to n lines (forever when n is 0), and their mean length.
func source(t testing.TB, format string, n int) (*Reader, float64) {
	t.Helper()
	const distinct = 4096
	lines := synthLog(format, distinct)
	var head []byte
	if format == CSV {
		head = []byte(synthHeader + "\n")
	}
	r, err := NewReader(newCycle(head, lines, n), Options{Format: format})
	if err != nil {
		t.Fatal(err)
	}
	return r, float64(len(lines)) / distinct
}

// BenchmarkReader reads one line per operation, each format on its own
// synthetic log, and reports lines per second.
func BenchmarkReader(b *testing.B) {
	for _, format := range Formats {
		b.Run(format, func(b *testing.B) {
			r, size := source(b, format, 0)
			var rec Record
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := r.Next(&rec); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

// Reading a line allocates nothing once the reader is warm.
func TestNoAllocations(t *testing.T) {
	for _, format := range Formats {
		r, _ := source(t, format, 0)
		var rec Record
		next := func() {
			if err := r.Next(&rec); err != nil {
				t.Fatal(err)
			}
		}
		for range 10000 {
			next()
		}
		if n := testing.AllocsPerRun(20000, next); n != 0 {
			t.Errorf("%s: %v allocations per line", format, n)
		}
	}
}

// Reading a long stream takes constant memory: the heap after 2M lines
// is what it was before, and all that was allocated on the way is the
// reader's buffers.
func TestConstantMemory(t *testing.T) {
	total := 2_000_000
	if testing.Short() {
		total = 200_000
	}
	for _, format := range Formats {
		n := total / len(Formats)
		lines := synthLog(format, 4096)
		var head []byte
		if format == CSV {
			head = []byte(synthHeader + "\n")
		}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		r, err := NewReader(newCycle(head, lines, n), Options{Format: format})
		if err != nil {
			t.Fatal(err)
		}
		var rec Record
		read := 0
		for {
			err := r.Next(&rec)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			read++
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(r)
		if read != n {
			t.Fatalf("%s: read %d lines, want %d", format, read, n)
		}
		t.Logf("%s: %d lines, heap %+d bytes, %d bytes allocated", format, n,
			int64(after.HeapAlloc)-int64(before.HeapAlloc), after.TotalAlloc-before.TotalAlloc)
		const bound = 1 << 20 // the line buffer is 64 KiB
		if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > bound {
			t.Errorf("%s: heap grew by %d bytes over %d lines", format, grew, n)
		}
		if allocated := after.TotalAlloc - before.TotalAlloc; allocated > bound {
			t.Errorf("%s: %d bytes allocated over %d lines", format, allocated, n)
		}
	}
}
