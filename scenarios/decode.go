package scenarios

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lbsim/lbsim/algorithms"

	"github.com/lbsim/lbsim/check"
	"github.com/lbsim/lbsim/internal/suggest"
	"go.yaml.in/yaml/v3"
)

// The YAML core tags, as yaml.Node.ShortTag reports them.
const (
	nullTag      = "!!null"
	boolTag      = "!!bool"
	strTag       = "!!str"
	intTag       = "!!int"
	floatTag     = "!!float"
	timestampTag = "!!timestamp"
	mergeTag     = "!!merge"
)

const noValue = "no value given; write one or remove the key"

// maxItems bounds each list by its key, before any item is decoded.
var maxItems = map[string]int{
	"servers":    MaxServers,
	"phases":     maxPhases,
	"classes":    maxClasses,
	"algorithms": maxAlgorithms,
	"expect":     maxExpect,
	"on":         len(RetryConditions),
}

// decoder turns a yaml.Node tree into Go values strictly: every mapping key
// must name a field (by its yaml tag), every value must have the field's
// type. It records the nodes it saw by field path ("servers[1].capacity"),
// which tells later stages whether a key was present and where it was.
//
// yaml.v3's own Decoder cannot be used for this: its KnownFields setting is
// lost inside custom unmarshalers and Node.Decode, and its errors carry a
// line but no field path.
type decoder struct {
	source string
	// keys and values hold, by field path, the key node and the value node
	// (aliases resolved) of every field decoded. Sequence items have a value
	// and no key.
	keys   map[string]*yaml.Node
	values map[string]*yaml.Node
	// work counts decoded values and merged keys, so alias and merge-key
	// tricks cannot make decoding expensive.
	work int
	// lines is the file's text, to place errors inside expectations.
	lines []string
}

func newDecoder(source string, data []byte) *decoder {
	return &decoder{
		source: source,
		lines:  strings.Split(string(data), "\n"),
		keys:   make(map[string]*yaml.Node),
		values: make(map[string]*yaml.Node),
	}
}

// nodeErr reports msg at node n (key or value) for field.
func (d *decoder) nodeErr(n *yaml.Node, field, msg string) *Error {
	e := &Error{Source: d.source, Field: field, Msg: msg}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}

// errorf reports a problem with the field at path. It points at the field's
// key, else its value, else the nearest enclosing field that was in the
// file (so a missing key is reported where its mapping starts).
func (d *decoder) errorf(path, format string, args ...any) *Error {
	return d.nodeErr(d.position(path), path, fmt.Sprintf(format, args...))
}

func (d *decoder) position(path string) *yaml.Node {
	for p := path; ; p = parentPath(p) {
		if n := d.keys[p]; n != nil {
			return n
		}
		if n := d.values[p]; n != nil {
			return n
		}
		if p == "" {
			return nil
		}
	}
}

// spend counts one unit of decoding work, failing once the budget is spent.
func (d *decoder) spend(n *yaml.Node, path string) error {
	if d.work++; d.work <= maxWork {
		return nil
	}
	return d.nodeErr(n, path, fmt.Sprintf("the document expands to more than %d values through aliases or merge keys; is it an alias bomb?", maxWork))
}

// has reports whether the field at path was given in the file.
func (d *decoder) has(path string) bool { return d.values[path] != nil }

