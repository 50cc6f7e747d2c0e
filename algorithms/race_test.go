package algorithms

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// Every policy survives 16 goroutines picking and reporting outcomes while
// another goroutine keeps changing the backend set, including to empty. Run
// with -race; it checks that picks come from the backends ever offered, that
// errors are ErrNoBackend, and that in-flight counts balance at the end.
func TestConcurrentPickUpdate(t *testing.T) {
	const (
		workers        = 16
		picksPerWorker = 2000
	)
	all := pool(3, 1, 2, 1, 5, 1, 1, 4)
	known := map[*Backend]bool{}
	for _, b := range all {
		known[b] = true
	}
	// Sets the updater cycles through: growing, shrinking, reordered, empty.
	sets := [][]*Backend{
		all, all[:1], all[2:5], {}, {all[7], all[0], all[3]}, all[1:], nil, all[:4],
	}
	errFailed := errors.New("failed")
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			bal := mustNew(t, name, 5)
			bal.Update(all)
			stop := keepUpdating(bal, sets)
			var wg sync.WaitGroup
			errs := make(chan error, workers)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for k := range picksPerWorker {
						now := time.Duration(k) * time.Millisecond
						b, err := bal.Pick(&Request{Client: clientAddr(w*picksPerWorker + k), Now: now})
						if err != nil {
							if !errors.Is(err, ErrNoBackend) {
								errs <- err
								return
							}
							continue
						}
						if !known[b] {
							errs <- errors.New("picked a backend never offered")
							return
						}
						b.Begin()
						o := Outcome{Now: now + time.Millisecond, Latency: time.Duration(1+k%7) * time.Millisecond}
						if k%11 == 0 {
							o.Err = errFailed
						}
						bal.Done(b, o)
						b.End()
					}
				}()
			}
			wg.Wait()
			updates := stop()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			for _, b := range all {
				if n := b.InFlight(); n != 0 {
					t.Errorf("%s: %d in flight after every request ended", b.Name, n)
				}
			}
			if updates == 0 {
				t.Error("the updater never ran")
			}
		})
	}
}
