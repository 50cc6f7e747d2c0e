package lessons

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/scenarios"
)

// TextWidth is where the lessons' prose wraps, for an 80-column terminal.
const TextWidth = 76

// WriteExplanation runs the demo and writes the text lbsim explain prints
// for its algorithm: what it does, when to use it, its drawback, then the
// demo's steps and what they show.
func (d *Demo) WriteExplanation(w io.Writer) error {
	run, err := d.Run()
	if err != nil {
		return err
	}
	info, _ := algorithms.Lookup(d.Algorithm)
	desc := info.Description
	p := &printer{w: w}
	p.printf("%s: %s\n\n", info.Name, info.Summary)
	for _, part := range [][2]string{{"How it works", desc.How}, {"Use it when", desc.UseWhen}, {"Drawback", desc.Drawback}} {
		p.printf("%s\n%s\n\n", part[0], Wrap(capitalize(part[1]), "  ", TextWidth))
	}
	p.printf("Live demo, run by the simulator\n%s\n\n", Wrap(d.Setup, "  ", TextWidth))
	for _, s := range run.Steps {
		p.printf("  %s\n", s.Line)
	}
	p.printf("\n%s\n%s\n", Wrap("Result: "+run.Summary(), "  ", TextWidth), Wrap(d.Watch, "  ", TextWidth))
	return p.err
}

// WriteTrace runs sc with algorithm and writes the text lbsim trace
// prints: a header, then each event from virtual time from on, one a line,
// until first routing decisions have been told, and a last line when the
// run ended before that. Once ctx is done the run stops, and WriteTrace
// returns an error that wraps ctx.Err(), having written part of the text.
func WriteTrace(ctx context.Context, w io.Writer, sc *scenarios.Scenario, algorithm string, from time.Duration, first int) error {
	p := &printer{w: w}
	p.printf("%s with %s, seed %d, from t=%.3fs:\n", sc.Name, algorithm, sc.Seed, from.Seconds())
	told, err := follow(ctx, sc, algorithm, from, first, func(s Step) { p.printf("%s\n", s.Line) })
	if err != nil {
		return err
	}
	if told < first {
		word := "decisions"
		if told == 1 {
			word = "decision"
		}
		p.printf("(the run ended after %d %s)\n", told, word)
	}
	return p.err
}

// unit matches a unit word that stays on the line of the number before it.
var unit = regexp.MustCompile(`^(ms|s)\W*$`)

// Wrap fills text into lines of at most width columns (longer words stand
// alone), each starting with indent. A number and its unit ("50.9 ms")
// stay together.
func Wrap(text, indent string, width int) string {
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

// printer writes to w until a write fails, and keeps the first error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