// parentPath strips the last element: "a.b[2]" -> "a.b", "a.b" -> "a", "a" -> "".
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// decode stores node n into v, a settable value of one of the scenario
// types, checking keys and types.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) error {
	n = resolve(n)
	if n == nil || n.Kind == yaml.AliasNode {
		return d.errorf(path, "alias does not name a value")
	}
	d.values[path] = n
	if err := d.spend(n, path); err != nil {
		return err
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == nullTag {
		if strings.HasSuffix(path, "]") {
			return d.errorf(path, "empty list entry")
		}
		return d.errorf(path, noValue)
	}

	if v.Type() == expectationType {
		return d.decodeExpectation(n, v, path)
	}
	if v.Type() == traceClassesType {
		classes, err := d.decodeTraceClasses(n, path)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(classes))
		return nil
	}
	if v.Type() == durationType {
		dur, msg := parseDuration(n)
		if msg != "" {
			return d.errorf(path, "%s", msg)
		}
		v.SetInt(int64(dur))
		return nil
	}
	switch v.Kind() {
	case reflect.Struct:
		return d.decodeStruct(n, v, path)
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		if err := d.decode(n, elem.Elem(), path); err != nil {
			return err
		}
		v.Set(elem)
		return nil
	case reflect.Slice:
		return d.decodeSlice(n, v, path)
	case reflect.Map:
		return d.decodeMap(n, v, path)
	case reflect.String:
		if n.Kind == yaml.MappingNode && isAlgorithmPath(path) {
			return d.decodeSpec(n, v, path)
		}
		if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!binary" {
			return d.errorf(path, "must be text, got %s", describe(n))
		}
		if !utf8.ValidString(n.Value) {
			return d.errorf(path, "must be UTF-8 text")
		}
		v.SetString(n.Value)
		return nil
	case reflect.Int, reflect.Int64:
		i, msg := scalarInt(n)
		if msg != "" {
			return d.errorf(path, "%s", msg)
		}
		if v.OverflowInt(i) {
			return d.errorf(path, "%d is out of range", i)
		}
		v.SetInt(i)
		return nil
	case reflect.Uint64:
		u, msg := scalarUint(n)
		if msg != "" {
			return d.errorf(path, "%s", msg)
		}
		v.SetUint(u)
		return nil
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != boolTag {
			return d.errorf(path, "must be true or false, got %s", describe(n))
		}
		v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
		return nil
	case reflect.Float64:
		f, msg := scalarFloat(n)
		if msg != "" {
			return d.errorf(path, "%s", msg)
		}
		v.SetFloat(f)
		return nil
	}
	// Only reachable if a field of an unsupported type is added to the schema.
	return d.errorf(path, "cannot decode a value of Go type %s", v.Type())
}

var (
	durationType    = reflect.TypeFor[Duration]()
	expectationType = reflect.TypeFor[check.Expectation]()
)

// decodeExpectation parses one line of expect:, placing a syntax error at
// its column in the file.
func (d *decoder) decodeExpectation(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != strTag {
		return d.errorf(path, "must be an expectation such as \"round_robin.p99 < 500\", got %s", describe(n))
	}
	e, err := check.ParseExpectation(n.Value)
	if err != nil {
		var ee *check.ExpectationError
		if !errors.As(err, &ee) {
			return d.errorf(path, "%v", err)
		}
		return d.expectErr(n, path, ee.Offset, ee.Msg)
	}
	e.Line = n.Line
	if line, _, ok := d.locate(n, n.Value); ok {
		e.Line = line
	}
	v.Set(reflect.ValueOf(e).Elem())
	return nil
}

// expectErr reports msg at byte offset off of the expectation in node n,
// quoting the expectation with a caret under the offset.
func (d *decoder) expectErr(n *yaml.Node, path string, off int, msg string) *Error {
	text := n.Value
	off = min(max(off, 0), len(text))
	e := d.nodeErr(n, path, msg)
	if line, col, ok := d.locate(n, text); ok && !strings.Contains(text[:off], "\n") {
		e.Line, e.Column = line, col+utf8.RuneCountInString(text[:off])
	} else {
		e.Msg = fmt.Sprintf("column %d of the expectation: %s", utf8.RuneCountInString(text[:off])+1, msg)
	}
	if !strings.Contains(text, "\n") && len(text) <= 200 {
		e.Msg += "\n    " + text + "\n    " + strings.Repeat(" ", utf8.RuneCountInString(text[:off])) + "^"
	}
	return e
}

