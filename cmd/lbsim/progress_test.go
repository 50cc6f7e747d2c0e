package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct{ t time.Time }

func newFakeClock() *fakeClock           { return &fakeClock{t: time.Unix(1000, 0)} }
func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }

// drawings counts the bar's drawings (and wipes) in what it wrote, and
// lastLine is the last drawing as a terminal shows it.
func drawings(s string) int { return strings.Count(s, "\r") }
func lastLine(s string) string {
	return strings.ReplaceAll(s[strings.LastIndex(s, "\r")+1:], "\x1b[K", "")
}

// unsetenv unsets an environment variable for the test.
func unsetenv(t *testing.T, key string) {
	t.Setenv(key, "") // restores it after the test
	os.Unsetenv(key)
}

// TestProgressDrawing follows one bar through a run: nothing in the first
// second, then at most one drawing per 100 ms, never going back, and
// wiped at the end.
func TestProgressDrawing(t *testing.T) {
	type step struct {
		after  time.Duration // time since the previous step
		share  float64
		draws  int    // drawings so far
		screen string // the bar as last drawn, "" to skip the check
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"short run draws nothing", []step{
			{0, 0.1, 0, ""}, {500 * time.Millisecond, 0.6, 0, ""}, {400 * time.Millisecond, 1, 0, ""},
		}},
		{"long run", []step{
			{0, 0.05, 0, ""},
			{time.Second, 0.25, 1, "work [#######.......................]  25%  3s left"},
			{50 * time.Millisecond, 0.3, 1, ""}, // too soon after the last drawing
			{50 * time.Millisecond, 0.5, 2, "work [###############...............]  50%  1s left"},
			{200 * time.Millisecond, 0.4, 3, "work [###############...............]  50%  1s left"}, // never back
			{time.Second, 0.99, 4, "work [#############################.]  99%  <1s left"},
			{time.Second, 1.5, 5, "work [##############################] 100%"},
		}},
		{"no estimate without progress", []step{
			{2 * time.Second, 0.01, 1, "work [..............................]   1%"},
		}},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		clock := newFakeClock()
		p := newProgress(&out, "work", clock.now)
		for i, s := range tt.steps {
			clock.add(s.after)
			p.Update(s.share)
			if got := drawings(out.String()); got != s.draws {
				t.Errorf("%s: step %d: %d drawings, want %d", tt.name, i, got, s.draws)
			}
			if got := lastLine(out.String()); s.screen != "" && got != s.screen {
				t.Errorf("%s: step %d: bar %q, want %q", tt.name, i, got, s.screen)
			}
		}
		before := out.Len()
		p.Finish()
		wiped := out.String()[before:]
		if drew := tt.steps[len(tt.steps)-1].draws > 0; drew != (wiped == "\r\x1b[K") || !drew && wiped != "" {
			t.Errorf("%s: Finish wrote %q; want the line wiped only if a bar was drawn", tt.name, wiped)
		}
	}
}

// TestProgressOff checks the bar is off when quiet, under CI or on a
// non-terminal, and that an off bar (nil) is safe to use.
func TestProgressOff(t *testing.T) {
	tty := isTerminal
	t.Cleanup(func() { isTerminal = tty })
	tests := []struct {
		name     string
		terminal bool
		ci       *string
		quiet    bool
		on       bool
	}{
		{"terminal", true, nil, false, true},
		{"quiet", true, nil, true, false},
		{"CI set", true, ptr("true"), false, false},
		{"CI set but empty", true, ptr(""), false, false},
		{"not a terminal", false, nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isTerminal = func(any) bool { return tt.terminal }
			if tt.ci != nil {
				t.Setenv("CI", *tt.ci)
			} else {
				unsetenv(t, "CI")
			}
			p := startProgress(io.Discard, "x", tt.quiet)
			if on := p != nil; on != tt.on {
				t.Fatalf("bar on = %v, want %v", on, tt.on)
			}
			if !tt.on {
				if p.Func() != nil {
					t.Error("an off bar gives a callback; want nil, so that the work skips reporting")
				}
				p.Update(0.5) // no-ops, no panic
				p.Finish()
			}
		})
	}
	if isTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is taken for a terminal")
	}
}

// TestProgressConcurrent feeds one bar from many goroutines, as the
// simulator's runs do; run with -race to check the locking. The bar
// writes under its lock, so a plain buffer will do.
func TestProgressConcurrent(t *testing.T) {
	var out bytes.Buffer
	start := time.Now()
	p := newProgress(&out, "work", func() time.Time { return start.Add(2 * time.Second) })
	p.delay, p.every = 0, 0
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				p.Func()(float64(g*100+i) / 800)
			}
		}()
	}
	wg.Wait()
	p.Finish()
	if n := drawings(out.String()); n != 801 { // 800 updates and the wipe
		t.Errorf("%d drawings, want 801", n)
	}
	if p.share != 799.0/800 {
		t.Errorf("share %v, want the highest reported, %v", p.share, 799.0/800)
	}
}

func ptr[T any](v T) *T { return &v }
