package accesslog

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		o   Options
		err string
	}{
		{Options{Format: Nginx}, ""},
		{Options{Format: Nginx, LogFormat: `$msec $request_time`}, ""},
		{Options{Format: HAProxy}, ""},
		{Options{Format: LBSim}, ""},
		{Options{Format: CSV}, ""},
		{Options{Format: "apache"}, `unknown format "apache"; known formats: nginx, haproxy, lbsim, csv`},
		{Options{}, `unknown format ""; known formats: nginx, haproxy, lbsim, csv`},
		{Options{Format: HAProxy, LogFormat: "$msec"}, "log_format applies to format nginx only, not haproxy"},
		{Options{Format: CSV, LogFormat: "$msec"}, "log_format applies to format nginx only, not csv"},
		{Options{Format: Nginx, LogFormat: `$remote_addr [$time_local]`}, "log_format has no service time: it needs $request_time or $upstream_response_time"},
		{Options{Format: Nginx, LogFormat: `$remote_addr $request_time`}, "log_format has no timestamp: it needs $time_local, $time_iso8601 or $msec"},
		{Options{Format: Nginx, LogFormat: `$msec ${request_time`}, `log_format: "${" at byte 7 has no closing "}"`},
	} {
		err := Check(c.o)
		if (err == nil) != (c.err == "") || (err != nil && err.Error() != c.err) {
			t.Errorf("Check(%+v) = %v, want %q", c.o, err, c.err)
		}
		if _, nerr := NewReader(strings.NewReader(""), c.o); (nerr == nil) != (err == nil) {
			t.Errorf("NewReader(%+v) = %v where Check gives %v", c.o, nerr, err)
		}
	}
}

func TestLineErrorText(t *testing.T) {
	o := Options{Format: Nginx, LogFormat: `$msec $request_time`}
	in := strings.Repeat("1796416436.005 0.001\n", 16) + "1796416436.005 abc\n"
	got := readAll(t, o, strings.NewReader(in))
	if want := `line 17: $request_time: "abc" is not a number`; len(got) != 17 || got[16].err != want {
		t.Fatalf("got %+v, want 16 records then %q", got, want)
	}
}

// Every format: blank lines are skipped, \r\n is a line end, the last
// line needs no newline, a bad line is reported and the next one read,
// an over-long line is skipped to its end.
func TestLines(t *testing.T) {
	long := strings.Repeat("x", maxLine+1)
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			head := ""
			if format == CSV {
				head = synthHeader + "\r\n"
			}
			target := func(i int) string {
				var rec Record
				r, err := NewReader(strings.NewReader(head+synthLine(format, i)), Options{Format: format})
				if err == nil {
					err = r.Next(&rec)
				}
				if err != nil {
					t.Fatal(err)
				}
				return text(rec.Target)
			}
			in := head + synthLine(format, 0) + "\r\n" + // line 1 (2 with csv's header)
				"\n" +
				"   \r\n" +
				"garbage\n" +
				synthLine(format, 1) + "\n" +
				long + "\n" +
				synthLine(format, 2) + "\r\n" +
				long + "\r\n" +
				synthLine(format, 3) // no newline
			off := int64(0)
			if format == CSV {
				off = 1
			}
			want := []outcome{
				{line: 1 + off, target: target(0)},
				{line: 4 + off, err: fmt.Sprintf("line %d: ", 4+off)},
				{line: 5 + off, target: target(1)},
				{line: 6 + off, err: "longer than 65536 bytes"},
				{line: 7 + off, target: target(2)},
				{line: 8 + off, err: "longer than 65536 bytes"},
				{line: 9 + off, target: target(3)},
			}
			got := readAll(t, Options{Format: format}, strings.NewReader(in))
			if len(got) != len(want) {
				t.Fatalf("got %+v, want %+v", got, want)
			}
			for i := range want {
				g, w := got[i], want[i]
				if g.line != w.line || g.target != w.target || (g.err == "") != (w.err == "") || !strings.Contains(g.err, w.err) {
					t.Errorf("outcome %d: got %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func TestLongLineAtEnd(t *testing.T) {
	in := synthLine(HAProxy, 0) + "\n" + strings.Repeat("y", 3*maxLine)
	got := readAll(t, Options{Format: HAProxy}, strings.NewReader(in))
	if len(got) != 2 || got[0].err != "" || got[1].err != "line 2: longer than 65536 bytes" {
		t.Errorf("got %+v", got)
	}
}

func TestLongestLine(t *testing.T) {
	head := `{"time":"2026-12-04T20:33:56Z","latency_ms":1,"pad":"`
	line := head + strings.Repeat("p", maxLine-len(head)-2) + `"}`
	got := readAll(t, Options{Format: LBSim}, strings.NewReader(line+"\r\n"))
	if len(got) != 1 || got[0].err != "" {
		t.Errorf("a line of %d bytes: got %+v, want a record", maxLine, got)
	}
}

func TestEmptyInput(t *testing.T) {
	for _, format := range Formats {
		for _, in := range []string{"", "\n\n", "\r\n"} {
			if got := readAll(t, Options{Format: format}, strings.NewReader(in)); len(got) != 0 {
				t.Errorf("%s, %q: got %+v, want nothing", format, in, got)
			}
		}
	}
	if got := readAll(t, Options{Format: CSV}, strings.NewReader("# nothing yet\narrival,service\n")); len(got) != 0 {
		t.Errorf("csv header only: got %+v, want nothing", got)
	}
}

func TestReadFailure(t *testing.T) {
	broken := errors.New("disk on fire")
	for _, format := range Formats {
		head := ""
		if format == CSV {
			head = synthHeader + "\n"
		}
		r, err := NewReader(&failing{data: []byte(head + synthLine(format, 0) + "\n" + "partial"), err: broken}, Options{Format: format})
		if err != nil {
			t.Fatal(err)
		}
		var rec Record
		if err := r.Next(&rec); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if err := r.Next(&rec); !errors.Is(err, broken) {
			t.Errorf("%s: got %v, want the read failure", format, err)
		}
	}
	if _, err := NewReader(&failing{err: broken}, Options{Format: CSV}); !errors.Is(err, broken) {
		t.Errorf("csv header: got %v, want the read failure", err)
	}
}

// Record fields of a previous line never leak into the next one.
func TestRecordReset(t *testing.T) {
	in := "arrival,service,client,key,class\n1,1,192.0.2.1,/a,x\n2,2,,,\n"
	r, err := NewReader(strings.NewReader(in), Options{Format: CSV})
	if err != nil {
		t.Fatal(err)
	}
	var rec Record
	for range 2 {
		if err := r.Next(&rec); err != nil {
			t.Fatal(err)
		}
	}
	if rec.Client.IsValid() || rec.Target != nil || rec.Class != nil {
		t.Errorf("second record kept the first one's fields: %+v", rec)
	}
	if err := r.Next(&rec); err != io.EOF {
		t.Errorf("got %v, want io.EOF", err)
	}
}
