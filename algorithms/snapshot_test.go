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

// TestEntryTable keeps entries of backends with small, large, negative and
// shared indexes apart, through puts and deletions.
func TestEntryTable(t *testing.T) {
	tab := entryTable[int]{other: map[*Backend]*int{}}
	bs := []*Backend{NewBackend(0, "a", 1), NewBackend(0, "b", 1), NewBackend(maxSlotIndex, "c", 1), NewBackend(-3, "d", 1), NewBackend(7, "e", 1)}
	vals := make([]int, len(bs))
	for i, b := range bs {
		vals[i] = i
		tab.put(b, &vals[i])
	}
	check := func(want map[*Backend]int) {
		t.Helper()
		for _, b := range bs {
			e := tab.get(b)
			if w, ok := want[b]; ok != (e != nil) || ok && *e != w {
				t.Fatalf("%s: got %v, want %v (present %v)", b.Name, e, w, ok)
			}
		}
	}
	check(map[*Backend]int{bs[0]: 0, bs[1]: 1, bs[2]: 2, bs[3]: 3, bs[4]: 4})
	tab.del(bs[0])
	tab.del(bs[3])
	check(map[*Backend]int{bs[1]: 1, bs[2]: 2, bs[4]: 4})
	tab.put(bs[0], &vals[0])
	check(map[*Backend]int{bs[0]: 0, bs[1]: 1, bs[2]: 2, bs[4]: 4})
}
