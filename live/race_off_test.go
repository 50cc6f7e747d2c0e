//go:build !race

package live

// raceDetector is set when the tests run under the race detector, which
// makes every request several times slower: timing checks are then off.
const raceDetector = false
