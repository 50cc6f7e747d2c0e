package check

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lbsim/lbsim/results"
)

// Limits on one expectation, so a hostile file cannot make parsing
// expensive or recurse deeply.
const (
	// MaxExpectationLen is the longest expectation accepted, in bytes.
	MaxExpectationLen = 1000
	// maxNesting bounds parentheses, calls and unary minus inside one
	// another.
	maxNesting = 32
)

// An Expectation is a claim about a run's metrics, one line of a
// scenario's expect: list, that `lbsim check` verifies:
//
//	least_connections.p99 < 0.5 * round_robin.p99
//	0.45 <= weighted_round_robin.servers[big].requests / weighted_round_robin.completed <= 0.55
//
// Its grammar (docs/checks.md has the full story):
//
//	expectation := sum cmp sum {cmp sum}      cmp is < <= > >= == !=
//	sum         := product {("+" | "-") product}
//	product     := unary {("*" | "/") unary}
//	unary       := "-" unary | primary
//	primary     := number ["%"] | metric | fn "(" sum {"," sum} ")" | "(" sum ")"
//	metric      := algorithm "." name {"." name | "[" key "]"}
//	fn          := abs | min | max
//
// A metric is an algorithm's field in the --format json output: completed,
// failed, latency_ms.p99 (or just p99), fairness.jain_utilization (or just
// jain_utilization), servers[app-1].requests, classes[profile].p99,
// failed_by_cause.timeout, crashes[0].detected_after_s. Latencies are in
// milliseconds; "5%" is 0.05. A chain a < b < c holds when every link
// holds.
type Expectation struct {
	// Line is where the expectation was written in its scenario file, for
	// reports; 0 when unknown.
	Line int

	text  string
	sides []expr
	ops   []string
	refs  []Ref
}

// Ref is one metric an expectation reads.
type Ref struct {
	// Algorithm is the algorithm whose result holds the metric.
	Algorithm string
	// Path is the metric in that result; its KeyOffset, like Offset, is
	// a byte offset in the expectation.
	results.Path
	// Offset is the byte offset of the reference in the expectation.
	Offset int

	text string // as written
}

// String returns the reference as written.
func (r Ref) String() string { return r.text }

// ExpectationError is a syntax or vocabulary error in an expectation.
type ExpectationError struct {
	// Offset is the byte offset in the expectation where the error is.
	Offset int
	Msg    string
}

func (e *ExpectationError) Error() string {
	return fmt.Sprintf("column %d: %s", e.Offset+1, e.Msg)
}

// ParseExpectation parses text. Every error is an *ExpectationError that
// says where the text went wrong.
func ParseExpectation(text string) (*Expectation, error) {
	if len(text) > MaxExpectationLen {
		return nil, &ExpectationError{Offset: MaxExpectationLen, Msg: fmt.Sprintf("longer than %d bytes; split it into several expectations", MaxExpectationLen)}
	}
	if !utf8.ValidString(text) {
		return nil, &ExpectationError{Msg: "not UTF-8 text"}
	}
	p := &parser{text: text, e: &Expectation{text: text}}
	if err := p.expectation(); err != nil {
		return nil, err
	}
	return p.e, nil
}

// String returns the expectation as written.
func (e *Expectation) String() string { return e.text }

// Refs lists the metrics the expectation reads, in the order written.
func (e *Expectation) Refs() []Ref { return e.refs }

// Outcome is an expectation judged against one run.
type Outcome struct {
	Passed bool
	// Sides are the values of the compared expressions, left to right.
	Sides []float64
	// Values holds every metric read, by its reference as written.
	Values map[string]float64
	// Margin says by how much the expectation held: for a < b it is b - a,
	// for a == b it is -|a - b|; for a chain, the least of its links. It
	// is negative (or zero for < > !=) when the expectation fails, and NaN
	// when it could not be evaluated.
	Margin float64
	// Problem says why the expectation could not be evaluated (a metric
	// missing from the run, a division by zero); "" when it could.
	Problem string
}

