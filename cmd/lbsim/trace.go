package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lbsim/lbsim/lessons"
	"github.com/lbsim/lbsim/scenarios"
)

func traceCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("trace", stderr)
	alg := fs.String("algorithm", "", "the algorithm to follow (default: the scenario's, when it runs only one)")
	first := fs.Int("first", 20, "stop after this many routing decisions")
	from := fs.String("from", "0s", "start telling at this virtual time, such as 2m")
	seed := fs.Uint64("seed", 0, "random seed (default: the scenario's)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: lbsim trace SCENARIO --algorithm A [--first N] [--from DURATION]")
		fmt.Fprintln(stderr, "Tells each routing decision with the servers' state the algorithm saw, failed attempts and health changes.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("trace takes one SCENARIO (a file or a bundled name), got %d", fs.NArg())
	}
	if *first < 1 {
		return usagef("--first must be at least 1, got %d", *first)
	}
	start, err := time.ParseDuration(*from)
	if err != nil || start < 0 {
		return usagef("--from must be a virtual time such as 90s or 2m, got %q", *from)
	}
	sc, err := scenarios.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	if fs.Changed("seed") {
		sc.Seed = *seed
	}
	name := *alg
	switch {
	case fs.Changed("algorithm"):
		names, err := checkAlgorithms("--algorithm", []string{name})
		if err != nil {
			return err
		}
		name = names[0]
	case len(sc.Algorithms) == 1:
		name = sc.Algorithms[0]
	default:
		return usagef("trace needs --algorithm: %s runs %s", sc.Name, strings.Join(sc.Algorithms, ", "))
	}
	return lessons.WriteTrace(context.Background(), stdout, sc, name, start, *first)
}
