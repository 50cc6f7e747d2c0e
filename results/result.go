package results

import (
	"fmt"
	"strconv"
)

// Comparison is the outcome of one scenario run with several algorithms on
// the same workload (common random numbers). Its JSON form is the
// `--format json` contract of DESIGN.md.
type Comparison struct {
	Scenario    string `json:"scenario"`
	Description string `json:"description,omitempty"`
	Seed        uint64 `json:"seed"`
	// Seeds and Aggregate say how many runs, with seeds Seed, Seed+1, ...,
	// were combined into these results, and how (see [Combine]); both are
	// left out for a single run.
	Seeds     int       `json:"seeds,omitempty"`
	Aggregate Aggregate `json:"aggregate,omitempty"`
	Requests  int64     `json:"requests"` // arrivals simulated per algorithm
	// CutAt is the cap on arrivals per algorithm (sim.Options.MaxRequests)
	// that stopped the runs before their scenario's end; 0, and left out,
	// when they ran to it.
	CutAt int64 `json:"cut_at,omitempty"`
	// Judge is the figure readings judge the algorithms by, the
	// scenario's judge: key (p99 unless it says otherwise).
	Judge   Figure   `json:"judge,omitempty"`
	Results []Result `json:"results"` // one per algorithm, in the order run
}

// SeedText says which seeds results come from: "seed 7", "worst of seeds
// 1 to 5".
func SeedText(seed uint64, seeds int, how Aggregate) string {
	if seeds <= 1 {
		return "seed " + strconv.FormatUint(seed, 10)
	}
	return fmt.Sprintf("%s of seeds %d to %d", how, seed, seed+uint64(seeds)-1)
}

// AlgorithmNames lists the algorithms of rs, in order.
func AlgorithmNames(rs []Result) []string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.Algorithm
	}
	return names
}

// Result is one algorithm's run.
type Result struct {
	Algorithm string `json:"algorithm"`
	// Completed requests after the warm-up; Latency is over these.
	Completed int64 `json:"completed"`
	// Failed requests: sent to a crashed or failing server and not recovered
	// by a retry.
	Failed int64 `json:"failed"`
	// Rejected requests: no usable server, or the chosen server's queue was full.
	Rejected int64 `json:"rejected"`
	// Retried counts retry attempts (a request retried twice counts 2).
	Retried int64 `json:"retried"`
	// SessionMisses counts the attempts that found no session of their
	// client on their server, when the scenario keeps sessions: each
	// cost the scenario's sessions.miss_cost. Left out when zero.
	SessionMisses int64 `json:"session_misses,omitempty"`
	// CacheHitRate is the fraction of measured requests whose key their
	// server held in its cache, when the scenario has a cache; nil, and
	// left out, otherwise.
	CacheHitRate *float64 `json:"cache_hit_rate,omitempty"`
	// FailedByCause splits Failed and Rejected by what went wrong:
	// refused (sent to a crashed server), reset (in service or waiting on a
	// server when it crashed), queue_full, no_server. Empty when nothing
	// failed.
	FailedByCause map[string]int64 `json:"failed_by_cause,omitempty"`
	// Crashes are the crash faults of the run, in order.
	Crashes []Crash `json:"crashes,omitempty"`
	// Scaling lists the autoscaler's decisions, in order.
	Scaling []Scale `json:"scaling,omitempty"`
	// ThroughputRPS is completed requests per second of virtual time.
	ThroughputRPS float64 `json:"throughput_rps"`
	Latency       Latency `json:"latency_ms"`
	// LatencyCI95 holds a 95% interval per latency figure over the
	// seeds, when several were combined (see Combine); nil, and left
	// out, for one run.
	LatencyCI95 *LatencyCI `json:"latency_ms_ci95,omitempty"`
	// SeedLatency holds the latency of each seed Combine combined, in
	// seed order, for paired comparisons (see DiffInterval); nil for one
	// run and for results read from JSON.
	SeedLatency []Latency `json:"-"`
	Fairness    Fairness  `json:"fairness"`
	Servers     []Server  `json:"servers"`
	// Groups sums up each group of servers (an entry of the scenario's
	// servers list, or an autoscaled group), in the file's order.
	Groups []Group `json:"groups"`
	// Classes breaks latency down by request class (for example the 50ms
	// "profile" and 5s "report" calls of a mixed workload). Empty for a
	// single-class workload. An addition to the DESIGN.md contract.
	Classes []Class `json:"classes,omitempty"`
	// Pools sums up each pool of servers that routes send requests to.
	// Empty for a scenario with one pool.
	Pools []Pool `json:"pools,omitempty"`
	// Trace says what was read of the trace the run replayed; nil, and
	// left out, for a drawn workload.
	Trace *Trace `json:"trace,omitempty"`
	// Detail is the run's data for charts, when it was asked for.
	Detail *Detail `json:"-"`
}

// Trace counts what a run read of the trace it replayed.
type Trace struct {
	// Lines read, blank ones aside (a run that stops early has read a
	// little ahead); Requests the run replayed from them.
	Lines    int64 `json:"lines"`
	Requests int64 `json:"requests"`
	// Skipped counts the lines that could not be read; Errors lists the
	// first few, "FILE:LINE: why".
	Skipped int64    `json:"skipped"`
	Errors  []string `json:"errors,omitempty"`
	// Late counts the requests logged more than the reorder window
	// (60 s) out of order, replayed at the time of the one before.
	Late int64 `json:"late"`
}

