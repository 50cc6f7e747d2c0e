//go:build !linux

package live

import "time"

// alarm is the precise wake-up waitUntil uses where there is one.
type alarm struct{}

func (*alarm) wait(deadline time.Time, abort <-chan struct{}) bool {
	return coarseWait(deadline, abort)
}

// preciseAlarm is nil: waitUntil uses Go's timers alone.
func preciseAlarm() *alarm { return nil }
