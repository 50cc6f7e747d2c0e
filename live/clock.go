package live

import "time"

// Go's timers wake up to a millisecond late when the process is idle: the
// runtime's poller sleeps in whole milliseconds (epoll_wait), and a wait
// under a millisecond sleeps a whole one. On a busy process they are on
// time, as the scheduler looks at them between goroutines. The load
// generator's sends and the emulated servers' services need better when
// idle, so waitUntil also arms an alarm that wakes the poller itself at
// the deadline (clock_linux.go: a timerfd, whose expiry the poller sees
// as an event, to the microsecond), and returns on whichever comes first.
// Where there is no such alarm, it falls back on aiming early by half a
// millisecond and waiting again once woken further than settle from its
// deadline, which ends waits within about half a millisecond either way.
const (
	aimEarly = 500 * time.Microsecond
	settle   = 250 * time.Microsecond
	// alarmSlack is how far ahead of its deadline the alarm may end a
	// wait rather than arm itself again for a few microseconds.
	alarmSlack = 20 * time.Microsecond
)

// waitUntil returns about at deadline, or false as soon as abort is
// closed.
func waitUntil(deadline time.Time, abort <-chan struct{}) bool {
	if a := preciseAlarm(); a != nil {
		return a.wait(deadline, abort)
	}
	return coarseWait(deadline, abort)
}

// coarseWait is waitUntil on Go's timers alone.
func coarseWait(deadline time.Time, abort <-chan struct{}) bool {
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
