// Package lessons holds lbsim's teaching material, built on real runs:
// a narration of a run decision by decision (Follow, Narrate), a live
// demo of each algorithm on nine requests (DemoFor), and the quiz of five
// classic situations, each answered by running a bundled scenario (Quiz).
// WriteExplanation and WriteTrace write the text of lbsim explain and
// lbsim trace, so the CLI and the playground tell a lesson alike.
// Like every package below cmd/, it returns text and values and prints
// nothing.
package lessons
