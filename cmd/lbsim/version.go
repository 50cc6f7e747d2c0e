package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is lbsim's release. make dist and the Dockerfile stamp it with
// -ldflags "-X main.version=..." from git describe.
var version string

// versionString is the stamped version, else the module version that
// `go install ...@v1.2.3` records, else "dev".
func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func versionCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: lbsim version")
		fmt.Fprintln(stderr, "Prints lbsim's version, the Go release that built it and its platform.")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("version takes no arguments")
	}
	_, err := fmt.Fprintf(stdout, "lbsim %s (%s, %s/%s)\n", versionString(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}
