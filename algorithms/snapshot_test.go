package algorithms

import "testing"

// TestBackendIndex finds every backend's place, whether its Index is
// small, large, negative or shared with another backend, and finds no
// place for a backend it was not given.
func TestBackendIndex(t *testing.T) {
	bs := []*Backend{NewBackend(0, "a", 1), NewBackend(1_000_000, "b", 1), NewBackend(-1, "c", 1), NewBackend(0, "d", 1), NewBackend(2, "e", 1)}
	ms := members(bs)
	x := newBackendIndex(ms)
	for i, b := range bs {
		if got := x.of(b); got != int32(i) {
			t.Errorf("%s (Index %d): place %d, want %d", b.Name, b.Index, got, i)
		}
	}
	if got := x.of(NewBackend(2, "stranger", 1)); got != -1 {
		t.Errorf("a backend not indexed has place %d", got)
	}
}
