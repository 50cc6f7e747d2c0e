// Package results holds what a run measured: a [Comparison] of one
// [Result] per algorithm, with per-server, per-class and per-crash figures,
// fairness, and, when asked for, timelines ([Detail]). The simulator fills
// it; report renders it and check judges it, and neither needs the other.
//
// Latencies are collected in a streaming [Histogram] whose memory does not
// depend on the number of requests. [Combine] merges the runs of several
// seeds, [Rounded] rounds every figure by the one rule all outputs share,
// and [ReadComparison] and [ReadSweep] read back the JSON that report
// writes (baselines, sweep slices). A [Path] names one metric of a Result
// by its JSON field path, as expectations and baselines do.
//
// The package imports no rendering library: the engine (sim/) depends on
// it, and must stay small.
package results
