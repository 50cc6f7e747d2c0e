package playground

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lbsim/lbsim/internal/suggest"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
	"github.com/lbsim/lbsim/workloads"
)

// Defaults of Config.
const (
	// DefaultMaxRequests is a million arrivals per algorithm: a second or
	// two of simulation for most scenarios.
	DefaultMaxRequests = 1_000_000
	// DefaultMaxTime is how long one request may run.
	DefaultMaxTime = 60 * time.Second
	// DefaultMaxRuns is how many runs go at once; a run uses every core.
	DefaultMaxRuns = 2
)

// MaxBody is the largest body a Handler reads: a scenario file's limit.
const MaxBody = scenarios.MaxFileSize

// Config bounds what a Handler's runs may cost. A field left at 0 (or
// below) takes its default.
type Config struct {
	// MaxRequests cuts each algorithm's run after this many arrivals when
	// its scenario would send more; the answer then says so (cut_at).
	MaxRequests int64
	// MaxTime bounds the wall time of one request's runs; a request that
	// takes longer is answered 504.
	MaxTime time.Duration
	// MaxRuns is how many requests may run scenarios at once; the next is
	// answered 503 until one ends.
	MaxRuns int
}

// Handler serves the playground's page and API. Make one with New.
type Handler struct {
	cfg   Config
	mux   *http.ServeMux
	slots chan struct{} // one token per run in progress
	// bundledYAML finds the bundled scenario a posted body is a copy of,
	// and traces are the trace files a posted scenario may replay.
	bundledYAML map[string]string
	traces      map[string]bool
}

//go:embed static
var static embed.FS

// New returns a Handler with the limits cfg gives.
func New(cfg Config) *Handler {
	if cfg.MaxRequests <= 0 {
		cfg.MaxRequests = DefaultMaxRequests
	}
	if cfg.MaxTime <= 0 {
		cfg.MaxTime = DefaultMaxTime
	}
	if cfg.MaxRuns <= 0 {
		cfg.MaxRuns = DefaultMaxRuns
	}
	h := &Handler{
		cfg:         cfg,
		mux:         http.NewServeMux(),
		slots:       make(chan struct{}, cfg.MaxRuns),
		bundledYAML: map[string]string{},
		traces:      map[string]bool{},
	}
	for _, sc := range scenarios.Bundled() {
		h.bundledYAML[string(sc.YAML)] = sc.Name
		if t := sc.Workload.Trace; t != nil {
			h.traces[cleanTracePath(t.File)] = true
		}
	}
	h.page("/{$}", "static/index.html", "text/html; charset=utf-8")
	h.page("/app.js", "static/app.js", "text/javascript; charset=utf-8")
	h.page("/app.css", "static/app.css", "text/css; charset=utf-8")
	h.api(http.MethodGet, "/api/scenarios", h.listScenarios)
	h.api(http.MethodGet, "/api/algorithms", h.listAlgorithms)
	h.api(http.MethodGet, "/api/explain", h.explain)
	h.api(http.MethodPost, "/api/run", h.run)
	h.api(http.MethodPost, "/api/report", h.report)
	h.api(http.MethodPost, "/api/trace", h.trace)
	h.api(http.MethodPost, "/api/edit", h.edit)
	h.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, &apiError{http.StatusNotFound, "no such API: " + r.URL.Path + "; see docs/playground.md"})
	})
	return h
}

// ServeHTTP serves the page and the API.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}

// contentPolicy lets the page load nothing but its own script and style
// and talk to nothing but its own API: a browser refuses anything else.
// Charts are inline SVG, whose style attributes need 'unsafe-inline'.
const contentPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// page serves an embedded file at pattern.
func (h *Handler) page(pattern, file, contentType string) {
	body, err := static.ReadFile(file)
	if err != nil {
		panic("playground: " + file + " is not embedded") // a build error, caught by every test
	}
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed: the page is read with GET", http.StatusMethodNotAllowed)
			return
		}
		hd := w.Header()
		hd.Set("Content-Type", contentType)
		hd.Set("Content-Security-Policy", contentPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	})
}

