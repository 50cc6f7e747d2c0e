// Package accesslog reads access logs as streams of requests, so that a
// scenario can replay real traffic: one Record per log line, with when the
// request was logged, who sent it, what it asked for and how long it was
// served.
//
// A Reader reads one line at a time through a fixed 64 KiB buffer and
// parses it in place: memory stays constant however long the log, and a
// line costs no allocation. A line it cannot parse is reported as a
// *LineError and skipped; a line longer than 64 KiB is too. Blank lines
// are skipped, lines may end in \n or \r\n, and the last one needs no
// line end. Numbers of seconds and milliseconds are parsed as decimals,
// so service times are exact to the nanosecond.
//
// Four formats:
//
//   - nginx: lines written with a log_format, given in nginx's own syntax
//     (DefaultNginxFormat when none is). The format is compiled into
//     literal text and variables; a variable's value runs to the first
//     occurrence of the text that follows it in the format, or to the end
//     of the line ($time_local's value, which holds a space, is sought
//     past it; an $upstream_* list such as "0.012, 0.034 : 0.100" runs on
//     past its separators). The timestamp is $msec (1 ms resolution) when
//     the format has it, else $time_local or $time_iso8601 (1 s); it is
//     when the request ended. The target is $request_uri, else the target
//     of $request (the path and query of an absolute-form target), else
//     $uri joined to $args or $query_string by '?'. The service time is
//     the last value of $upstream_response_time, that of the server that
//     answered, when the format has it and the line gives a number there,
//     else $request_time. $remote_addr is the client. Any other variable
//     matches any text.
//   - haproxy: HAProxy's HTTP log format (option httplog), with or
//     without a syslog prefix. The bracketed date is when the request
//     arrived, to the millisecond; HAProxy writes it in local time
//     without a zone, and it is read as UTC, which keeps the gaps between
//     requests. The service time is Tr, the server's response time, or Ta
//     when the server never answered (Tr is -1); "option logasap" timers
//     ("+99627") are read as written.
//   - lbsim: the lbsim proxy's own access log, one JSON object per line
//     (docs/proxy.md, "Access log"): time (when the request ended),
//     client, path, latency_ms. A tcp "connection" record has no target.
//     Objects are read with a JSON decoder, jsontext, in place.
//   - csv: a header line names the columns, in any order and any case:
//     arrival and service in seconds (required), client, key (the
//     target) and class. Fields may be quoted as RFC 4180 says, but a
//     record is one line. Lines starting with '#' are comments.
//
// Record.Time is in nanoseconds since the Unix epoch for the first three
// formats, and since the csv's own origin for csv; Record.Ends and
// Record.Resolution say what it marks and how finely, so that a replay
// can turn end times into arrivals and spread requests logged in the same
// second.
package accesslog
