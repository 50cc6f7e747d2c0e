package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/lbsim/lbsim/algorithms"
	"github.com/lbsim/lbsim/scenarios"
)

func listCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("list", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("list takes no arguments")
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Algorithms:")
	for _, info := range algorithms.List() {
		fmt.Fprintf(tw, "  %s\t%s\n", info.Name, info.Summary)
	}
	fmt.Fprintln(tw, "\t")
	fmt.Fprintln(tw, "Bundled scenarios:")
	for _, sc := range scenarios.Bundled() {
		fmt.Fprintf(tw, "  %s\t%s\n", sc.Name, sc.Description)
	}
	return tw.Flush()
}

func validateCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("validate", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("validate takes at least one SCENARIO")
	}
	// Check every file, so one run reports every broken one.
	var errs []error
	for _, arg := range fs.Args() {
		sc, err := scenarios.Open(arg)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(stdout, "%s: ok (%s: %d servers, %d algorithms)\n", arg, sc.Name, len(sc.ExpandServers()), len(sc.Algorithms))
	}
	return errors.Join(errs...)
}
