package accesslog_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/lbsim/lbsim/workloads/accesslog"
)

func ExampleNewReader() {
	log := `203.0.113.7 - - [04/Dec/2026:20:33:56 +0000] "GET /a/b?x=1 HTTP/1.1" 200 512 "-" "curl/8.5.0" 0.123
2001:db8::7 - - [04/Dec/2026:20:33:57 +0100] "POST http://example.com/c HTTP/1.1" 201 0 "-" "-" 1.5
`
	r, err := accesslog.NewReader(strings.NewReader(log), accesslog.Options{Format: accesslog.Nginx})
	if err != nil {
		fmt.Println(err)
		return
	}
	var rec accesslog.Record
	for r.Next(&rec) == nil {
		fmt.Println(rec.Line, time.Unix(0, rec.Time).UTC().Format(time.TimeOnly), rec.Client, string(rec.Target), rec.Service)
	}
	// Output:
	// 1 20:33:56 203.0.113.7 /a/b?x=1 123ms
	// 2 19:33:57 2001:db8::7 /c 1.5s
}

func ExampleCheck() {
	for _, o := range []accesslog.Options{
		{Format: accesslog.Nginx, LogFormat: `$msec $remote_addr "$request" $upstream_response_time $request_time`},
		{Format: accesslog.Nginx, LogFormat: `$remote_addr [$time_local] "$request" $status`},
		{Format: accesslog.HAProxy, LogFormat: `$msec $request_time`},
		{Format: "apache"},
	} {
		fmt.Println(accesslog.Check(o))
	}
	// Output:
	// <nil>
	// log_format has no service time: it needs $request_time or $upstream_response_time
	// log_format applies to format nginx only, not haproxy
	// unknown format "apache"; known formats: nginx, haproxy, lbsim, csv
}

// A bad line is counted and skipped; any other error ends the reading.
func ExampleReader_Next() {
	trace := `# arrival and service in seconds
arrival,service,client,class
0.000,0.050,10.0.0.1,read
0.010,fast,10.0.0.2,read
0.020,1.250,10.0.0.3,report
`
	r, err := accesslog.NewReader(strings.NewReader(trace), accesslog.Options{Format: accesslog.CSV})
	if err != nil {
		fmt.Println(err)
		return
	}
	var rec accesslog.Record
	for {
		err := r.Next(&rec)
		var bad *accesslog.LineError
		switch {
		case err == io.EOF:
			return
		case errors.As(err, &bad):
			fmt.Println("skipped:", bad)
			continue
		case err != nil:
			fmt.Println(err)
			return
		}
		fmt.Println(time.Duration(rec.Time), rec.Client, string(rec.Class), rec.Service)
	}
	// Output:
	// 0s 10.0.0.1 read 50ms
	// skipped: line 4: service: "fast" is not a number (seconds)
	// 20ms 10.0.0.3 report 1.25s
}

func ExampleLineError() {
	r, _ := accesslog.NewReader(strings.NewReader(`{"time":"2026-12-04T20:33:56Z","msg":"request"}`), accesslog.Options{Format: accesslog.LBSim})
	var rec accesslog.Record
	fmt.Println(r.Next(&rec))
	// Output:
	// line 1: no latency_ms field
}
