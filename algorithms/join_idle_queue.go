package algorithms

import (
	"sync"
	"sync/atomic"
)

func init() {
	register(Info{
		Name:    "join_idle_queue",
		Summary: "the longest-idle server from a queue of servers that went idle; a random one when none is idle (JIQ)",
		Description: Description{
			How:      "Keeps a queue of servers that have gone idle: a server joins it when its last request from this balancer ends and it has nothing else in flight. A request goes to the server at the head of the queue, which leaves it; when the queue is empty, the request goes to a server chosen at random.",
			UseWhen:  "many balancers share many servers at low to medium load: a request almost always finds an idle server, and the balancer never has to look at the servers' load when a request arrives.",
			Drawback: "when every server is busy it is plain random, so at high load it queues as badly as random does; and a server that fails fast goes idle at once and rejoins the queue, so it draws more than its share of requests.",
		},
		New: func(opts Options) Balancer {
			return &joinIdleQueue{rng: newRNG(opts.Seed)}
		},
	})
}

// joinIdleQueue is Join-Idle-Queue (Lu, Xie, Kliot, Geller, Larus,
// Greenberg, "Join-Idle-Queue: A novel load balancing algorithm for
// dynamically scalable web services", Performance 2011). The balancer (the
// paper's dispatcher) keeps an I-queue of idle servers: a pick takes the
// head of the queue, and the server leaves it; with the queue empty, a pick
// is uniform at random. A server joins the queue when it becomes idle.
//
// lbsim learns of idleness in Done: the host has called End before Done,
// so InFlight() == 0 there means the server has nothing in flight as far as
// this balancer's host counts. With one balancer that is exact. With
// several, each has its own instance and a server joins the queue of the
// balancer whose request it finished last. That is the paper's distributed
// setting, except that there an idle server reports to a dispatcher chosen
// at random (JIQ-Random) or to the one with the shortest I-queue of d
// sampled (JIQ-SQ(d)), and is in one I-queue only; here every balancer
// starts with every server queued.
//
// A server is in the queue at most once. A pick drops entries that are no
// longer idle (a request reached them through another balancer, or through
// a random pick of this one) and takes the next, since sending a request to
// a busy server while an idle one waits behind it is what JIQ means to
// avoid. A dropped server rejoins when it is idle again. Each entry is
// dropped once, so a pick is O(1) amortised.
//
// At the first Update every idle backend is in the queue, in a seeded random
// order, so balancers started together do not all begin with the same
// server; a later Update appends idle new backends the same way, keeps the
// queue order of the backends that stay and drops the entries of those
// removed. The whole queue is behind one mutex, as weighted_round_robin's
// schedule is.
type joinIdleQueue struct {
	rng  *rng
	mu   sync.Mutex // guards the queue of every snapshot
	snap atomic.Pointer[jiqSnapshot]
}

// place is b's index in s, which may be nil; ok is false when s has not
// got b.
func (s *jiqSnapshot) place(b *Backend) (i int, ok bool) {
	if s == nil {
		return 0, false
	}
	i, ok = s.byPtr[b]
	return i, ok
}

type jiqSnapshot struct {
	backends []*Backend
	byPtr    map[*Backend]int // index in backends
	queued   []bool           // backends[i] is in the queue; under mu
	// The I-queue: a ring of indices into backends, at most one entry per
	// backend, so len(backends) slots always suffice. Under mu.
	ring       []int
	head, size int
}

func (s *jiqSnapshot) push(i int) {
	s.ring[(s.head+s.size)%len(s.ring)] = i
	s.size++
	s.queued[i] = true
}

func (s *jiqSnapshot) pop() int {
	i := s.ring[s.head]
	s.head = (s.head + 1) % len(s.ring)
	s.size--
	s.queued[i] = false
	return i
}

func (p *joinIdleQueue) Pick(*Request) (*Backend, error) {
	p.mu.Lock()
	s := p.snap.Load() // under mu, so no queue entry is lost to an Update
	if s == nil || len(s.backends) == 0 {
		p.mu.Unlock()
		return nil, ErrNoBackend
	}
	for s.size > 0 {
		if b := s.backends[s.pop()]; b.InFlight() <= 0 {
			p.mu.Unlock()
			return b, nil
		}
	}
	p.mu.Unlock()
	return s.backends[p.rng.IntN(len(s.backends))], nil
}

func (p *joinIdleQueue) Done(b *Backend, _ Outcome) {
	if b == nil || b.InFlight() > 0 {
		return // still busy: it joins when its last request ends
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.snap.Load()
	if s == nil {
		return
	}
	if i, ok := s.byPtr[b]; ok && !s.queued[i] && b.InFlight() <= 0 {
		s.push(i)
	}
}

func (p *joinIdleQueue) Update(backends []*Backend) {
	s := &jiqSnapshot{byPtr: make(map[*Backend]int, len(backends))}
	for _, b := range backends {
		if b == nil {
			continue
		}
		if _, dup := s.byPtr[b]; dup {
			continue
		}
		s.byPtr[b] = len(s.backends)
		s.backends = append(s.backends, b)
	}
	s.queued = make([]bool, len(s.backends))
	s.ring = make([]int, len(s.backends))
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.snap.Load()
	if old != nil {
		for k := range old.size {
			if i, ok := s.byPtr[old.backends[old.ring[(old.head+k)%len(old.ring)]]]; ok {
				s.push(i)
			}
		}
	}
	// New backends that are idle join at the tail, shuffled.
	start := s.size
	for i, b := range s.backends {
		if _, known := old.place(b); !known && b.InFlight() <= 0 {
			s.push(i)
		}
	}
	for k := s.size - 1; k > start; k-- {
		j := start + p.rng.IntN(k-start+1)
		s.ring[k], s.ring[j] = s.ring[j], s.ring[k]
	}
	p.snap.Store(s)
}
