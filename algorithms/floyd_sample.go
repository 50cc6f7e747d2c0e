package algorithms

// sampleDistinct fills out with len(out) distinct indices drawn uniformly
// from [0, n), by Robert Floyd's algorithm: exactly len(out) draws and no
// retry loop, so a pick's cost does not depend on luck. len(out) must not
// exceed n. The indices come in no particular order; callers that keep the
// first of equals break ties with a tieBreak instead.
//
// Floyd's membership test scans out, which is fine for the handful of
// choices or probes a pick makes.
func sampleDistinct(r *rng, n int, out []int) {
	k := len(out)
	for i, j := 0, n-k; j < n; i, j = i+1, j+1 {
		t := r.IntN(j + 1)
		for _, x := range out[:i] {
			if x == t {
				t = j // j has not been drawn: every earlier draw is below j
				break
			}
		}
		out[i] = t
	}
}