// Eval judges the expectation against c. A metric missing from c (an
// algorithm that was not run, crashes[2] of a run with one crash) makes
// the outcome fail with a Problem rather than an error: it is a fact
// about the run.
func (e *Expectation) Eval(c *results.Comparison) Outcome {
	o := Outcome{Values: make(map[string]float64, len(e.refs)), Margin: math.NaN()}
	vals := make([]float64, len(e.refs))
	for i, r := range e.refs {
		v, problem := r.lookup(c)
		if problem != "" {
			o.Problem = problem
			return o
		}
		vals[i] = v
		o.Values[r.text] = v
	}
	o.Sides = make([]float64, len(e.sides))
	for i, s := range e.sides {
		v := s.eval(vals)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			o.Problem = fmt.Sprintf("%s is not a finite number (a division by zero or an overflow)", s.text(e.text))
			return o
		}
		o.Sides[i] = v
	}
	o.Passed, o.Margin = true, math.Inf(1)
	for i, op := range e.ops {
		l, r := o.Sides[i], o.Sides[i+1]
		var m float64
		var ok bool
		switch op {
		case "<":
			m, ok = r-l, l < r
		case "<=":
			m, ok = r-l, l <= r
		case ">":
			m, ok = l-r, l > r
		case ">=":
			m, ok = l-r, l >= r
		case "==":
			m, ok = -math.Abs(l-r), l == r
		case "!=":
			m, ok = math.Abs(l-r), l != r
		}
		o.Margin = min(o.Margin, m)
		o.Passed = o.Passed && ok
	}
	return o
}

// Detail renders o as the comparison with numbers, "2933.916 < 4433.38",
// and, on a second line when a side is more than one metric, the metrics
// read: "where least_connections.p99 = 2933.916, ...".
func (e *Expectation) Detail(o Outcome) string {
	if o.Problem != "" {
		return o.Problem
	}
	var b strings.Builder
	for i, v := range o.Sides {
		if i > 0 {
			b.WriteString(" " + e.ops[i-1] + " ")
		}
		b.WriteString(formatNumber(v))
	}
	computed := false
	for _, s := range e.sides {
		switch s.(type) {
		case metricExpr, numberExpr:
		default:
			computed = true
		}
	}
	if computed {
		b.WriteString("\nwhere ")
		seen := make(map[string]bool, len(e.refs))
		for _, r := range e.refs {
			if seen[r.text] {
				continue
			}
			if len(seen) > 0 {
				b.WriteString(", ")
			}
			seen[r.text] = true
			b.WriteString(r.text + " = " + formatNumber(o.Values[r.text]))
		}
	}
	return b.String()
}

// formatNumber prints v to 10 significant digits, without an exponent or
// trailing zeros: enough to tell 2.499935 from 2.5, or 12345678 from
// 12345679, and short of float noise (0.30000000000000004 prints 0.3).
func formatNumber(v float64) string {
	if math.Abs(v) < 1e15 {
		v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 10, 64), 64)
	}
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// expr is a parsed arithmetic expression. eval gets the values of the
// expectation's refs; text returns the source it was parsed from.
type expr interface {
	eval(refs []float64) float64
	text(src string) string
}

// span is the source range of an expression.
type span struct{ from, to int }

func (s span) text(src string) string { return strings.TrimSpace(src[s.from:s.to]) }

type numberExpr struct {
	span
	v float64
}

func (n numberExpr) eval([]float64) float64 { return n.v }

type metricExpr struct {
	span
	ref int
}

func (m metricExpr) eval(refs []float64) float64 { return refs[m.ref] }

type unaryExpr struct {
	span
	x expr
}

func (u unaryExpr) eval(refs []float64) float64 { return -u.x.eval(refs) }

type binaryExpr struct {
	span
	op   byte
	l, r expr
}

func (b binaryExpr) eval(refs []float64) float64 {
	l, r := b.l.eval(refs), b.r.eval(refs)
	switch b.op {
	case '+':
		return l + r
	case '-':
		return l - r
	case '*':
		return l * r
	}
	if r == 0 {
		return math.NaN() // not ±Inf, which min, max and 1/x would hide
	}
	return l / r
}

