package accesslog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// lineCase is one line and what reading it must give: a record, or a
// *LineError whose message contains err.
type lineCase struct {
	name    string
	line    string
	at      time.Time     // Record.Time
	res     time.Duration // Record.Resolution
	client  string        // "" for the zero Addr
	target  string        // nilText for nil
	service time.Duration
	class   string // nilText for nil
	err     string
}

const nilText = "<nil>"

func text(b []byte) string {
	if b == nil {
		return nilText
	}
	return string(b)
}

// runCases reads each case's line alone with o and checks the outcome;
// ends is what every record's Ends must be.
func runCases(t *testing.T, o Options, ends bool, cases []lineCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader(c.line+"\n"), o)
			if err != nil {
				t.Fatal(err)
			}
			var rec Record
			err = r.Next(&rec)
			if c.err != "" {
				var le *LineError
				if !errors.As(err, &le) || le.Line != 1 || !strings.Contains(le.Msg, c.err) {
					t.Fatalf("got %v, want a line 1 error containing %q", err, c.err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				checkRecord(t, rec, c, ends)
			}
			if err := r.Next(&rec); err != io.EOF {
				t.Fatalf("second Next: %v, want io.EOF", err)
			}
		})
	}
}

func checkRecord(t *testing.T, rec Record, c lineCase, ends bool) {
	t.Helper()
	var client netip.Addr
	if c.client != "" {
		client = netip.MustParseAddr(c.client)
	}
	if rec.Line != 1 || rec.Time != c.at.UnixNano() || rec.Resolution != c.res || rec.Ends != ends ||
		rec.Client != client || text(rec.Target) != c.target || rec.Service != c.service || text(rec.Class) != c.class {
		t.Errorf("got line %d time %v res %v ends %v client %v target %q service %v class %q\n"+
			"want line 1 time %v res %v ends %v client %v target %q service %v class %q",
			rec.Line, time.Unix(0, rec.Time).UTC(), rec.Resolution, rec.Ends, rec.Client, text(rec.Target), rec.Service, text(rec.Class),
			c.at.UTC(), c.res, ends, client, c.target, c.service, c.class)
	}
}

// outcome is what one call of Next gave: a record's line and target, or
// an error's text.
type outcome struct {
	line   int64
	target string
	err    string
}

// readAll calls Next until io.EOF and lists the outcomes.
func readAll(t *testing.T, o Options, in io.Reader) []outcome {
	t.Helper()
	r, err := NewReader(in, o)
	if err != nil {
		t.Fatal(err)
	}
	var got []outcome
	for {
		var rec Record
		err := r.Next(&rec)
		if err == io.EOF {
			return got
		}
		var le *LineError
		switch {
		case errors.As(err, &le):
			got = append(got, outcome{line: le.Line, err: le.Error()})
		case err != nil:
			t.Fatal(err)
		default:
			got = append(got, outcome{line: rec.Line, target: text(rec.Target)})
		}
		if len(got) > 1000 {
			t.Fatal("no end")
		}
	}
}

// A synthetic log: line i of each format, with distinct clients, paths,
// service times and times a few milliseconds apart.
var synthStart = time.Date(2026, 12, 4, 20, 33, 56, 0, time.UTC)

func synthTime(i int) time.Time { return synthStart.Add(time.Duration(i) * 3 * time.Millisecond) }

func synthLine(format string, i int) string {
	t := synthTime(i)
	client := fmt.Sprintf("10.%d.%d.%d", i%7, i%251, i%253+1)
	path := fmt.Sprintf("/api/v1/items/%d?page=%d", i%1000, i%7)
	ms := 1 + i%997
	switch format {
	case Nginx:
		return fmt.Sprintf(`%s - - [%s] "GET %s HTTP/1.1" 200 %d "https://example.com/start" "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0" %d.%03d`,
			client, t.Format("02/Jan/2006:15:04:05 -0700"), path, 512+i%4096, ms/1000, ms%1000)
	case HAProxy:
		return fmt.Sprintf(`%s:%d [%s] http-in static/srv%d 0/0/1/%d/%d 200 %d - - ---- 12/12/3/1/0 0/0 {example.com} {} "GET %s HTTP/1.1"`,
			client, 30000+i%30000, t.Format("02/Jan/2006:15:04:05.000"), i%4, ms, ms+2, 512+i%4096, path)
	case LBSim:
		return fmt.Sprintf(`{"time":%q,"level":"INFO","msg":"request","client":%q,"method":"GET","host":"example.com","path":"/api/v1/items/%d","status":200,"bytes":%d,"backend":"app-%d","attempts":1,"latency_ms":%d.%03d}`,
			t.Format(time.RFC3339Nano), client, i%1000, 512+i%4096, i%4, ms, i%1000)
	case CSV:
		return fmt.Sprintf(`%d.%03d,%d.%03d,%s,/api/v1/items/%d,%s`, i/1000, i%1000, ms/1000, ms%1000, client, i%1000, []string{"read", "write"}[i%2])
	}
	panic(format)
}

const synthHeader = "arrival,service,client,key,class"

// synthLog returns n lines of a synthetic log, the header included for
// csv.
func synthLog(format string, n int) []byte {
	var b bytes.Buffer
	for i := range n {
		b.WriteString(synthLine(format, i))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// cycle reads its lines over and over, up to limit lines (forever when
// limit is 0), after head: a stream as long as wanted that costs nothing
// to produce.
type cycle struct {
	head, lines []byte
	off         int
	left        int // lines still to give, when limited
	limited     bool
}

func newCycle(head, lines []byte, limit int) *cycle {
	return &cycle{head: head, lines: lines, left: limit, limited: limit > 0}
}

func (c *cycle) Read(p []byte) (int, error) {
	if len(c.head) > 0 {
		n := copy(p, c.head)
		c.head = c.head[n:]
		return n, nil
	}
	n := 0
	for n < len(p) {
		if c.limited && c.left == 0 {
			break
		}
		k := copy(p[n:], c.lines[c.off:])
		if c.limited {
			// Count the newlines given, stopping after the last allowed.
			for j, b := range p[n : n+k] {
				if b == '\n' {
					c.left--
					if c.left == 0 {
						k = j + 1
						break
					}
				}
			}
		}
		n += k
		c.off = (c.off + k) % len(c.lines)
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// failing reads its data and then fails.
type failing struct {
	data []byte
	err  error
}

func (f *failing) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}
