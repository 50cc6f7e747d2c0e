package live

import (
	"slices"
	"testing"
	"time"
)

// TestWaitUntil checks that waits end at their deadline: never early by
// more than the alarm's slack, and on an idle process late by less than
// Go's timers alone (up to a millisecond, a half on average). A busy
// machine delays wake-ups: the test then tries twice more, and says so
// rather than judge the median on a machine too busy to show it.
func TestWaitUntil(t *testing.T) {
	const n = 200
	var late []time.Duration
	for attempt := 1; ; attempt++ {
		late = late[:0]
		for i := range n {
			deadline := time.Now().Add(time.Duration(300+37*i%2000) * time.Microsecond)
			if !waitUntil(deadline, nil) {
				t.Fatal("waitUntil without abort returned false")
			}
			late = append(late, time.Since(deadline))
		}
		slices.Sort(late)
		if early := -late[0]; early > aimEarly {
			t.Fatalf("a wait ended %v early", early)
		}
		if p := preciseAlarm(); p != nil {
			if early := -late[0]; early > alarmSlack {
				t.Fatalf("a wait ended %v early, more than the alarm's slack %v", early, alarmSlack)
			}
		}
		if preciseAlarm() == nil || late[n/2] < 250*time.Microsecond {
			return
		}
		if attempt == 3 {
			if late[n/2] > 500*time.Microsecond {
				t.Skipf("median lateness %v on three tries: this machine is too busy to judge the alarm", late[n/2])
			}
			return
		}
	}
}

// TestWaitUntilAbort checks that closing abort ends waits at once, and
// that waiters left behind do not hold up the others.
func TestWaitUntilAbort(t *testing.T) {
	abort := make(chan struct{})
	done := make(chan bool)
	for range 5 {
		go func() { done <- waitUntil(time.Now().Add(time.Hour), abort) }()
	}
	time.Sleep(10 * time.Millisecond)
	close(abort)
	for range 5 {
		select {
		case ok := <-done:
			if ok {
				t.Error("an aborted wait reported true")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("an aborted wait did not return")
		}
	}
	// Waits after an aborted one, earlier and later, still end.
	start := time.Now()
	for _, d := range []time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond} {
		go func() { done <- waitUntil(start.Add(d), nil) }()
	}
	for range 3 {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("a wait did not end")
		}
	}
}
