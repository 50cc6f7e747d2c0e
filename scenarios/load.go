package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Load reads, checks and completes the scenario file at path. Every error it
// returns is an *Error naming the file and, where there is one, the line and
// field at fault.
func Load(path string) (*Scenario, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// LoadProxy reads and checks the live proxy's config file at path: a
// scenario in which every server has an address, and the workload and run
// length are optional. Its errors are *Error values, as Load's are.
func LoadProxy(path string) (*Scenario, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return ParseProxy(path, data)
}

// readFile reads at most MaxFileSize+1 bytes of a scenario file.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, &Error{Source: path, Msg: "is a directory, not a scenario file"}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fileError(path, err)
	}
	return data, nil
}

// fileError describes a file that cannot be read.
func fileError(path string, err error) *Error {
	return &Error{Source: path, Msg: "cannot read scenario: " + openProblem(err), Err: err}
}

// openProblem says why a file cannot be read, without the path the error
// repeats.
func openProblem(err error) string {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.As(err, &pe):
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse reads, checks and completes a scenario from YAML text. source names
// where the text came from (a path, "bundled:NAME", "-") and starts every
// error message. Every error it returns is an *Error.
//
// Parse decodes strictly (see the package documentation), fills in the
// defaults of absent keys, validates every value, and finally turns each
// load (a fraction of capacity) into a rate. It keeps source and data on the
// returned Scenario.
func Parse(source string, data []byte) (*Scenario, error) {
	return parse(source, data, false)
}

// ParseProxy is Parse for a proxy config (see LoadProxy). When the file
// names no algorithm, Algorithm is round_robin; when it lists several,
// Algorithm is "" and the caller must choose one.
func ParseProxy(source string, data []byte) (*Scenario, error) {
	return parse(source, data, true)
}

func parse(source string, data []byte, forProxy bool) (*Scenario, error) {
	root, err := parseYAML(source, data)
	if err != nil {
		return nil, err
	}
	return parseTree(source, data, root, forProxy)
}

// parseTree decodes, completes and validates the top-level mapping root
// of the YAML text data.
func parseTree(source string, data []byte, root *yaml.Node, forProxy bool) (*Scenario, error) {
	d := newDecoder(source, data)
	s := new(Scenario)
	if err := d.decode(root, reflect.ValueOf(s).Elem(), ""); err != nil {
		return nil, err
	}
	applyDefaults(s, d, forProxy)
	if err := validate(s, d, forProxy); err != nil {
		return nil, err
	}
	s.Source = source
	s.YAML = bytes.Clone(data)
	return s, nil
}

// parseYAML checks the raw bytes and parses them into the top-level mapping.
func parseYAML(source string, data []byte) (*yaml.Node, error) {
	fileErr := func(line int, format string, args ...any) *Error {
		return &Error{Source: source, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	if len(data) > MaxFileSize {
		return nil, fileErr(0, "file is larger than %d bytes; a scenario file is at most %s", MaxFileSize, "1 MiB")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fileErr(0, "empty file; a scenario needs at least name, servers and workload")
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, fileErr(lineAt(data, i), "not a text file: it contains a NUL byte (at offset %d)", i)
	}
	if !utf8.Valid(data) {
		i := firstInvalidUTF8(data)
		return nil, fileErr(lineAt(data, i), "not a text file: invalid UTF-8 at offset %d (scenario files are UTF-8 YAML)", i)
	}

	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := decodeSafely(dec, &doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fileErr(0, "empty file: no YAML document (only comments or blank lines)")
		}
		return nil, yamlError(source, data, err)
	}
	var second yaml.Node
	switch err := decodeSafely(dec, &second); {
	case err == nil:
		return nil, fileErr(second.Line, "a scenario file holds one YAML document, but a second one starts here (remove the \"---\" separator)")
	case !errors.Is(err, io.EOF):
		e := yamlError(source, data, err)
		if e.Msg != tabIndents {
			e.Msg = "a scenario file holds one YAML document, but more follows the first one: " + e.Msg
		}
		return nil, e
	}

	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) != 1 {
			return nil, fileErr(0, "empty file: no YAML document")
		}
		root = root.Content[0]
	}
	root = resolve(root)
	if root == nil {
		return nil, fileErr(0, "empty file: no YAML document")
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == nullTag {
		return nil, fileErr(root.Line, "empty document; a scenario needs at least name, servers and workload")
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{Source: source, Line: root.Line, Column: root.Column,
			Msg: fmt.Sprintf("the top level must be a mapping of keys (%s), got %s",
				fieldList(yamlFields(reflect.TypeFor[Scenario]())), describe(root))}
	}
	return root, nil
}

// decodeSafely runs the YAML parser, turning a panic inside it into an
// error: the parser is a dependency, and a scenario may come from anywhere.
func decodeSafely(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("YAML parser failed: %v", r)
		}
	}()
	return dec.Decode(n)
}

var (
	yamlLine      = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	unknownAnchor = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)
)

// parserProblems are the messages of yaml.v3's parser, as opposed to its
// scanner. The parser reports 0-based lines (the scanner adds 1), and none
// at all on the first line; yamlError corrects for that.
var parserProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"did not find expected node content",
	"did not find expected key",
	"did not find expected '-' indicator",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found duplicate %YAML directive",
	"found duplicate %TAG directive",
	"found incompatible YAML document",
	"found undefined tag handle",
}

// yamlError turns a yaml.v3 syntax error ("yaml: line 3: did not find
// expected key") into an *Error with that line.
func yamlError(source string, data []byte, err error) *Error {
	msg := err.Error()
	e := &Error{Source: source}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	if slices.Contains(parserProblems, msg) {
		e.Line++
	}
	if l := tabIndented(data, e.Line); l > 0 {
		e.Line, e.Msg = l, tabIndents
		return e
	}
	if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			e.Line = lineAt(data, i)
		}
		msg = fmt.Sprintf("alias *%s refers to an anchor &%s that is not defined before it", m[1], m[1])
	}
	e.Msg = "YAML syntax error: " + msg
	return e
}

const tabIndents = "a tab indents this line; YAML indents with spaces"

// tabIndented returns the line that a tab indents at or next to line
// (line itself first, then the one after, then the one before), or with
// line 0 the first such line anywhere; 0 for none. yaml.v3 fails on such a
// line with words that do not say "tab" ("found character that cannot
// start any token"), sometimes at the line before it. The text of a block
// scalar may hold tabs, so only a file that failed to parse is searched.
func tabIndented(data []byte, line int) int {
	lines := bytes.Split(data, []byte{'\n'})
	candidates := []int{line, line + 1, line - 1}
	if line == 0 {
		candidates = candidates[:0]
		for l := 1; l <= len(lines); l++ {
			candidates = append(candidates, l)
		}
	}
	for _, l := range candidates {
		if l >= 1 && l <= len(lines) && indentHasTab(lines[l-1]) {
			return l
		}
	}
	return 0
}

// indentHasTab reports whether a tab comes before the first character of
// the line that is not indentation: a space, or the "- " of a list entry.
func indentHasTab(line []byte) bool {
	for i, c := range line {
		switch {
		case c == '\t':
			return true
		case c == ' ', c == '-' && i+1 < len(line) && (line[i+1] == ' ' || line[i+1] == '\t'):
		default:
			return false
		}
	}
	return false
}

// lineAt returns the 1-based line holding data[offset].
func lineAt(data []byte, offset int) int {
	return bytes.Count(data[:offset], []byte{'\n'}) + 1
}

func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}
