package playground

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/lbsim/lbsim/scenarios"
)

// DefaultFile is the name messages give a posted scenario that is not a
// copy of a bundled one, unless the request names it (?file=).
const DefaultFile = "scenario.yaml"

// fileName is what ?file= may be: a file's name, without a directory.
var fileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// load reads a posted scenario. A body that is a bundled scenario's file,
// byte for byte, is that scenario, named bundled:NAME as lbsim run NAME
// names it; any other is named file (DefaultFile when ""). A posted
// scenario is read as if it sat beside the bundled ones, so it may replay
// their traces, and only those.
func (h *Handler) load(body []byte, file string) (*scenarios.Scenario, error) {
	if file == "" {
		if name, ok := h.bundledYAML[string(body)]; ok {
			return scenarios.Open(name)
		}
		file = DefaultFile
	}
	if !fileName.MatchString(file) {
		return nil, badRequest("file: %q is not a file name: use letters, digits, '.', '_' and '-', as in shop.yaml", file)
	}
	if err := h.checkTraces(file, body); err != nil {
		return nil, err
	}
	// The prefix places the trace files among the bundled ones (see
	// scenarios.Trace); messages name the file.
	inner := "bundled:" + file
	sc, err := scenarios.Parse(inner, body)
	if err != nil {
		var se *scenarios.Error
		if errors.As(err, &se) && se.Source == inner {
			se.Source = file
		}
		return nil, err
	}
	sc.Source = file
	return sc, nil
}

// checkTraces refuses a trace file other than the bundled ones before the
// scenario is parsed, since parsing opens the file. It looks at every
// file: key of the YAML, wherever aliases and merge keys could bring it
// from; YAML the parser cannot read is left to Parse, which refuses it
// before it opens anything.
func (h *Handler) checkTraces(file string, body []byte) error {
	var doc yaml.Node
	if err := decodeFirst(body, &doc); err != nil {
		return nil
	}
	var found *yaml.Node
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || found != nil {
			return
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := deref(n.Content[i]), deref(n.Content[i+1])
				if k != nil && k.Kind == yaml.ScalarNode && strings.EqualFold(k.Value, "file") && !h.allowedTrace(v) {
					found = n.Content[i+1]
					return
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
	if found == nil {
		return nil
	}
	var names []string
	for t := range h.traces {
		names = append(names, t)
	}
	slices.Sort(names)
	return &scenarios.Error{Source: file, Line: found.Line, Column: found.Column, Field: "workload.trace.file",
		Msg: fmt.Sprintf("the playground replays only the traces bundled with lbsim (%s); replay a file of your own with lbsim run", strings.Join(names, ", "))}
}

// allowedTrace reports whether v names a bundled trace.
func (h *Handler) allowedTrace(v *yaml.Node) bool {
	if v == nil || v.Kind != yaml.ScalarNode {
		return true // not a file name: Parse refuses it without opening anything
	}
	return v.ShortTag() == "!!str" && h.traces[cleanTracePath(v.Value)]
}

// cleanTracePath is a trace file's path relative to the bundled scenarios,
// "" for an absolute one.
func cleanTracePath(p string) string {
	if path.IsAbs(p) {
		return ""
	}
	return path.Clean(p)
}

// decodeFirst parses the first YAML document of data, as the scenario
// parser does, turning a panic of the parser into an error.
func decodeFirst(data []byte, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("YAML parser failed: %v", r)
		}
	}()
	return yaml.NewDecoder(bytes.NewReader(data)).Decode(n)
}

// deref follows aliases to the node they stand for.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}
