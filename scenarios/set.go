package scenarios

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Key is a numeric key of a scenario file, checked against the file
// format: a path such as "workload.arrival.rate", "servers[0].capacity",
// "servers[app].count" (a list entry by its name) or
// "health_check.interval", or one of the shorthands
//
//	rate     workload.arrival.rate: arrivals per second
//	load     workload.arrival.load: arrivals as a fraction of capacity
//	servers  the count of the file's only server group
//
// ParseKey makes one; ParseWith sets it to a value in a file. Keys that a
// file gives one or the other of (rate and load, requests and duration)
// replace each other: setting one removes the other.
type Key struct {
	text  string
	steps []keyStep
	kind  keyKind
}

// keyStep is one step of a key's path: a mapping key, or a list entry by
// position or by name.
type keyStep struct {
	field string // a mapping key; "" for a list entry
	index int    // a list entry by position (when name and only are unset)
	name  string // a list entry by its name key
	only  bool   // the list's only entry (the servers shorthand)
	// instead is the key a file gives in place of field (load for rate);
	// setting field removes it.
	instead string
}

type keyKind int

const (
	kindNumber   keyKind = iota // any number (float64 fields)
	kindWhole                   // whole numbers (int, int64, uint64 fields)
	kindDuration                // durations, set in seconds
)

// shorthands are the keys that are not written as paths.
var shorthands = map[string][]keyStep{
	"rate":    {{field: "workload"}, {field: "arrival"}, {field: "rate", instead: "load"}},
	"load":    {{field: "workload"}, {field: "arrival"}, {field: "load", instead: "rate"}},
	"servers": {{field: "servers"}, {only: true}, {field: "count"}},
}

// exclusive lists, by the type of the mapping, the keys a file gives one
// of: setting one removes the other.
var exclusive = map[reflect.Type]map[string]string{
	reflect.TypeFor[Scenario](): {"requests": "duration", "duration": "requests"},
	reflect.TypeFor[Arrival]():  {"rate": "load", "load": "rate"},
	reflect.TypeFor[Phase]():    {"rate": "load", "load": "rate"},
}

// String returns the key as it was written.
func (k *Key) String() string { return k.text }

// Duration reports whether the key holds a duration; its values are set
// in seconds.
func (k *Key) Duration() bool { return k.kind == kindDuration }

// Whole reports whether the key holds whole numbers (a count, a capacity).
func (k *Key) Whole() bool { return k.kind == kindWhole }

// ParseKey reads a key (see Key) and checks that the file format has it
// and that it holds a number or a duration. Its errors say what the format
// has instead.
func ParseKey(text string) (*Key, error) {
	if steps, ok := shorthands[text]; ok {
		kind := kindNumber
		if text == "servers" {
			kind = kindWhole
		}
		return &Key{text: text, steps: steps, kind: kind}, nil
	}
	steps, err := splitKey(text)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", text, err)
	}
	t := reflect.TypeFor[Scenario]()
	at := "" // the path so far, for messages
	for i := range steps {
		st := &steps[i]
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == expectationType {
			return nil, fmt.Errorf("key %q: %s holds expectations (text), not numbers", text, at)
		}
		if st.field == "" {
			if t.Kind() != reflect.Slice {
				return nil, fmt.Errorf("key %q: %s is not a list", text, at)
			}
			t = t.Elem()
			if st.name != "" && !hasField(t, "name") {
				return nil, fmt.Errorf("key %q: the entries of %s have no name; pick one by position, as %s[0]", text, at, at)
			}
			at += entryText(*st)
			continue
		}
		if t.Kind() != reflect.Struct {
			return nil, fmt.Errorf("key %q: %s holds a single value, it has no key %q", text, at, st.field)
		}
		fields := yamlFields(t)
		f, ok := fieldByName(fields, st.field)
		if !ok {
			where := "a scenario file"
			if at != "" {
				where = at
			}
			return nil, fmt.Errorf("key %q: %s has no key %q%s (it has: %s)", text, where, st.field, didYouMean(st.field, fields), fieldList(fields))
		}
		st.instead = exclusive[t][st.field]
		t = t.Field(f.index).Type
		at = joinPath(at, st.field)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	k := &Key{text: text, steps: steps}
	switch {
	case t == durationType:
		k.kind = kindDuration
	case t == expectationType:
		return nil, fmt.Errorf("key %q: %s holds expectations (text), not numbers", text, at)
	case t.Kind() == reflect.Float64:
		k.kind = kindNumber
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64 || t.Kind() == reflect.Uint64:
		k.kind = kindWhole
	case t.Kind() == reflect.Struct:
		return nil, fmt.Errorf("key %q: %s is a mapping; name one of its keys (%s)", text, at, fieldList(yamlFields(t)))
	case t.Kind() == reflect.Slice:
		return nil, fmt.Errorf("key %q: %s is a list; name an entry and its key, as %s[0]", text, at, at)
	default:
		return nil, fmt.Errorf("key %q: %s holds %s, not a number; only numbers and durations can be set", text, at, kindName(t))
	}
	return k, nil
}

