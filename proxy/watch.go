package proxy

import (
	"bufio"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// A client that gives up ends its request at once, as with nginx: while a
// server is silent, the proxy looks at the client's connection every
// clientCheck, and when the client has closed it, the read from the server
// fails with errClientGone, the server's connection is closed, and the
// request stops counting as in flight. The client's leaving is not the
// server's failure.
//
// The server's connection is fasthttp's, from its pool: watchTransport
// takes it from the pool itself, so that the connection knows which
// client it answers.

// clientCheck is how long a server may be silent before the proxy checks
// that the client still waits, and again every clientCheck. After
// clientBackoff of silence each check comes twice as long after the one
// before, up to maxClientCheck: thousands of requests waiting on an
// overloaded server, each checked every 100 ms, woke the proxy tens of
// thousands of times a second and took its cores.
const (
	clientCheck    = 100 * time.Millisecond
	clientBackoff  = time.Second
	maxClientCheck = time.Second
)

// errClientGone ends an exchange whose client closed its connection.
var errClientGone = errors.New("the client closed the connection")

// statusClientGone is nginx's status for a request whose client left
// before the answer; it goes to the access log only.
const statusClientGone = 499

// upstreamCall is one attempt's hold on a server's connection, from the
// request to the end of the response body.
type upstreamCall struct {
	client net.Conn
	hc     *fasthttp.HostClient
	// cc is fasthttp's pooled connection (of a type it does not export),
	// set while a response body streams.
	cc        any
	br        *bufio.Reader
	sc        *serverConn
	closeConn bool
}

// callKey keys the request's upstreamCall among its user values.
type callKey struct{}

var calls = sync.Pool{New: func() any { return new(upstreamCall) }}

// watchTransport is fasthttp's transport, but the server's connection
// watches the request's client while it waits for the server.
type watchTransport struct{}

func (watchTransport) RoundTrip(hc *fasthttp.HostClient, req *fasthttp.Request, resp *fasthttp.Response) (bool, error) {
	call, _ := req.UserValue(callKey{}).(*upstreamCall)
	if call == nil {
		return fasthttp.DefaultTransport.RoundTrip(hc, req, resp)
	}
	cc, err := hc.AcquireConn(0, req.ConnectionClose())
	if err != nil {
		return false, err
	}
	conn := cc.Conn()
	sc := serverConnOf(conn)
	if sc != nil {
		sc.watch(call.client)
	}
	bw := hc.AcquireWriter(conn)
	err = req.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	hc.ReleaseWriter(bw)
	if err != nil {
		err = sc.why(err)
		sc.unwatch()
		hc.CloseConn(cc)
		return !errors.Is(err, errClientGone), err
	}
	if req.Header.IsHead() {
		resp.SkipBody = true
	}
	br := hc.AcquireReader(conn)
	if err = resp.ReadLimitBody(br, 0); err != nil {
		err = sc.why(err)
		hc.ReleaseReader(br)
		sc.unwatch()
		hc.CloseConn(cc)
		return !errors.Is(err, errClientGone), err
	}
	closeConn := req.ConnectionClose() || resp.ConnectionClose()
	if resp.BodyStream() != nil {
		// The body streams to the client; endCall lets go of the
		// connection when it is done.
		*call = upstreamCall{client: call.client, hc: hc, cc: cc, br: br, sc: sc, closeConn: closeConn}
		return false, nil
	}
	hc.ReleaseReader(br)
	sc.unwatch()
	if closeConn {
		hc.CloseConn(cc)
	} else {
		hc.ReleaseConn(cc)
	}
	return false, nil
}

// endCall lets go of a streamed response's connection: back to the pool if
// its body was read to the end, closed otherwise. The response's body
// stream must be closed first. call is then empty, ready for the pool.
func endCall(call *upstreamCall, whole bool) {
	if call.hc == nil {
		*call = upstreamCall{}
		return
	}
	call.hc.ReleaseReader(call.br)
	call.sc.unwatch()
	if call.closeConn || !whole {
		withConn(call.hc, call.cc, (*fasthttp.HostClient).CloseConn)
	} else {
		withConn(call.hc, call.cc, (*fasthttp.HostClient).ReleaseConn)
	}
	*call = upstreamCall{}
}

// withConn calls f with the pooled connection cc holds, whose type fasthttp
// does not export.
func withConn[C any](hc *fasthttp.HostClient, cc any, f func(*fasthttp.HostClient, C)) {
	f(hc, cc.(C))
}

// serverConnOf finds the serverConn under a pooled connection.
func serverConnOf(c net.Conn) *serverConn {
	if t, ok := c.(*tls.Conn); ok {
		c = t.NetConn()
	}
	sc, _ := c.(*serverConn)
	return sc
}

// watch makes reads from the server check on client while they wait.
func (c *serverConn) watch(client net.Conn) {
	c.client, c.left = client, false
	c.read.reset()
}

// why is errClientGone if the client left, which fasthttp may have
// reported as another error (an end of stream, say), and err otherwise.
func (c *serverConn) why(err error) error {
	if c != nil && c.left {
		return errClientGone
	}
	return err
}

// unwatch ends watch; the connection may go back to the pool.
func (c *serverConn) unwatch() {
	if c == nil {
		return
	}
	c.client = nil
	c.read.reset()
}

// watchedRead reads from the server, waking after clientCheck, then less
// and less often, to see whether the client is still there, and failing
// as Read does when the server is silent for its timeout.
func (c *serverConn) watchedRead(b []byte) (int, error) {
	start := c.clock.Now()
	wait := clientCheck
	if c.timeout > 0 {
		wait = min(wait, c.timeout)
	}
	for {
		if err := c.read.move(c.clock.Now(), wait, c.Conn.SetReadDeadline); err != nil {
			return 0, err
		}
		n, err := c.Conn.Read(b)
		if n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
		if c.timeout > 0 && c.clock.Now().Sub(start) >= c.timeout {
			return n, err
		}
		if clientGone(c.client) {
			c.left = true
			return 0, errClientGone
		}
		c.read.reset()
		silent := c.clock.Now().Sub(start)
		if silent >= clientBackoff {
			wait = min(2*wait, maxClientCheck)
		}
		if c.timeout > 0 {
			wait = min(wait, c.timeout-silent)
		}
	}
}

// probeAbandoned gives back a half-open breaker's probe whose client left:
// it says nothing about the server.
func (p *Proxy) probeAbandoned(st *state, u *upstream) {
	if st.cfg.CircuitBreaker == nil {
		return
	}
	u.mu.Lock()
	back := u.cb == breakerHalf && u.cbProbes > 0
	if back {
		u.cbProbes--
	}
	u.mu.Unlock()
	if back {
		p.refresh()
	}
}
