package results

import "time"

// InWindow is how much of the span from from to to lies in the measurement
// window [start, end] (from the warm-up's end to the end of arrivals), 0
// when none does. Time-weighted figures (utilization, time down or
// draining) count only that part, in the simulator and in live runs alike.
func InWindow(from, to, start, end time.Duration) time.Duration {
	from = min(max(from, start), end)
	to = min(max(to, start), end)
	return max(to-from, 0)
}
