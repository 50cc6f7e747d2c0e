// Package importer turns a real nginx or HAProxy configuration into an
// lbsim scenario, so that the policies can be compared on the servers,
// weights, checks and retries a site already runs. It reads one nginx
// upstream block (with the settings of the locations that proxy to it,
// and the files nginx's include directives splice in) or one HAProxy
// backend or listen section (with its defaults) and returns the scenario
// as YAML text, in which every directive lbsim cannot express is a
// comment next to where it belongs, plus one warning for each of them.
//
// The package never prints: the caller decides what to do with the
// warnings. It reads files only through Options.Files. docs/import.md
// lists what is read and how each directive maps.
package importer

import (
	"bytes"
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Format is the kind of configuration read.
type Format string

// The formats Import reads.
const (
	Nginx   Format = "nginx"
	HAProxy Format = "haproxy"
)

// Formats lists the formats, for messages and flags.
var Formats = []Format{Nginx, HAProxy}

// MaxSize is the largest configuration Import reads. Real configurations
// are far smaller; the bound keeps a wrong file from costing much.
const MaxSize = 8 << 20

// Options says what to import.
type Options struct {
	// Format is the configuration's format; "" tells it from the content.
	Format Format
	// Upstream names the nginx upstream or HAProxy backend (or listen
	// section) to import; "" takes the only one, and is an error when
	// there are several.
	Upstream string
	// Trace, when set, is the path of an access log written by the
	// imported proxy: the workload replays it instead of a placeholder.
	Trace string
	// Files reads the files that nginx include directives name, as nginx
	// would: a relative path is joined to the directory of the source
	// given to Import. nil makes an include an error, since Import then
	// has the main file's text alone; OSFiles reads the operating
	// system's files.
	Files Files
}

// Files is where Import reads included files from: OSFiles, FromFS, or
// an fstest.MapFS, which has both methods. Paths are made with
// filepath.Join.
type Files interface {
	// ReadFile returns the file's content; an error matching
	// fs.ErrNotExist means there is no such file.
	ReadFile(name string) ([]byte, error)
	// Glob returns the names matching pattern (filepath.Match's syntax,
	// which has nginx's *, ? and [...]), in any order.
	Glob(pattern string) ([]string, error)
}

// Result is an imported scenario.
type Result struct {
	// YAML is the scenario, with comments; it loads with scenarios.Parse
	// and scenarios.ParseProxy.
	YAML []byte
	// Format is the configuration's format, given or told from it.
	Format Format
	// Upstream is the name of the upstream or backend imported.
	Upstream string
	// Algorithm is the lbsim policy that matches the imported one: the
	// scenario's algorithm, which the proxy runs, and the first of its
	// algorithms (as a spec, such as "bounded_load(c=1.5)").
	Algorithm string
	// Warnings lists what the scenario could not express, in the
	// order of the configuration's lines.
	Warnings []Warning
}

// Warning is one directive lbsim does not model, or one setting it had to
// approximate.
type Warning struct {
	Source string // the file: the name given to Import, or an included file's path
	Line   int    // 1-based line of the directive
	Msg    string // "keepalive 32 is not modelled: ...", or another approximation
}

func (w Warning) String() string {
	return fmt.Sprintf("%s:%d: %s", w.Source, w.Line, w.Msg)
}

// Error is a configuration Import cannot turn into a scenario: unreadable,
// malformed, or without a usable upstream or backend. Source is the file
// at fault (an included one's path, or the name given to Import); Line is
// 0 when the problem is not on one line.
type Error struct {
	Source string
	Line   int
	Msg    string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Source, e.Line, e.Msg)
	}
	return e.Source + ": " + e.Msg
}

