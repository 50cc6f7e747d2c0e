package main

import (
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/check"
	"github.com/lbsim/lbsim/importer"
	"github.com/lbsim/lbsim/report"
	"github.com/lbsim/lbsim/results"
	"github.com/lbsim/lbsim/scenarios"
)

// The scripts are thin: each hands the words on the command line to
// `lbsim __complete` and shows what it prints. What to complete is decided
// here, from the flag sets the commands really define, so the scripts never
// go stale when a flag, an algorithm or a bundled scenario is added.
var (
	//go:embed completion.bash
	bashScript string
	//go:embed completion.zsh
	zshScript string
	//go:embed completion.fish
	fishScript string
)

// shells maps each shell lbsim writes a completion script for to it.
var shells = map[string]string{"bash": bashScript, "zsh": zshScript, "fish": fishScript}

// shellNames lists the shells in order, for messages and completion.
func shellNames() []string {
	names := make([]string, 0, len(shells))
	for name := range shells {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func completionCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("completion", stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: lbsim completion %s\n", strings.Join(shellNames(), "|"))
		fmt.Fprintln(stderr, "Prints a script that completes lbsim's commands, flags, algorithms and scenarios. See docs/install.md.")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	valid := strings.Join(shellNames(), ", ")
	if fs.NArg() != 1 {
		return usagef("completion takes one SHELL (one of %s)", valid)
	}
	script, ok := shells[fs.Arg(0)]
	if !ok {
		return usagef("completion: unknown shell %q (valid: %s)", fs.Arg(0), valid)
	}
	_, err := io.WriteString(stdout, script)
	return err
}

// directive tells a completion script what to do beyond listing the
// candidates: the last line `lbsim __complete` prints is ":" and these words.
type directive string

const (
	// noSpace: the word may go on (a comma-separated list), so the shell
	// adds no space after it.
	noSpace directive = "nospace"
	// files: the shell also offers file names.
	files directive = "files"
	// dirs: the shell offers directory names.
	dirs directive = "dirs"
)

// completeCmd is the hidden command the scripts call: `lbsim __complete
// WORD...` takes the words after lbsim up to the cursor (the last one,
// maybe empty, is being typed), prints the candidates for it one a line,
// then the directives. A word it cannot make sense of gets no candidates
// rather than an error, since the shell would only show the error.
func completeCmd(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		args = []string{""}
	}
	cands, dirs := complete(args)
	var b strings.Builder
	for _, c := range cands {
		b.WriteString(c + "\n")
	}
	words := make([]string, len(dirs))
	for i, d := range dirs {
		words[i] = string(d)
	}
	b.WriteString(":" + strings.Join(words, " ") + "\n")
	_, err := io.WriteString(stdout, b.String())
	return err
}

// complete returns the candidates for the last of words (the words after
// lbsim) and the directives for the shell.
func complete(words []string) ([]string, []directive) {
	cur := words[len(words)-1]
	if len(words) == 1 {
		if strings.HasPrefix(cur, "-") {
			return matching(cur, []string{"--help", "--version"}), nil
		}
		return matching(cur, commands), nil
	}
	cmd := words[0]
	if !slices.Contains(commands, cmd) {
		return nil, nil
	}
	fs := commandFlags(cmd)
	var (
		nargs    int
		pending  *pflag.Flag // a flag whose value is the next word
		dashdash bool
		given    = map[string]bool{}
	)
	for _, w := range words[1 : len(words)-1] {
		switch {
		case pending != nil:
			pending = nil
		case dashdash || w == "-" || !strings.HasPrefix(w, "-"):
			nargs++
		case w == "--":
			dashdash = true
		default:
			f, inline := lookupFlag(fs, w)
			if f == nil {
				continue
			}
			given[f.Name] = true
			if !inline && f.NoOptDefVal == "" {
				pending = f
			}
		}
	}
	switch {
	case pending != nil:
		return flagValues(cmd, pending, cur)
	case dashdash || !strings.HasPrefix(cur, "-"):
		return positional(cmd, nargs, cur)
	}
	if name, value, ok := strings.Cut(cur, "="); ok && strings.HasPrefix(name, "--") {
		f := fs.Lookup(name[2:])
		if f == nil {
			return nil, nil
		}
		cands, dirs := flagValues(cmd, f, value)
		for i := range cands {
			cands[i] = name + "=" + cands[i]
		}
		return cands, dirs
	}
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		repeatable := strings.HasSuffix(f.Value.Type(), "Array") || strings.HasSuffix(f.Value.Type(), "Slice")
		if !f.Hidden && f.Deprecated == "" && (repeatable || !given[f.Name]) {
			names = append(names, "--"+f.Name)
		}
	})
	return matching(cur, names), nil
}

// flagCollector is the stderr completion hands a command it runs with
// --help: newFlags gives it every flag set the command makes, so
// completion reads the flags the command defines, not a copy of them.
type flagCollector struct{ sets []*pflag.FlagSet }

func (c *flagCollector) Write(p []byte) (int, error) { return len(p), nil }

