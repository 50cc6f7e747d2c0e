// Package report renders what a run measured (a [results.Comparison]) for
// people and scripts.
//
// [Write] renders a Comparison as a terminal table, GitHub markdown, CSV or
// JSON (the JSON shape is the contract in DESIGN.md, "Contracts other
// tools rely on"). [Charts] (or [ChartsWith], to choose the p99 window)
// draws a Comparison as SVG and PNG figures,
// [Readings] puts each algorithm's result into words, and [WriteHTML]
// gathers all of it in one self-contained page. [WriteSweep] and
// [SweepChart] do the same for a sweep.
//
// Nothing here prints to the terminal or exits: every writer takes an
// io.Writer and returns an error. Output is deterministic: the same
// Comparison always renders to the same bytes.
package report
