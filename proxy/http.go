package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/scenarios"
)

// Mode http runs on fasthttp, server and client side. net/http with
// httputil.ReverseProxy reached half of nginx's throughput on one core
// (docs/decisions.md has the figures); fasthttp parses into reused buffers
// and runs each exchange on the client connection's goroutine. Request
// bodies are read in full before a server is picked, as nginx does by
// default, so that a request can be retried with its body; responses stream
// through.

// newHTTPServer builds the front end with the config's limits.
func (p *Proxy) newHTTPServer(cfg *scenarios.Scenario) *fasthttp.Server {
	bodyTimeout := fasthttp.RequestConfig{ReadTimeout: cfg.Timeouts.Idle.D()}
	return &fasthttp.Server{
		Handler: p.serveHTTP,
		// ReadTimeout bounds a request's head, counted from its first
		// byte; HeaderReceived then gives the body its own bound.
		ReadTimeout: cfg.Timeouts.Header.D(),
		HeaderReceived: func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
			if h.ContentLength() == 0 {
				// No body: moving the deadline would be wasted work.
				return fasthttp.RequestConfig{}
			}
			return bodyTimeout
		},
		IdleTimeout: fasthttpIdle(cfg.Timeouts.Idle.D()),
		// A goroutine that served a connection now parked waits this long
		// for another before it exits, its grown stack with it.
		MaxIdleWorkerDuration: time.Second,
		ReadBufferSize:        cfg.MaxHeaderBytes,
		MaxRequestBodySize:    cfg.MaxBodyBytes,
		// Bodies are read by holdBody, as they arrive.
		StreamRequestBody: true,
		// An idle keep-alive connection gives its write buffer and request
		// context back to the pool (its read buffer, max_header_bytes,
		// stays while bodies stream): about 4 KiB less per idle client.
		ReduceMemoryUsage: true,
		// Pass the server's headers on as they are. Header names are
		// normalized (x-real-ip becomes X-Real-Ip), so that removing a
		// header removes it whatever its spelling.
		NoDefaultServerHeader:        true,
		NoDefaultDate:                true,
		NoDefaultContentType:         true,
		DisablePreParseMultipartForm: true,
		// The handler keeps its own start time: fasthttp need not read
		// the clock for one.
		LazyRequestTime:       true,
		CloseOnShutdown:       true,
		SecureErrorLogMessage: true,
		ErrorHandler:          p.badRequest,
		ConnState:             p.clientConns.track,
		Logger:                discardLogger{},
	}
}

// clientListener hands out clientConns.
type clientListener struct {
	net.Listener
	side *clientSide
}

func (l clientListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &clientConn{Conn: c, side: l.side}, nil
}

// clientConn is a client's connection, on which a write fails when the
// client has not read for timeouts.idle (nginx's send_timeout). The
// deadline moves on the coarse clock, as serverConn's do. A connection
// that waited parkAfter for its next request is parked rather than closed
// when fasthttp lets it go (park.go).
type clientConn struct {
	net.Conn
	side  *clientSide
	write lazyDeadline
	// state is connOpen, connIdle, connParked or connHijacked; see Close.
	state atomic.Int32
	// idle is set while fasthttp waits for the connection's next request,
	// clear while it serves one: only a wait for a request that does not
	// come parks.
	idle atomic.Bool
	// first is a byte read while the connection was parked, handed to
	// fasthttp by the first Read.
	first    byte
	hasFirst bool
}

// The states of a clientConn.
const (
	connOpen int32 = iota
	// connIdle: the wait for the next request timed out; Close parks.
	connIdle
	// connParked: handed over to park, so that this clientConn no longer
	// owns the connection: Close does nothing.
	connParked
	// connHijacked: upgraded; never parked.
	connHijacked
)

func (c *clientConn) Read(b []byte) (int, error) {
	if c.hasFirst && len(b) > 0 {
		c.hasFirst = false
		b[0] = c.first
		return 1, nil
	}
	n, err := c.Conn.Read(b)
	if n == 0 && c.idle.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
		c.state.CompareAndSwap(connOpen, connIdle)
	}
	return n, err
}

