package results

import (
	"math"
	"testing"
)

func TestRound(t *testing.T) {
	tests := []struct {
		x        float64
		decimals int
		want     float64
	}{
		{1.23456, 3, 1.235},
		{1.23449, 3, 1.234},
		{0.00049, 3, 0},
		{-0.0001, 3, 0}, // no negative zero
		{0.99995, 4, 1},
		{10234.0004, 3, 10234},
		{math.NaN(), 3, 0},
		{math.Inf(1), 3, 0},
		{math.Inf(-1), 4, 0},
		{1e300, 3, 1e300},
	}
	for _, tt := range tests {
		got := round(tt.x, tt.decimals)
		if got != tt.want || math.Signbit(got) != math.Signbit(tt.want) {
			t.Errorf("round(%v, %d) = %v, want %v", tt.x, tt.decimals, got, tt.want)
		}
	}
}
