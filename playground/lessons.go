package playground

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/lessons"
	"github.com/lbsim/lbsim/scenarios"
)

// MaxFirst bounds ?first= of /api/trace: a page of decisions to step
// through, not a log.
const MaxFirst = 1000

type scenarioEntry struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	YAML        string `json:"yaml"`
}

// listScenarios answers the bundled scenarios with their files.
func (h *Handler) listScenarios(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	out := []scenarioEntry{}
	for _, sc := range scenarios.Bundled() {
		out = append(out, scenarioEntry{sc.Name, sc.Description, string(sc.YAML)})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type algorithmEntry struct {
	Name    string `json:"name"`
	Summary string `json:"summary"`
}

// listAlgorithms answers the algorithms lbsim list names.
func (h *Handler) listAlgorithms(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	out := []algorithmEntry{}
	for _, info := range algorithms.List() {
		out = append(out, algorithmEntry{info.Name, info.Summary})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// explain answers what lbsim explain ALGORITHM prints.
func (h *Handler) explain(w http.ResponseWriter, r *http.Request) error {
	q, err := query(r, "algorithm")
	if err != nil {
		return err
	}
	if !q.Has("algorithm") {
		return badRequest("explain needs ?algorithm= (one of %s)", strings.Join(algorithms.Names(), ", "))
	}
	demo, err := lessons.DemoFor(q.Get("algorithm"))
	if err != nil {
		return badRequest("explain: %v", err)
	}
	var b bytes.Buffer
	if err := demo.WriteExplanation(&b); err != nil {
		return err
	}
	writeText(w, b.Bytes())
	return nil
}

// trace answers what lbsim trace prints for the posted scenario.
func (h *Handler) trace(w http.ResponseWriter, r *http.Request) error {
	q, err := query(r, "file", "algorithm", "first", "from", "seed")
	if err != nil {
		return err
	}
	first := 20
	if s := q.Get("first"); s != "" {
		if first, err = strconv.Atoi(s); err != nil || first < 1 || first > MaxFirst {
			return badRequest("first must be a whole number from 1 to %d, got %q", MaxFirst, s)
		}
	}
	var from time.Duration
	if s := q.Get("from"); s != "" {
		if from, err = time.ParseDuration(s); err != nil || from < 0 {
			return badRequest("from must be a virtual time such as 90s or 2m, got %q", s)
		}
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	sc, err := h.load(body, q.Get("file"))
	if err != nil {
		return err
	}
	if err := applySeed(sc, q); err != nil {
		return err
	}
	var name string
	switch {
	case q.Has("algorithm"):
		names, err := resolveAlgorithms("algorithm", []string{q.Get("algorithm")})
		if err != nil {
			return err
		}
		name = names[0]
	case len(sc.Algorithms) == 1:
		name = sc.Algorithms[0]
	default:
		return badRequest("trace needs ?algorithm=: %s runs %s", sc.Name, strings.Join(sc.Algorithms, ", "))
	}
	release, err := h.acquire()
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := h.runContext(r)
	defer cancel()
	var b bytes.Buffer
	if err := lessons.WriteTrace(ctx, &b, sc, name, from, first); err != nil {
		return stopped(ctx, err)
	}
	writeText(w, b.Bytes())
	return nil
}