func (c *clientConn) Write(b []byte) (int, error) {
	now := c.side.clock.Now()
	if err := c.write.move(now, c.side.idle, c.Conn.SetWriteDeadline); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

// Close closes the connection, unless fasthttp closes it because it
// waited parkAfter for a request: then it is parked.
func (c *clientConn) Close() error {
	if c.side.parker != nil && c.state.CompareAndSwap(connIdle, connParked) {
		// The wait that timed out began parkAfter ago.
		c.side.parker.park(c.Conn, time.Now().Add(-parkAfter))
		return nil
	}
	if c.state.Load() == connParked {
		return nil
	}
	return c.Conn.Close()
}

// hijacked stops the connection from ever being parked.
func (c *clientConn) hijacked() { c.state.Store(connHijacked) }

// CloseWrite half-closes the connection, for splice.
func (c *clientConn) CloseWrite() error { return closeWrite(c.Conn) }

// closeWrite half-closes c if it can, and closes it otherwise.
func closeWrite(c net.Conn) error {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Close()
}

// lazyDeadline moves a connection's deadline to now+timeout only once a
// sixteenth of the timeout has passed since it last moved: moving it costs
// a timer update, and an operation may then wait up to 1/16 less than the
// timeout (and a tick of the coarse clock), never more.
type lazyDeadline struct{ set time.Time }

func (d *lazyDeadline) move(now time.Time, timeout time.Duration, apply func(time.Time) error) error {
	if now.Sub(d.set) <= timeout/16 {
		return nil
	}
	if err := apply(now.Add(timeout)); err != nil {
		return err
	}
	d.set = now
	return nil
}

// reset makes the next move apply, after the deadline was set elsewhere.
func (d *lazyDeadline) reset() { d.set = time.Time{} }

// connSet is the front end's open client connections, so that a drain
// whose grace period is over can cut them off.
type connSet struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	// pending holds what to do if a connection about to be handed over
	// to an upgraded session closes instead.
	pending map[net.Conn]func()
	// parked are the connections park waits on; draining refuses more.
	parked   map[net.Conn]struct{}
	draining bool
	// resuming counts the parked connections fasthttp serves again, so
	// that a drain waits for one it does not count yet.
	resuming sync.WaitGroup
}