type callExpr struct {
	span
	fn   string
	args []expr
}

func (c callExpr) eval(refs []float64) float64 {
	v := c.args[0].eval(refs)
	if c.fn == "abs" {
		return math.Abs(v)
	}
	for _, a := range c.args[1:] {
		if c.fn == "min" {
			v = math.Min(v, a.eval(refs))
		} else {
			v = math.Max(v, a.eval(refs))
		}
	}
	return v
}

// functions maps each function to its least and most arguments.
var functions = map[string][2]int{"abs": {1, 1}, "min": {2, 16}, "max": {2, 16}}

// parser is a recursive-descent parser over the expectation's text.
type parser struct {
	text  string
	pos   int
	depth int
	e     *Expectation
}

func (p *parser) errorf(at int, format string, args ...any) *ExpectationError {
	return &ExpectationError{Offset: at, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.text) && strings.IndexByte(" \t\r\n", p.text[p.pos]) >= 0 {
		p.pos++
	}
}

// peek returns the next non-space byte, 0 at the end.
func (p *parser) peek() byte {
	p.skipSpace()
	if p.pos >= len(p.text) {
		return 0
	}
	return p.text[p.pos]
}

// comparison reads a comparison operator, "" if none is next.
func (p *parser) comparison() (string, *ExpectationError) {
	p.skipSpace()
	rest := p.text[p.pos:]
	for _, op := range []string{"<=", ">=", "==", "!=", "<", ">"} {
		if strings.HasPrefix(rest, op) {
			p.pos += len(op)
			return op, nil
		}
	}
	if strings.HasPrefix(rest, "=") {
		return "", p.errorf(p.pos, "write == to compare for equality")
	}
	return "", nil
}

func (p *parser) expectation() *ExpectationError {
	if p.peek() == 0 {
		return p.errorf(p.pos, "empty; write a comparison such as round_robin.p99 < 500")
	}
	for {
		s, err := p.sum()
		if err != nil {
			return err
		}
		p.e.sides = append(p.e.sides, s)
		op, err := p.comparison()
		if err != nil {
			return err
		}
		if op == "" {
			break
		}
		p.e.ops = append(p.e.ops, op)
	}
	if p.pos < len(p.text) {
		return p.errorf(p.pos, "unexpected %s; expected an operator or the end", p.describeNext())
	}
	if len(p.e.ops) == 0 {
		return p.errorf(p.pos, "no comparison; an expectation compares values with < <= > >= == or !=")
	}
	if len(p.e.refs) == 0 {
		return p.errorf(0, "compares no metric, so it cannot fail; name one such as round_robin.p99")
	}
	return nil
}

// describeNext names the next token for a message.
func (p *parser) describeNext() string {
	if p.pos >= len(p.text) {
		return "end of expectation"
	}
	r, _ := utf8.DecodeRuneInString(p.text[p.pos:])
	return strconv.QuoteRune(r)
}

func (p *parser) sum() (expr, *ExpectationError)     { return p.binary("+-", p.product) }
func (p *parser) product() (expr, *ExpectationError) { return p.binary("*/", p.unary) }

// binary reads operands joined by any of ops, left-associative.
func (p *parser) binary(ops string, operand func() (expr, *ExpectationError)) (expr, *ExpectationError) {
	from := p.pos
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for {
		op := p.peek()
		if op == 0 || strings.IndexByte(ops, op) < 0 {
			return l, nil
		}
		p.pos++
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = binaryExpr{span{from, p.pos}, op, l, r}
	}
}

// nest counts one level of nesting, failing past maxNesting.
func (p *parser) nest() *ExpectationError {
	if p.depth++; p.depth > maxNesting {
		return p.errorf(p.pos, "nested more than %d deep", maxNesting)
	}
	return nil
}

func (p *parser) unary() (expr, *ExpectationError) {
	if p.peek() != '-' {
		return p.primary()
	}
	from := p.pos
	p.pos++
	if err := p.nest(); err != nil {
		return nil, err
	}
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	p.depth--
	return unaryExpr{span{from, p.pos}, x}, nil
}

