package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/scenarios"
)

// newHTTPServer builds the HTTP front end: net/http's server with the
// config's limits, and httputil.ReverseProxy, which removes hop-by-hop
// headers, passes WebSocket upgrades through and streams bodies. The
// balancing, retries and accounting happen in its transport, forwarder.
func (p *Proxy) newHTTPServer(cfg *scenarios.Scenario) *http.Server {
	rp := &httputil.ReverseProxy{
		Rewrite:        rewrite,
		Transport:      &forwarder{p: p},
		BufferPool:     bufferPool{},
		ErrorHandler:   p.proxyError,
		ErrorLog:       discardLog,
		ModifyResponse: checkUpgrade,
		// FlushInterval stays 0: ReverseProxy flushes streamed responses
		// (unknown length, server-sent events) on every write anyway, and
		// flushing every other response costs a write call per response.
	}
	return &http.Server{
		Handler:           &handler{p: p, rp: rp},
		ReadHeaderTimeout: cfg.Timeouts.Header.D(),
		IdleTimeout:       cfg.Timeouts.Idle.D(),
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          discardLog,
	}
}

// newTransport is the connection pool to the servers. It never consults
// HTTP_PROXY and friends: requests go to configured servers only.
func newTransport(cfg *scenarios.Scenario) *http.Transport {
	return &http.Transport{
		Proxy: nil,
		DialContext: (&net.Dialer{
			Timeout:   cfg.Timeouts.Connect.D(),
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConnsPerHost:    1024,
		IdleConnTimeout:        cfg.Timeouts.Idle.D(),
		ResponseHeaderTimeout:  cfg.Timeouts.Response.D(),
		MaxResponseHeaderBytes: int64(cfg.MaxHeaderBytes),
		DisableCompression:     true,
		TLSHandshakeTimeout:    cfg.Timeouts.Connect.D(),
	}
}

// rewrite prepares the outgoing request. Its URL is set per attempt by
// forwarder; the client's URL never chooses where the request goes, so an
// absolute-form request URI cannot turn the proxy into an open proxy.
func rewrite(pr *httputil.ProxyRequest) {
	pr.Out.URL.Scheme = "http"
	pr.Out.URL.Host = ""
	pr.Out.URL.User = nil
	if pr.Out.URL.Path == "" {
		pr.Out.URL.Path = "/"
	}
	// X-Forwarded-For starts afresh from the connection's address: what a
	// client claims in its own X-Forwarded-For is not passed on.
	pr.SetXForwarded()
	pr.Out.Header.Del("X-Real-Ip")
	pr.Out.Host = pr.In.Host
}

// checkUpgrade refuses a 101 response that switches to another protocol
// than the client asked for; the reverse proxy would drop it without
// closing its body, and the request would stay in flight for ever.
func checkUpgrade(resp *http.Response) error {
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil
	}
	if want := resp.Request.Header.Get("Upgrade"); want == "" || !strings.EqualFold(resp.Header.Get("Upgrade"), want) {
		return fmt.Errorf("server switched to protocol %q, the client asked for %q", resp.Header.Get("Upgrade"), want)
	}
	return nil
}

// handler refuses what a reverse proxy must not serve, and writes the
// access log.
type handler struct {
	p  *Proxy
	rp *httputil.ReverseProxy
}

// exchange is one request's record, shared by the handler, the transport
// and the access log.
type exchange struct {
	http.ResponseWriter
	status   int
	bytes    int64
	backend  string
	attempts int
	err      error
}

func (e *exchange) WriteHeader(code int) {
	// Informational responses (100 Continue, 103 Early Hints) precede the
	// final one, which is what the log records; 101 is final.
	if e.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		e.status = code
	}
	e.ResponseWriter.WriteHeader(code)
}

