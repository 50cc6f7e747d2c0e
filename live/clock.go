package live

import "time"

// Go's timers wake up to a millisecond late when the process is idle
// (the poller sleeps in whole milliseconds) and on time when it is busy,
// so a wait aims early by half of that, and waits again only when it
// woke further than settle from its deadline. Both the load generator's
// sends and the emulated servers' services end within about half a
// millisecond of their plan, early or late, rather than late by 0.5 ms
// on average; a thread sleeping in the kernel would be more precise, but
// holds up the runtime's other goroutines while it sleeps.
const (
	aimEarly = 500 * time.Microsecond
	settle   = 250 * time.Microsecond
)

// waitUntil returns about at deadline, or false as soon as abort is
// closed.
func waitUntil(deadline time.Time, abort <-chan struct{}) bool {
	for d := time.Until(deadline) - aimEarly; ; d = time.Until(deadline) {
		if d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-abort:
				t.Stop()
				return false
			}
		}
		if time.Until(deadline) <= settle {
			break
		}
	}
	select {
	case <-abort:
		return false
	default:
		return true
	}
}
