package accesslog

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCSV(t *testing.T) {
	at := func(sec float64) time.Time { return time.Unix(0, 0).Add(time.Duration(sec * 1e9)) }
	cases := []struct {
		header string
		lineCase
	}{
		{"arrival,service,client,key,class", lineCase{name: "all columns", line: "12.5,0.050,192.0.2.1,/a/b,read",
			at: at(12.5), client: "192.0.2.1", target: "/a/b", service: 50 * time.Millisecond, class: "read"}},
		{"Service, ARRIVAL", lineCase{name: "any order and case, spaces", line: " 0.25 , 3 ",
			at: at(3), target: nilText, service: 250 * time.Millisecond, class: nilText}},
		{"arrival,service", lineCase{name: "negative arrival", line: "-1.5,1",
			at: at(-1.5), target: nilText, service: time.Second, class: nilText}},
		{"arrival,service", lineCase{name: "exponent", line: "1e3,2.5e-3",
			at: at(1000), target: nilText, service: 2500 * time.Microsecond, class: nilText}},
		{"arrival,service", lineCase{name: "nanoseconds exact", line: "1796416436.123456789,0.000000001",
			at: time.Unix(1796416436, 123456789), target: nilText, service: 1, class: nilText}},
		{"arrival,service,key,class", lineCase{name: "quoted fields", line: `0,0,"/a,b?x=""1""",""`,
			at: at(0), target: `/a,b?x="1"`, service: 0, class: nilText}},
		{"arrival,service,client,key", lineCase{name: "empty client and key", line: "0,0,,",
			at: at(0), target: nilText, service: 0, class: nilText}},
		{"arrival,service,client", lineCase{name: "ipv6 client", line: "0,0,2001:db8::5",
			at: at(0), client: "2001:db8::5", target: nilText, service: 0, class: nilText}},
		{"arrival,service", lineCase{name: "bad arrival", line: "abc,1", err: `arrival: "abc" is not a number`}},
		{"arrival,service", lineCase{name: "huge arrival", line: "1e10,1", err: `arrival: "1e10" is out of range (seconds)`}},
		{"arrival,service", lineCase{name: "bad service", line: "1,1s", err: `service: "1s" is not a number`}},
		{"arrival,service", lineCase{name: "negative service", line: "1,-0.5", err: `service: "-0.5" is negative`}},
		{"arrival,service,client", lineCase{name: "bad client", line: "1,1,host", err: `client: "host" is not an IP address`}},
		{"arrival,service", lineCase{name: "too few fields", line: "1", err: "1 fields where the header names 2 columns"}},
		{"arrival,service", lineCase{name: "too many fields", line: "1,2,", err: "3 fields where the header names 2 columns"}},
		{"arrival,service,key", lineCase{name: "unclosed quote", line: `1,2,"/a`, err: "field 3: no closing quote"}},
		{"arrival,service,key", lineCase{name: "bare quote", line: `1,2,/a"b`, err: "field 3: a quote in a field"}},
		{"arrival,service,key", lineCase{name: "text after quote", line: `1,2,"/a"b`, err: "field 3: text after its closing quote"}},
	}
	for _, c := range cases {
		c.lineCase.line = c.header + "\n" + c.lineCase.line
		t.Run(c.name, func(t *testing.T) {
			r, err := NewReader(strings.NewReader(c.line), Options{Format: CSV})
			if err != nil {
				t.Fatal(err)
			}
			var rec Record
			err = r.Next(&rec)
			var le *LineError
			switch {
			case c.err != "":
				if !errors.As(err, &le) || le.Line != 2 || !strings.Contains(le.Msg, c.err) {
					t.Fatalf("got %v, want a line 2 error containing %q", err, c.err)
				}
			case err != nil:
				t.Fatal(err)
			default:
				rec.Line-- // checkRecord wants line 1
				checkRecord(t, rec, c.lineCase, false)
			}
		})
	}
}

func TestCSVHeader(t *testing.T) {
	for _, c := range []struct {
		in   string
		line int64
		err  string
	}{
		{"arrival,service,size\n1,2,3\n", 1, `header: unknown column "size"; known columns: arrival, service, client, key, class`},
		{"# trace of 2026-12-04\n\n0.5,1\n", 3, `header: unknown column "0.5"`},
		{"arrival,client\n", 1, "header: no service column"},
		{"service,key\n", 1, "header: no arrival column"},
		{"arrival,service,Arrival\n", 1, `header: column "arrival" appears twice`},
		{`arrival,"service` + "\n", 1, "header: field 2: no closing quote"},
	} {
		_, err := NewReader(strings.NewReader(c.in), Options{Format: CSV})
		var le *LineError
		if !errors.As(err, &le) || le.Line != c.line || !strings.Contains(le.Msg, c.err) {
			t.Errorf("NewReader(%q) = %v, want a line %d error containing %q", c.in, err, c.line, c.err)
		}
	}
}

func TestCSVSkipsCommentsAndBlankLines(t *testing.T) {
	in := "# made by hand\narrival,service,key\n\n# first burst\n0,1,/a\n  \n1,1,\"#b\"\n#c,1,/c\n"
	got := readAll(t, Options{Format: CSV}, strings.NewReader(in))
	want := []outcome{{line: 5, target: "/a"}, {line: 7, target: "#b"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
