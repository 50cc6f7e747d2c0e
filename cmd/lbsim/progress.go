package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress is a one-line progress bar on stderr for commands that may run
// for a while (run, and later sweep and check):
//
//	bar := startProgress(stderr, "mixed-50ms-5s", quiet)
//	err := longWork(bar.Func()) // called with the share done, 0 to 1
//	bar.Finish()
//
// It draws nothing for work that ends within its delay (about a second),
// redraws at most ten times a second, and Finish wipes the line, so that
// what the command prints next starts on a clean line. Update may be
// called from many goroutines. A nil *progress is a bar that is off: every
// method is a no-op, and Func returns nil.
type progress struct {
	w     io.Writer
	label string
	now   func() time.Time
	start time.Time
	// delay is how long the work runs before the bar appears, every the
	// least time between two drawings.
	delay, every time.Duration

	mu    sync.Mutex
	last  time.Time // when the bar was last drawn; zero if never
	share float64   // the highest share reported so far
}

// progressWidth is the bar's width in characters, between its brackets.
const progressWidth = 30

// startProgress returns a progress bar labelled label on stderr, or nil
// (no bar) when quiet is set, when the CI environment variable is set
// (whatever its value), or when stderr is not a terminal.
func startProgress(stderr io.Writer, label string, quiet bool) *progress {
	if _, ci := os.LookupEnv("CI"); quiet || ci || !isTerminal(stderr) {
		return nil
	}
	return newProgress(stderr, label, time.Now)
}

// isTerminal reports whether f (stderr, stdin) is a terminal; tests
// replace it.
var isTerminal = func(f any) bool {
	fd, ok := f.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(fd.Fd()))
}

// newProgress returns a bar that draws on w and reads the time from now,
// starting now.
func newProgress(w io.Writer, label string, now func() time.Time) *progress {
	return &progress{w: w, label: label, now: now, start: now(), delay: time.Second, every: 100 * time.Millisecond}
}

// Func returns p.Update, or nil for a nil p, so that work that checks for
// a nil callback skips reporting altogether.
func (p *progress) Func() func(share float64) {
	if p == nil {
		return nil
	}
	return p.Update
}

// Update records that share (0 to 1) of the work is done and redraws the
// bar if it is due. Shares lower than one reported before are ignored, so
// the bar never goes back.
func (p *progress) Update(share float64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if share > p.share {
		p.share = math.Min(share, 1)
	}
	now := p.now()
	if now.Sub(p.start) < p.delay || !p.last.IsZero() && now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	fmt.Fprint(p.w, "\r"+p.line(now.Sub(p.start))+"\x1b[K")
}

// line renders the bar after elapsed: "label [#####.....]  42%  3s left".
func (p *progress) line(elapsed time.Duration) string {
	filled := int(p.share * progressWidth)
	s := fmt.Sprintf("%s [%s%s] %3d%%", p.label, strings.Repeat("#", filled),
		strings.Repeat(".", progressWidth-filled), int(p.share*100))
	// The estimate needs some progress to go on.
	if p.share >= 0.02 && p.share < 1 {
		left := time.Duration(float64(elapsed) * (1 - p.share) / p.share).Round(time.Second)
		if left < time.Second {
			s += "  <1s left"
		} else {
			s += "  " + left.String() + " left"
		}
	}
	return s
}

// Finish wipes the bar if it was drawn. Updates after Finish draw again.
func (p *progress) Finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.last.IsZero() {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.last = time.Time{}
	}
}
