package results

import (
	"testing"
	"time"
)

func TestInWindow(t *testing.T) {
	const s = time.Second
	for _, tc := range []struct {
		from, to, want time.Duration
	}{
		{0, 5 * s, 0},           // all before the window
		{5 * s, 15 * s, 5 * s},  // its start cut off
		{12 * s, 18 * s, 6 * s}, // all inside
		{18 * s, 25 * s, 2 * s}, // its end cut off
		{5 * s, 25 * s, 10 * s}, // over the whole window
		{22 * s, 30 * s, 0},     // all after
		{15 * s, 12 * s, 0},     // backwards
	} {
		if got := InWindow(tc.from, tc.to, 10*s, 20*s); got != tc.want {
			t.Errorf("InWindow(%v, %v) in [10s, 20s] = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
}