func (p *parser) primary() (expr, *ExpectationError) {
	c := p.peek()
	from := p.pos
	switch {
	case c == 0:
		return nil, p.errorf(p.pos, "expected a number, a metric or \"(\" but the expectation ends")
	case c == '(':
		p.pos++
		if err := p.nest(); err != nil {
			return nil, err
		}
		x, err := p.sum()
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, p.errorf(p.pos, "expected \")\" to close the \"(\" at column %d, got %s", from+1, p.describeNext())
		}
		p.pos++
		p.depth--
		return x, nil
	case isDigit(c) || c == '.':
		return p.number()
	case isIdentStart(c):
		name := p.ident()
		end := p.pos
		if _, fn := functions[name]; !fn && p.isSpec(end) {
			return p.specMetric(from)
		}
		if p.peek() == '(' {
			return p.call(name, from)
		}
		p.pos = end // a metric has no spaces: "a.p99", not "a .p99"
		return p.metric(name, from)
	}
	return nil, p.errorf(p.pos, "unexpected %s; expected a number, a metric or \"(\"", p.describeNext())
}

func (p *parser) number() (expr, *ExpectationError) {
	from := p.pos
	for p.pos < len(p.text) && (isDigit(p.text[p.pos]) || p.text[p.pos] == '.') {
		p.pos++
	}
	if p.pos < len(p.text) && (p.text[p.pos] == 'e' || p.text[p.pos] == 'E') {
		at := p.pos + 1
		if at < len(p.text) && (p.text[at] == '+' || p.text[at] == '-') {
			at++
		}
		if at < len(p.text) && isDigit(p.text[at]) {
			for p.pos = at; p.pos < len(p.text) && isDigit(p.text[p.pos]); p.pos++ {
			}
		}
	}
	lit := p.text[from:p.pos]
	v, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(v, 0) {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return nil, p.errorf(from, "number %s is out of range", strconv.Quote(lit))
		}
		return nil, p.errorf(from, "malformed number %s", strconv.Quote(lit))
	}
	if p.pos < len(p.text) && p.text[p.pos] == '%' {
		p.pos++
		v /= 100
	}
	if p.pos < len(p.text) && isIdentStart(p.text[p.pos]) {
		return nil, p.errorf(p.pos, "unexpected %s after a number; numbers take no units (latencies are in milliseconds: write 800, not 800ms)", p.describeNext())
	}
	return numberExpr{span{from, p.pos}, v}, nil
}

func (p *parser) ident() string {
	from := p.pos
	for p.pos < len(p.text) && (isIdentStart(p.text[p.pos]) || isDigit(p.text[p.pos])) {
		p.pos++
	}
	return p.text[from:p.pos]
}

func (p *parser) call(name string, from int) (expr, *ExpectationError) {
	arity, ok := functions[name]
	if !ok {
		return nil, p.errorf(from, "unknown function %s (known: abs, min, max)", strconv.Quote(name))
	}
	p.pos++ // the "("
	if err := p.nest(); err != nil {
		return nil, err
	}
	var args []expr
	for {
		a, err := p.sum()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		if p.peek() != ',' {
			break
		}
		p.pos++
	}
	if p.peek() != ')' {
		return nil, p.errorf(p.pos, "expected \",\" or \")\" in the call of %s, got %s", name, p.describeNext())
	}
	p.pos++
	p.depth--
	if len(args) < arity[0] || len(args) > arity[1] {
		want := strconv.Itoa(arity[0])
		if arity[1] != arity[0] {
			want = fmt.Sprintf("%d to %d", arity[0], arity[1])
		}
		return nil, p.errorf(from, "%s takes %s arguments, got %d", name, want, len(args))
	}
	return callExpr{span{from, p.pos}, name, args}, nil
}

// isSpec reports whether the name that ends at end carries parameters,
// as in bounded_load(c=1.5).p99: "(" right after it, and "." right after
// the first ")".
func (p *parser) isSpec(end int) bool {
	if end >= len(p.text) || p.text[end] != '(' {
		return false
	}
	close := strings.IndexByte(p.text[end:], ')')
	return close >= 0 && end+close+1 < len(p.text) && p.text[end+close+1] == '.'
}

