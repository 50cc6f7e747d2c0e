// Package playground serves lbsim in a browser: a page where a learner
// picks a bundled scenario or edits one, runs it, reads the table, the
// charts and the readings, pins a run to compare the next one beside it,
// and steps through what lbsim explain and lbsim trace tell; and the HTTP
// API behind the page, whose /api/run answers what lbsim run --format json
// prints. The page is embedded in the binary and fetches nothing from
// elsewhere, so it works offline.
//
// A Handler runs whatever its clients post, so it bounds what a run may
// cost (Config): arrivals per algorithm, wall time, runs at once and the
// size of a posted scenario. A posted scenario replays only the traces
// bundled with lbsim: it cannot make the server read a file of its own.
//
// Like every package below cmd/, it prints nothing; lbsim serve listens,
// logs and stops.
package playground
