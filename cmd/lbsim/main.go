// Command lbsim compares load-balancing algorithms on simulated scenarios,
// and runs them live as a reverse proxy.
//
//	lbsim run SCENARIO [--algorithms a,b] [--seed N] [--seeds N] [--requests N] [--format table|markdown|csv|json] [--out DIR] [--quiet]
//	lbsim check SCENARIO... [--seeds N] [--requests N] [--quiet] [--aggregate worst|mean] [--baseline FILE|DIR] [--tolerance 5%] [--junit FILE] [--format text|json|junit]
//	lbsim sweep SCENARIO --vary KEY=FROM:TO:STEP [--algorithms a,b] [--seeds N] [--shard k/n|auto/n] [--format table|markdown|csv|json] [--metrics p99,mean] [--out DIR]
//	lbsim merge FILE... [--format table|markdown|csv|json] [--metrics p99,mean] [--out DIR]
//	lbsim validate SCENARIO...
//	lbsim list
//	lbsim explain ALGORITHM
//	lbsim trace SCENARIO --algorithm A [--first N] [--from DURATION]
//	lbsim quiz [--question N]
//	lbsim proxy (--backend ADDR... | --config FILE) [--algorithm A] [--listen ADDR] ...
//	lbsim live SCENARIO [--algorithms a,b] [--seed N] [--requests N] [--speedup K] [--format table|json]
//	lbsim import FILE [--format nginx|haproxy] [--upstream NAME] [--trace access.log]
//	lbsim serve [--listen 127.0.0.1:8090] [--max-requests N] [--max-time 60s] [--max-runs N]
//	lbsim completion bash|zsh|fish
//	lbsim version
//
// SCENARIO is a file path or the name of a bundled scenario. Exit codes: 0
// success, 1 a check or the run failed, 2 bad input or usage.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/lbsim/lbsim/internal/suggest"
	"github.com/spf13/pflag"
)

// Exit codes shared by every subcommand.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// usageError marks bad command-line input: it exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

const usage = `lbsim compares load-balancing algorithms on simulated scenarios.

Usage:
  lbsim run SCENARIO [flags]     simulate and print a comparison table
  lbsim check SCENARIO...        verify the scenarios' expect: lines (exit 1 if one fails)
  lbsim sweep SCENARIO --vary KEY=FROM:TO:STEP
                                 run the scenario at every value of a key (rate, load, servers, ...)
  lbsim merge FILE...            join the slices of a sweep run with --shard k/n
  lbsim validate SCENARIO...     check scenario files without running them
  lbsim list                     list algorithms and bundled scenarios
  lbsim explain ALGORITHM        how an algorithm works, with a live demo
  lbsim trace SCENARIO           narrate a run's routing decisions (--algorithm A)
  lbsim quiz                     five classic situations: guess the algorithm, see the run
  lbsim proxy --backend ADDR...  run the algorithms live, as a reverse proxy
  lbsim live SCENARIO            run it for real through the proxy, beside its simulation
  lbsim import FILE              turn an nginx or HAProxy config into a scenario (YAML on stdout)
  lbsim serve                    the playground: run, edit and compare scenarios in a browser
  lbsim completion SHELL         print a completion script for bash, zsh or fish
  lbsim version                  print lbsim's version

SCENARIO is a path to a YAML file or the name of a bundled scenario.
Run 'lbsim COMMAND --help' for a command's flags.
`

// commands are the commands lbsim runs, for suggestions.
var commands = []string{"run", "check", "sweep", "merge", "validate", "list", "explain", "trace", "quiz", "proxy", "live", "import", "serve", "completion", "version", "help"}

func main() {
	os.Exit(lbsim(os.Args[1:], os.Stdout, os.Stderr))
}

// lbsim runs one command line and returns its exit code.
func lbsim(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		err = runCmd(rest, stdout, stderr)
	case "check":
		err = checkCmd(rest, stdout, stderr)
	case "sweep":
		err = sweepCmd(rest, stdout, stderr)
	case "merge":
		err = mergeCmd(rest, stdout, stderr)
	case "validate":
		err = validateCmd(rest, stdout, stderr)
	case "list":
		err = listCmd(rest, stdout, stderr)
	case "explain":
		err = explainCmd(rest, stdout, stderr)
	case "trace":
		err = traceCmd(rest, stdout, stderr)
	case "quiz":
		err = quizCmd(rest, stdout, stderr)
	case "proxy":
		err = proxyCmd(rest, stdout, stderr)
	case "live":
		err = liveCmd(rest, stdout, stderr)
	case "import":
		err = importCmd(rest, stdout, stderr)
	case "serve":
		err = serveCmd(rest, stdout, stderr)
	case "completion":
		err = completionCmd(rest, stdout, stderr)
	case "__complete": // for the completion scripts; not listed
		err = completeCmd(rest, stdout)
	case "version", "--version":
		err = versionCmd(rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		if near, ok := suggest.Nearest(cmd, commands); ok {
			err = usagef("unknown command %q; did you mean %q?", cmd, near)
		} else {
			err = usagef("unknown command %q; run 'lbsim help'", cmd)
		}
	}
	return exitCode(err, stderr)
}

// exitCode prints err and maps it to the exit code contract.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	if errors.Is(err, pflag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(stderr, "lbsim: %v\n", err)
	if isBadInput(err) {
		return exitUsage
	}
	return exitFail
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	if c, ok := stderr.(*flagCollector); ok {
		c.sets = append(c.sets, fs) // lbsim __complete reads the flags
	}
	return fs
}

// parseFlags parses args and wraps flag errors as usage errors.
func parseFlags(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return err
		}
		// pflag says "unknown flag: --algoritms"; name the nearest one.
		if name, ok := strings.CutPrefix(err.Error(), "unknown flag: --"); ok {
			var known []string
			fs.VisitAll(func(f *pflag.Flag) { known = append(known, f.Name) })
			if near, ok := suggest.Nearest(name, known); ok {
				return usagef("%s: %v; did you mean --%s?", fs.Name(), err, near)
			}
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	return nil
}
