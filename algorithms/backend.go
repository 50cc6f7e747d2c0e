package algorithms

import (
	"slices"
	"sync"
	"sync/atomic"
)

// Backend is one server as balancers see it. The host creates it and keeps
// its live state; balancers only read that state. Backends are compared by
// pointer, so a host keeps one value per server for its whole life.
type Backend struct {
	// Index is the backend's position in the host's full server list; it is
	// stable across Update calls and names the backend in results.
	Index int
	// Name is the server's name from the scenario or proxy config.
	Name string
	// Weight is the configured weight, at least 1.
	Weight int

	inFlight atomic.Int64

	// watchers are the balancers that keep an index of this backend's
	// load: Begin, End and SetInFlight tell them of every change, so a
	// pick need not scan every backend. Written under watchMu, copied on
	// write, so the hot path reads it with one atomic load.
	watchers atomic.Pointer[[]loadWatcher]
}

// watchMu serialises changes of every backend's watchers. They change
// only when a balancer's set changes, so one lock for all costs nothing,
// and a lock of its own would make every Backend larger, which a pool of
// thousands pays for in cache misses at every pick.
var watchMu sync.Mutex

// A loadWatcher keeps an index of backends' loads. loadChanged is called
// after every change of b's in-flight count, possibly from many goroutines
// at once and out of order: it must read b.InFlight() again rather than
// trust the order of its calls.
type loadWatcher interface {
	loadChanged(b *Backend)
}

// NewBackend returns a backend with the given identity; weights below 1 count as 1.
func NewBackend(index int, name string, weight int) *Backend {
	if weight < 1 {
		weight = 1
	}
	return &Backend{Index: index, Name: name, Weight: weight}
}

// Begin records that a request was sent to b. The host calls it right after
// Pick returned b, before forwarding.
func (b *Backend) Begin() {
	b.inFlight.Add(1)
	b.notify()
}

// End records that a request sent to b is over, whatever its outcome.
func (b *Backend) End() {
	b.inFlight.Add(-1)
	b.notify()
}

// SetInFlight sets the count a host learns from elsewhere rather than by
// Begin and End: the simulator's stale views hold the servers' load as of
// their last refresh this way.
func (b *Backend) SetInFlight(n int64) {
	if b.inFlight.Swap(n) != n {
		b.notify()
	}
}

// InFlight is the number of requests sent to b that have not ended yet:
// those being served and those waiting in the server's queue.
func (b *Backend) InFlight() int64 { return b.inFlight.Load() }

func (b *Backend) notify() {
	if ws := b.watchers.Load(); ws != nil {
		for _, w := range *ws {
			w.loadChanged(b)
		}
	}
}

// watch makes w hear of b's load changes; watching twice is once.
func (b *Backend) watch(w loadWatcher) {
	watchMu.Lock()
	defer watchMu.Unlock()
	var ws []loadWatcher
	if old := b.watchers.Load(); old != nil {
		if slices.Contains(*old, w) {
			return
		}
		ws = slices.Clone(*old)
	}
	ws = append(ws, w)
	b.watchers.Store(&ws)
}

// unwatch stops w hearing of b's load changes.
func (b *Backend) unwatch(w loadWatcher) {
	watchMu.Lock()
	defer watchMu.Unlock()
	old := b.watchers.Load()
	if old == nil || !slices.Contains(*old, w) {
		return
	}
	ws := slices.DeleteFunc(slices.Clone(*old), func(x loadWatcher) bool { return x == w })
	if len(ws) == 0 {
		b.watchers.Store(nil)
		return
	}
	b.watchers.Store(&ws)
}