// locate finds where the first line of text, the value of node n, is
// written in the file: on n's line from its column (past any anchor or
// opening quote), or on the next lines for a block scalar. It fails for
// text the file spells differently (escapes, folded lines).
func (d *decoder) locate(n *yaml.Node, text string) (line, col int, ok bool) {
	first, _, _ := strings.Cut(text, "\n")
	if first == "" {
		return 0, 0, false
	}
	for l := n.Line; l <= n.Line+1 && l <= len(d.lines); l++ {
		src, from := d.lines[l-1], 0
		if l == n.Line {
			from = byteIndex(src, n.Column-1)
		}
		if i := strings.Index(src[from:], first); i >= 0 {
			return l, utf8.RuneCountInString(src[:from+i]) + 1, true
		}
	}
	return 0, 0, false
}

// byteIndex is the byte offset of the rune at index r of s (len(s) past
// its end).
func byteIndex(s string, r int) int {
	for i := range s {
		if r == 0 {
			return i
		}
		r--
	}
	return len(s)
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) error {
	fields := yamlFields(v.Type())
	if n.Kind != yaml.MappingNode {
		return d.errorf(path, "must be a mapping with keys %s, got %s", fieldList(fields), describe(n))
	}
	pairs, err := d.pairs(n, path, 0, nil, nil)
	if err != nil {
		return err
	}
	for _, p := range pairs {
		name := p.key.Value
		f, ok := fieldByName(fields, name)
		if !ok {
			return d.nodeErr(p.key, joinPath(path, name), fmt.Sprintf("unknown key %s%s (known: %s)", quote(name), didYouMean(name, fields), fieldList(fields)))
		}
		fp := joinPath(path, name)
		d.keys[fp] = p.key
		if err := d.decode(p.value, v.Field(f.index), fp); err != nil {
			return err
		}
	}
	return nil
}

// decodeMap decodes a mapping from names the file chooses (pools, the
// pools of a split) to values. The names become path elements, so they
// are restricted to letters, digits, '-' and '_'.
func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind != yaml.MappingNode {
		return d.errorf(path, "must be a mapping of names to values, got %s", describe(n))
	}
	pairs, err := d.pairs(n, path, 0, nil, nil)
	if err != nil {
		return err
	}
	m := reflect.MakeMapWithSize(v.Type(), len(pairs))
	for _, p := range pairs {
		name := p.key.Value
		fp := joinPath(path, name)
		if msg := keyNameProblem(name); msg != "" {
			return d.nodeErr(p.key, fp, msg)
		}
		d.keys[fp] = p.key
		elem := reflect.New(v.Type().Elem()).Elem()
		if err := d.decode(p.value, elem, fp); err != nil {
			return err
		}
		m.SetMapIndex(reflect.ValueOf(name), elem)
	}
	v.Set(m)
	return nil
}

// isAlgorithmPath reports whether path holds a policy: algorithm,
// algorithms[N] or a pool's algorithm. Those may be given as a mapping
// with parameters.
func isAlgorithmPath(path string) bool {
	last := path[strings.LastIndexByte(path, '.')+1:]
	return last == "algorithm" || strings.HasPrefix(last, "algorithms[")
}

// decodeSpec turns a policy given as a mapping, {name: bounded_load, c: 1.5},
// into its spec text, bounded_load(c=1.5); checkAlgorithms checks the name
// and the parameters against the policy.
func (d *decoder) decodeSpec(n *yaml.Node, v reflect.Value, path string) error {
	pairs, err := d.pairs(n, path, 0, nil, nil)
	if err != nil {
		return err
	}
	var name string
	var params [][2]string
	for _, p := range pairs {
		key, fp := p.key.Value, joinPath(path, p.key.Value)
		d.keys[fp] = p.key
		d.values[fp] = p.value
		val := resolve(p.value)
		if val == nil || val.Kind != yaml.ScalarNode || val.ShortTag() == nullTag {
			return d.nodeErr(p.value, fp, fmt.Sprintf("must be a number or a duration, got %s", describe(p.value)))
		}
		if key == "name" {
			name = val.Value
			continue
		}
		if msg := keyNameProblem(key); msg != "" || strings.ContainsAny(val.Value, "(),= ") {
			return d.nodeErr(p.key, fp, fmt.Sprintf("%s is not a parameter: write name: POLICY and one key per parameter, as in {name: bounded_load, c: 1.5}", quote(key+": "+val.Value)))
		}
		params = append(params, [2]string{key, val.Value})
	}
	if name == "" {
		return d.errorf(path, "a policy with parameters needs its name, as in {name: bounded_load, c: 1.5}")
	}
	v.SetString(algorithms.Spec(name, params))
	return nil
}

