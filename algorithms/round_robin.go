package algorithms

import "sync/atomic"

func init() {
	register(Info{
		Name:    "round_robin",
		Summary: "each backend in turn, ignoring weights and load",
		Description: Description{
			How:      "Deals requests out like cards: the first to the first server, the next to the second, and back to the first after the last. It looks at nothing else: not how busy a server is, not its weight, not who is asking.",
			UseWhen:  "the servers are alike and so are the requests: a stateless API on identical machines.",
			Drawback: "it ignores load, so a server stuck on a slow request keeps getting its turn and the requests dealt to it wait.",
		},
		New: func(Options) Balancer { return &roundRobin{} },
	})
}

// roundRobin hands requests to the backends of the snapshot in order. One
// atomic counter, shared across snapshots, numbers the picks; pick k goes to
// backend k mod n, so after an Update the rotation continues rather than
// restarting at the first backend.
type roundRobin struct {
	snap atomic.Pointer[[]*Backend]
	next atomic.Uint64
}

func (p *roundRobin) Pick(*Request) (*Backend, error) {
	s := p.snap.Load()
	if s == nil || len(*s) == 0 {
		return nil, ErrNoBackend
	}
	bs := *s
	return bs[(p.next.Add(1)-1)%uint64(len(bs))], nil
}

func (p *roundRobin) Done(*Backend, Outcome) {}

func (p *roundRobin) Update(backends []*Backend) {
	bs := make([]*Backend, 0, len(backends))
	for _, b := range backends {
		if b != nil {
			bs = append(bs, b)
		}
	}
	p.snap.Store(&bs)
}
