package proxy

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/valyala/fasthttp"
)

// Request bodies are held in full before a server is picked, so that a
// retry can send them again, but the front end streams them in: a body's
// buffer grows with the bytes that arrived, never with the Content-Length
// a client announced, and every byte held counts against
// max_buffered_bytes, over all requests at once. (fasthttp, left to read
// bodies itself, sizes the buffer from Content-Length before the first
// byte arrives.)

// heldBytes counts the request body bytes held, over all requests.
type heldBytes struct{ n atomic.Int64 }

// reserve counts n more bytes unless that takes the total above limit.
func (h *heldBytes) reserve(n, limit int64) bool {
	if h.n.Add(n) > limit {
		h.n.Add(-n)
		return false
	}
	return true
}

func (h *heldBytes) release(n int64) { h.n.Add(-n) }

// BufferedBytes is the number of request body bytes the proxy holds now,
// over all requests; max_buffered_bytes bounds it.
func (p *Proxy) BufferedBytes() int64 { return p.held.n.Load() }

// keptBodyBuffer is the largest body buffer kept for reuse by the next
// request on the connection; larger ones go back to the garbage collector
// once their request is done.
const keptBodyBuffer = 64 << 10

var (
	errBodyTooLarge = errors.New("request body larger than max_body_bytes")
	errBuffersFull  = errors.New("max_buffered_bytes reached: no room for another request body")
	// savedHeaders keep a chunked request's head while its body is read,
	// so that the trailers that end the body do not join it.
	savedHeaders = sync.Pool{New: func() any { return new(fasthttp.RequestHeader) }}
)

// holdBody reads the request's body into memory, up to limit bytes (413
// beyond it), reserving every byte against maxHeld (503 when the proxy
// holds that much already). Trailers after a chunked body are dropped, as
// nginx does. It returns the bytes reserved, which releaseBody gives back,
// or the status to answer and why.
func (p *Proxy) holdBody(req *fasthttp.Request, limit int, maxHeld int64) (int64, int, error) {
	s := req.BodyStream()
	if s == nil {
		return 0, 0, nil
	}
	size := req.Header.ContentLength()
	switch {
	case size == 0:
		req.ResetBody()
		return 0, 0, nil
	case size > limit:
		return 0, fasthttp.StatusRequestEntityTooLarge, errBodyTooLarge
	}
	var saved *fasthttp.RequestHeader
	if size < 0 {
		saved = savedHeaders.Get().(*fasthttp.RequestHeader)
		req.Header.CopyTo(saved)
		defer func() {
			saved.CopyTo(&req.Header)
			saved.Reset()
			savedHeaders.Put(saved)
		}()
	}
	// The bytes fasthttp read ahead stay with the stream; the body goes
	// to a buffer of its own.
	req.ResetBody()
	bp := buffers.Get().(*[]byte)
	defer buffers.Put(bp)
	var held int64
	for {
		n, err := s.Read(*bp)
		if n > 0 {
			if held+int64(n) > int64(limit) {
				p.held.release(held)
				return 0, fasthttp.StatusRequestEntityTooLarge, errBodyTooLarge
			}
			if !p.held.reserve(int64(n), maxHeld) {
				p.held.release(held)
				return 0, fasthttp.StatusServiceUnavailable, errBuffersFull
			}
			held += int64(n)
			req.AppendBody((*bp)[:n])
		}
		if err == io.EOF {
			return held, 0, nil
		}
		if err != nil {
			p.held.release(held)
			return 0, fasthttp.StatusBadRequest, err
		}
	}
}

// releaseBody gives back what holdBody reserved, and a large buffer to the
// garbage collector.
func (p *Proxy) releaseBody(req *fasthttp.Request, held int64) {
	p.held.release(held)
	req.ReleaseBody(keptBodyBuffer)
}
