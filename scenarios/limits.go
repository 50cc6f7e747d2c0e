package scenarios

import "time"

// Limits on what a scenario may ask for. They keep a hostile or mistaken
// file from costing much memory or time to load, and keep every simulated
// quantity far from overflow.
const (
	// MaxFileSize is the largest scenario file accepted, in bytes (1 MiB).
	MaxFileSize = 1 << 20
	// MaxServers bounds the total number of servers, summed over groups.
	MaxServers = 10_000
	// MaxRequests bounds requests, and the expected arrivals of a run
	// measured by duration.
	MaxRequests = 10_000_000_000
	// MaxVirtualTime bounds durations (one year of virtual time), and the
	// expected length of a run measured in requests.
	MaxVirtualTime = Duration(365 * 24 * time.Hour)

	maxPhases     = 1000
	maxClasses    = 1000
	maxAlgorithms = 100
	maxExpect     = 1000

	maxNameLen = 128
	// maxKeyNameLen bounds the names a file chooses for pools and zones.
	maxKeyNameLen = 64
	maxCount      = MaxServers
	maxCapacity   = 1_000_000
	minSpeed      = 0.001
	maxSpeed      = 1000
	maxWeight     = 1000
	maxQueue      = 10_000_000
	maxRate       = 1e9
	maxLoad       = 100
	maxSigma      = 10
	maxAlpha      = 100
	maxClients    = 16_000_000
	maxGateways   = 508

	// shareTolerance is how far class shares may sum from 1.
	shareTolerance = 1e-9

	// maxWork bounds the values decoded plus the keys merged, whatever
	// aliases multiply them to; a legitimate file stays far below it.
	maxWork = 1_000_000
	// maxMergeDepth bounds merge keys that merge mappings with merge keys.
	maxMergeDepth = 10
)

// Defaults for keys a file leaves out.
const (
	DefaultSeed     = 1
	DefaultRequests = 100_000
	DefaultProcess  = "poisson"
	DefaultClients  = 10_000
	DefaultSigma    = 1.0
	DefaultAlpha    = 2.5
)