func hasField(t reflect.Type, name string) bool {
	_, ok := fieldByName(yamlFields(t), name)
	return ok
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	}
	return t.String()
}

// splitKey cuts a path into its steps: "servers[app].count" is servers,
// [app], count. A bracket holds a position (digits) or a name, which may
// be quoted ("servers[\"a.b\"]").
func splitKey(text string) ([]keyStep, error) {
	if text == "" {
		return nil, fmt.Errorf("empty key")
	}
	var steps []keyStep
	for rest := text; rest != ""; {
		i := 0
		for i < len(rest) && isKeyChar(rest[i]) {
			i++
		}
		if i == 0 {
			return nil, fmt.Errorf("expected a key name at %q", rest)
		}
		steps = append(steps, keyStep{field: rest[:i]})
		rest = rest[i:]
		for strings.HasPrefix(rest, "[") {
			st, n, err := splitEntry(rest)
			if err != nil {
				return nil, err
			}
			steps = append(steps, st)
			rest = rest[n:]
		}
		switch {
		case rest == "":
		case rest[0] == '.' && len(rest) > 1:
			rest = rest[1:]
		default:
			return nil, fmt.Errorf("unexpected %q; write keys as a.b, a[0].b or a[name].b", rest)
		}
	}
	return steps, nil
}

// splitEntry reads "[...]" at the start of s, returning the step and the
// bytes it took.
func splitEntry(s string) (keyStep, int, error) {
	if strings.HasPrefix(s, `["`) {
		q, err := strconv.QuotedPrefix(s[1:])
		if err != nil || !strings.HasPrefix(s[1+len(q):], "]") {
			return keyStep{}, 0, fmt.Errorf("unterminated quoted name in %q", s)
		}
		name, _ := strconv.Unquote(q)
		if name == "" {
			return keyStep{}, 0, fmt.Errorf("empty name in %q", s)
		}
		return keyStep{name: name}, len(q) + 2, nil
	}
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return keyStep{}, 0, fmt.Errorf("missing ] in %q", s)
	}
	inner := s[1:end]
	switch {
	case inner == "":
		return keyStep{}, 0, fmt.Errorf("empty [] in %q; write a position or a name", s)
	case strings.Trim(inner, "0123456789") == "":
		i, err := strconv.Atoi(inner)
		if err != nil || i > MaxServers {
			return keyStep{}, 0, fmt.Errorf("position %s is out of range", inner)
		}
		return keyStep{index: i}, end + 1, nil
	}
	return keyStep{name: inner}, end + 1, nil
}

