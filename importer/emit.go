package importer

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Scalars of each YAML type: a tagged scalar is written plain when it
// reads back as its type, quoted otherwise (a server named "1" stays a
// string).
func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
func integer(n int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(n)}
}
func number(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: s} }
func boolean(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}

// mapping is a YAML mapping built key by key, in order.
type mapping struct{ node *yaml.Node }

func newMapping(flow bool) mapping {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	if flow {
		n.Style = yaml.FlowStyle
	}
	return mapping{n}
}

// add appends key: value and returns the key's node, which holds the
// comments written above the key.
func (m mapping) add(key string, value *yaml.Node) *yaml.Node {
	k := str(key)
	m.node.Content = append(m.node.Content, k, value)
	return k
}

func sequence(flow bool, items ...*yaml.Node) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: items}
	if flow {
		n.Style = yaml.FlowStyle
	}
	return n
}

// comment joins comment lines, each made printable; yaml.v3 writes each
// after "# ".
func comment(lines ...string) string {
	var out []string
	for _, l := range lines {
		if l != "" {
			out = append(out, clean(l))
		}
	}
	return strings.Join(out, "\n")
}

// emit writes the pool as a scenario, with the notes as comments next to
// the keys they concern.
func (p *pool) emit(source, trace string) ([]byte, error) {
	doc := newMapping(false)
	keyOf := map[topic]*yaml.Node{}
	what := p.kind + " " + p.name
	doc.node.HeadComment = comment(
		fmt.Sprintf("imported by lbsim import from %s (%s)", baseName(source), what),
		"simulate: lbsim run out.yaml",
		"live:     lbsim proxy --config out.yaml")
	doc.add("name", str(p.name))
	doc.add("description", str(fmt.Sprintf("%s %s, imported from %s (%s)", p.format, what, baseName(source), p.place(p.at))))
	keyOf[topicMode] = doc.add("mode", str(p.mode))

	imported := p.alg.node()
	imported.LineComment = comment("imported: " + p.alg.why)
	k := doc.add("algorithm", imported)
	k.HeadComment = "The policy lbsim proxy runs; lbsim run compares it with the alternatives under algorithms."
	keyOf[topicAlgorithm] = k
	algs := []*yaml.Node{p.alg.node()}
	for _, a := range p.alternatives() {
		algs = append(algs, str(a))
	}
	doc.add("algorithms", sequence(true, algs...))

	servers := sequence(false)
	for i, s := range p.servers {
		m := newMapping(true)
		m.add("name", str(s.name))
		m.add("address", str(s.address))
		m.add("weight", integer(s.weight))
		if s.backup {
			m.add("backup", boolean(true))
		}
		var lines []string
		for _, n := range p.notes {
			if n.server == i {
				lines = append(lines, p.place(n.at)+": "+n.msg)
			}
		}
		m.node.HeadComment = comment(lines...)
		servers.Content = append(servers.Content, m.node)
	}
	k = doc.add("servers", servers)
	k.HeadComment = "One entry per server line, in file order. capacity and speed (simulation only) default to 1: set them to what your servers do."
	keyOf[topicServers] = k

	if ps := p.passive; ps != nil {
		m := newMapping(true)
		m.add("max_fails", integer(ps.maxFails))
		if ps.maxFails > 0 {
			m.add("fail_timeout", str(formatDuration(ps.failTimeout)))
			if ps.on != nil && !slices.Equal(ps.on, []string{"connect", "error", "timeout"}) {
				m.add("on", stringList(ps.on))
			}
		}
		m.node.LineComment = comment(ps.why)
		keyOf[topicPassive] = doc.add("passive", m.node)
	}
	if r := p.retries; r != nil {
		m := newMapping(true)
		m.add("count", integer(r.count))
		if r.count > 0 {
			m.add("on", stringList(r.on))
			if r.timeout > 0 {
				m.add("timeout", str(formatDuration(r.timeout)))
			}
			if r.nonIdempotent {
				m.add("non_idempotent", boolean(true))
			}
		}
		m.node.LineComment = comment(r.why)
		keyOf[topicRetries] = doc.add("retries", m.node)
	}
	if h := p.health; h != nil {
		m := newMapping(true)
		if h.path != "" {
			m.add("path", str(h.path))
		}
		if h.status != 0 {
			m.add("status", integer(h.status))
		}
		m.add("interval", str(formatDuration(h.interval)))
		m.add("timeout", str(formatDuration(h.timeout)))
		m.add("fall", integer(h.fall))
		m.add("rise", integer(h.rise))
		m.node.LineComment = comment(h.why)
		keyOf[topicHealth] = doc.add("health_check", m.node)
	}
	if p.sticky != "" {
		m := newMapping(true)
		m.add("cookie", str(p.sticky))
		keyOf[topicSticky] = doc.add("sticky", m.node)
	}
	if p.slowStart > 0 {
		keyOf[topicSlowStart] = doc.add("slow_start", str(formatDuration(p.slowStart)))
	}
	if len(p.timeouts) > 0 || p.maxBody > 0 {
		var from []string
		if len(p.timeouts) > 0 {
			m := newMapping(true)
			for _, t := range p.timeouts {
				m.add(t.key, str(formatDuration(t.value)))
				from = append(from, t.from)
			}
			m.node.LineComment = comment(strings.Join(from, "; "))
			keyOf[topicTimeouts] = doc.add("timeouts", m.node)
		}
		if p.maxBody > 0 {
			k := doc.add("max_body_bytes", integer(int(p.maxBody)))
			if keyOf[topicTimeouts] == nil {
				keyOf[topicTimeouts] = k
			}
		}
	}
	keyOf[topicWorkload] = doc.add("workload", p.workload(trace))

	// Notes about the pool go above the key they concern, or above
	// servers when that key is absent.
	extra := map[*yaml.Node][]string{}
	for _, n := range p.notes {
		if n.server >= 0 {
			continue
		}
		k := keyOf[n.topic]
		if k == nil {
			k = keyOf[topicServers]
		}
		extra[k] = append(extra[k], p.place(n.at)+": "+n.msg)
	}
	for k, lines := range extra {
		k.HeadComment = comment(append([]string{k.HeadComment}, lines...)...)
	}

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{doc.node}}); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func stringList(items []string) *yaml.Node {
	var nodes []*yaml.Node
	for _, s := range items {
		nodes = append(nodes, str(s))
	}
	return sequence(true, nodes...)
}