// checkKeyName checks the pool or zone name at path.
func (d *decoder) checkKeyName(path, name string) error {
	if msg := keyNameProblem(name); msg != "" {
		return d.errorf(path, "%s", msg)
	}
	return nil
}

// keyNameProblem checks the name of a pool or zone, and returns what is wrong
// with it, or "".
func keyNameProblem(name string) string {
	if name == "" || len(name) > maxKeyNameLen || strings.ContainsFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) {
		return fmt.Sprintf("a name is 1 to %d letters, digits, '-' and '_', got %s", maxKeyNameLen, quote(name))
	}
	return ""
}

type pair struct{ key, value *yaml.Node }

// pairs lists a mapping's keys and values in file order, with the keys of
// merge keys ("<<: *base") after them, where the mapping's own keys win. A
// key given twice is an error.
//
// seen holds the keys listed so far and merged the mappings merged so far:
// merging a mapping twice adds nothing, so it is skipped, which keeps
// merges of merges of the same mapping from multiplying.
func (d *decoder) pairs(n *yaml.Node, path string, depth int, seen map[string]*yaml.Node, merged map[*yaml.Node]bool) ([]pair, error) {
	if depth > maxMergeDepth {
		return nil, d.nodeErr(n, path, fmt.Sprintf("merge keys nest more than %d deep", maxMergeDepth))
	}
	if seen == nil {
		seen = make(map[string]*yaml.Node)
		merged = map[*yaml.Node]bool{n: true}
	}
	var out []pair
	var merges []*yaml.Node
	own := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if err := d.spend(k, path); err != nil {
			return nil, err
		}
		if k.Kind == yaml.ScalarNode && k.ShortTag() == mergeTag {
			merges = append(merges, val)
			continue
		}
		if rk := resolve(k); rk == nil || rk.Kind != yaml.ScalarNode {
			return nil, d.nodeErr(k, path, fmt.Sprintf("a key must be a plain name, got %s", describe(rk)))
		}
		k = resolve(k)
		name := k.Value
		if first := own[name]; first != nil {
			return nil, d.nodeErr(k, joinPath(path, name), fmt.Sprintf("key %s is given twice (first at line %d)", quote(name), first.Line))
		}
		own[name] = k
		if seen[name] != nil {
			continue // an outer mapping already has this key
		}
		seen[name] = k
		out = append(out, pair{key: k, value: val})
	}
	for _, m := range merges {
		m = resolve(m)
		var sources []*yaml.Node
		switch {
		case m != nil && m.Kind == yaml.MappingNode:
			sources = []*yaml.Node{m}
		case m != nil && m.Kind == yaml.SequenceNode:
			sources = m.Content
		default:
			return nil, d.nodeErr(m, path, fmt.Sprintf("a merge key (<<) needs a mapping or a list of mappings, got %s", describe(m)))
		}
		for _, src := range sources {
			if err := d.spend(src, path); err != nil {
				return nil, err
			}
			src = resolve(src)
			if src == nil || src.Kind != yaml.MappingNode {
				return nil, d.nodeErr(src, path, fmt.Sprintf("a merge key (<<) needs a mapping or a list of mappings, got %s", describe(src)))
			}
			if merged[src] {
				continue
			}
			merged[src] = true
			more, err := d.pairs(src, path, depth+1, seen, merged)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		}
	}
	return out, nil
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string) error {
	if n.Kind != yaml.SequenceNode {
		return d.errorf(path, "must be a list, got %s", describe(n))
	}
	key := path[strings.LastIndexByte(path, '.')+1:]
	if limit, ok := maxItems[key]; ok && len(n.Content) > limit {
		return d.errorf(path, "at most %d entries are allowed, got %d", limit, len(n.Content))
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		if err := d.decode(item, s.Index(i), path+"["+strconv.Itoa(i)+"]"); err != nil {
			return err
		}
	}
	v.Set(s)
	return nil
}

