package importer

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Limits on following nginx's include directives. nginx has none, but a
// configuration that includes itself, or a glob over a huge directory,
// should cost an error rather than the machine.
const (
	maxIncludeDepth = 16   // includes within included files
	maxIncludeFiles = 1000 // files read in all, the main one too
)

// OSFiles reads included files from the operating system's file system.
var OSFiles Files = osFiles{}

type osFiles struct{}

// ReadFile reads a regular file, at most MaxSize+1 bytes of it: enough
// for Import to tell it is too large, without reading a device forever.
func (osFiles) ReadFile(name string) ([]byte, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file")
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxSize+1))
}

func (osFiles) Glob(pattern string) ([]string, error) { return filepath.Glob(pattern) }

// FromFS reads included files from fsys (os.DirFS, an embed.FS, an
// fstest.MapFS), whose names are relative: the source given to Import
// and the includes must be relative to fsys's root.
func FromFS(fsys fs.FS) Files { return fsFiles{fsys} }

type fsFiles struct{ fsys fs.FS }

func (f fsFiles) ReadFile(name string) ([]byte, error) {
	return fs.ReadFile(f.fsys, filepath.ToSlash(name))
}

func (f fsFiles) Glob(pattern string) ([]string, error) {
	names, err := fs.Glob(f.fsys, filepath.ToSlash(pattern))
	for i := range names {
		names[i] = filepath.FromSlash(names[i])
	}
	return names, err
}

// nginxFiles follows the include directives of an nginx configuration.
// nginx resolves a relative include against its configuration prefix,
// which in the usual layout is the directory of nginx.conf, and it does
// so for includes within included files too; lbsim uses the directory of
// the file given to Import for all of them.
type nginxFiles struct {
	files   Files    // nil: an include is an error
	dir     string   // the main file's directory
	names   []string // the files read, a pos's file indexes it
	reading []string // the files being read, main first: including one of them is a cycle
	size    int      // bytes read, the main file's too
	empty   []string // the globs that matched no file, for "no upstream" messages
}

func newNginxFiles(source string, size int, files Files) *nginxFiles {
	return &nginxFiles{files: files, dir: filepath.Dir(source), names: []string{source},
		reading: []string{filepath.Clean(source)}, size: size}
}

// include reads the files that "include arg" at names and parses them,
// as nginx splices their directives in place of the include.
func (r *nginxFiles) include(at pos, args []string) ([]*ndir, error) {
	fail := func(format string, a ...any) error {
		return &Error{Source: r.names[at.file], Line: at.line, Msg: fmt.Sprintf(format, a...)}
	}
	if len(args) != 1 {
		return nil, fail("nginx syntax error: include takes one file name or glob, not %d", len(args))
	}
	arg := args[0]
	if r.files == nil {
		return nil, fail("include %s: the included files are needed to follow it (lbsim import FILE reads them; Import needs Options.Files)", arg)
	}
	if len(r.reading) > maxIncludeDepth {
		return nil, fail("include %s: includes nested deeper than %d levels", arg, maxIncludeDepth)
	}
	path := arg
	if !filepath.IsAbs(path) {
		path = filepath.Join(r.dir, path)
	}
	names := []string{path}
	// nginx takes an argument with *, ? or [ as a glob, which may match
	// nothing, and any other as a file, which must exist.
	if strings.ContainsAny(arg, "*?[") {
		matches, err := r.files.Glob(path)
		if err != nil {
			return nil, fail("include %s: %v", arg, err)
		}
		names = slices.DeleteFunc(matches, func(m string) bool { return hiddenMatch(path, m) })
		// glob(3), which nginx calls, sorts the names.
		slices.Sort(names)
		if len(names) == 0 {
			r.empty = append(r.empty, arg)
		}
	}
	var out []*ndir
	for _, name := range names {
		if i := slices.Index(r.reading, filepath.Clean(name)); i >= 0 {
			chain := append(slices.Clone(r.reading[i:]), name)
			return nil, fail("include %s: an include cycle: %s", arg, strings.Join(chain, ", which includes "))
		}
		if len(r.names) >= maxIncludeFiles {
			return nil, fail("include %s: more than %d files in all", arg, maxIncludeFiles)
		}
		data, err := r.files.ReadFile(name)
		switch {
		case errors.Is(err, fs.ErrNotExist) && filepath.IsAbs(arg):
			return nil, fail("include %s: no such file", arg)
		case errors.Is(err, fs.ErrNotExist):
			where := ""
			if name != arg {
				where = ": " + name
			}
			return nil, fail("include %s: no such file%s (relative includes are read from the directory of %s)", arg, where, r.names[0])
		case err != nil:
			return nil, fail("include %s: cannot read %s: %v", arg, name, unwrapPath(err))
		}
		if r.size += len(data); r.size > MaxSize {
			return nil, fail("include %s: the configuration and the files it includes are larger than %d MiB", arg, MaxSize>>20)
		}
		text, err := configText(name, data)
		if err != nil {
			return nil, err
		}
		r.names = append(r.names, name)
		r.reading = append(r.reading, filepath.Clean(name))
		block, err := parseNginx(r, len(r.names)-1, text)
		r.reading = r.reading[:len(r.reading)-1]
		if err != nil {
			return nil, err
		}
		out = append(out, block...)
	}
	return out, nil
}

// hiddenMatch says whether a glob's match has a name starting with "."
// where the pattern's does not: glob(3), unlike filepath.Glob, does not
// let * or ? match a leading dot, so nginx skips such files (an editor's
// .default.swp in sites-enabled/).
func hiddenMatch(pattern, match string) bool {
	ps := strings.Split(filepath.ToSlash(pattern), "/")
	ms := strings.Split(filepath.ToSlash(match), "/")
	if len(ps) != len(ms) {
		return false
	}
	for i := range ms {
		if strings.HasPrefix(ms[i], ".") && !strings.HasPrefix(ps[i], ".") {
			return true
		}
	}
	return false
}

// unwrapPath drops the path an *fs.PathError repeats.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
