package lessons

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// crashing is a run of 3,000 requests, long enough for the context to be
// looked at, with a crash and a failed request to tell.
const crashing = `name: crashing
seed: 3
requests: 3000
servers: [{name: app, count: 3, capacity: 2}]
workload: {arrival: {rate: 50}, service: {dist: exponential, mean: 40ms}}
faults: [{at: 20s, server: app-2, kind: crash, for: 10s}]
passive: {max_fails: 0}
retries: {count: 0}
`

// TestWriteTraceContext: a context that is never done tells exactly what
// the fast path (no context) tells, from any start; a done context stops
// the run with its error.
func TestWriteTraceContext(t *testing.T) {
	tests := []struct {
		name  string
		from  time.Duration
		first int
		ended bool // the run ends before first decisions
	}{
		{"from the start", 0, 12, false},
		{"at the crash", 20 * time.Second, 6, false},
		{"between events", 20*time.Second + 7*time.Millisecond, 3, false},
		{"near the end", 59900 * time.Millisecond, 1000, true},
		{"past the end", time.Hour, 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var plain, watched strings.Builder
			if err := WriteTrace(context.Background(), &plain, mustParse(t, crashing), "round_robin", tt.from, tt.first); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if err := WriteTrace(ctx, &watched, mustParse(t, crashing), "round_robin", tt.from, tt.first); err != nil {
				t.Fatal(err)
			}
			if plain.String() != watched.String() {
				t.Errorf("with a context:\n%s\nwithout:\n%s", watched.String(), plain.String())
			}
			lines := strings.Split(strings.TrimSuffix(plain.String(), "\n"), "\n")
			if ended := strings.HasPrefix(lines[len(lines)-1], "(the run ended after "); ended != tt.ended {
				t.Errorf("last line %q; want the run to have ended: %v", lines[len(lines)-1], tt.ended)
			}
			if !tt.ended && strings.Count(plain.String(), " -> ") != tt.first {
				t.Errorf("%d decisions told, want %d:\n%s", strings.Count(plain.String(), " -> "), tt.first, plain.String())
			}
		})
	}

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel2()
	<-expired.Done()
	for _, tc := range []struct {
		ctx  context.Context
		want error
	}{{cancelled, context.Canceled}, {expired, context.DeadlineExceeded}} {
		var out strings.Builder
		err := WriteTrace(tc.ctx, &out, mustParse(t, crashing), "round_robin", time.Hour, 5)
		if !errors.Is(err, tc.want) {
			t.Errorf("a done context (%v): err %v, want one wrapping it", tc.want, err)
		}
		if strings.Contains(out.String(), "the run ended") {
			t.Errorf("a stopped trace says the run ended:\n%s", out.String())
		}
	}
}