// commandFlags returns the flags cmd defines, by running `lbsim cmd
// --help` with its output thrown away.
func commandFlags(cmd string) *pflag.FlagSet {
	c := &flagCollector{}
	lbsim([]string{cmd, "--help"}, io.Discard, c)
	fs := pflag.NewFlagSet(cmd, pflag.ContinueOnError)
	for _, s := range c.sets {
		fs.AddFlagSet(s)
	}
	return fs
}

// lookupFlag finds the flag word names (--name, --name=value, -n or
// -nvalue); inline is true when the word holds the value too.
func lookupFlag(fs *pflag.FlagSet, word string) (f *pflag.Flag, inline bool) {
	if long, ok := strings.CutPrefix(word, "--"); ok {
		name, _, inline := strings.Cut(long, "=")
		return fs.Lookup(name), inline
	}
	short := word[1:]
	if f := fs.ShorthandLookup(short[:1]); f != nil {
		return f, len(short) > 1
	}
	return nil, false
}

// flagValues completes the value of flag f of command cmd.
func flagValues(cmd string, f *pflag.Flag, cur string) ([]string, []directive) {
	switch f.Name {
	case "algorithms":
		head, tail := "", cur
		if i := strings.LastIndexByte(cur, ','); i >= 0 {
			head, tail = cur[:i+1], cur[i+1:]
		}
		var cands []string
		for _, name := range algorithmNames(tail) {
			if !slices.Contains(strings.Split(head, ","), name) {
				cands = append(cands, head+name)
			}
		}
		return cands, []directive{noSpace}
	case "algorithm":
		return algorithmNames(cur), nil
	case "format":
		if values := formatValues(cmd); values != nil {
			return matching(cur, values), nil
		}
	case "aggregate":
		return matching(cur, []string{string(results.AggregateWorst), string(results.AggregateMean)}), nil
	case "mode":
		if cmd == "proxy" {
			return matching(cur, []string{scenarios.ModeHTTP, scenarios.ModeTCP}), nil
		}
	case "out":
		return nil, []directive{dirs}
	case "listen", "admin", "backend", "upstream", "sticky", "health-check", "vary", "shard", "tolerance":
		return nil, nil // an address, a name or an expression, never a file
	}
	switch f.Value.Type() {
	case "string", "stringArray", "stringSlice":
		return nil, []directive{files}
	case "bool":
		return matching(cur, []string{"true", "false"}), nil
	}
	return nil, nil // a number or a duration: nothing to offer
}

// formatValues are the values cmd's --format takes, nil if it is not known.
func formatValues(cmd string) []string {
	var values []string
	switch cmd {
	case "run", "sweep", "merge":
		for _, f := range report.Formats() {
			values = append(values, string(f))
		}
	case "check":
		for _, f := range []check.Format{check.FormatText, check.FormatJSON, check.FormatJUnit} {
			values = append(values, string(f))
		}
	case "live":
		values = []string{string(report.FormatTable), string(report.FormatJSON)}
	case "import":
		for _, f := range importer.Formats {
			values = append(values, string(f))
		}
	}
	return values
}

// argKind is what a command's positional arguments are.
type argKind int

const (
	argNone argKind = iota
	argScenario
	argAlgorithm
	argFile
	argShell
)

// positionals says, for each command that takes positional arguments (or
// takes none), what they are and how many (0: any number). A command
// missing here gets file names.
var positionals = map[string]struct {
	kind argKind
	max  int
}{
	"run":        {argScenario, 1},
	"sweep":      {argScenario, 1},
	"trace":      {argScenario, 1},
	"live":       {argScenario, 1},
	"check":      {argScenario, 0},
	"validate":   {argScenario, 0},
	"explain":    {argAlgorithm, 1},
	"merge":      {argFile, 0},
	"import":     {argFile, 1},
	"completion": {argShell, 1},
	"list":       {argNone, 0},
	"quiz":       {argNone, 0},
	"proxy":      {argNone, 0},
	"serve":      {argNone, 0},
	"version":    {argNone, 0},
	"help":       {argNone, 0},
}

// positional completes the positional argument after the first n of cmd.
func positional(cmd string, n int, cur string) ([]string, []directive) {
	p, ok := positionals[cmd]
	if !ok {
		return nil, []directive{files}
	}
	if p.kind == argNone || p.max > 0 && n >= p.max {
		return nil, nil
	}
	switch p.kind {
	case argScenario:
		return matching(cur, scenarios.BundledNames()), []directive{files}
	case argAlgorithm:
		return algorithmNames(cur), nil
	case argShell:
		return matching(cur, shellNames()), nil
	}
	return nil, []directive{files}
}

// algorithmNames are the policies whose names start with prefix; aliases
// (leastconn, p2c, ...) come in only when no policy's name does, so that
// the usual list stays short.
func algorithmNames(prefix string) []string {
	if names := matching(prefix, algorithms.Names()); len(names) > 0 {
		return names
	}
	var aliases []string
	for _, a := range algorithms.Aliases() {
		if !strings.Contains(a.Name, " ") { // a shell word cannot hold "random two"
			aliases = append(aliases, a.Name)
		}
	}
	return matching(prefix, aliases)
}

// matching returns the words that start with prefix.
func matching(prefix string, words []string) []string {
	var out []string
	for _, w := range words {
		if strings.HasPrefix(w, prefix) {
			out = append(out, w)
		}
	}
	return out
}
