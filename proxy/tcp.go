package proxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lbsim/lbsim/algorithms"
)

// tcpServer is mode tcp: each client connection is one request to the
// balancer, spliced to the server it picks until either side closes.
type tcpServer struct {
	p  *Proxy
	mu sync.Mutex
	ln net.Listener
}

func newTCPServer(p *Proxy) *tcpServer { return &tcpServer{p: p} }

func (t *tcpServer) serve(ln net.Listener) error {
	t.mu.Lock()
	t.ln = ln
	t.mu.Unlock()
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if t.p.sessions.draining() || errors.Is(err, net.ErrClosed) {
				return nil
			}
			// Out of file descriptors and the like: back off and go on,
			// as net/http's server does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			t.p.opts.Log.Error("accept failed", "err", err, "retry_in", backoff.String())
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		if !t.p.sessions.begin(c) {
			c.Close()
			return nil
		}
		go func() {
			defer t.p.sessions.end(c)
			t.handle(c)
		}()
	}
}

// close stops accepting.
func (t *tcpServer) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ln != nil {
		t.ln.Close()
	}
}

// sessions tracks spliced connections, mode tcp's and upgraded HTTP ones,
// so that a drain can wait for them and then close what is left.
type sessions struct {
	mu     sync.Mutex
	conns  map[net.Conn]struct{} // both sides of open sessions
	wg     sync.WaitGroup
	closed bool
}

// begin counts a new session with its client connection; it refuses once
// draining. Adding to the wait group under the lock keeps drain from
// waiting before a session it let in is counted.
func (s *sessions) begin(client net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.conns == nil {
		s.conns = make(map[net.Conn]struct{})
	}
	s.wg.Add(1)
	s.conns[client] = struct{}{}
	return true
}

// add and remove track a session's server connection, which a drain
// closes too: a client that half-closed would otherwise keep it open.
func (s *sessions) add(c net.Conn) {
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
}

func (s *sessions) remove(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// end ends a session begun with client.
func (s *sessions) end(client net.Conn) {
	s.remove(client)
	s.wg.Done()
}

func (s *sessions) draining() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// drain refuses new sessions and waits for the open ones to end until ctx
// is done, then closes them.
func (s *sessions) drain(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		<-done
		return ctx.Err()
	}
}

func (t *tcpServer) handle(client net.Conn) {
	p := t.p
	defer client.Close()
	st := p.state.Load()
	// Mode tcp has no routes, so one pool.
	pl := st.pools[0]
	start := time.Now()
	pl.arrived()
	areq := algorithms.Request{Client: clientAddr(client.RemoteAddr().String()), Now: p.now()}
	var avoid []*upstream
	var server net.Conn
	var a attempt
	var err error
	attempts := 0
	for {
		var next attempt
		var ok bool
		if next, avoid, ok = p.choose(st, pl, &areq, nil, avoid); !ok {
			if err == nil {
				// Not a retry that ran out of servers: none was usable.
				p.metrics.noServer.Inc()
				err = errNoServer
			}
			break
		}
		a = next
		attempts++
		a.start = start
		if attempts > 1 {
			a.start = time.Now()
		}
		a.u.be.Begin()
		a.u.requests.Add(1)
		server, err = net.DialTimeout("tcp", a.u.addr, st.cfg.Timeouts.Connect.D())
		if err == nil {
			break
		}
		// Nothing reached the server: retried as connect, as in mode http.
		err = &connectError{err}
		c := p.finish(st, a, err)
		if !pl.retryable("", c, attempts, start) {
			break
		}
		p.metrics.retries.Inc()
	}
	var in, out int64
	if err == nil {
		// The server took the connection: a probe has succeeded, however
		// long the connection lasts.
		p.breakerSucceeded(st, a.u, a.probe)
		a.probe = false
		p.sessions.add(server)
		in, out, err = splice(client, server, st.cfg.Timeouts.Idle.D())
		p.sessions.remove(server)
		p.finish(st, a, nil)
	}
	if log := p.opts.AccessLog; log != nil {
		attrs := []slog.Attr{
			slog.String("client", areq.Client.String()),
			slog.String("backend", backendName(a.u)),
			slog.Int("attempts", attempts),
			slog.Int64("bytes_in", in),
			slog.Int64("bytes", out),
			slog.Float64("latency_ms", float64(time.Since(start).Microseconds())/1000),
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		log.LogAttrs(context.Background(), slog.LevelInfo, "connection", attrs...)
	}
}

func backendName(u *upstream) string {
	if u == nil {
		return ""
	}
	return u.be.Name
}

// splice copies both ways until both directions end, half-closing each
// side as its peer finishes, and closes the connection once neither side
// has sent anything for idle. It returns the bytes from the client and to
// the client.
func splice(client, server net.Conn, idle time.Duration) (in, out int64, err error) {
	defer server.Close()
	var last atomic.Int64 // when either side last sent, Unix nanoseconds
	last.Store(time.Now().UnixNano())
	var wg sync.WaitGroup
	var inErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		in, inErr = copyIdle(server, client, idle, &last)
		endWrite(server, client, inErr)
	}()
	out, err = copyIdle(client, server, idle, &last)
	endWrite(client, server, err)
	wg.Wait()
	return in, out, errors.Join(err, inErr)
}

// copyIdle copies src to dst until src ends, or until idle has passed
// since last, which both directions of a connection move when they read:
// a long one-way stream keeps its connection open.
func copyIdle(dst, src net.Conn, idle time.Duration, last *atomic.Int64) (int64, error) {
	bp := buffers.Get().(*[]byte)
	defer buffers.Put(bp)
	buf := *bp
	var n int64
	for {
		src.SetReadDeadline(time.Unix(0, last.Load()).Add(idle))
		r, err := src.Read(buf)
		if r > 0 {
			last.Store(time.Now().UnixNano())
			w, werr := dst.Write(buf[:r])
			n += int64(w)
			if werr != nil {
				return n, werr
			}
		}
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && time.Since(time.Unix(0, last.Load())) < idle {
			continue // the other direction was busy meanwhile
		}
		if err != nil {
			return n, err
		}
	}
}

// endWrite passes the end of one direction on to dst: a half-close after a
// clean end, so the other direction can finish, or closing both
// connections after an error, so the other direction stops too.
func endWrite(dst, src net.Conn, err error) {
	if cw, ok := dst.(interface{ CloseWrite() error }); ok && err == nil {
		cw.CloseWrite()
		return
	}
	dst.Close()
	src.Close()
}