// node writes the policy as an algorithms entry: its name, or a mapping
// with its parameters.
func (a algorithm) node() *yaml.Node {
	if len(a.params) == 0 {
		return str(a.name)
	}
	m := newMapping(true)
	m.add("name", str(a.name))
	for _, p := range a.params {
		m.add(p.key, number(p.value))
	}
	return m.node
}

// alternatives are two policies worth comparing with the imported one:
// for a hashing policy, bounded loads first (it keeps most of a hash's
// affinity and bounds its imbalance); otherwise the load-aware classics.
func (p *pool) alternatives() []string {
	candidates := []string{"least_connections", "power_of_two", "weighted_round_robin"}
	if p.keys {
		candidates = []string{"bounded_load", "least_connections", "power_of_two"}
	}
	candidates = slices.DeleteFunc(candidates, func(s string) bool { return s == p.alg.name })
	return candidates[:2]
}

// placeholderLoad is the load that keeps the busiest primary server about
// 70% busy when requests are shared by the imported weights: lbsim's load
// counts every server's capacity, backups too, which take no requests.
func (p *pool) placeholderLoad() float64 {
	total, heaviest, all := 0, 0, len(p.servers)
	for _, s := range p.servers {
		if !s.backup {
			total += s.weight
			heaviest = max(heaviest, s.weight)
		}
	}
	if heaviest == 0 { // backups only: they take everything
		return 0.7
	}
	load := 0.7 * float64(total) / (float64(heaviest) * float64(all))
	return max(0.01, math.Round(load*100)/100)
}

// workload is the placeholder workload, or the access log to replay.
func (p *pool) workload(trace string) *yaml.Node {
	w := newMapping(false)
	if trace != "" {
		t := newMapping(true)
		t.add("file", str(trace))
		t.add("format", str(string(p.format)))
		if p.logFormat != "" {
			t.add("log_format", str(p.logFormat))
		}
		k := w.add("trace", t.node)
		k.HeadComment = comment("The workload replays the access log. The servers' capacity and speed",
			"(simulation only, default 1) are placeholders: set them to what your servers do.")
		return w.node
	}
	load := p.placeholderLoad()
	arrival := newMapping(true)
	arrival.add("load", number(strconv.FormatFloat(load, 'f', -1, 64)))
	k := w.add("arrival", arrival.node)
	k.HeadComment = comment("The workload is a placeholder: set the arrival rate (or load) and the",
		"service times to your traffic, or replay an access log (lbsim import --trace FILE).")
	if load != 0.7 {
		arrival.node.LineComment = comment("keeps the busiest server about 70% busy under the imported weights (backups count in capacity but take no requests)")
	}
	service := newMapping(true)
	service.add("dist", str("exponential"))
	service.add("mean", str("50ms"))
	w.add("service", service.node)
	if p.keys {
		keys := newMapping(true)
		keys.add("count", integer(100000))
		keys.add("zipf", number("0.8"))
		keys.node.LineComment = comment("requests carry keys for the policy to hash")
		w.add("keys", keys.node)
	}
	return w.node
}
