package algorithms

import (
	"strings"
	"testing"
)

// pool returns one backend per weight, named a, b, c, ... with Index 0, 1, 2, ...
func pool(weights ...int) []*Backend {
	bs := make([]*Backend, len(weights))
	for i, w := range weights {
		bs[i] = NewBackend(i, string(rune('a'+i)), w)
	}
	return bs
}

// mustNew builds the named policy or fails the test.
func mustNew(tb testing.TB, name string, seed uint64) Balancer {
	tb.Helper()
	bal, err := New(name, Options{Seed: seed})
	if err != nil {
		tb.Fatal(err)
	}
	return bal
}

// picks makes n picks with req and returns the chosen names concatenated.
// It does not touch in-flight counts.
func picks(tb testing.TB, bal Balancer, req *Request, n int) string {
	tb.Helper()
	var sb strings.Builder
	for range n {
		b, err := bal.Pick(req)
		if err != nil {
			tb.Fatalf("pick %d: %v", sb.Len(), err)
		}
		sb.WriteString(b.Name)
	}
	return sb.String()
}

// setInFlight makes b report n requests in flight, telling the balancers
// that index it.
func setInFlight(b *Backend, n int64) { b.SetInFlight(n) }

// keepUpdating has a goroutine give bal each of sets in turn until the
// returned stop is called; stop reports how many updates it made.
func keepUpdating(bal Balancer, sets [][]*Backend) (stop func() int) {
	done, updates := make(chan struct{}), make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-done:
				updates <- n
				return
			default:
			}
			bal.Update(sets[n%len(sets)])
			n++
		}
	}()
	return func() int {
		close(done)
		return <-updates
	}
}
