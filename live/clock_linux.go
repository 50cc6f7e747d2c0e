package live

import (
	"container/heap"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// alarm wakes waiters at their deadlines from one timerfd, armed for the
// earliest: the runtime's poller waits on the timerfd as on a socket, so
// its expiry wakes the poller when it is due rather than at the next whole
// millisecond, and no thread sleeps outside the runtime's knowledge.
type alarm struct {
	f  *os.File
	fd int

	mu      sync.Mutex
	waiters waiters
	// armed is the deadline the timerfd is set for, zero when disarmed.
	armed time.Time
}

// preciseAlarm is the process's alarm, nil if the kernel would not give a
// timerfd.
var preciseAlarm = sync.OnceValue(func() *alarm {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil
	}
	// A non-blocking descriptor makes a File whose reads park in the
	// poller.
	a := &alarm{f: os.NewFile(uintptr(fd), "lbsim-alarm"), fd: fd}
	go a.loop()
	return a
})

// wait returns at deadline, or false as soon as abort is closed. A Go
// timer runs beside the alarm: on a busy process it is the one on time.
func (a *alarm) wait(deadline time.Time, abort <-chan struct{}) bool {
	d := time.Until(deadline)
	if d <= alarmSlack {
		select {
		case <-abort:
			return false
		default:
			return true
		}
	}
	w := &waiter{at: deadline, c: make(chan struct{}, 1)}
	a.mu.Lock()
	heap.Push(&a.waiters, w)
	if a.armed.IsZero() || deadline.Before(a.armed) {
		a.arm(deadline)
	}
	a.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-w.c:
		return true
	case <-t.C:
		return true
	case <-abort:
		return false
	}
}

// loop fires the waiters due each time the timerfd expires, and arms it
// for the next.
func (a *alarm) loop() {
	var buf [8]byte
	for {
		if _, err := a.f.Read(buf[:]); err != nil && !os.IsTimeout(err) {
			// Not expected of a timerfd; waiters still have their Go
			// timers.
			time.Sleep(time.Millisecond)
		}
		a.mu.Lock()
		now := time.Now().Add(alarmSlack)
		for len(a.waiters) > 0 && !a.waiters[0].at.After(now) {
			w := heap.Pop(&a.waiters).(*waiter)
			w.c <- struct{}{} // buffered: a waiter that left does not block it
		}
		a.armed = time.Time{}
		if len(a.waiters) > 0 {
			a.arm(a.waiters[0].at)
		}
		a.mu.Unlock()
	}
}

// arm sets the timerfd to expire at deadline. The caller holds a.mu.
func (a *alarm) arm(deadline time.Time) {
	d := max(time.Until(deadline), time.Microsecond) // 0 would disarm it
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if unix.TimerfdSettime(a.fd, 0, &spec, nil) == nil {
		a.armed = deadline
	}
}

type waiter struct {
	at time.Time
	c  chan struct{}
}

// waiters is a heap of waiters, earliest first.
type waiters []*waiter

func (w waiters) Len() int           { return len(w) }
func (w waiters) Less(i, j int) bool { return w[i].at.Before(w[j].at) }
func (w waiters) Swap(i, j int)      { w[i], w[j] = w[j], w[i] }
func (w *waiters) Push(x any)        { *w = append(*w, x.(*waiter)) }
func (w *waiters) Pop() any {
	old := *w
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*w = old[:len(old)-1]
	return x
}
