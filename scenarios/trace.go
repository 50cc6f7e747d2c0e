package scenarios

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/lbsim/lbsim/workloads/accesslog"
)

// Trace replays recorded requests, an access log or a CSV file, in place of
// the arrivals, demands, classes, keys and clients a workload would draw:
// each line is one request, at the time it was logged, with the service
// time it was logged with as its demand on a server of speed 1, its client
// address, and its path as its key. The trace sets the run's length.
type Trace struct {
	// File is the trace's path, relative to the scenario file's
	// directory; a file that starts with gzip's magic bytes is read
	// through gzip, as rotated logs are.
	File string `yaml:"file"`
	// Format is nginx, haproxy, lbsim (the proxy's access log) or csv.
	Format string `yaml:"format"`
	// LogFormat is nginx's log_format for the file, in nginx's syntax;
	// default accesslog.DefaultNginxFormat.
	LogFormat string `yaml:"log_format"`
	// Classes names the class of the requests whose path starts with a
	// prefix, the longest prefix first; the others are in class
	// TraceDefaultClass. In a file a mapping, {/reports/: report}.
	Classes []TraceClass `yaml:"classes"`
	// Speedup replays arrivals this many times faster, leaving demands
	// alone; default 1.
	Speedup float64 `yaml:"speedup"`

	// path is File resolved against the scenario's directory, and fsys
	// the file system it is in (nil for the operating system's).
	path string
	fsys fs.FS
}

// TraceClass gives the class of the requests whose path starts with
// Prefix.
type TraceClass struct {
	Prefix string
	Name   string
}

// TraceDefaultClass is the class of a trace's requests that no prefix of
// trace.classes (nor a csv class column) places.
const TraceDefaultClass = "default"

const (
	// maxSpeedup bounds trace.speedup.
	maxSpeedup = 1e6
	// traceSample is how many lines loading reads from a trace to tell a
	// wrong format or log_format before any run.
	traceSample = 100
	// traceSampleBytes bounds what loading reads of a trace.
	traceSampleBytes = 8 << 20
)

var traceClassesType = reflect.TypeFor[[]TraceClass]()

// decodeTraceClasses reads trace.classes, a mapping of path prefixes to
// class names, keeping the file's order.
func (d *decoder) decodeTraceClasses(n *yaml.Node, path string) ([]TraceClass, error) {
	if n.Kind != yaml.MappingNode {
		return nil, d.errorf(path, "must be a mapping of path prefixes to class names, such as {/reports/: report}, got %s", describe(n))
	}
	pairs, err := d.pairs(n, path, 0, nil, nil)
	if err != nil {
		return nil, err
	}
	out := make([]TraceClass, 0, len(pairs))
	for _, p := range pairs {
		prefix := p.key.Value
		fp := path + "[" + strconv.Quote(prefix) + "]"
		d.keys[fp] = p.key
		d.values[fp] = p.value
		if !strings.HasPrefix(prefix, "/") {
			return nil, d.nodeErr(p.key, fp, fmt.Sprintf("a path prefix starts with /, got %s", quote(prefix)))
		}
		val := resolve(p.value)
		if val == nil || val.Kind != yaml.ScalarNode || val.ShortTag() == nullTag {
			return nil, d.nodeErr(p.value, fp, fmt.Sprintf("must be a class name, got %s", describe(p.value)))
		}
		if err := d.checkName(fp, val.Value, "name the class of the requests under "+prefix); err != nil {
			return nil, err
		}
		out = append(out, TraceClass{Prefix: prefix, Name: val.Value})
	}
	return out, nil
}

// ClassNames lists the classes trace.classes names, each once, in file
// order, then TraceDefaultClass.
func (t *Trace) ClassNames() []string {
	var names []string
	seen := make(map[string]bool, len(t.Classes)+1)
	for _, c := range t.Classes {
		if !seen[c.Name] {
			seen[c.Name] = true
			names = append(names, c.Name)
		}
	}
	if !seen[TraceDefaultClass] {
		names = append(names, TraceDefaultClass)
	}
	return names
}

// requestClasses is RequestClasses for a trace: each class with the first
// prefix that names it as its path, so routes can match it.
func (t *Trace) requestClasses() []Class {
	names := t.ClassNames()
	out := make([]Class, len(names))
	for i, name := range names {
		out[i].Name = name
		for _, c := range t.Classes {
			if c.Name == name {
				out[i].Path = c.Prefix
				break
			}
		}
	}
	return out
}

// Options returns the access-log reader's options for the trace.
func (t *Trace) Options() accesslog.Options {
	return accesslog.Options{Format: t.Format, LogFormat: t.LogFormat}
}

// Identity names the trace file apart from every other: its resolved
// path, with its size and modification time when it has them, so that a
// file rewritten between runs is not taken for the one before.
func (t *Trace) Identity() string {
	id := t.path
	if t.fsys != nil {
		id = "bundled:" + id
	} else if st, err := os.Stat(t.path); err == nil {
		id += fmt.Sprintf(" %d %d", st.Size(), st.ModTime().UnixNano())
	}
	return id
}

