package accesslog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// Format names, as the scenario key trace.format spells them.
const (
	Nginx   = "nginx"
	HAProxy = "haproxy"
	LBSim   = "lbsim"
	CSV     = "csv"
)

// Formats lists every format name, for messages and documentation.
var Formats = []string{Nginx, HAProxy, LBSim, CSV}

// DefaultNginxFormat is nginx's "combined" followed by $request_time: a
// combined log alone has no service time.
const DefaultNginxFormat = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time`

// Options says how to read a log.
type Options struct {
	Format    string // one of Formats
	LogFormat string // nginx only: log_format in nginx's own syntax; "" means DefaultNginxFormat. Must be "" for other formats.
}

// Check validates o without reading anything, so that a scenario is
// rejected before a trace is opened. Its message is a plain sentence
// without a file name; the scenario loader prefixes its own position.
func Check(o Options) error {
	_, err := compileOptions(o)
	return err
}

// compileOptions checks o and returns the nginx layout it needs (nil for
// other formats).
func compileOptions(o Options) (*nginxFormat, error) {
	switch o.Format {
	case Nginx:
		lf := o.LogFormat
		if lf == "" {
			lf = DefaultNginxFormat
		}
		return compileNginx(lf)
	case HAProxy, LBSim, CSV:
		if o.LogFormat != "" {
			return nil, fmt.Errorf("log_format applies to format %s only, not %s", Nginx, o.Format)
		}
		return nil, nil
	}
	return nil, fmt.Errorf("unknown format %q; known formats: %s", o.Format, strings.Join(Formats, ", "))
}

// Record is one request read from a log.
type Record struct {
	Line int64 // 1-based line number in the input
	// Time is the logged timestamp in ns: since the Unix epoch for nginx,
	// haproxy and lbsim; the csv arrival column (seconds from any origin,
	// possibly negative) times 1e9.
	Time int64
	// Resolution is the timestamp's resolution: time.Second for
	// $time_local and $time_iso8601, time.Millisecond for $msec and
	// haproxy, 0 when exact (lbsim, csv).
	Resolution time.Duration
	// Ends is true when Time is when the request ended (nginx, lbsim)
	// rather than when it arrived (haproxy, csv).
	Ends bool
	// Client is the zero Addr when the log has no client field, or logs
	// "-". IPv4-mapped IPv6 addresses are given as IPv4.
	Client netip.Addr
	// Target is the path plus query as sent ("/a/b?x=1"), or csv's key
	// column; nil when absent. Valid until the next call of Next.
	Target []byte
	// Service is the logged service time, >= 0.
	Service time.Duration
	// Class is csv's class column; nil otherwise. Valid until the next
	// call of Next.
	Class []byte
}

// LineError is a line that could not be parsed. The Reader goes on with
// the next line.
type LineError struct {
	Line int64
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// maxLine is the longest line read, newline excluded. A longer one is a
// LineError and is skipped, so memory stays bounded whatever the input.
const maxLine = 64 << 10

var longLine = fmt.Sprintf("longer than %d bytes", maxLine)

// Reader streams Records from a log, one line at a time, in constant
// memory and without allocating per line.
type Reader struct {
	br   *bufio.Reader
	line int64 // lines read so far
	eof  bool

	format  string
	nginx   *nginxFormat
	csv     csvLayout
	json    *jsontext.Decoder
	jsonIn  bytes.Buffer
	scratch []byte // a Target or csv fields rebuilt from their text
	tmp     []byte // other unquoted JSON strings
	fields  [][]byte
	seconds secondCache
}

// NewReader returns a Reader of r in the format o names. Its only errors
// are Check's and, for csv, a bad or unreadable header (a *LineError for a
// bad one).
func NewReader(r io.Reader, o Options) (*Reader, error) {
	ng, err := compileOptions(o)
	if err != nil {
		return nil, err
	}
	rd := &Reader{br: bufio.NewReaderSize(r, maxLine+2), format: o.Format, nginx: ng}
	switch o.Format {
	case LBSim:
		rd.json = jsontext.NewDecoder(&rd.jsonIn)
	case CSV:
		if err := rd.readHeader(); err != nil {
			return nil, err
		}
	}
	return rd, nil
}

// Next fills rec with the next record. It returns io.EOF at the end of the
// input; a *LineError for a line it cannot parse, after which the caller
// may call Next again for the following lines; any other error is a read
// failure. Blank lines, and csv lines starting with '#', are skipped.
func (r *Reader) Next(rec *Record) error {
	for {
		line, err := r.readLine()
		if err != nil {
			return err
		}
		if isBlank(line) || (r.format == CSV && line[0] == '#') {
			continue
		}
		*rec = Record{Line: r.line}
		switch r.format {
		case Nginx:
			err = r.parseNginx(line, rec)
		case HAProxy:
			err = r.parseHAProxy(line, rec)
		case LBSim:
			err = r.parseLBSim(line, rec)
		default:
			err = r.parseCSV(line, rec)
		}
		if err != nil {
			return &LineError{Line: r.line, Msg: err.Error()}
		}
		return nil
	}
}

// readLine returns the next line without its line ending, valid until the
// next read. A line longer than maxLine is skipped to its end and reported
// as a *LineError.
func (r *Reader) readLine() ([]byte, error) {
	if r.eof {
		return nil, io.EOF
	}
	b, err := r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		r.line++
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = r.br.ReadSlice('\n')
		}
		if err == io.EOF {
			r.eof = true
		} else if err != nil {
			return nil, err
		}
		return nil, &LineError{Line: r.line, Msg: longLine}
	}
	switch {
	case err == io.EOF:
		r.eof = true
		if len(b) == 0 {
			return nil, io.EOF
		}
	case err != nil:
		return nil, err
	}
	r.line++
	b = bytes.TrimSuffix(b, []byte("\n"))
	b = bytes.TrimSuffix(b, []byte("\r"))
	if len(b) > maxLine {
		return nil, &LineError{Line: r.line, Msg: longLine}
	}
	return b, nil
}
