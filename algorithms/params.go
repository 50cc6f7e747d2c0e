package algorithms

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A Param is one tunable of a policy, such as bounded_load's c. A policy
// that declares none takes none.
type Param struct {
	// Name is the parameter's name in a spec: bounded_load(c=1.5).
	Name string
	// Doc says what the parameter changes, in one line.
	Doc string
	// Default is the value when the spec leaves the parameter out; a
	// duration is in seconds.
	Default float64
	// Min and Max bound the value, inclusive; Max 0 means no upper bound.
	Min, Max float64
	// Duration marks a parameter written as a duration ("5s", "250ms").
	Duration bool
	// Integer marks a parameter that must be a whole number.
	Integer bool
}

// Format writes v as a spec writes it: 1.5, 10s.
func (p Param) Format(v float64) string {
	if p.Duration {
		return time.Duration(math.Round(v * float64(time.Second))).String()
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// parse reads text as a value of p, checking its bounds.
func (p Param) parse(policy, text string) (float64, error) {
	var v float64
	if p.Duration {
		d, err := time.ParseDuration(text)
		if err != nil {
			return 0, &ParamError{Policy: policy, Msg: fmt.Sprintf("%s must be a duration such as 5s or 250ms, got %q", p.Name, text)}
		}
		v = d.Seconds()
	} else {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, &ParamError{Policy: policy, Msg: fmt.Sprintf("%s must be a number, got %q", p.Name, text)}
		}
		v = f
	}
	switch {
	case p.Integer && v != math.Trunc(v):
		return 0, &ParamError{Policy: policy, Msg: fmt.Sprintf("%s must be a whole number, got %s", p.Name, text)}
	case v < p.Min || p.Max != 0 && v > p.Max:
		bound := "at least " + p.Format(p.Min)
		if p.Max != 0 {
			bound = "from " + p.Format(p.Min) + " to " + p.Format(p.Max)
		}
		return 0, &ParamError{Policy: policy, Msg: fmt.Sprintf("%s must be %s, got %s", p.Name, bound, text)}
	}
	return v, nil
}

// Params are the values a balancer is built with, every declared parameter
// present: those the spec gave and the defaults of the others.
type Params map[string]float64

// Float returns the parameter's value; the policy declares it, so it is
// always set by New.
func (ps Params) Float(name string) float64 { return ps[name] }

// Duration returns a duration parameter's value.
func (ps Params) Duration(name string) time.Duration {
	return time.Duration(math.Round(ps[name] * float64(time.Second)))
}

// Int returns a whole-number parameter's value.
func (ps Params) Int(name string) int { return int(ps[name]) }

// ParamError reports a spec whose parameters the policy does not take.
type ParamError struct {
	Policy string
	Msg    string
}

func (e *ParamError) Error() string { return e.Policy + ": " + e.Msg }

// spec is a parsed policy spec: a name, registered or an alias, and
// parameter values as written.
type spec struct {
	name   string
	params [][2]string // name, value text, in the order written
}

// parseSpec splits "bounded_load(c=1.5, walk=2)" into its name and
// parameters. A name without parentheses has none.
func parseSpec(text string) (spec, error) {
	open := strings.IndexByte(text, '(')
	if open < 0 {
		return spec{name: text}, nil
	}
	s := spec{name: strings.TrimSpace(text[:open])}
	if !strings.HasSuffix(text, ")") {
		return s, &ParamError{Policy: s.name, Msg: fmt.Sprintf("%q: parameters end with \")\"", text)}
	}
	body := strings.TrimSpace(text[open+1 : len(text)-1])
	if body == "" {
		return s, nil
	}
	for _, kv := range strings.Split(body, ",") {
		k, v, ok := strings.Cut(kv, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return s, &ParamError{Policy: s.name, Msg: fmt.Sprintf("%q: write parameters as name=value, separated by commas", text)}
		}
		s.params = append(s.params, [2]string{k, v})
	}
	return s, nil
}

// resolve checks a spec against the registry. It returns the policy, the
// spec's canonical text (the policy's own name, then the parameters given,
// in the policy's order, as the policy writes them) and every parameter's
// value.
func resolve(text string) (Info, string, Params, error) {
	s, err := parseSpec(text)
	if err != nil {
		return Info{}, "", nil, err
	}
	info, ok := lookupName(s.name)
	if !ok {
		return Info{}, "", nil, &UnknownError{Name: s.name}
	}
	values := make(Params, len(info.Params))
	for _, p := range info.Params {
		values[p.Name] = p.Default
	}
	given := map[string]bool{}
	for _, kv := range s.params {
		i := slices.IndexFunc(info.Params, func(p Param) bool { return p.Name == kv[0] })
		switch {
		case len(info.Params) == 0:
			return Info{}, "", nil, &ParamError{Policy: info.Name, Msg: "takes no parameters"}
		case i < 0:
			return Info{}, "", nil, &ParamError{Policy: info.Name, Msg: fmt.Sprintf("takes no parameter %q (it takes %s)", kv[0], paramNames(info.Params))}
		case given[kv[0]]:
			return Info{}, "", nil, &ParamError{Policy: info.Name, Msg: fmt.Sprintf("%s is given twice", kv[0])}
		}
		v, err := info.Params[i].parse(info.Name, kv[1])
		if err != nil {
			return Info{}, "", nil, err
		}
		values[kv[0]], given[kv[0]] = v, true
	}
	canon := info.Name
	if len(given) > 0 {
		var parts []string
		for _, p := range info.Params {
			if given[p.Name] {
				parts = append(parts, p.Name+"="+p.Format(values[p.Name]))
			}
		}
		canon += "(" + strings.Join(parts, ",") + ")"
	}
	return info, canon, values, nil
}

// paramNames lists ps's names for a message.
func paramNames(ps []Param) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// Spec writes a policy and parameter values as the spec New, results and
// expect: lines name it by: name(k=v,...). Values are texts as a file
// writes them; Resolve checks and normalises the result.
func Spec(name string, params [][2]string) string {
	if len(params) == 0 {
		return name
	}
	parts := make([]string, len(params))
	for i, kv := range params {
		parts[i] = kv[0] + "=" + kv[1]
	}
	return name + "(" + strings.Join(parts, ",") + ")"
}

// SplitList splits a comma-separated list of specs, as --algorithms takes
// it: a comma inside parentheses separates parameters, not specs. Spaces
// around each spec are dropped, and empty entries are left out.
func SplitList(list string) []string {
	var out []string
	depth, from := 0, 0
	for i := 0; i <= len(list); i++ {
		switch {
		case i == len(list) || list[i] == ',' && depth == 0:
			if s := strings.TrimSpace(list[from:i]); s != "" {
				out = append(out, s)
			}
			from = i + 1
		case list[i] == '(':
			depth++
		case list[i] == ')' && depth > 0:
			depth--
		}
	}
	return out
}
