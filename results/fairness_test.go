package results

import (
	"math"
	"testing"
)

func TestJain(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		want float64
	}{
		{"empty", nil, 1},
		{"all zero", []float64{0, 0, 0}, 1},
		{"one value", []float64{0.7}, 1},
		{"equal", []float64{0.5, 0.5, 0.5, 0.5}, 1},
		{"one of 4 busy", []float64{0.9, 0, 0, 0}, 1.0 / 4},
		{"one of 10 busy", []float64{0, 0, 0, 0, 0, 0, 0, 1, 0, 0}, 1.0 / 10},
		{"1,2,3", []float64{1, 2, 3}, 36.0 / (3 * 14)}, // (1+2+3)^2 / (3 * (1+4+9)) = 0.857142...
		{"two of four busy", []float64{1, 1, 0, 0}, 0.5},
		{"scale free", []float64{10, 20, 30}, 36.0 / 42},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Jain(tt.xs); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("Jain(%v) = %v, want %v", tt.xs, got, tt.want)
			}
		})
	}
}

func TestMaxOverMean(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		want float64
	}{
		{"empty", nil, 1},
		{"all zero", []float64{0, 0}, 1},
		{"equal", []float64{0.3, 0.3, 0.3}, 1},
		{"one of 4 busy", []float64{0.8, 0, 0, 0}, 4},
		{"1,2,3", []float64{1, 2, 3}, 1.5},
		{"2,1,1", []float64{2, 1, 1}, 1.5}, // max 2, mean 4/3
		{"0.9,0.5,0.6,0.7", []float64{0.9, 0.5, 0.6, 0.7}, 0.9 / 0.675},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaxOverMean(tt.xs); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("MaxOverMean(%v) = %v, want %v", tt.xs, got, tt.want)
			}
		})
	}
}

func TestNewFairness(t *testing.T) {
	got := NewFairness([]float64{1, 2, 3})
	want := Fairness{JainUtilization: Jain([]float64{1, 2, 3}), MaxOverMeanUtilization: 1.5}
	if got != want {
		t.Errorf("NewFairness = %+v, want %+v", got, want)
	}
}
