package live

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// accessTally is a slog.Handler for the proxy's access log: it counts
// what only the proxy knows of the measured requests, their retries and
// why the failed ones failed (a refused connection or a broken one, a
// route's limit), which the load generator sees only as 502 or 503.
type accessTally struct {
	mu      sync.Mutex
	start   time.Time
	warmup  time.Duration
	refused int64
	reset   int64
	limited int64
	retried int64
}

func (a *accessTally) begin(start time.Time, warmup time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.start, a.warmup = start, warmup
}

// counts returns the measured requests that failed on a refused
// connection, on another error, and at a route's limit, and the retries.
func (a *accessTally) counts() (refused, reset, limited, retried int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.refused, a.reset, a.limited, a.retried
}

func (a *accessTally) Enabled(context.Context, slog.Level) bool { return true }
func (a *accessTally) WithAttrs([]slog.Attr) slog.Handler       { return a }
func (a *accessTally) WithGroup(string) slog.Handler            { return a }

// Handle counts one access record. A request is measured when it arrived
// (the record's time less its latency) after the warm-up, as the load
// generator sent it within a few hundred microseconds of its schedule.
func (a *accessTally) Handle(_ context.Context, r slog.Record) error {
	var status, attempts int64
	var latency float64
	var errText string
	r.Attrs(func(at slog.Attr) bool {
		switch at.Key {
		case "status":
			status = at.Value.Int64()
		case "attempts":
			attempts = at.Value.Int64()
		case "latency_ms":
			latency = at.Value.Float64()
		case "error":
			errText = at.Value.String()
		}
		return true
	})
	a.mu.Lock()
	defer a.mu.Unlock()
	arrived := r.Time.Add(-time.Duration(latency * float64(time.Millisecond)))
	if arrived.Sub(a.start) < a.warmup {
		return nil
	}
	if attempts > 1 {
		a.retried += attempts - 1
	}
	switch {
	case errText == "rate limited":
		a.limited++
	case status == 502 && strings.HasPrefix(errText, "connect"):
		a.refused++
	case status == 502:
		a.reset++
	}
	return nil
}