// specMetric reads a metric of a policy written with parameters: the
// algorithm is the name and its parameters up to the first ")".
func (p *parser) specMetric(from int) (expr, *ExpectationError) {
	p.pos += strings.IndexByte(p.text[p.pos:], ')') + 1
	return p.metric(p.text[from:p.pos], from)
}

// metric reads the rest of a metric reference after its algorithm name.
func (p *parser) metric(alg string, from int) (expr, *ExpectationError) {
	if p.pos >= len(p.text) || p.text[p.pos] != '.' {
		return nil, p.errorf(p.pos, "expected \".\" and a metric after %s, as in %s.p99", strconv.Quote(alg), alg)
	}
	var parts []results.PathPart
	for p.pos < len(p.text) && (p.text[p.pos] == '.' || p.text[p.pos] == '[') {
		if p.text[p.pos] == '.' {
			p.pos++
			at := p.pos
			if p.pos >= len(p.text) || !isIdentStart(p.text[p.pos]) && !isDigit(p.text[p.pos]) {
				return nil, p.errorf(p.pos, "expected a metric name after \".\", got %s", p.describeNext())
			}
			parts = append(parts, results.PathPart{Name: p.ident(), At: at})
			continue
		}
		key, at, err := p.key()
		if err != nil {
			return nil, err
		}
		last := &parts[len(parts)-1]
		if last.HasKey {
			return nil, p.errorf(at, "%s takes one [...]", last.Name)
		}
		last.Key, last.KeyAt, last.HasKey = key, at, true
	}
	path, err := results.ResolvePath(parts)
	if err != nil {
		return nil, &ExpectationError{Offset: err.Offset, Msg: err.Msg}
	}
	ref := Ref{Algorithm: alg, Path: path, Offset: from, text: p.text[from:p.pos]}
	p.e.refs = append(p.e.refs, ref)
	return metricExpr{span{from, p.pos}, len(p.e.refs) - 1}, nil
}

// key reads "[NAME]" or "[\"NAME\"]" and returns NAME and its offset.
func (p *parser) key() (string, int, *ExpectationError) {
	open := p.pos
	p.pos++
	at := p.pos
	if p.pos < len(p.text) && p.text[p.pos] == '"' {
		q, err := strconv.QuotedPrefix(p.text[p.pos:])
		if err != nil {
			return "", at, p.errorf(at, "unterminated quoted name")
		}
		name, _ := strconv.Unquote(q)
		p.pos += len(q)
		if p.pos >= len(p.text) || p.text[p.pos] != ']' {
			return "", at, p.errorf(p.pos, "expected \"]\" after the quoted name")
		}
		p.pos++
		return name, at, nil
	}
	end := strings.IndexByte(p.text[p.pos:], ']')
	if end < 0 {
		return "", at, p.errorf(open, "\"[\" is never closed")
	}
	name := strings.TrimSpace(p.text[p.pos : p.pos+end])
	p.pos += end + 1
	if name == "" {
		return "", at, p.errorf(at, "empty [] ; name a server or class, or give an index")
	}
	return name, at, nil
}

func isDigit(c byte) bool      { return '0' <= c && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// lookup reads the metric from the result of r's algorithm in c. A metric
// the run does not have gives a problem saying so.
func (r Ref) lookup(c *results.Comparison) (float64, string) {
	for i := range c.Results {
		if c.Results[i].Algorithm == r.Algorithm {
			v, ok := r.Value(&c.Results[i])
			if !ok {
				return 0, fmt.Sprintf("the %s run has no %s", r.Algorithm, r.Metric)
			}
			if v < 0 && results.IsDetection(r.Metric) {
				return 0, fmt.Sprintf("the %s run never detected %s", r.Algorithm, strings.TrimSuffix(r.Metric, ".detected_after_s"))
			}
			return v, ""
		}
	}
	return 0, fmt.Sprintf("%s was not run", r.Algorithm)
}