// api serves one method at path with fn, whose error becomes the answer.
func (h *Handler) api(method, path string, fn func(http.ResponseWriter, *http.Request) error) {
	h.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		if r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead) {
			w.Header().Set("Allow", method)
			writeError(w, &apiError{http.StatusMethodNotAllowed, fmt.Sprintf("%s takes %s, not %s", path, method, r.Method)})
			return
		}
		// A page on another site may post to a server on loopback, but
		// the browser then says where the page came from.
		if o := r.Header.Get("Origin"); o != "" && method == http.MethodPost {
			if u, err := url.Parse(o); err != nil || u.Host != r.Host {
				writeError(w, &apiError{http.StatusForbidden, "a page from " + o + " may not run scenarios here"})
				return
			}
		}
		if err := fn(w, r); err != nil {
			writeError(w, err)
		}
	})
}

// apiError is an answer other than 200: its status and message.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// errorAnswer is the body of every answer other than 200. For a scenario
// at fault, File, Line, Column and Field say where, as in Error.
type errorAnswer struct {
	Error  string `json:"error"`
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	Field  string `json:"field,omitempty"`
}

// writeError answers err with its status: 400 for bad input (the
// scenario, the query), 504 for a run over the time limit, 500 for a
// failure of lbsim's own.
func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	var se *scenarios.Error
	answer := errorAnswer{Error: err.Error()}
	status := http.StatusInternalServerError
	switch {
	case errors.As(err, &ae):
		status = ae.status
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "1")
		}
	case errors.As(err, &se):
		status = http.StatusBadRequest
		answer.File, answer.Line, answer.Column, answer.Field = se.Source, se.Line, se.Column, se.Field
	case errors.Is(err, context.DeadlineExceeded):
		status = http.StatusGatewayTimeout
	case errors.Is(err, context.Canceled):
		status = http.StatusServiceUnavailable
		answer.Error = "the run was stopped: the server is shutting down or the client went away"
	case errors.Is(err, sim.ErrNothingMeasured), errors.Is(err, workloads.ErrTrace):
		status = http.StatusBadRequest
	}
	writeJSON(w, status, answer)
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "encoding the answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// writeText answers text.
func writeText(w http.ResponseWriter, text []byte) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write(text)
}

// readBody reads a posted scenario, refusing one over MaxBody.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &apiError{http.StatusRequestEntityTooLarge, fmt.Sprintf("the scenario is larger than %d bytes; a scenario file is at most 1 MiB", MaxBody)}
	case err != nil:
		return nil, badRequest("reading the scenario: %v", err)
	}
	return body, nil
}

// acquire takes a run's slot, or answers that the server is busy; call
// the release it returns when the run is over.
func (h *Handler) acquire() (release func(), err error) {
	select {
	case h.slots <- struct{}{}:
		return func() { <-h.slots }, nil
	default:
		return nil, &apiError{http.StatusServiceUnavailable, fmt.Sprintf("busy: %d runs are in progress, as many as this server runs at once; try again when one ends", cap(h.slots))}
	}
}

// runContext bounds a request's runs by the time limit; its error names
// the limit.
func (h *Handler) runContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(r.Context(), h.cfg.MaxTime, &timeoutError{h.cfg.MaxTime})
}

// timeoutError is why a run over the time limit stopped.
type timeoutError struct{ limit time.Duration }

func (e *timeoutError) Error() string {
	return fmt.Sprintf("the run took longer than this server allows (%s, lbsim serve --max-time); ask for fewer requests, seeds or algorithms", e.limit)
}

func (e *timeoutError) Unwrap() error { return context.DeadlineExceeded }

// stopped returns the cause of ctx's end in place of err when the run
// stopped because ctx is done.
func stopped(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(err, cause) {
			return cause
		}
	}
	return err
}

// query reads a request's query, refusing a parameter the endpoint does
// not take, naming the nearest one it does.
func query(r *http.Request, known ...string) (url.Values, error) {
	q := r.URL.Query()
	for name := range q {
		if slices.Contains(known, name) {
			continue
		}
		if near, ok := suggest.Nearest(name, known); ok {
			return nil, badRequest("%s takes no parameter %q; did you mean %q?", r.URL.Path, name, near)
		}
		if len(known) == 0 {
			return nil, badRequest("%s takes no parameters, got %q", r.URL.Path, name)
		}
		return nil, badRequest("%s takes no parameter %q (it takes %s)", r.URL.Path, name, strings.Join(known, ", "))
	}
	return q, nil
}
