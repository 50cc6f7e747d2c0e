// Package check judges results: the expectation language of a scenario's
// expect: lines ([ParseExpectation], [Expectations]), comparison with a
// baseline run ([CompareBaseline]), and the verdicts as text, JSON or
// JUnit XML ([Write]) for CI.
package check
