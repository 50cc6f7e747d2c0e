package algorithms

import (
	"slices"
	"strings"
	"testing"
)

// jiqInOrder returns a join_idle_queue balancer whose I-queue holds bs in
// order: backends added one Update at a time join at the tail.
func jiqInOrder(t *testing.T, bs []*Backend) Balancer {
	t.Helper()
	bal := mustNew(t, "join_idle_queue", 1)
	for i := range bs {
		bal.Update(bs[:i+1])
	}
	return bal
}

// queueOf lists the I-queue, head first.
func queueOf(bal Balancer) string {
	s := bal.(*joinIdleQueue).snap.Load()
	var sb strings.Builder
	for k := range s.size {
		sb.WriteString(s.backends[s.ring[(s.head+k)%len(s.ring)]].Name)
	}
	return sb.String()
}

// A hand-checked trace with one balancer: a request goes to the head of the
// I-queue, and a server rejoins at the tail when its last request ends.
func TestJoinIdleQueueTrace(t *testing.T) {
	bs := pool(1, 1, 1)
	byName := map[string]*Backend{"a": bs[0], "b": bs[1], "c": bs[2]}
	bal := jiqInOrder(t, bs)
	for k, step := range []struct {
		op, name string // "pick" asserts the pick and begins it; "end" ends one request and reports it
		queue    string // the I-queue afterwards
	}{
		{"", "", "abc"},
		{"pick", "a", "bc"},
		{"pick", "b", "c"},
		{"end", "a", "ca"}, // a is idle: it joins behind c
		{"pick", "c", "a"},
		{"pick", "a", ""},
		{"end", "b", "b"},
		{"pick", "b", ""},
		{"end", "c", "c"},
		{"pick", "c", ""},
		{"pick", "", ""}, // queue empty: a random server, here a busy one
		{"end", "a", "a"},
		{"end", "b", "ab"},
		{"end", "c", "abc"}, // all idle and each queued once
	} {
		switch step.op {
		case "pick":
			b, err := bal.Pick(&Request{})
			if err != nil {
				t.Fatal(err)
			}
			if step.name != "" && b.Name != step.name {
				t.Fatalf("step %d: picked %s, want %s", k, b.Name, step.name)
			}
			b.Begin()
			// The random pick's request ends at once, so the trace goes on
			// with every other request still out.
			if step.name == "" {
				b.End()
				bal.Done(b, Outcome{})
				if q := queueOf(bal); q != "" {
					t.Fatalf("step %d: a busy server (%s, %d in flight) joined: queue %q", k, b.Name, b.InFlight(), q)
				}
				continue
			}
		case "end":
			b := byName[step.name]
			b.End()
			bal.Done(b, Outcome{})
		}
		if q := queueOf(bal); q != step.queue {
			t.Fatalf("step %d (%s %s): queue %q, want %q", k, step.op, step.name, q, step.queue)
		}
	}
}

// With sequential requests every request finds an idle server, the one idle
// longest: the servers take turns.
func TestJoinIdleQueueSequential(t *testing.T) {
	bal := jiqInOrder(t, pool(1, 1, 1, 1))
	var sb strings.Builder
	for range 12 {
		b, _ := bal.Pick(&Request{})
		b.Begin()
		b.End()
		bal.Done(b, Outcome{})
		sb.WriteString(b.Name)
	}
	if got := sb.String(); got != "abcdabcdabcd" {
		t.Errorf("picks %s, want abcd in turn", got)
	}
}

// A server reaches the queue once however many times it is reported idle,
// and an entry that is busy again by the time it comes up is skipped.
func TestJoinIdleQueueNoDuplicatesSkipsBusy(t *testing.T) {
	bs := pool(1, 1, 1)
	bal := jiqInOrder(t, bs)
	bal.Done(bs[0], Outcome{})
	bal.Done(bs[0], Outcome{})
	if q := queueOf(bal); q != "abc" {
		t.Fatalf("queue %q after a reported idle twice, want abc", q)
	}
	setInFlight(bs[0], 1) // a request reached a another way
	if b, _ := bal.Pick(&Request{}); b != bs[1] {
		t.Errorf("picked %s, want b: a is busy", b.Name)
	}
	if q := queueOf(bal); q != "c" {
		t.Errorf("queue %q, want c: the busy entry is dropped", q)
	}
	setInFlight(bs[0], 0)
	bal.Done(bs[0], Outcome{})
	if q := queueOf(bal); q != "ca" {
		t.Errorf("queue %q, want ca: a rejoins once idle", q)
	}
}

// With the queue empty, picks are uniform over every backend.
func TestJoinIdleQueueEmptyQueueIsRandom(t *testing.T) {
	const n = 40000
	bs := pool(1, 5, 1, 1)
	for _, b := range bs {
		setInFlight(b, 1) // busy from the start: none joins
	}
	bal := mustNew(t, "join_idle_queue", 3)
	bal.Update(bs)
	if q := queueOf(bal); q != "" {
		t.Fatalf("queue %q, want empty", q)
	}
	counts := map[string]int{}
	for range n {
		b, _ := bal.Pick(&Request{})
		counts[b.Name]++
	}
	checkShares(t, counts, map[string]float64{"a": .25, "b": .25, "c": .25, "d": .25}, n)
}

// Update drops the entries of removed backends, keeps the order of the
// others, and appends new idle backends; a removed backend's Done is ignored.
func TestJoinIdleQueueUpdate(t *testing.T) {
	bs := pool(1, 1, 1, 1)
	bal := jiqInOrder(t, bs[:3])
	bal.Update([]*Backend{bs[2], bs[1]})
	if q := queueOf(bal); q != "bc" {
		t.Errorf("queue %q after removing a, want bc", q)
	}
	bal.Done(bs[0], Outcome{})
	if q := queueOf(bal); q != "bc" {
		t.Errorf("queue %q after a removed backend's Done, want bc", q)
	}
	bal.Update([]*Backend{bs[1], bs[2], bs[3]})
	if q := queueOf(bal); q != "bcd" {
		t.Errorf("queue %q after adding d, want bcd", q)
	}
	if got := picks(t, bal, &Request{}, 3); got != "bcd" {
		t.Errorf("picks %s, want bcd", got)
	}
}

// The first Update queues the backends in a seeded random order, so
// balancers with different seeds start on different servers.
func TestJoinIdleQueueInitialOrder(t *testing.T) {
	first := func(seed uint64) string {
		bal := mustNew(t, "join_idle_queue", seed)
		bal.Update(pool(1, 1, 1, 1, 1, 1, 1, 1))
		return queueOf(bal)
	}
	a, b := first(1), first(1)
	if a != b {
		t.Errorf("seed 1 gave two orders: %s, %s", a, b)
	}
	got := []byte(a)
	slices.Sort(got)
	if string(got) != "abcdefgh" {
		t.Errorf("queue %s, want every backend once", a)
	}
	distinct := map[string]bool{}
	for seed := range uint64(8) {
		distinct[first(seed)] = true
	}
	if len(distinct) < 4 {
		t.Errorf("8 seeds gave %d orders, want them to differ", len(distinct))
	}
}