// Import reads the configuration data (source names it in messages and in
// the scenario's header, and is the path nginx's relative includes are
// resolved against) and returns the scenario for one of its upstreams or
// backends. Every error it returns is an *Error.
func Import(source string, data []byte, opts Options) (*Result, error) {
	fail := func(line int, format string, args ...any) error {
		return &Error{Source: source, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case len(data) > MaxSize:
		return nil, fail(0, "larger than %d MiB; is this a proxy configuration?", MaxSize>>20)
	case len(bytes.TrimSpace(data)) == 0:
		return nil, fail(0, "empty file; expected an nginx or HAProxy configuration")
	}
	text, err := configText(source, data)
	if err != nil {
		return nil, err
	}
	format := opts.Format
	switch {
	case format == "":
		f, err := Detect(data)
		if err != nil {
			return nil, fail(0, "%v", err)
		}
		format = f
	case !slices.Contains(Formats, format):
		return nil, fail(0, "unknown format %q (known: nginx, haproxy)", format)
	}
	var p *pool
	if format == Nginx {
		p, err = importNginx(source, text, opts)
	} else {
		p, err = importHAProxy(source, text, opts.Upstream)
	}
	if err != nil {
		return nil, err
	}
	p.finish()
	out, err := p.emit(source, opts.Trace)
	if err != nil {
		return nil, fail(0, "writing the scenario: %v", err)
	}
	slices.SortStableFunc(p.notes, func(a, b note) int { return a.at.compare(b.at) })
	res := &Result{YAML: out, Format: format, Upstream: p.name, Algorithm: p.alg.spec()}
	for _, n := range p.notes {
		if n.warn {
			res.Warnings = append(res.Warnings, Warning{Source: p.files[n.at.file], Line: n.at.line, Msg: n.msg})
		}
	}
	return res, nil
}

// configText checks that data is a configuration's text: no NUL byte,
// and UTF-8, which the YAML written must be. Configurations may hold
// Latin-1 in comments; that is no reason to refuse them, so other bytes
// become "?".
func configText(source string, data []byte) (string, error) {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return "", &Error{Source: source, Line: lineAt(data, i), Msg: "not a text file: it contains a NUL byte"}
	}
	if !utf8.Valid(data) {
		data = bytes.ToValidUTF8(data, []byte("?"))
	}
	return string(data), nil
}

// pos is where a directive is: the file, an index into the pool's files
// (0 is the one given to Import, then the files nginx's include
// directives name, in the order read), and the 1-based line in it.
type pos struct{ file, line int }

// compare orders positions by file, then line: the warnings of the main
// file first, then those of each included file.
func (a pos) compare(b pos) int {
	return cmp.Or(cmp.Compare(a.file, b.file), cmp.Compare(a.line, b.line))
}

// place names a position in the scenario's comments: "line 7" in the
// main file, "conf.d/api.conf:7" in an included one, named relative to
// the main file's directory as the include directive usually names it.
func (p *pool) place(at pos) string {
	if at.file == 0 {
		return "line " + strconv.Itoa(at.line)
	}
	name := p.files[at.file]
	if rel, err := filepath.Rel(filepath.Dir(p.files[0]), name); err == nil && filepath.IsLocal(rel) {
		name = rel
	}
	return name + ":" + strconv.Itoa(at.line)
}

// Detect tells an nginx configuration from an HAProxy one by its shape:
// nginx nests blocks in braces and ends directives with semicolons,
// HAProxy opens sections (global, defaults, frontend, backend, listen)
// with a keyword at the start of a line.
func Detect(data []byte) (Format, error) {
	var nginx, haproxy bool
	for line := range strings.Lines(string(data)) {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasSuffix(line, ";") || strings.HasSuffix(line, "{") || strings.HasSuffix(line, "}") {
			nginx = true
		}
		if first, _, _ := strings.Cut(line, " "); haproxySections[strings.TrimSpace(first)] && !strings.ContainsAny(line, "{;") {
			haproxy = true
		}
	}
	switch {
	case nginx && !haproxy:
		return Nginx, nil
	case haproxy && !nginx:
		return HAProxy, nil
	case nginx:
		return "", fmt.Errorf("cannot tell whether this is an nginx or an HAProxy configuration: it has both braces or semicolons and HAProxy section keywords; give --format nginx or --format haproxy")
	}
	return "", fmt.Errorf("cannot tell whether this is an nginx or an HAProxy configuration: no nginx blocks (upstream NAME { ... }) and no HAProxy sections (backend NAME); give --format nginx or --format haproxy")
}

// lineAt returns the 1-based line holding data[offset].
func lineAt(data []byte, offset int) int {
	return bytes.Count(data[:offset], []byte{'\n'}) + 1
}

// pool is what one upstream or backend says, in lbsim's terms: the
// readers fill it in, emit writes it out.
type pool struct {
	format  Format
	files   []string // the files read: the one given to Import, then nginx's included ones
	name    string   // the upstream's or backend's name
	kind    string   // "upstream", "backend" or "listen"
	at      pos
	mode    string // http or tcp
	scheme  string // http:// or https:// for addresses in mode http
	servers []server
	alg     algorithm
	keys    bool // the policy hashes a request key: the workload gets keys

	passive   *passive
	retries   *retries
	health    *health
	sticky    string // cookie name; "" for none
	timeouts  []timeout
	slowStart time.Duration
	maxBody   int64 // max_body_bytes; 0 leaves the default
	logFormat string

	notes []note
}

// server is one server line.
type server struct {
	name    string
	address string
	weight  int
	backup  bool
	at      pos
}

