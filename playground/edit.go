package playground

import (
	"bytes"
	"errors"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/scenarios"
)

// editParams are the changes /api/edit makes, the page's quick controls.
var editParams = []string{"file", "servers", "load", "algorithms", "fault", "server", "at", "for", "factor"}

// editAnswer is a scenario's YAML after the changes asked for, and the
// settings the page's controls show.
type editAnswer struct {
	YAML     string   `json:"yaml"`
	Settings settings `json:"settings"`
	// Dropped are the expect: lines the change removed because it made
	// them wrong, such as those naming an algorithm no longer run.
	Dropped []string `json:"dropped"`
}

// settings are what the quick controls show of a scenario.
type settings struct {
	// Groups is how many server groups the file has; Servers is the
	// count of the only one, 0 when there are several.
	Groups  int `json:"groups"`
	Servers int `json:"servers"`
	// ServerNames are the servers a fault may name, at most maxNames.
	ServerNames []string `json:"server_names"`
	// Load is the offered load at the start, the arrival rate over what
	// the servers can serve; 0 for a replayed trace.
	Load       float64  `json:"load"`
	Algorithms []string `json:"algorithms"`
	Faults     int      `json:"faults"`
	// Seconds is about how long the run lasts in virtual time, for
	// placing a fault; 0 when unknown (a replayed trace).
	Seconds float64 `json:"seconds"`
}

// maxNames bounds the server names settings list.
const maxNames = 200

// edit answers the posted scenario with the changes the query asks for:
// the count of the only server group (servers), the offered load (load),
// the algorithms, and one fault added (fault=crash or slow, on server, at
// a virtual time, for a while, slowed by factor) or every fault removed
// (fault=none). With no changes it answers the file as it is.
func (h *Handler) edit(w http.ResponseWriter, r *http.Request) error {
	q, err := query(r, editParams...)
	if err != nil {
		return err
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	file := q.Get("file")
	sc, err := h.load(body, file)
	if err != nil {
		return err
	}
	answer := editAnswer{YAML: string(body), Dropped: []string{}}
	if changes(q) {
		doc, err := applyEdits(body, sc, q)
		if err != nil {
			return err
		}
		if file == "" {
			file = DefaultFile
		}
		if sc, err = h.reload(doc, file, &answer); err != nil {
			return badRequest("the change would make the scenario invalid: %v", err)
		}
	}
	answer.Settings = settingsOf(sc)
	writeJSON(w, http.StatusOK, answer)
	return nil
}

// expectEntry finds the expect: line an error is about.
var expectEntry = regexp.MustCompile(`^expect\[(\d+)\]`)

// reload writes the edited doc into answer and loads it. An expect: line
// the change made wrong, such as one naming an algorithm no longer run,
// is dropped and listed in answer: the playground does not check them,
// and lbsim check would refuse the file.
func (h *Handler) reload(doc *yaml.Node, file string, answer *editAnswer) (*scenarios.Scenario, error) {
	for {
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(doc); err != nil {
			return nil, err
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
		answer.YAML = b.String()
		sc, err := h.load(b.Bytes(), file)
		var se *scenarios.Error
		if err == nil || !errors.As(err, &se) {
			return sc, err
		}
		m := expectEntry.FindStringSubmatch(se.Field)
		if m == nil {
			return nil, err
		}
		_, list := lookup(deref(doc.Content[0]), "expect")
		i, _ := strconv.Atoi(m[1])
		if list == nil || list.Kind != yaml.SequenceNode || i >= len(list.Content) {
			return nil, err
		}
		answer.Dropped = append(answer.Dropped, list.Content[i].Value)
		list.Content = slices.Delete(list.Content, i, i+1)
		if len(list.Content) == 0 {
			remove(deref(doc.Content[0]), "expect")
		}
	}
}

// changes reports whether q asks for a change.
func changes(q url.Values) bool {
	for _, p := range []string{"servers", "load", "algorithms", "fault"} {
		if q.Has(p) {
			return true
		}
	}
	return false
}

// settingsOf reads the quick controls' settings from a loaded scenario.
func settingsOf(sc *scenarios.Scenario) settings {
	s := settings{Groups: len(sc.Servers), Algorithms: sc.Algorithms, Faults: len(sc.Faults), ServerNames: []string{}}
	if len(sc.Servers) == 1 {
		s.Servers = sc.Servers[0].Count
	}
	for i, srv := range sc.ExpandServers() {
		if i == maxNames {
			break
		}
		s.ServerNames = append(s.ServerNames, srv.Name)
	}
	if sc.Workload.Trace != nil {
		return s
	}
	rate := sc.Workload.Arrival.Rate
	if c := sc.Capacity(); c > 0 {
		s.Load = round3(rate / c)
	}
	switch {
	case sc.Duration > 0:
		s.Seconds = sc.Duration.D().Seconds()
	case rate > 0:
		s.Seconds = round3(float64(sc.Requests) / rate)
	}
	return s
}

// round3 rounds v to 3 significant digits.
func round3(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 3, 64), 64)
	return r
}

