package main

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/lessons"
)

// textWidth is where explain and quiz wrap their prose.
const textWidth = 76

func explainCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("explain", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: lbsim explain ALGORITHM")
		fmt.Fprintln(stderr, "How the algorithm works, when to use it, its drawback, and a live demo on nine requests.")
		fmt.Fprintf(stderr, "Algorithms: %s\n", strings.Join(algorithms.Names(), ", "))
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("explain takes one ALGORITHM (one of %s)", strings.Join(algorithms.Names(), ", "))
	}
	demo, err := lessons.DemoFor(fs.Arg(0))
	if err != nil {
		return usagef("explain: %v", err)
	}
	run, err := demo.Run()
	if err != nil {
		return err
	}
	info, _ := algorithms.Lookup(demo.Algorithm)
	d := info.Description
	w := &errWriter{w: stdout}
	w.printf("%s: %s\n\n", info.Name, info.Summary)
	for _, part := range [][2]string{{"How it works", d.How}, {"Use it when", d.UseWhen}, {"Drawback", d.Drawback}} {
		w.printf("%s\n%s\n\n", part[0], wrap(capitalize(part[1]), "  ", textWidth))
	}
	w.printf("Live demo, run by the simulator\n%s\n\n", wrap(demo.Setup, "  ", textWidth))
	for _, s := range run.Steps {
		w.printf("  %s\n", s.Line)
	}
	w.printf("\n%s\n%s\n", wrap("Result: "+run.Summary(), "  ", textWidth), wrap(demo.Watch, "  ", textWidth))
	return w.err
}

// unit matches a unit word that stays on the line of the number before it.
var unit = regexp.MustCompile(`^(ms|s)\W*$`)

// wrap fills text into lines of at most width columns (longer words stand
// alone), each starting with indent. A number and its unit ("50.9 ms")
// stay together.
func wrap(text, indent string, width int) string {
	var words []string
	for _, w := range strings.Fields(text) {
		if n := len(words); n > 0 && unit.MatchString(w) && strings.ContainsAny(words[n-1][len(words[n-1])-1:], "0123456789") {
			words[n-1] += " " + w
			continue
		}
		words = append(words, w)
	}
	var b strings.Builder
	line := indent
	for _, word := range words {
		if line != indent && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += word
	}
	b.WriteString(line)
	return b.String()
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// errWriter prints to w until a write fails, and keeps the first error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