type field struct {
	name  string
	index int
}

// yamlFields lists a struct's fields by yaml key, in declaration order,
// leaving out fields tagged "-".
func yamlFields(t reflect.Type) []field {
	var out []field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		out = append(out, field{name: name, index: i})
	}
	return out
}

func fieldByName(fields []field, name string) (field, bool) {
	for _, f := range fields {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

func fieldNames(fields []field) []string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return names
}

func fieldList(fields []field) string { return strings.Join(fieldNames(fields), ", ") }

// didYouMean offers the key of fields nearest to name, as ", did you mean
// "capacity"?", or "".
func didYouMean(name string, fields []field) string {
	if near, ok := suggest.Nearest(name, fieldNames(fields)); ok {
		return fmt.Sprintf(", did you mean %s?", quote(near))
	}
	return ""
}

// scalarInt reads a whole number. YAML floats that are whole ("1e6") are
// accepted; fractions are not silently truncated.
func scalarInt(n *yaml.Node) (int64, string) {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case intTag:
			var i int64
			if err := n.Decode(&i); err == nil {
				return i, ""
			}
			return 0, fmt.Sprintf("%s is out of range", quote(n.Value))
		case floatTag:
			var f float64
			if err := n.Decode(&f); err != nil {
				return 0, fmt.Sprintf("must be a whole number, got %s", describe(n))
			}
			if f != math.Trunc(f) || math.IsInf(f, 0) {
				return 0, fmt.Sprintf("must be a whole number, got %s", describe(n))
			}
			if f >= math.MaxInt64 || f < math.MinInt64 {
				return 0, fmt.Sprintf("%s is out of range", quote(n.Value))
			}
			return int64(f), ""
		}
	}
	return 0, fmt.Sprintf("must be a whole number, got %s", describe(n))
}

func scalarUint(n *yaml.Node) (uint64, string) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == intTag {
		var u uint64
		if err := n.Decode(&u); err == nil {
			return u, ""
		}
		if strings.HasPrefix(strings.TrimSpace(n.Value), "-") {
			return 0, fmt.Sprintf("must not be negative, got %s", quote(n.Value))
		}
		return 0, fmt.Sprintf("%s is out of range (0 to %d)", quote(n.Value), uint64(math.MaxUint64))
	}
	i, msg := scalarInt(n)
	if msg != "" {
		return 0, msg
	}
	if i < 0 {
		return 0, fmt.Sprintf("must not be negative, got %d", i)
	}
	return uint64(i), ""
}

func scalarFloat(n *yaml.Node) (float64, string) {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case intTag, floatTag:
			var f float64
			if err := n.Decode(&f); err == nil {
				return f, ""
			}
			return 0, fmt.Sprintf("%s is out of range", quote(n.Value))
		}
	}
	return 0, fmt.Sprintf("must be a number, got %s", describe(n))
}

// describe names what a node holds, for messages: `"abc"`, "a list".
func describe(n *yaml.Node) string {
	n = resolve(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case nullTag:
			return "no value"
		case boolTag:
			return "the boolean " + n.Value
		case strTag, intTag, floatTag, timestampTag:
			return quote(n.Value)
		}
		return quote(n.Value) + " tagged " + n.Tag
	}
	return "an unexpected YAML node"
}

// quote quotes s for a message, shortened if long.
func quote(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		return strconv.Quote(string(r[:max])) + "..."
	}
	return strconv.Quote(s)
}