// track follows a connection from its opening to its closing (or its
// upgrade, after which sessions track it).
func (s *connSet) track(c net.Conn, state fasthttp.ConnState) {
	switch state {
	case fasthttp.StateNew:
		s.mu.Lock()
		if s.conns == nil {
			s.conns = make(map[net.Conn]struct{})
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
	case fasthttp.StateIdle, fasthttp.StateActive:
		if cc, ok := c.(*clientConn); ok {
			cc.idle.Store(state == fasthttp.StateIdle)
		}
	case fasthttp.StateClosed, fasthttp.StateHijacked:
		if cc, ok := c.(*clientConn); ok && state == fasthttp.StateHijacked {
			cc.hijacked()
		}
		s.mu.Lock()
		delete(s.conns, c)
		f := s.pending[c]
		delete(s.pending, c)
		s.mu.Unlock()
		if f != nil && state == fasthttp.StateClosed {
			f()
		}
	}
}

// pend registers f to run if c closes before its hand-over.
func (s *connSet) pend(c net.Conn, f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending == nil {
		s.pending = make(map[net.Conn]func())
	}
	s.pending[c] = f
}

// unpend forgets what pend registered: the hand-over happened.
func (s *connSet) unpend(c net.Conn) {
	s.mu.Lock()
	delete(s.pending, c)
	s.mu.Unlock()
}

// closeAll closes every tracked connection. It closes them unlocked: a
// clientConn's Close may park its connection, which takes the lock.
func (s *connSet) closeAll() {
	s.mu.Lock()
	all := slices.Collect(maps.Keys(s.conns))
	all = slices.AppendSeq(all, maps.Keys(s.parked))
	s.mu.Unlock()
	for _, c := range all {
		c.Close()
	}
}

// badRequest answers a request the front end could not read.
func (p *Proxy) badRequest(ctx *fasthttp.RequestCtx, err error) {
	code := fasthttp.StatusBadRequest
	var small *fasthttp.ErrSmallBuffer
	var ne net.Error
	switch {
	case errors.As(err, &small):
		code = fasthttp.StatusRequestHeaderFieldsTooLarge
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		code = fasthttp.StatusRequestEntityTooLarge
	case errors.As(err, &ne) && ne.Timeout():
		code = fasthttp.StatusRequestTimeout
	}
	now := time.Now()
	ex := exchange{start: now, sent: now, client: clientOf(ctx)}
	p.answer(ctx, &ex, code, err)
}

// newClient is the connection pool to one server. It connects only to that
// server's configured address, whatever the request says.
func newClient(cfg *scenarios.Scenario, u *upstream, clock *coarseClock) *fasthttp.HostClient {
	t := cfg.Timeouts
	dialer := &net.Dialer{Timeout: t.Connect.D(), KeepAlive: 30 * time.Second}
	response := t.Response.D()
	return &fasthttp.HostClient{
		Addr:  u.addr,
		IsTLS: u.url.Scheme == "https",
		Dial: func(addr string) (net.Conn, error) {
			c, err := dialer.Dial("tcp", addr)
			if err != nil {
				return nil, &connectError{err}
			}
			return &serverConn{Conn: c, timeout: response, clock: clock}, nil
		},
		MaxConns:            math.MaxInt32,
		MaxIdleConnDuration: t.Idle.D(),
		ConnPoolStrategy:    fasthttp.LIFO,
		// Another connection when a pooled one turns out to have been
		// closed by the server (a server that closes idle connections
		// may have closed several); anything else is the retry policy's
		// to decide.
		MaxIdemponentCallAttempts: 16,
		RetryIfErr: func(_ *fasthttp.Request, _ int, err error) (bool, bool) {
			return false, errors.Is(err, errStaleConn)
		},
		ReadBufferSize:           cfg.MaxHeaderBytes,
		StreamResponseBody:       true,
		Transport:                watchTransport{},
		NoDefaultUserAgentHeader: true,
		DisablePathNormalizing:   true,
		SecureErrorLogMessage:    true,
		TLSConfig:                &tls.Config{MinVersion: tls.VersionTLS12},
	}
}

// connectError marks a failure to connect, which is always safe to retry.
type connectError struct{ err error }

func (e *connectError) Error() string { return "connect: " + e.err.Error() }
func (e *connectError) Unwrap() error { return e.err }

// statusError is a server's answer with an error status (500 to 599): an
// answer, which passive checks and retries may count as a failure when
// their on lists name 5xx.
type statusError struct{ code int }

func (e *statusError) Error() string { return "the server answered " + strconv.Itoa(e.code) }

// errorStatus is a *statusError for an error status, nil for another.
func errorStatus(code int) error {
	if code >= 500 && code <= 599 {
		return &statusError{code}
	}
	return nil
}

// errStaleConn is a pooled connection found closed by the server before a
// request was written on it.
var errStaleConn = errors.New("the server closed the idle connection")

// staleCheckAfter is how long a pooled connection sits idle before it is
// checked for a close by the server (servers close idle connections after
// seconds: Node.js and Apache after 5 s, nginx after 75 s). Under load
// connections are reused sooner and the check, a system call, is skipped.
const staleCheckAfter = 50 * time.Millisecond

// serverConn is a connection to a server. It fails a read that waits
// longer than timeouts.response for the server (for the response's head,
// and for each piece of its body, as nginx's proxy_read_timeout does;
// a timeout of 0 is none), and
// before reusing a connection that sat idle, checks that the server has not
// closed it.
type serverConn struct {
	net.Conn
	timeout     time.Duration
	clock       *coarseClock
	read, write lazyDeadline
	// used is when a request was last written, zero before the first.
	used time.Time
	// wrote is set by a write and cleared by the next read.
	wrote bool
	// client is the connection of the client waiting for this one's
	// answer, watched while the server is silent (watch.go); left is set
	// when it was found closed.
	client net.Conn
	left   bool
}

func (c *serverConn) Read(b []byte) (int, error) {
	if c.wrote {
		// The server cannot have answered the request just written:
		// reading at once would fail with EAGAIN and park the goroutine,
		// a wasted system call per request. Letting the goroutines of
		// other connections run first gives the answer time to arrive, as
		// an event loop serves every ready connection before it polls
		// again. Under light load there is nobody to yield to.
		c.wrote = false
		runtime.Gosched()
	}
	if c.client != nil {
		return c.watchedRead(b)
	}
	if c.timeout > 0 {
		if err := c.read.move(c.clock.Now(), c.timeout, c.Conn.SetReadDeadline); err != nil {
			return 0, err
		}
	}
	return c.Conn.Read(b)
}

func (c *serverConn) Write(b []byte) (int, error) {
	now := c.clock.Now()
	if !c.used.IsZero() && now.Sub(c.used) >= staleCheckAfter && c.closedByServer() {
		return 0, errStaleConn
	}
	c.used = now
	c.wrote = true
	// A server that stops reading fails the write in time too.
	if c.timeout > 0 {
		if err := c.write.move(now, c.timeout, c.Conn.SetWriteDeadline); err != nil {
			return 0, err
		}
	}
	return c.Conn.Write(b)
}

// hopHeaders are meaningful for one connection only and are not forwarded
// (RFC 9110, section 7.6.1), besides those the Connection header names.
var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// removeHopHeaders deletes the hop-by-hop headers from a request, except
// that an upgrade keeps Connection and Upgrade. (Responses are filtered as
// copyResponseHead copies them.)
func removeHopHeaders(h *fasthttp.RequestHeader, upgrade bool) {
	// Most requests carry none: one pass over the headers finds out.
	found := false
	for k := range h.All() {
		if isHopHeader(k) {
			found = true
			break
		}
	}
	if !found {
		return
	}
	for _, v := range h.PeekAll("Connection") {
		for tok := range bytes.SplitSeq(v, []byte(",")) {
			tok = bytes.TrimSpace(tok)
			if len(tok) > 0 && !(upgrade && bytes.EqualFold(tok, []byte("upgrade"))) {
				h.DelBytes(tok)
			}
		}
	}
	for _, k := range hopHeaders {
		if upgrade && (k == "Connection" || k == "Upgrade") {
			continue
		}
		h.Del(k)
	}
}

// copyResponseHead copies a server response's status and end-to-end
// headers to the client's response. (fasthttp's CopyTo would also copy the
// server's protocol version and the header's defaults, and the framing is
// the front end's to choose.)
func copyResponseHead(dst, src *fasthttp.ResponseHeader) {
	dst.SetNoDefaultContentType(true)
	dst.SetStatusCode(src.StatusCode())
	if m := src.StatusMessage(); len(m) > 0 {
		dst.SetStatusMessage(m)
	}
	named := src.PeekAll("Connection")
	for k, v := range src.All() {
		if isHopHeader(k) || bytes.EqualFold(k, []byte("Content-Length")) || namedIn(named, k) {
			continue
		}
		dst.AddBytesKV(k, v)
	}
}

// namedIn reports whether the Connection header values list names k.
func namedIn(values [][]byte, k []byte) bool {
	for _, v := range values {
		for tok := range bytes.SplitSeq(v, []byte(",")) {
			if bytes.EqualFold(bytes.TrimSpace(tok), k) {
				return true
			}
		}
	}
	return false
}

func isHopHeader(k []byte) bool {
	for _, h := range hopHeaders {
		if len(k) == len(h) && bytes.EqualFold(k, []byte(h)) {
			return true
		}
	}
	return false
}

// exchange is one request's record for the access log.
type exchange struct {
	start time.Time
	// sent is when the request was let go to the balancer: its arrival,
	// or the end of the hold a rate limit put it in. Attempts, and what
	// the balancer learns of them, count from here, not from arrival.
	sent     time.Time
	client   netip.Addr
	method   string
	host     string
	path     string
	backend  string
	attempts int
	status   int
	bytes    int64
	err      error
}

// errNoServer answers a request no server is left for.
var errNoServer = errors.New("no server available")

// errNoRoute answers a request for a path that no route matches.
var errNoRoute = errors.New("no route matches the path")

// serveHTTP proxies one request: it refuses what a reverse proxy must not
// serve, routes it to a pool, applies its route's limit, rewrites it for
// the server, and tries the pool's servers as the pool's retry policy
// allows.
func (p *Proxy) serveHTTP(ctx *fasthttp.RequestCtx) {
	now := time.Now()
	ex := exchange{start: now, sent: now, client: clientOf(ctx)}
	req := &ctx.Request
	if p.opts.AccessLog != nil {
		ex.method, ex.host = string(req.Header.Method()), string(ctx.Host())
		ex.path = string(req.URI().PathOriginal())
	}
	switch target := req.Header.RequestURI(); {
	case !knownVersion(req.Header.Protocol()):
		p.answer(ctx, &ex, fasthttp.StatusHTTPVersionNotSupported, errors.New("unsupported HTTP version"))
		return
	case req.Header.IsConnect():
		// CONNECT asks for a tunnel to any host: that is a forward proxy.
		p.answer(ctx, &ex, fasthttp.StatusMethodNotAllowed, errors.New("CONNECT is not served"))
		return
	case req.Header.IsTrace():
		// TRACE would echo the request as the server received it, with
		// whatever the proxy added, back to the client; nginx refuses it too.
		p.answer(ctx, &ex, fasthttp.StatusMethodNotAllowed, errors.New("TRACE is not served"))
		return
	case !validTarget(target, req.Header.IsOptions()):
		p.answer(ctx, &ex, fasthttp.StatusBadRequest, errors.New("unsupported request target"))
		return
	}

	st := p.state.Load()
	pl := st.pools[0]
	if len(st.routes) > 0 {
		// Matched against the path decoded and normalized, as nginx
		// matches its locations, so that /a/../b/ is under /b/.
		var lim *limiter
		if pl, lim = p.route(st, ctx.Path()); pl == nil {
			p.unrouted.Add(1)
			p.answer(ctx, &ex, fasthttp.StatusNotFound, errNoRoute)
			return
		}
		// Before the body is read, as nginx's limit_req: a rejected
		// request's body is not read, a held one's waits in the socket.
		if lim != nil && !p.limit(ctx, &ex, lim) {
			return
		}
	}
	held, code, err := p.holdBody(req, st.cfg.MaxBodyBytes, st.cfg.MaxBufferedBytes)
	if code != 0 {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, fasthttp.ErrTimeout) {
			code = fasthttp.StatusRequestTimeout
		}
		p.answer(ctx, &ex, code, err)
		// The rest of the body is not read: the connection ends here.
		ctx.SetConnectionClose()
		return
	}
	if held > 0 {
		defer p.releaseBody(req, held)
	}
	upgrade := isUpgrade(&req.Header)
	clientClose := req.Header.ConnectionClose()
	removeHopHeaders(&req.Header, upgrade)
	// Servers are spoken to in HTTP/1.1, with keep-alive, whatever the
	// client speaks and however it ends its own connection.
	if req.Header.Protocol()[7] != '1' {
		req.Header.SetProtocol("HTTP/1.1")
	}
	if clientClose {
		req.Header.ResetConnectionClose()
	}
	req.Header.Del("X-Real-Ip")
	// Like X-Forwarded-For, a client's Forwarded header says what the
	// client claims; the proxy is the edge and does not pass it on.
	req.Header.Del("Forwarded")
	// The front end answered any "Expect: 100-continue" and holds the
	// body: the server gets it at once.
	req.Header.Del("Expect")
	// X-Forwarded-For starts afresh from the connection's address: what a
	// client claims in its own X-Forwarded-For is not passed on.
	var addr [48]byte
	req.Header.SetBytesV("X-Forwarded-For", ex.client.AppendTo(addr[:0]))
	req.Header.SetBytesV("X-Forwarded-Host", ctx.Host())
	if ctx.IsTLS() {
		req.Header.Set("X-Forwarded-Proto", "https")
	} else {
		req.Header.Set("X-Forwarded-Proto", "http")
	}
	noHost := len(ctx.Host()) == 0
	req.Header.SetNoDefaultContentType(true)
	if uri := req.URI(); len(uri.Username()) > 0 || len(uri.Password()) > 0 {
		// fasthttp would turn them into an Authorization header.
		uri.SetUsername("")
		uri.SetPassword("")
	}

	pl.arrived()
	pinned := stickyServer(st, pl, req)
	areq := algorithms.Request{Client: ex.client, Now: ex.sent.Sub(p.start)}
	if st.keyed {
		// The request's key is its path and query, as nginx's hash
		// $request_uri, however the client wrote the request's target.
		areq.Key, areq.Keyed = algorithms.KeyHash(req.URI().RequestURI()), true
	}
	// avoid holds the servers tried, and those slow start or a breaker
	// turned the request away from.
	avoid := make([]*upstream, 0, 4)
	var lastErr error
	for attempts := 1; ; attempts++ {
		var a attempt
		var ok bool
		if a, avoid, ok = p.choose(st, pl, &areq, pinned, avoid); !ok {
			if lastErr == nil {
				p.metrics.noServer.Inc()
				lastErr = errNoServer
			}
			p.answerError(ctx, &ex, lastErr)
			return
		}
		u := a.u
		ex.backend, ex.attempts = u.be.Name, attempts
		// The client's URI never chooses where the request goes, so an
		// absolute-form request URI cannot make this an open proxy.
		req.URI().SetScheme(u.url.Scheme)
		if noHost {
			req.URI().SetHost(u.addr)
		}

		a.start = ex.sent
		if attempts > 1 {
			a.start = time.Now()
		}
		u.be.Begin()
		u.requests.Add(1)
		var err error
		if upgrade {
			err = p.upgrade(ctx, st, a, &ex)
		} else {
			err = p.forward(ctx, st, a, &ex, u == pinned, clientClose)
		}
		if err == nil {
			return
		}
		if errors.Is(err, errClientGone) {
			p.finish(st, a, err)
			p.answer(ctx, &ex, statusClientGone, err)
			ctx.SetConnectionClose()
			return
		}
		c := p.finish(st, a, err)
		// An error status comes back only when forward chose to retry it.
		var status *statusError
		if !errors.As(err, &status) && !pl.retryable(string(req.Header.Method()), c, attempts, ex.sent) {
			p.answerError(ctx, &ex, err)
			return
		}
		lastErr = err
		p.metrics.retries.Inc()
	}
}

