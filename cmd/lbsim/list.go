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
		for _, p := range info.Params {
			fmt.Fprintf(tw, "  \t  %s=%s (default): %s\n", p.Name, p.Format(p.Default), p.Doc)
		}
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "Aliases (other balancers' names, run and reported as the algorithm; docs/algorithms.md):")
	for _, a := range algorithms.Aliases() {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", a.Name, a.Policy, a.Product)
	}
	fmt.Fprintln(tw)
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
		fmt.Fprintf(stdout, "%s: ok (%s: %s, %s)\n", arg, sc.Name, plural(len(sc.ExpandServers()), "server"), plural(len(sc.Algorithms), "algorithm"))
	}
	return errors.Join(errs...)
}

// plural writes n and the word, with an s unless n is 1: "1 server",
// "4 servers".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