// applyEdits makes the changes q asks for in the YAML of sc, keeping its
// comments and layout where the changes leave them.
func applyEdits(body []byte, sc *scenarios.Scenario, q url.Values) (*yaml.Node, error) {
	var doc yaml.Node
	if err := decodeFirst(body, &doc); err != nil || len(doc.Content) != 1 {
		return nil, badRequest("the scenario's YAML cannot be edited: %v", err)
	}
	top := deref(doc.Content[0])
	if top == nil || top.Kind != yaml.MappingNode {
		return nil, badRequest("the scenario's YAML cannot be edited: the top level is not a mapping")
	}
	if s := q.Get("servers"); q.Has("servers") {
		if err := editServers(top, s); err != nil {
			return nil, err
		}
	}
	if s := q.Get("load"); q.Has("load") {
		if err := editLoad(top, sc, s); err != nil {
			return nil, err
		}
	}
	if q.Has("algorithms") {
		names, err := resolveAlgorithms("algorithms", algorithms.SplitList(q.Get("algorithms")))
		if err != nil {
			return nil, err
		}
		list := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
		for _, n := range names {
			list.Content = append(list.Content, str(n))
		}
		set(top, "algorithms", list)
		if _, v := lookup(top, "algorithm"); v != nil && !slices.Contains(names, sc.Algorithm) {
			remove(top, "algorithm")
		}
	}
	if q.Has("fault") {
		if err := editFaults(top, sc, q); err != nil {
			return nil, err
		}
	}
	return &doc, nil
}

// editServers sets the count of the file's only server group.
func editServers(top *yaml.Node, s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > scenarios.MaxServers {
		return badRequest("servers must be a whole number from 1 to %d, got %q", scenarios.MaxServers, s)
	}
	_, list := lookup(top, "servers")
	if list == nil || list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		return badRequest("servers: the scenario has no list of servers to change")
	}
	if len(list.Content) > 1 {
		return badRequest("servers: the scenario has %d server groups; change their counts in the YAML (line %d)", len(list.Content), list.Line)
	}
	group := deref(list.Content[0])
	if group == nil || group.Kind != yaml.MappingNode {
		return badRequest("servers: the server group on line %d is not a mapping", list.Content[0].Line)
	}
	set(group, "count", number(float64(n)))
	return nil
}

// editLoad sets the arrivals' load in place of their rate.
func editLoad(top *yaml.Node, sc *scenarios.Scenario, s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v > 0) || v > 100 || math.IsInf(v, 0) {
		return badRequest("load must be a number above 0 and at most 100 (a fraction of capacity: 0.7 is 70%%), got %q", s)
	}
	if sc.Workload.Trace != nil {
		return badRequest("load: a replayed trace brings its own arrivals; change workload.trace.speedup instead")
	}
	_, wl := lookup(top, "workload")
	var arrival *yaml.Node
	if wl != nil && wl.Kind == yaml.MappingNode {
		_, arrival = lookup(wl, "arrival")
	}
	if arrival == nil || arrival.Kind != yaml.MappingNode {
		return badRequest("load: the scenario has no workload.arrival mapping to change")
	}
	remove(arrival, "rate")
	set(arrival, "load", number(v))
	return nil
}

// editFaults adds a crash or a slowdown, or removes every fault.
func editFaults(top *yaml.Node, sc *scenarios.Scenario, q url.Values) error {
	kind := q.Get("fault")
	if kind == "none" {
		remove(top, "faults")
		return nil
	}
	if kind != "crash" && kind != "slow" {
		return badRequest("fault must be crash, slow or none, got %q", kind)
	}
	server := q.Get("server")
	names := make([]string, 0, len(sc.Servers))
	found := false
	for _, s := range sc.ExpandServers() {
		names = append(names, s.Name)
		found = found || s.Name == server
	}
	if !found {
		return badRequest("server: %q is not a server of %s (it has %s)", server, sc.Name, strings.Join(names[:min(len(names), 10)], ", "))
	}
	fault := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle}
	add := func(key string, v *yaml.Node) { fault.Content = append(fault.Content, str(key), v) }
	at, err := duration("at", q.Get("at"), true)
	if err != nil {
		return err
	}
	add("at", str(at))
	add("server", str(server))
	add("kind", str(kind))
	if kind == "slow" {
		factor := q.Get("factor")
		if factor == "" {
			factor = "10"
		}
		v, err := strconv.ParseFloat(factor, 64)
		if err != nil || !(v > 1) || v > 1e6 {
			return badRequest("factor must be a number above 1, got %q", factor)
		}
		add("factor", number(v))
	}
	if q.Get("for") != "" {
		d, err := duration("for", q.Get("for"), false)
		if err != nil {
			return err
		}
		add("for", str(d))
	}
	_, list := lookup(top, "faults")
	if list == nil || list.Kind != yaml.SequenceNode {
		list = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		set(top, "faults", list)
	}
	list.Content = append(list.Content, fault)
	return nil
}

// duration checks a virtual time a parameter gives and returns it as
// written; zero only where zero may be.
func duration(param, s string, zero bool) (string, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || (d == 0 && !zero) {
		return "", badRequest("%s must be a virtual time such as 90s or 2m, got %q", param, s)
	}
	return s, nil
}

// number is a numeric scalar, written as short as it reads back, without
// a tag.
func number(v float64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatFloat(v, 'g', -1, 64)}
}

// str is a string scalar.
func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// lookup finds key in the mapping m: its key node and its value.
func lookup(m *yaml.Node, key string) (k, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], deref(m.Content[i+1])
		}
	}
	return nil, nil
}

// set gives key the value v in the mapping m, in place when m has it and
// at the end when not.
func set(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, str(key), v)
}

// remove drops key from the mapping m.
func remove(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = slices.Delete(m.Content, i, i+2)
			return
		}
	}
}