// validTarget accepts the request-target forms a reverse proxy serves:
// origin form, absolute form with an http or https scheme, and "*" for
// OPTIONS. Other forms (authority, opaque URIs) are refused.
func validTarget(t []byte, options bool) bool {
	switch {
	case len(t) > 0 && t[0] == '/':
		return true
	case options && string(t) == "*":
		return true
	}
	return hasPrefixFold(t, "http://") || hasPrefixFold(t, "https://")
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && bytes.EqualFold(b[:len(prefix)], []byte(prefix))
}

// knownVersion reports HTTP/1.1 and HTTP/1.0, the versions the front end
// speaks; others are answered 505.
func knownVersion(proto []byte) bool {
	return string(proto) == "HTTP/1.1" || string(proto) == "HTTP/1.0"
}

// isUpgrade reports a request to switch protocols (WebSocket and the like).
// An upgrade to h2c (HTTP/2 over cleartext) is not one: the proxy speaks
// HTTP/1.1 to servers, so the request goes on as a plain one, its Upgrade
// header dropped as hop-by-hop, as nginx does.
func isUpgrade(h *fasthttp.RequestHeader) bool {
	if up := h.Peek("Upgrade"); len(up) == 0 || isH2C(up) {
		return false
	}
	for _, v := range h.PeekAll("Connection") {
		for tok := range bytes.SplitSeq(v, []byte(",")) {
			if bytes.EqualFold(bytes.TrimSpace(tok), []byte("upgrade")) {
				return true
			}
		}
	}
	return false
}