// algorithm is the lbsim policy chosen for the imported one.
type algorithm struct {
	name   string // lbsim's name
	params []param
	why    string // what was imported, for the entry's comment
}

type param struct {
	key, value string
}

// spec writes the policy as lbsim names it in results: name(k=v,...).
func (a algorithm) spec() string {
	if len(a.params) == 0 {
		return a.name
	}
	var kv []string
	for _, p := range a.params {
		kv = append(kv, p.key+"="+p.value)
	}
	return a.name + "(" + strings.Join(kv, ",") + ")"
}

type passive struct {
	maxFails    int
	failTimeout time.Duration
	on          []string // nil for lbsim's default, [connect, error, timeout]
	why         string
}

type retries struct {
	count         int
	on            []string
	timeout       time.Duration
	nonIdempotent bool
	why           string
}

type health struct {
	path     string
	status   int
	interval time.Duration
	timeout  time.Duration
	fall     int
	rise     int
	why      string
}

type timeout struct {
	key   string // connect, header, idle, response
	value time.Duration
	from  string // the directive it came from
}

// topic says which key of the scenario a note belongs next to.
type topic int

const (
	topicServers topic = iota
	topicAlgorithm
	topicPassive
	topicRetries
	topicHealth
	topicSticky
	topicTimeouts
	topicSlowStart
	topicMode
	topicWorkload
)

// note is a directive lbsim does not model, or a setting it had to
// approximate: a comment in the scenario, and a warning when warn is set.
type note struct {
	at     pos
	topic  topic
	server int // the server's index when the note is about one; -1 otherwise
	msg    string
	warn   bool
}

// unmodelled records a directive lbsim cannot express.
func (p *pool) unmodelled(at pos, t topic, srv int, directive, why string) {
	p.notes = append(p.notes, note{at: at, topic: t, server: srv, warn: true,
		msg: directive + " is not modelled: " + why})
}

// approximated records a setting lbsim expresses only in part, or one it
// had to choose among several.
func (p *pool) approximated(at pos, t topic, srv int, msg string) {
	p.notes = append(p.notes, note{at: at, topic: t, server: srv, warn: true, msg: msg})
}

// remark records a comment that needs no warning: a difference of detail
// that the docs state.
func (p *pool) remark(at pos, t topic, msg string) {
	p.notes = append(p.notes, note{at: at, topic: t, server: -1, msg: msg})
}

// finish makes the names ones lbsim accepts: printable, within its
// length, and unique among the servers.
func (p *pool) finish() {
	p.name = printable(p.name)
	if strings.TrimSpace(p.name) == "" {
		p.name = "imported"
	}
	seen := map[string]bool{}
	for i := range p.servers {
		s := &p.servers[i]
		s.name = printable(s.name)
		name := s.name
		for k := 2; seen[name]; k++ {
			name = fmt.Sprintf("%s#%d", s.name, k)
		}
		if name != s.name {
			p.approximated(s.at, topicServers, i, fmt.Sprintf("server %s is listed twice; lbsim names this one %s", s.name, name))
			s.name = name
		}
		seen[name] = true
	}
}

// clean replaces what is not printable on one line with "?": YAML
// allows no control characters, and a comment is one line.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, s)
}

// maxName is the longest name written, leaving room for a suffix within
// lbsim's limit of 128 bytes.
const maxName = 120

// printable returns name with what is not printable replaced by "?",
// cut to maxName bytes.
func printable(name string) string {
	name = clean(name)
	for len(name) > maxName {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// mostCommon returns the value most servers have (the first of equals, in
// file order) and whether they all agree.
func mostCommon[T comparable](values []T) (T, bool) {
	count := map[T]int{}
	best := values[0]
	for _, v := range values {
		count[v]++
		if count[v] > count[best] {
			best = v
		}
	}
	return best, count[best] == len(values)
}

// haproxySections are the keywords that open an HAProxy section.
var haproxySections = map[string]bool{
	"global": true, "defaults": true, "frontend": true, "backend": true, "listen": true,
	"peers": true, "resolvers": true, "userlist": true, "cache": true, "program": true,
	"http-errors": true, "ring": true, "mailers": true, "crt-store": true, "log-forward": true, "traces": true,
}

// baseName is source as the scenario's description shows it.
func baseName(source string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' {
			return '?'
		}
		return r
	}, filepath.Base(source))
}

// slowDiffers says what lbsim does when servers' slow starts differ.
func slowDiffers(common time.Duration) string {
	if common == 0 {
		return "differs from the other servers': lbsim's slow_start applies to every server, and most have none, so it is off"
	}
	return "differs from the other servers': lbsim's slow_start applies to every server, so it takes the most common, " + formatDuration(common)
}
