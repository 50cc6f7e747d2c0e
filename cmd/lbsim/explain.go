package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/lessons"
)

// textWidth is where the quiz wraps its prose, as explain does.
const textWidth = lessons.TextWidth

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
	return demo.WriteExplanation(stdout)
}

// wrap is lessons.Wrap, for the quiz's prose.
func wrap(text, indent string, width int) string { return lessons.Wrap(text, indent, width) }

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