// isH2C reports an Upgrade header that offers h2c (and perhaps others).
func isH2C(up []byte) bool {
	for tok := range bytes.SplitSeq(up, []byte(",")) {
		if bytes.EqualFold(bytes.TrimSpace(tok), []byte("h2c")) {
			return true
		}
	}
	return false
}

// forward sends the request to u and, once the response's head is in,
// hands the response to the client. Its body streams from the server while
// the client reads it; responseBody ends the attempt when it is done. An
// error means no response was given, and the attempt is the caller's to end.
func (p *Proxy) forward(ctx *fasthttp.RequestCtx, st *state, a attempt, ex *exchange, pinned, clientClose bool) error {
	u := a.u
	resp := fasthttp.AcquireResponse()
	resp.Header.SetNoDefaultContentType(true) // or it reports a Content-Type the server did not send
	call := calls.Get().(*upstreamCall)
	call.client = ctx.Conn()
	ctx.Request.SetUserValue(callKey{}, call)
	err := st.clients[u.be.Index].Do(&ctx.Request, resp)
	ctx.Request.RemoveUserValue(callKey{})
	if err != nil || resp.BodyStream() == nil {
		// The connection went back to the pool, or was closed.
		call.client = nil
		calls.Put(call)
		call = nil
	}
	if err != nil {
		fasthttp.ReleaseResponse(resp)
		if errors.Is(err, io.EOF) {
			err = fasthttp.ErrConnectionClosed
		}
		return err
	}
	code := resp.StatusCode()
	if code == fasthttp.StatusSwitchingProtocols {
		// Not asked for (upgrades take another path): the connection now
		// speaks another protocol, so it is closed, or dropped from the
		// pool if it went back there.
		if call != nil {
			resp.CloseBodyStream()
			endCall(call, false)
			calls.Put(call)
		}
		fasthttp.ReleaseResponse(resp)
		st.dropIdle(u)
		return errors.New("the server switched protocols unasked")
	}
	if se := errorStatus(code); se != nil && a.pool.retryable(string(ctx.Request.Header.Method()), scenarios.Retry5xx, ex.attempts, ex.sent) {
		// Tried again elsewhere, as nginx's proxy_next_upstream http_500:
		// this answer is dropped, and its connection with it unless the
		// answer was all in.
		p.metrics.response(u, code)
		whole := resp.Header.ContentLength() == 0
		if call != nil {
			resp.CloseBodyStream()
			endCall(call, whole)
			calls.Put(call)
		}
		fasthttp.ReleaseResponse(resp)
		return se
	}
	out := &ctx.Response
	copyResponseHead(&out.Header, &resp.Header)
	if clientClose {
		out.SetConnectionClose()
	}
	if st.cfg.Sticky != nil && !pinned {
		out.Header.Add("Set-Cookie", st.setCookie[u.be.Index])
	}
	p.metrics.response(u, code)
	ex.status = code

	body := resp.BodyStream()
	if body == nil {
		// HEAD, 204, 304: the head was the whole response.
		if n := resp.Header.ContentLength(); n >= 0 {
			out.Header.SetContentLength(n)
		}
		fasthttp.ReleaseResponse(resp)
		p.finish(st, a, errorStatus(code))
		p.logAccess(ex)
		return nil
	}
	b := bodies.Get().(*responseBody)
	*b = responseBody{p: p, st: st, a: a, resp: resp, body: body, call: call, ex: *ex}
	out.SetBodyStream(b, resp.Header.ContentLength())
	return nil
}

