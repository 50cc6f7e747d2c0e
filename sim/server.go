package sim

import (
	"math/rand/v2"
	"time"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/results"
)

// server is one simulated server: capacity slots that each serve one request
// at a time, a FIFO of requests waiting for a slot, and the metrics of the
// measurement window.
type server struct {
	backend    *algorithms.Backend
	name       string
	capacity   int
	speed      float64
	queueLimit int // 0 is unbounded
	backup     bool
	group      string
	// pool indexes the engine's pools and zone its zones; poolName and
	// zoneName are their names, until then.
	pool, zone         int16
	poolName, zoneName string
	// Autoscaling: idle servers were never launched, starting ones are on
	// their way, retired ones were drained by a scale-down, and left ones
	// are retired servers that finished their last request.
	idle, starting, retired, left bool
	joinSeq                       uint64 // the pending join event's sequence number

	busy int
	// transit counts the requests crossing zones to it: a retired server
	// waits for them before it leaves.
	transit int
	waiting ring[int32] // request indices, oldest first

	// Faults: up is false while crashed; slow multiplies service times;
	// draining servers get no new requests; errShare is a 5xx fault's.
	up       bool
	slow     float64
	draining bool
	// errShare is the share of the requests it starts that a 5xx fault
	// has it fail, 0 without one.
	errShare float64
	// faultDown, randomDown and zoneDown say what holds a crashed server
	// down: a crash fault of the file, a random (mtbf) failure, or its
	// zone's crash.
	faultDown, randomDown, zoneDown bool
	// mtbf and mttr are its random failures' means (0: none), drawn
	// from failRNG.
	mtbf, mttr time.Duration
	failRNG    *rand.Rand
	// crash indexes the engine's crashes while one is not yet detected,
	// else -1; downCrash indexes the crash that holds it down, else -1.
	crash, downCrash int
	// stateFrom is when up or draining last changed, for downTime and
	// drainTime (inside the measurement window).
	stateFrom time.Duration
	downTime  time.Duration
	drainTime time.Duration
	// inServiceTime is its time in service (see inService) inside the
	// measurement window: what its utilization is a share of.
	inServiceTime time.Duration

	// metrics, over requests that arrived after the warm-up
	requests int64
	failed   int64 // attempts that failed on it
	maxQueue int
	// busyArea is slot-nanoseconds of service inside the measurement window;
	// utilization is busyArea / (capacity * window length).
	busyArea   float64
	lastChange time.Duration
	// busyAll is busy slot-time over the whole run, for the autoscaler.
	busyAll float64
	// latency holds the measured requests it completed: its own
	// latency_ms, its group's, and max_over_mean_latency.
	latency *results.Sketch // from the sketches pool, empty
}

// full reports whether s turns a newcomer away: every slot busy and its
// queue at its limit.
func (s *server) full() bool {
	return s.queueLimit > 0 && s.busy >= s.capacity && s.waiting.len() >= s.queueLimit
}

// inService reports whether s counts as a server of the fleet: launched,
// and not gone after a scale-in.
func (s *server) inService() bool { return !s.idle && !s.starting && !s.left }

// maxServiceTime caps one service (ten years) so that a heavy-tailed demand
// on a very slow server cannot overflow the clock.
const maxServiceTime = 10 * 365 * 24 * time.Hour

// serviceTime is how long demand takes on this server.
func (s *server) serviceTime(demand time.Duration) time.Duration {
	if s.speed == 1 && s.slow == 1 {
		return demand
	}
	return time.Duration(min(float64(demand)*s.slow/s.speed, float64(maxServiceTime)))
}
