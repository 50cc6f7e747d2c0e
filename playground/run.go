package playground

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/report"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
)

// MaxSeeds bounds ?seeds=: each seed is a run of every algorithm.
const MaxSeeds = 100

// runParams are the query parameters of /api/run and /api/report, which
// mirror lbsim run's flags.
var runParams = []string{"file", "seed", "seeds", "aggregate", "requests", "algorithms"}

// runRequest is a scenario to run and how.
type runRequest struct {
	sc    *scenarios.Scenario
	algs  []string
	seeds []uint64
	how   results.Aggregate
}

// readRun reads a posted scenario and the parameters that say how to run
// it.
func (h *Handler) readRun(w http.ResponseWriter, r *http.Request) (*runRequest, error) {
	q, err := query(r, runParams...)
	if err != nil {
		return nil, err
	}
	body, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	sc, err := h.load(body, q.Get("file"))
	if err != nil {
		return nil, err
	}
	if err := applySeed(sc, q); err != nil {
		return nil, err
	}
	rr := &runRequest{sc: sc, algs: sc.Algorithms, how: results.AggregateWorst}
	n := 1
	if s := q.Get("seeds"); s != "" {
		if n, err = strconv.Atoi(s); err != nil || n < 1 || n > MaxSeeds {
			return nil, badRequest("seeds must be a whole number from 1 to %d, got %q", MaxSeeds, s)
		}
	}
	for i := range n {
		rr.seeds = append(rr.seeds, sc.Seed+uint64(i))
	}
	if s := q.Get("aggregate"); s != "" {
		if rr.how, err = results.ParseAggregate(s); err != nil {
			return nil, badRequest("aggregate: %v", err)
		}
	}
	if s := q.Get("requests"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 1 || v > scenarios.MaxRequests {
			return nil, badRequest("requests must be a whole number from 1 to %d, got %q", int64(scenarios.MaxRequests), s)
		}
		sc.Requests, sc.Duration = v, 0
	}
	if q.Has("algorithms") {
		if rr.algs, err = resolveAlgorithms("algorithms", algorithms.SplitList(q.Get("algorithms"))); err != nil {
			return nil, err
		}
	}
	return rr, nil
}

// applySeed sets ?seed= on sc.
func applySeed(sc *scenarios.Scenario, q url.Values) error {
	s := q.Get("seed")
	if s == "" {
		return nil
	}
	seed, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return badRequest("seed must be a whole number from 0 to 2^64-1, got %q", s)
	}
	sc.Seed = seed
	return nil
}

// resolveAlgorithms checks the algorithms a parameter names, refusing
// unknown and repeated ones, and returns the policies' own names.
func resolveAlgorithms(param string, names []string) ([]string, error) {
	out, err := algorithms.ResolveList(names)
	if err != nil {
		return nil, badRequest("%s: %v", param, err)
	}
	return out, nil
}

// compare runs rr within the server's limits, keeping the first seed's
// timelines when the charts need them.
func (h *Handler) compare(r *http.Request, rr *runRequest, timeline bool) (*results.Comparison, error) {
	release, err := h.acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	ctx, cancel := h.runContext(r)
	defer cancel()
	runs, err := sim.CompareSeeds(rr.sc, rr.algs, rr.seeds, sim.Options{Timeline: timeline, Context: ctx, MaxRequests: h.cfg.MaxRequests})
	if err != nil {
		return nil, stopped(ctx, err)
	}
	return results.Combine(runs, rr.how), nil
}

// setRunHeaders says in headers what lbsim run says on stderr: that the
// run was cut, and that the servers cannot keep up.
func setRunHeaders(w http.ResponseWriter, sc *scenarios.Scenario, cmp *results.Comparison) {
	if cmp.CutAt > 0 {
		w.Header().Set("Lbsim-Cut-At", strconv.FormatInt(cmp.CutAt, 10))
	}
	if warn := sc.Overload(); warn != "" {
		w.Header().Set("Lbsim-Warning", warn)
	}
}

// run answers what lbsim run --format json prints for the posted
// scenario.
func (h *Handler) run(w http.ResponseWriter, r *http.Request) error {
	rr, err := h.readRun(w, r)
	if err != nil {
		return err
	}
	cmp, err := h.compare(r, rr, false)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := report.Write(&b, report.FormatJSON, cmp); err != nil {
		return err
	}
	setRunHeaders(w, rr.sc, cmp)
	w.Header().Set("Content-Type", "application/json")
	w.Write(b.Bytes())
	return nil
}

// reportAnswer is what the page shows of a run.
type reportAnswer struct {
	// File is the name messages give the scenario.
	File     string `json:"file"`
	Scenario string `json:"scenario"`
	// Warning is lbsim run's warning that the servers cannot keep up.
	Warning string `json:"warning,omitempty"`
	// CutAt is the run's cut_at: the arrivals each algorithm's run was
	// cut to, 0 when none was.
	CutAt int64 `json:"cut_at,omitempty"`
	// Results is the answer of /api/run.
	Results json.RawMessage `json:"results"`
	// Table is what lbsim run prints.
	Table    string         `json:"table"`
	Readings []readingEntry `json:"readings"`
	Charts   []chartEntry   `json:"charts"`
}

type readingEntry struct {
	Algorithm string `json:"algorithm"`
	Latency   string `json:"latency"`
	Load      string `json:"load"`
}

type chartEntry struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	About string `json:"about"`
	// SVG is the chart as an svg element, to place in a page.
	SVG string `json:"svg"`
}

// report answers a run with everything the page shows of it.
func (h *Handler) report(w http.ResponseWriter, r *http.Request) error {
	rr, err := h.readRun(w, r)
	if err != nil {
		return err
	}
	cmp, err := h.compare(r, rr, true)
	if err != nil {
		return err
	}
	answer := reportAnswer{File: rr.sc.Source, Scenario: cmp.Scenario, Warning: rr.sc.Overload(), CutAt: cmp.CutAt,
		Readings: []readingEntry{}, Charts: []chartEntry{}}
	var b bytes.Buffer
	if err := report.Write(&b, report.FormatJSON, cmp); err != nil {
		return err
	}
	answer.Results = bytes.Clone(b.Bytes())
	b.Reset()
	if err := report.Write(&b, report.FormatTable, cmp); err != nil {
		return err
	}
	answer.Table = b.String()
	for _, rd := range report.Readings(cmp) {
		answer.Readings = append(answer.Readings, readingEntry{rd.Algorithm, rd.Latency, rd.Load})
	}
	for _, ch := range report.Charts(cmp) {
		b.Reset()
		if err := ch.WriteSVG(&b); err != nil {
			return err
		}
		answer.Charts = append(answer.Charts, chartEntry{Name: ch.Name, Title: ch.Title, About: ch.About, SVG: inlineSVG(b.String())})
	}
	setRunHeaders(w, rr.sc, cmp)
	writeJSON(w, http.StatusOK, answer)
	return nil
}

// inlineSVG drops what comes before a standalone SVG file's svg element
// (the XML declaration, comments), which has no place inside a page.
func inlineSVG(s string) string {
	if i := strings.Index(s, "<svg"); i > 0 {
		return s[i:]
	}
	return s
}