// responseBody streams a server's response body to the client and ends
// the attempt when the front end closes it: at the end of the body, or when
// the client went away.
type responseBody struct {
	p    *Proxy
	st   *state
	a    attempt
	resp *fasthttp.Response
	body io.Reader
	// call holds the server's connection; whole is set once the body was
	// read to its end.
	call  *upstreamCall
	whole bool
	// err is the first error reading from the server.
	err error
	ex  exchange
}

var bodies = sync.Pool{New: func() any { return new(responseBody) }}

func (b *responseBody) Read(buf []byte) (int, error) {
	n, err := b.body.Read(buf)
	b.ex.bytes += int64(n)
	if err == io.EOF {
		b.whole = true
	}
	if err != nil && err != io.EOF && b.call != nil {
		err = b.call.sc.why(err)
	}
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// Close releases the server's connection (for reuse if the body was read
// to its end) and ends the attempt. A client that went away is not the
// server's failure.
func (b *responseBody) Close() error {
	whole := b.whole || b.resp.Header.ContentLength() == 0
	closeConn := b.resp.ConnectionClose()
	err := b.resp.CloseBodyStream()
	if b.call != nil {
		b.call.closeConn = b.call.closeConn || closeConn
		endCall(b.call, whole && b.err == nil)
		calls.Put(b.call)
	}
	fasthttp.ReleaseResponse(b.resp)
	if b.err == nil {
		b.p.finish(b.st, b.a, errorStatus(b.ex.status))
	} else {
		b.p.finish(b.st, b.a, b.err)
	}
	if b.err != nil {
		b.ex.err = b.err
		if errors.Is(b.err, errClientGone) {
			b.ex.status = statusClientGone
		}
	}
	b.p.logAccess(&b.ex)
	*b = responseBody{}
	bodies.Put(b)
	return err
}

// upgrade passes a request to switch protocols to u and, when the server
// agrees, joins the two connections until either side ends. An error means
// no response was given, and the attempt is the caller's to end.
func (p *Proxy) upgrade(ctx *fasthttp.RequestCtx, st *state, a attempt, ex *exchange) error {
	cfg, u := st.cfg, a.u
	conn, err := net.DialTimeout("tcp", u.addr, cfg.Timeouts.Connect.D())
	if err != nil {
		return &connectError{err}
	}
	if u.url.Scheme == "https" {
		conn = tls.Client(conn, &tls.Config{ServerName: u.url.Hostname(), MinVersion: tls.VersionTLS12})
	}
	if d := cfg.Timeouts.Response.D(); d > 0 { // 0 is no response timeout
		conn.SetDeadline(time.Now().Add(d))
	}
	br := bufio.NewReaderSize(conn, cfg.MaxHeaderBytes)
	bw := bufio.NewWriter(conn)
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseResponse(resp)
	resp.Header.SetNoDefaultContentType(true)
	ctx.Request.URI().DisablePathNormalizing = true
	err = ctx.Request.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		// Interim responses other than 101 are skipped, and a body is
		// read only where the status allows one; the deadline stays until
		// the server has switched.
		resp.SkipBody = ctx.Request.Header.IsHead()
		err = resp.ReadLimitBody(br, cfg.MaxBodyBytes)
	}
	if err != nil {
		conn.Close()
		return err
	}
	code := resp.StatusCode()
	p.metrics.response(u, code)
	ex.status = code
	if code != fasthttp.StatusSwitchingProtocols {
		// The server declined: its answer goes to the client as it is.
		conn.Close()
		copyResponseHead(&ctx.Response.Header, &resp.Header)
		ctx.Response.SetBody(resp.Body())
		p.finish(st, a, errorStatus(code))
		p.logAccess(ex)
		return nil
	}
	want, got := ctx.Request.Header.Peek("Upgrade"), resp.Header.Peek("Upgrade")
	if !bytes.EqualFold(want, got) {
		conn.Close()
		return fmt.Errorf("server switched to protocol %q, the client asked for %q", got, want)
	}
	conn.SetDeadline(time.Time{})
	// The server's answer is in: a probe has succeeded, whatever becomes
	// of the session, which may last for hours.
	p.breakerSucceeded(st, u, a.probe)
	a.probe = false
	head := append([]byte(nil), resp.Header.Header()...)
	idle := cfg.Timeouts.Idle.D()
	rec := *ex
	// Either side may end an upgraded connection; that is its normal end,
	// not the server's failure.
	var once sync.Once
	end := func(err error, bytes int64) {
		once.Do(func() {
			conn.Close()
			p.finish(st, a, nil)
			rec.err, rec.bytes = err, bytes
			p.logAccess(&rec)
		})
	}
	// The front end may fail to hand the connection over (the client
	// went away meanwhile); the attempt must end all the same.
	orig := ctx.Conn()
	p.clientConns.pend(orig, func() { end(errors.New("the client left before the upgrade"), 0) })
	ctx.HijackSetNoResponse(true)
	ctx.Hijack(func(client net.Conn) {
		p.clientConns.unpend(orig)
		if !p.sessions.begin(client) {
			end(errors.New("draining"), 0) // the session would be cut off at once
			return
		}
		defer p.sessions.end(client)
		if _, err := client.Write(head); err != nil {
			end(err, 0)
			return
		}
		server := &bufferedConn{Conn: conn, r: br}
		p.sessions.add(server)
		defer p.sessions.remove(server)
		_, out, _ := splice(client, server, idle)
		end(nil, out)
	})
	return nil
}