func (e *exchange) Write(b []byte) (int, error) {
	if e.status == 0 {
		e.status = http.StatusOK
	}
	n, err := e.ResponseWriter.Write(b)
	e.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and Hijack.
func (e *exchange) Unwrap() http.ResponseWriter { return e.ResponseWriter }

type exchangeKey struct{}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ex := &exchange{ResponseWriter: w}
	switch {
	case r.Method == http.MethodConnect:
		// CONNECT asks for a tunnel to any host: that is a forward proxy.
		ex.err = errors.New("CONNECT is not served")
		http.Error(ex, "CONNECT is not supported by a reverse proxy", http.StatusMethodNotAllowed)
	case r.URL.Opaque != "" || (r.URL.Scheme != "" && r.URL.Scheme != "http" && r.URL.Scheme != "https"):
		ex.err = errors.New("unsupported request target")
		http.Error(ex, "unsupported request target", http.StatusBadRequest)
	default:
		h.rp.ServeHTTP(ex, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, ex)))
	}
	if log := h.p.opts.AccessLog; log != nil {
		attrs := []slog.Attr{
			slog.String("client", clientAddr(r.RemoteAddr).String()),
			slog.String("method", r.Method),
			slog.String("host", r.Host),
			slog.String("path", r.URL.Path),
			slog.Int("status", ex.status),
			slog.Int64("bytes", ex.bytes),
			slog.String("backend", ex.backend),
			slog.Int("attempts", ex.attempts),
			slog.Float64("latency_ms", float64(time.Since(start).Microseconds())/1000),
		}
		if ex.err != nil {
			attrs = append(attrs, slog.String("error", ex.err.Error()))
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
	}
}

// errNoServer answers a request no server is left for.
var errNoServer = errors.New("no server available")

// proxyError answers a request that failed: 503 when no server was usable,
// 504 when the last one timed out, 502 otherwise.
func (p *Proxy) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	if ex, ok := r.Context().Value(exchangeKey{}).(*exchange); ok {
		// The error answer replaces whatever status an attempt noted.
		ex.err, ex.status = err, 0
	}
	code := http.StatusBadGateway
	switch {
	case errors.Is(err, errNoServer):
		code = http.StatusServiceUnavailable
	case cause(err) == scenarios.RetryTimeout:
		code = http.StatusGatewayTimeout
	}
	http.Error(w, http.StatusText(code), code)
}

// forwarder is the reverse proxy's transport: for each attempt it picks a
// server, sends the request over the shared connection pool, and decides
// whether a failure is tried again elsewhere.
type forwarder struct{ p *Proxy }

func (f *forwarder) RoundTrip(req *http.Request) (*http.Response, error) {
	p := f.p
	st := p.state.Load()
	ex, _ := req.Context().Value(exchangeKey{}).(*exchange)
	if ex == nil {
		ex = new(exchange)
	}
	areq := algorithms.Request{Client: clientAddr(req.RemoteAddr), Now: p.now()}
	hasBody := req.Body != nil && req.Body != http.NoBody
	if hasBody {
		// The transport closes the body after a failed attempt; keep it
		// open for the next one (the server closes it in the end).
		req.Body = io.NopCloser(req.Body)
	}
	sticky, stickyOK := f.stickyServer(st, req)
	start := time.Now()
	tried := make([]*upstream, 0, 4)
	var lastErr error
	for {
		var u *upstream
		if len(tried) == 0 && stickyOK {
			u = sticky
		} else {
			u = st.pick(&areq, tried)
		}
		if u == nil && lastErr != nil {
			// Every server was tried: the last failure is the answer.
			return nil, lastErr
		}
		if u == nil {
			p.metrics.noServer.Inc()
			return nil, errNoServer
		}
		tried = append(tried, u)
		triedN := len(tried)
		ex.backend, ex.attempts = u.be.Name, triedN
		req.URL.Scheme, req.URL.Host = u.url.Scheme, u.url.Host

		attemptStart := time.Now()
		u.be.Begin()
		u.requests.Add(1)
		resp, err := st.transport.RoundTrip(req)
		if err == nil {
			upgraded := resp.StatusCode == http.StatusSwitchingProtocols
			if upgraded {
				// The reverse proxy writes the 101 on the hijacked
				// connection, past the exchange.
				ex.status = resp.StatusCode
			}
			resp.Body = &trackedBody{ReadCloser: resp.Body, p: p, st: st, u: u, start: attemptStart, upgraded: upgraded}
			p.metrics.response(u, resp.StatusCode)
			if st.cfg.Sticky != nil && (!stickyOK || sticky != u) {
				resp.Header.Add("Set-Cookie", st.setCookie[u.be.Index])
			}
			return resp, nil
		}
		if req.Context().Err() != nil {
			// The client went away; the server is not to blame.
			u.be.End()
			st.bal.Done(u.be, algorithms.Outcome{Now: p.now(), Latency: time.Since(attemptStart), Err: err})
			return nil, err
		}
		c := p.finish(st, u, attemptStart, err)
		if !retryable(st.cfg.Retries, req.Method, c, hasBody, triedN, start) {
			return nil, err
		}
		lastErr = err
		p.metrics.retries.Inc()
	}
}

