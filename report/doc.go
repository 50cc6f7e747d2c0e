// Package report holds the results of a simulation run and turns them into
// output.
//
// The simulator fills a [Comparison] (one [Result] per algorithm); latencies
// are collected while it runs in a streaming [Histogram] whose memory does
// not depend on the number of requests, and per-server utilizations are
// summarised by [NewFairness]. [Write] renders a Comparison as a terminal
// table, GitHub markdown, CSV or JSON (the JSON shape is the contract in
// DESIGN.md, "Contracts other tools rely on"). [Charts] draws a Comparison
// as SVG and PNG figures, [Readings] puts each algorithm's result into
// words, and [WriteHTML] gathers all of it in one self-contained page.
//
// Nothing here prints to the terminal or exits: every writer takes an
// io.Writer and returns an error. Output is deterministic: the same
// Comparison always renders to the same bytes.
package report
