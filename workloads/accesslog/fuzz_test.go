package accesslog

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReader feeds any bytes to every format (and, for nginx, any
// log_format): the reader must not panic, must consume at least one line
// per call, and what it returns must keep its promises.
func FuzzReader(f *testing.F) {
	for i, format := range Formats {
		head := ""
		if format == CSV {
			head = synthHeader + "\n"
		}
		f.Add(uint8(i), "", []byte(head+synthLine(format, 1)+"\n"+synthLine(format, 2)+"\r\n\nbad\n"))
	}
	f.Add(uint8(0), `$msec $remote_addr "$request" $upstream_response_time $request_time`,
		[]byte("1796416436.123 192.0.2.1 \"GET /u HTTP/1.1\" 0.012, 0.034 : 0.100 0.150\n"))
	f.Add(uint8(0), `$time_iso8601 ${remote_addr} $uri $args "$upstream_response_time"`,
		[]byte("2026-12-04T20:33:56+01:00 192.0.2.1 /s a=1&b=2 \"0.034\"\n"))
	f.Add(uint8(3), "", []byte("key,\"arrival\",service\n\"a\"\"b\",1,2\n"))
	f.Fuzz(func(t *testing.T, which uint8, logFormat string, data []byte) {
		o := Options{Format: Formats[int(which)%len(Formats)]}
		if o.Format == Nginx {
			o.LogFormat = logFormat
		}
		if Check(o) != nil {
			return
		}
		r, err := NewReader(bytes.NewReader(data), o)
		var le *LineError
		if err != nil {
			if !errors.As(err, &le) {
				t.Fatalf("NewReader: %v", err)
			}
			return
		}
		lines := int64(bytes.Count(data, []byte("\n")) + 1)
		last := int64(0)
		for calls := int64(0); ; calls++ {
			if calls > lines {
				t.Fatalf("%d calls of Next for %d lines", calls, lines)
			}
			var rec Record
			err := r.Next(&rec)
			if err == io.EOF {
				return
			}
			line := rec.Line
			if errors.As(err, &le) {
				line = le.Line
			} else if err != nil {
				t.Fatalf("Next: %v", err)
			} else if rec.Service < 0 {
				t.Fatalf("line %d: negative service %v", line, rec.Service)
			}
			if line <= last || line > lines {
				t.Fatalf("line %d after line %d, of %d", line, last, lines)
			}
			last = line
		}
	})
}