func isKeyChar(c byte) bool {
	return c == '_' || isDigitByte(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isDigitByte(c byte) bool { return '0' <= c && c <= '9' }

// entryText writes a list step as it is written in a path.
func entryText(st keyStep) string {
	switch {
	case st.only:
		return "[0]"
	case st.name != "":
		return "[" + st.name + "]"
	}
	return "[" + strconv.Itoa(st.index) + "]"
}

// Setting is a key and the value to set it to: a number, or seconds for a
// duration.
type Setting struct {
	Key   *Key
	Value float64
}

// ParseWith is Parse of the file with each setting applied to its YAML
// first, so that every value passes the checks any file's values pass;
// errors point into the file where the key is (or where its mapping
// starts, for a key the file leaves out). The returned scenario keeps the
// file's own text in YAML.
//
// A setting whose path leads through a list entry or a mapping the file
// does not have is an *Error naming the path: ParseWith adds keys to
// mappings the file has, never whole sections, so that setting
// health_check.interval cannot turn health checks on.
func ParseWith(source string, data []byte, settings ...Setting) (*Scenario, error) {
	root, err := parseYAML(source, data)
	if err != nil {
		return nil, err
	}
	root = copyNode(root)
	for _, s := range settings {
		if err := s.Key.set(source, root, s.Value); err != nil {
			return nil, err
		}
	}
	return parseTree(source, data, root, false)
}

// set writes v at k in the tree under root, which must be a fresh copy:
// every node on the path is copied before it is changed, so nodes the
// tree shares with the file's other trees, or through aliases with other
// places in the file, stay as they were.
func (k *Key) set(source string, root *yaml.Node, v float64) error {
	at := func(n *yaml.Node, field, format string, args ...any) *Error {
		return &Error{Source: source, Line: n.Line, Column: n.Column, Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	value, msg := k.valueNode(v)
	if msg != "" {
		return at(root, k.text, "%s", msg)
	}
	cur, path := root, ""
	for i, st := range k.steps {
		last := i == len(k.steps)-1
		if st.field == "" {
			if cur.Kind != yaml.SequenceNode {
				return at(cur, path, "must be a list, got %s", describe(cur))
			}
			j, err := k.entry(cur, st, path, at)
			if err != nil {
				return err
			}
			child := copyNode(resolve(cur.Content[j]))
			cur.Content[j], cur = child, child
			path += entryText(st)
			continue
		}
		path = joinPath(path, st.field)
		if cur.Kind != yaml.MappingNode {
			return at(cur, parentPath(path), "must be a mapping, got %s", describe(cur))
		}
		if last {
			key := &yaml.Node{Kind: yaml.ScalarNode, Tag: strTag, Value: st.field, Line: cur.Line, Column: cur.Column}
			if st.instead != "" {
				if j := ownKey(cur, st.instead); j >= 0 {
					key.Line, key.Column = cur.Content[j].Line, cur.Content[j].Column
					cur.Content = slices.Delete(cur.Content, j, j+2)
				}
			}
			if j := ownKey(cur, st.field); j >= 0 {
				value.Line, value.Column = cur.Content[j+1].Line, cur.Content[j+1].Column
				cur.Content[j+1] = value
				return nil
			}
			value.Line, value.Column = key.Line, key.Column
			cur.Content = append(cur.Content, key, value)
			return nil
		}
		j := ownKey(cur, st.field)
		if j < 0 {
			// A key that comes from a merge key (<<) is copied into the
			// mapping, where it wins over the merged one.
			mk, mv := mergedKey(cur, st.field, 0)
			if mk == nil {
				if path == "workload.arrival" && ownKey(cur, "trace") >= 0 {
					return at(cur, path, "is not in the file, whose workload replays a trace: vary workload.trace.speedup to change its rate")
				}
				return at(cur, path, "is not in the file; add it there to set %s", k.text)
			}
			cur.Content = append(cur.Content, mk, mv)
			j = len(cur.Content) - 2
		}
		child := copyNode(resolve(cur.Content[j+1]))
		cur.Content[j+1], cur = child, child
	}
	return nil
}

// entry finds the list entry st names in the sequence list at path.
func (k *Key) entry(list *yaml.Node, st keyStep, path string, at func(*yaml.Node, string, string, ...any) *Error) (int, error) {
	names := func() []string {
		var out []string
		for _, item := range list.Content {
			out = append(out, entryName(item))
		}
		return out
	}
	switch {
	case st.only && len(list.Content) == 0:
		return 0, at(list, path, "lists no server group")
	case st.only:
		if len(list.Content) != 1 {
			return 0, at(list, path, "%s sets the count of the only server group, but the file has %d (%s); set one group's count, as %s[%s].count",
				k.text, len(list.Content), strings.Join(names(), ", "), path, entryName(list.Content[0]))
		}
		return 0, nil
	case st.name != "":
		for j, item := range list.Content {
			if entryName(item) == st.name {
				return j, nil
			}
		}
		return 0, at(list, path+entryText(st), "no entry of %s is named %s (names: %s)", path, quote(st.name), strings.Join(names(), ", "))
	case st.index >= len(list.Content):
		return 0, at(list, path+entryText(st), "%s has %d entries, numbered from 0", path, len(list.Content))
	}
	return st.index, nil
}

// entryName is the name key of a list entry, or "" when it has none.
func entryName(item *yaml.Node) string {
	m := resolve(item)
	if m == nil || m.Kind != yaml.MappingNode {
		return ""
	}
	j := ownKey(m, "name")
	var v *yaml.Node
	if j >= 0 {
		v = m.Content[j+1]
	} else if _, v = mergedKey(m, "name", 0); v == nil {
		return ""
	}
	if v = resolve(v); v == nil || v.Kind != yaml.ScalarNode {
		return ""
	}
	return v.Value
}

// ownKey is the index in m.Content of the key name, which m gives itself
// (not through a merge key); -1 when it does not.
func ownKey(m *yaml.Node, name string) int {
	for j := 0; j+1 < len(m.Content); j += 2 {
		k := resolve(m.Content[j])
		if k != nil && k.Kind == yaml.ScalarNode && k.ShortTag() != mergeTag && k.Value == name {
			return j
		}
	}
	return -1
}

// mergedKey finds the key name in the mappings m merges (<<), in the
// decoder's order; nil when none has it.
func mergedKey(m *yaml.Node, name string, depth int) (key, value *yaml.Node) {
	if depth > maxMergeDepth {
		return nil, nil
	}
	for j := 0; j+1 < len(m.Content); j += 2 {
		if k := m.Content[j]; k.Kind != yaml.ScalarNode || k.ShortTag() != mergeTag {
			continue
		}
		src := resolve(m.Content[j+1])
		sources := []*yaml.Node{src}
		if src != nil && src.Kind == yaml.SequenceNode {
			sources = src.Content
		}
		for _, s := range sources {
			if s = resolve(s); s == nil || s.Kind != yaml.MappingNode {
				continue
			}
			if i := ownKey(s, name); i >= 0 {
				return s.Content[i], s.Content[i+1]
			}
			if key, value = mergedKey(s, name, depth+1); key != nil {
				return key, value
			}
		}
	}
	return nil, nil
}

// copyNode copies n and its list of children (not the children).
func copyNode(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = slices.Clone(n.Content)
	return &c
}

// valueNode writes v as YAML for k: a duration string, a whole number or
// a number. It refuses what YAML cannot hold; the loader judges the rest.
func (k *Key) valueNode(v float64) (*yaml.Node, string) {
	n := &yaml.Node{Kind: yaml.ScalarNode}
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return nil, fmt.Sprintf("%g is not a number", v)
	case k.kind == kindDuration:
		if math.Abs(v) >= float64(math.MaxInt64)/float64(time.Second) {
			return nil, fmt.Sprintf("%gs is out of range for a duration", v)
		}
		n.Tag, n.Value = strTag, Duration(math.Round(v*float64(time.Second))).String()
	case v == math.Trunc(v) && math.Abs(v) < 1<<53:
		n.Tag, n.Value = intTag, strconv.FormatFloat(v, 'f', -1, 64)
	default:
		n.Tag, n.Value = floatTag, strconv.FormatFloat(v, 'g', -1, 64)
	}
	return n, ""
}