// bufferedConn reads what a bufio.Reader already holds before the
// connection itself.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// CloseWrite half-closes a TCP connection, so splice can pass one side's
// end on to the other.
func (c *bufferedConn) CloseWrite() error { return closeWrite(c.Conn) }

// answer sends the proxy's own response.
func (p *Proxy) answer(ctx *fasthttp.RequestCtx, ex *exchange, code int, err error) {
	ctx.Response.Reset()
	ctx.Error(fasthttp.StatusMessage(code), code)
	ex.status, ex.err = code, err
	p.logAccess(ex)
}

// answerError answers a request that failed: 503 when no server was
// usable, 504 when the last one timed out, the last server's status when
// it answered with an error status that was to be retried but no server
// was left (its body is gone), 502 otherwise.
func (p *Proxy) answerError(ctx *fasthttp.RequestCtx, ex *exchange, err error) {
	code := fasthttp.StatusBadGateway
	var status *statusError
	switch {
	case errors.Is(err, errNoServer):
		code = fasthttp.StatusServiceUnavailable
	case errors.As(err, &status):
		code = status.code
	case cause(err) == scenarios.RetryTimeout:
		code = fasthttp.StatusGatewayTimeout
	}
	p.answer(ctx, ex, code, err)
}

// logAccess writes a request's access-log record; docs/proxy.md lists the
// fields.
func (p *Proxy) logAccess(ex *exchange) {
	log := p.opts.AccessLog
	if log == nil {
		return
	}
	attrs := []slog.Attr{
		slog.String("client", ex.client.String()),
		slog.String("method", ex.method),
		slog.String("host", ex.host),
		slog.String("path", ex.path),
		slog.Int("status", ex.status),
		slog.Int64("bytes", ex.bytes),
		slog.String("backend", ex.backend),
		slog.Int("attempts", ex.attempts),
		slog.Float64("latency_ms", float64(time.Since(ex.start).Microseconds())/1000),
	}
	if ex.err != nil {
		attrs = append(attrs, slog.String("error", ex.err.Error()))
	}
	log.LogAttrs(context.Background(), slog.LevelInfo, "request", attrs...)
}