// Latency summarises a latency distribution in milliseconds of virtual time,
// from arrival at the balancer to completion. Mean and Max are exact; the
// percentiles come from a [Histogram] (relative error <= 0.1%).
type Latency struct {
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

// Fairness says how evenly the load was spread over the servers (see
// [NewFairness]), and how evenly the latency was.
type Fairness struct {
	// JainUtilization is Jain's index of the server utilizations: 1 when all
	// are equal, 1/n when one of n servers does all the work.
	JainUtilization float64 `json:"jain_utilization"`
	// MaxOverMeanUtilization is the busiest server's utilization over the
	// mean: 1 when balanced, n when one of n servers does all the work.
	MaxOverMeanUtilization float64 `json:"max_over_mean_utilization"`
	// MaxOverMeanLatency is the highest per-server mean latency (over the
	// measured requests each server completed; servers that completed none
	// are left out) over the mean latency of all completed requests: 1
	// when every server's requests fared alike, higher when one server's
	// were slower; 0 when nothing completed. Evenly busy servers can still
	// serve at very different speeds, which this shows and utilization
	// does not. An addition to the DESIGN.md contract.
	MaxOverMeanLatency float64 `json:"max_over_mean_latency"`
}

// Server is one server's share of a run.
type Server struct {
	Name     string `json:"name"`
	Requests int64  `json:"requests"` // requests routed to it (including failed ones)
	// Utilization is the fraction of slot-time busy while it was in
	// service: busy time summed over its slots / (capacity * time in
	// service in the measurement window), in [0, 1].
	Utilization float64 `json:"utilization"`
	MaxQueue    int     `json:"max_queue"` // longest wait queue seen
	Failed      int64   `json:"failed"`
	// Completed counts the measured requests it completed, and Latency
	// is theirs: the mean and max exact, the percentiles within 1% (a
	// Sketch per server, where a Histogram each would cost 350 KiB).
	Completed int64   `json:"completed"`
	Latency   Latency `json:"latency_ms"`
	// CacheHitRate is the server's share of Result.CacheHitRate: of the
	// measured requests it served, the fraction whose key it held.
	CacheHitRate *float64 `json:"cache_hit_rate,omitempty"`
	// DownS is the virtual time, in seconds of the measurement window, the
	// server spent crashed; DrainingS the time it spent draining. Both
	// are left out when zero.
	DownS     float64 `json:"down_s,omitempty"`
	DrainingS float64 `json:"draining_s,omitempty"`
	// InServiceS is, for a server of an autoscaled group, the seconds of
	// the measurement window it was in service: from the end of its
	// launch until it had drained after a scale-in. Left out for the
	// servers of a fixed fleet, in service throughout.
	InServiceS float64 `json:"in_service_s,omitempty"`
	// NeverLaunched marks an autoscaled server that was not in service
	// during the measurement window: it has no utilization, and fairness
	// leaves it out.
	NeverLaunched bool `json:"never_launched,omitempty"`
}

// Group is one group of servers' share of a run: the requests routed to
// its servers (failed ones included), the measured ones they completed,
// and those requests' latency (percentiles within 1%, as a Server's).
type Group struct {
	Name      string  `json:"name"`
	Requests  int64   `json:"requests"`
	Completed int64   `json:"completed"`
	Latency   Latency `json:"latency_ms"`
}

// Crash is one crash fault and how the balancer's host noticed it.
type Crash struct {
	Server string  `json:"server"`
	AtS    float64 `json:"at_s"`
	// DetectedAfterS is the time from the crash until health checks or
	// passive checks took the server out of rotation; -1 if they never
	// did before it recovered or the run ended.
	DetectedAfterS float64 `json:"detected_after_s"`
	// FailedDuring counts the requests that failed for good after at
	// least one of their attempts met the server down (refused, or reset
	// by the crash); a request a retry saved is not among them.
	FailedDuring int64 `json:"failed_during"`
	// AttemptsFailed counts the attempts that met the server down, from
	// the crash until it came back: retried ones included.
	AttemptsFailed int64 `json:"attempts_failed"`
}

// Class is one request class's share of a run.
type Class struct {
	Name      string  `json:"name"`
	Completed int64   `json:"completed"`
	Latency   Latency `json:"latency_ms"`
}

// Pool is one pool's share of a run: the measured requests routes sent
// it, and how they ended.
type Pool struct {
	Name      string  `json:"name"`
	Requests  int64   `json:"requests"`
	Completed int64   `json:"completed"`
	Failed    int64   `json:"failed"`
	Rejected  int64   `json:"rejected"`
	Latency   Latency `json:"latency_ms"`
}

// Scale is one autoscaling decision: at AtS, with the group's servers at
// Utilization over the last interval, it went From servers (serving or
// starting) To a new size (new servers join after their start-up time).
type Scale struct {
	AtS         float64 `json:"at_s"`
	Utilization float64 `json:"utilization"`
	From        int     `json:"from"`
	To          int     `json:"to"`
}
