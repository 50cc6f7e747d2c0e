package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/lbsim/lbsim/importer"
)

// importCmd prints the scenario made from an nginx or HAProxy
// configuration; what lbsim cannot model goes to stderr, one line each.
func importCmd(args []string, stdout, stderr io.Writer) error {
	flags := newFlags("import", stderr)
	format := flags.String("format", "", "nginx or haproxy (default: told from the file)")
	upstream := flags.String("upstream", "", "the nginx upstream or HAProxy backend to import, when the file has several")
	trace := flags.String("trace", "", "replay this access log of the imported proxy as the workload, instead of a placeholder")
	flags.Usage = func() {
		fmt.Fprint(stderr, "Usage: lbsim import FILE [flags] > out.yaml\n\n"+
			"Turns an nginx upstream or an HAProxy backend into a scenario that\n"+
			"lbsim run and lbsim proxy --config read. nginx's include directives\n"+
			"are followed, relative ones from FILE's directory. See docs/import.md.\n\n")
		flags.PrintDefaults()
	}
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if flags.NArg() != 1 {
		return usagef("import takes one FILE (an nginx or HAProxy configuration), got %d", flags.NArg())
	}
	path := flags.Arg(0)
	f := importer.Format(*format)
	if f != "" && f != importer.Nginx && f != importer.HAProxy {
		return usagef("--format must be nginx or haproxy, got %q", *format)
	}
	data, err := readConfig(path)
	if err != nil {
		return err
	}
	// nginx's include directives are followed on disk, relative ones from
	// the directory of FILE.
	res, err := importer.Import(path, data, importer.Options{Format: f, Upstream: *upstream, Trace: *trace, Files: importer.OSFiles})
	if err != nil {
		return usagef("%v", err)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(stderr, "lbsim import: %s\n", w)
	}
	_, err = stdout.Write(res.YAML)
	return err
}

// readConfig reads the configuration at path; a file that cannot be read
// is bad input.
func readConfig(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, usagef("%s: no such file", path)
		}
		return nil, usagef("%s: cannot read: %v", path, unwrapPath(err))
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, usagef("%s: is a directory, not a configuration file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, importer.MaxSize+1))
	if err != nil {
		return nil, usagef("%s: cannot read: %v", path, unwrapPath(err))
	}
	return data, nil
}

// unwrapPath drops the path an *fs.PathError repeats.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
