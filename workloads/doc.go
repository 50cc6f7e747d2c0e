// Package workloads turns a scenario's workload into a reproducible stream of
// requests: when each one arrives, which client sends it, which class it
// belongs to and how much service it demands.
//
// A Generator draws from four independent random streams, each a PCG seeded
// from the scenario seed and a fixed per-stream constant:
//
//   - arrivals: the gaps between arrivals (and a bursty process's on and off
//     periods);
//   - classes: which request class each arrival belongs to;
//   - service: the demand of each request, one stream per class, so the
//     k-th request of a class costs the same whatever the other classes do;
//   - clients: which client (or NAT gateway) sends each request.
//
// The same workload and seed always give the same stream, bit for bit, and
// changing one part of a workload leaves the draws of the other parts alone:
// a different client population does not move a single arrival time or
// demand. That is what lets every algorithm in a run see the same requests
// (common random numbers).
//
// Arrival processes:
//
//   - poisson: exponentially distributed gaps at the current rate. When a
//     gap would cross a phase boundary, the draw restarts at the boundary at
//     the new rate, which is exact for a piecewise-constant rate because the
//     exponential distribution is memoryless.
//   - constant: arrivals exactly 1/rate apart, the first one 1/rate after
//     time 0. A gap that would cross a phase boundary restarts there too, so
//     from a boundary At on the arrivals are At + k/rate (k = 1, 2, ...).
//   - bursty: an interrupted Poisson process. On periods (exponentially
//     distributed, mean On) carry Poisson arrivals at the current rate; off
//     periods (mean Off) carry none. The long-run rate is Rate*On/(On+Off);
//     Off 0 is plain poisson. The process starts in its stationary state (on
//     with probability On/(On+Off)), and is simulated exactly at a bounded
//     cost per arrival however short the periods: the off time within a gap
//     is drawn in one go, and at a phase boundary the on/off state is drawn
//     from its law given that nothing arrived since the last request.
//
// Before the first phase the rate is Arrival.Rate; from a phase's At on it
// is the phase's Rate. A rate of 0 pauses arrivals until the next phase; when
// no later phase has a positive rate the stream ends: Next reports the
// arrival time Never from then on. Times are whole nanoseconds: an arrival is
// the exact arrival time truncated to the nanosecond, with the fraction
// carried into the next gap, so gaps that are not whole nanoseconds (a
// constant process at 3/s) do not drift: the k-th arrival stays within 1ns of
// k/rate. Arrivals also end at virtual time 2^62 ns (about 146 years).
//
// Service demands are drawn from the class's distribution, each
// parameterised by its mean (see Service in package scenarios), rounded to
// the nearest nanosecond and kept between 1ns and MaxDemand.
//
// Client i (0-based) of a population of Count has the IPv4 address
// 10.0.0.0 + i + 1, so at most 2^24-2 clients. NAT gateway j has
// 203.0.113.(j+1) for j < 254 and 198.51.100.(j-253) after, so at most 508
// gateways. With Zipf above 1, client i is chosen with probability
// proportional to (i+1)^-Zipf; otherwise clients are equally likely.
package workloads