// stickyServer returns the server the request's sticky cookie names, when
// stickiness is on, the server is in the request's pool pl, and the pool's
// balancer may choose it (as in the simulator: a backup only while no
// primary is usable, an unhealthy server in panic); nil otherwise.
func stickyServer(st *state, pl *pool, req *fasthttp.Request) *upstream {
	if st.cfg.Sticky == nil {
		return nil
	}
	v := req.Header.Cookie(st.cfg.Sticky.Cookie)
	if len(v) == 0 {
		return nil
	}
	u, ok := st.byCookie[string(v)]
	if !ok || st.poolOf[u.be.Index] != pl || !u.inRotation.Load() {
		return nil
	}
	return u
}

// retryable reports whether a failed attempt is tried again in pool pl:
// the pool's retries section names the condition, attempts and total time
// remain, trying again is safe, and the pool's retry budget, if it has
// one, holds a retry, which this spends.
// A failed connection never reached the server, so any request may be
// retried after one; after other failures only idempotent requests are,
// unless configured. Bodies are held in full, so they can be sent again.
func (pl *pool) retryable(method, cause string, attempts int, start time.Time) bool {
	r := pl.retries
	if !r.Retries(cause) || attempts > r.Count {
		return false
	}
	if r.Timeout > 0 && time.Since(start) >= r.Timeout.D() {
		return false
	}
	if cause != scenarios.RetryConnect && !idempotent(method) && !r.NonIdempotent {
		return false
	}
	// Last, so that only a retry that would happen spends the budget.
	return r.Budget == 0 || pl.live.budget.spend()
}

func idempotent(method string) bool {
	switch method {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	return false
}

// cause classifies a failed attempt as one of the retry conditions.
func cause(err error) string {
	var ce *connectError
	if errors.As(err, &ce) {
		return scenarios.RetryConnect
	}
	var se *statusError
	if errors.As(err, &se) {
		return scenarios.Retry5xx
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, fasthttp.ErrTimeout) || (errors.As(err, &ne) && ne.Timeout()) {
		return scenarios.RetryTimeout
	}
	return scenarios.RetryError
}

// clientOf is the address of the request's client.
func clientOf(ctx *fasthttp.RequestCtx) netip.Addr {
	if a, ok := ctx.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort().Addr().Unmap()
	}
	return clientAddr(ctx.RemoteAddr().String())
}

// buffers recycles the copy buffers of mode tcp and upgraded connections.
var buffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// discardLogger silences fasthttp's own logging: the proxy reports through
// Options.Log.
type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