// Open opens the trace file for reading, through gzip when it is
// compressed. Size is the file's size on disk, for progress, or -1 when
// unknown; Offset reports how much of it has been read.
func (t *Trace) Open() (*TraceFile, error) {
	var f fs.File
	var err error
	if t.fsys != nil {
		f, err = t.fsys.Open(t.path)
	} else {
		f, err = os.Open(t.path)
	}
	if err != nil {
		return nil, err
	}
	tf := &TraceFile{file: f, Size: -1}
	if st, err := f.Stat(); err == nil {
		// A pipe or a device could be read only once (loading samples
		// the file, and each run reads it again) or never end.
		if !st.Mode().IsRegular() {
			f.Close()
			return nil, fmt.Errorf("%s is not a regular file", t.File)
		}
		tf.Size = st.Size()
	}
	tf.counted = &countingReader{r: f}
	br := bufio.NewReaderSize(tf.counted, 64<<10)
	tf.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", t.File, err)
		}
		tf.Reader = zr
	}
	return tf, nil
}

// TraceFile is an open trace: read the records' text from Reader.
type TraceFile struct {
	io.Reader
	// Size is the file's size in bytes, -1 when unknown.
	Size    int64
	file    fs.File
	counted *countingReader
}

// Offset returns how many bytes of the file have been read, compressed
// bytes for a compressed file.
func (f *TraceFile) Offset() int64 { return f.counted.n }

// Close closes the file.
func (f *TraceFile) Close() error { return f.file.Close() }

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// checkTrace checks workload.trace: the keys a trace replaces are absent,
// the format and log_format are known, and the file opens and its first
// lines read in that format. It resolves the file's path against the
// scenario's directory.
func checkTrace(s *Scenario, d *decoder) error {
	t := s.Workload.Trace
	const p = "workload.trace"
	for _, key := range []string{"workload.arrival", "workload.service", "workload.classes", "workload.keys", "workload.clients", "requests", "duration"} {
		if d.has(key) {
			return d.errorf(key, "not allowed beside workload.trace: the trace gives each request's arrival, service, class, key and client, and its length sets the run's")
		}
	}
	if !d.has(p + ".file") {
		return d.errorf(p+".file", "required: the access log or CSV file to replay, relative to this scenario file")
	}
	if strings.TrimSpace(t.File) == "" {
		return d.errorf(p+".file", "must not be empty")
	}
	if !d.has(p + ".format") {
		return d.errorf(p+".format", "required; one of %s", strings.Join(accesslog.Formats, ", "))
	}
	if err := accesslog.Check(t.Options()); err != nil {
		field := p + ".format"
		if d.has(p+".log_format") && t.Format == accesslog.Nginx {
			field = p + ".log_format"
		}
		return d.errorf(field, "%v", err)
	}
	if !d.has(p + ".speedup") {
		t.Speedup = 1
	}
	if err := d.floatRange(p+".speedup", t.Speedup, 0, true, maxSpeedup); err != nil {
		return err
	}
	t.resolve(d.source)
	return sampleTrace(t, d)
}

// resolve places the trace file: a bundled scenario's among the bundled
// files, another's relative to the scenario file's directory.
func (t *Trace) resolve(source string) {
	if strings.HasPrefix(source, "bundled:") && !filepath.IsAbs(t.File) {
		t.fsys, t.path = bundledFiles, path.Join("bundled", filepath.ToSlash(t.File))
		return
	}
	t.fsys, t.path = nil, t.File
	if !filepath.IsAbs(t.File) && source != "" && source != "-" {
		t.path = filepath.Join(filepath.Dir(source), t.File)
	}
}

// sampleTrace reads the trace's first lines, so that a file that is
// missing, empty or in another format is refused when the scenario loads
// rather than after a run.
func sampleTrace(t *Trace, d *decoder) error {
	const p = "workload.trace"
	f, err := t.Open()
	if err != nil {
		return d.errorf(p+".file", "cannot read %s: %s", t.path, openProblem(err))
	}
	defer f.Close()
	// Lines are at most 64 KiB, but one without an end would be read to
	// the end of the file.
	rd, err := accesslog.NewReader(io.LimitReader(f, traceSampleBytes), t.Options())
	if err != nil {
		return d.errorf(p+".format", "%s: %v", t.File, err)
	}
	var rec accesslog.Record
	good, bad := 0, 0
	var first string
	for good+bad < traceSample {
		err := rd.Next(&rec)
		if err == io.EOF {
			break
		}
		var le *accesslog.LineError
		switch {
		case errors.As(err, &le):
			bad++
			if first == "" {
				first = fmt.Sprintf("%s:%d: %s", t.File, le.Line, le.Msg)
			}
		case err != nil:
			return d.errorf(p+".file", "cannot read %s: %v", t.File, err)
		default:
			good++
		}
	}
	switch {
	case good == 0 && bad == 0:
		return d.errorf(p+".file", "%s holds no requests", t.File)
	case bad > good:
		return d.errorf(p+".format", "%d of the first %d lines of %s do not read as %s (%s); is the format right?",
			bad, good+bad, t.File, t.Format, first)
	}
	return nil
}
