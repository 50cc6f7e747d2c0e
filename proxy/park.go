package proxy

import (
	"context"
	"net"
	"time"

	"github.com/valyala/fasthttp"
)

// An idle keep-alive client connection served by fasthttp holds a
// goroutine whose stack grew to 8 KiB or more serving requests, and a read
// buffer of max_header_bytes: about 16 KiB a connection, where nginx,
// which frees a connection's request buffers when it goes idle, needs
// under 1 KiB. People keep thousands of such connections open. So once a
// connection has waited parkAfter for its next request, fasthttp lets it go
// (its idle timeout is parkAfter) and clientConn.Close parks it instead of
// closing it: a new goroutine, whose stack stays at the 2 KiB minimum, waits
// for the first byte of the next request within what is left of
// timeouts.idle, then has fasthttp serve the connection afresh. A busy
// connection never parks, and a parked one costs one more goroutine start
// when its client comes back.
const parkAfter = 100 * time.Millisecond

// clientSide is what the client connections share.
type clientSide struct {
	// idle is timeouts.idle: the longest wait for a client's next request,
	// and for a client to read what it is sent.
	idle  time.Duration
	clock *coarseClock
	// parker is nil when timeouts.idle is short enough that fasthttp
	// closes idle connections before they would park.
	parker *parker
}

// parker waits on parked connections.
type parker struct {
	srv   *fasthttp.Server
	conns *connSet
	side  *clientSide
}

// fasthttpIdle is fasthttp's idle timeout for a front end whose
// timeouts.idle is idle: parkAfter when connections park.
func fasthttpIdle(idle time.Duration) time.Duration {
	if idle > parkAfter {
		return parkAfter
	}
	return idle
}

// park waits for c's next request, which the client may send until
// timeouts.idle after the last response (at since).
func (pk *parker) park(c net.Conn, since time.Time) {
	if !pk.conns.park(c) {
		c.Close()
		return
	}
	go pk.wait(c, since.Add(pk.side.idle))
}

func (pk *parker) wait(c net.Conn, deadline time.Time) {
	var b [1]byte
	n := 0
	if c.SetReadDeadline(deadline) == nil {
		n, _ = c.Read(b[:])
	}
	if n == 0 {
		// The client left, or timeouts.idle is over.
		if pk.conns.unpark(c, nil) {
			c.Close()
		}
		return
	}
	cc := &clientConn{Conn: c, side: pk.side, first: b[0], hasFirst: true}
	if !pk.conns.unpark(c, cc) {
		return // closed by a drain
	}
	defer pk.conns.resuming.Done()
	// fasthttp sets the read deadline again, and closes cc or parks it.
	pk.srv.ServeConn(cc) //nolint:errcheck // nothing to report it to
}

// park takes c in among the parked connections, unless the front end is
// draining.
func (s *connSet) park(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return false
	}
	if s.parked == nil {
		s.parked = make(map[net.Conn]struct{})
	}
	s.parked[c] = struct{}{}
	return true
}

// unpark moves c from the parked connections to the open ones as cc,
// counting it in resuming until its caller is done serving it (or just
// drops c when cc is nil); it reports false if a drain closed c
// meanwhile.
func (s *connSet) unpark(c, cc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.parked[c]; !ok {
		return false
	}
	delete(s.parked, c)
	if cc == nil {
		return true
	}
	if s.conns == nil {
		s.conns = make(map[net.Conn]struct{})
	}
	s.conns[cc] = struct{}{}
	s.resuming.Add(1)
	return true
}

// resumed waits until every connection unparked before the drain has been
// served, or ctx is done.
func (s *connSet) resumed(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.resuming.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// counts returns how many client connections fasthttp serves and how many
// are parked.
func (s *connSet) counts() (served, parked int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns), len(s.parked)
}

// drain refuses to park any more connections and closes the parked ones,
// which wait for no request (nginx closes idle keep-alive connections
// when it shuts down, as fasthttp does).
func (s *connSet) drain() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.draining = true
	for c := range s.parked {
		c.Close()
	}
	s.parked = nil
}