// stickyServer returns the server the request's sticky cookie names, when
// stickiness is on and that server is usable.
func (f *forwarder) stickyServer(st *state, req *http.Request) (*upstream, bool) {
	if st.cfg.Sticky == nil {
		return nil, false
	}
	c, err := req.Cookie(st.cfg.Sticky.Cookie)
	if err != nil {
		return nil, false
	}
	u, ok := st.byCookie[c.Value]
	if !ok || !u.usable(time.Now()) {
		return nil, false
	}
	return u, true
}

// retryable reports whether a failed attempt is tried again: the condition
// is configured, attempts and total time remain, and trying again is safe.
// A failed connection never reached the server, so any request may be
// retried after one; after other failures only requests without a body
// (it was consumed) and with an idempotent method, unless configured.
func retryable(r *scenarios.Retries, method, cause string, hasBody bool, attempts int, start time.Time) bool {
	if !r.Retries(cause) || attempts > r.Count {
		return false
	}
	if r.Timeout > 0 && time.Since(start) >= r.Timeout.D() {
		return false
	}
	if cause == scenarios.RetryConnect {
		return true
	}
	return !hasBody && (idempotent(method) || r.NonIdempotent)
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// cause classifies a failed attempt as one of the retry conditions.
func cause(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return scenarios.RetryConnect
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return scenarios.RetryTimeout
	}
	return scenarios.RetryError
}

// trackedBody ends a request's accounting when the reverse proxy has copied
// the response (or the upgraded connection closes): the server's in-flight
// count, the balancer's outcome, latency and passive checks.
type trackedBody struct {
	io.ReadCloser
	p     *Proxy
	st    *state
	u     *upstream
	start time.Time
	// upgraded marks a 101 response: the body is the connection itself,
	// which either side may close; that is its normal end, not a failure.
	upgraded bool
	// err is the first read error other than EOF; upgraded connections
	// read and close from different goroutines.
	err  atomic.Pointer[error]
	done atomic.Bool
}

func (b *trackedBody) Read(buf []byte) (int, error) {
	n, err := b.ReadCloser.Read(buf)
	if err != nil && err != io.EOF {
		b.err.CompareAndSwap(nil, &err)
	}
	return n, err
}

// Write passes through to an upgraded (101 Switching Protocols) connection,
// whose body the reverse proxy writes to.
func (b *trackedBody) Write(buf []byte) (int, error) {
	if w, ok := b.ReadCloser.(io.Writer); ok {
		return w.Write(buf)
	}
	return 0, errors.New("response body is not writable")
}

func (b *trackedBody) Close() error {
	err := b.ReadCloser.Close()
	if b.done.Swap(true) {
		return err
	}
	// A client that went away (context canceled) is not the server's
	// failure, nor is the end of an upgraded connection.
	var readErr error
	if e := b.err.Load(); e != nil && !b.upgraded && !errors.Is(*e, context.Canceled) {
		readErr = *e
	}
	b.p.finish(b.st, b.u, b.start, readErr)
	return err
}

// bufferPool recycles the reverse proxy's copy buffers.
type bufferPool struct{}

var buffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte  { return *buffers.Get().(*[]byte) }
func (bufferPool) Put(b []byte) { buffers.Put(&b) }
