// Command idle measures what idle client connections cost a proxy: it
// reads the resident memory of the proxy's processes, opens connections
// that each send one keep-alive request and then stay open, reads the
// memory again, and prints the difference per connection. bench/proxy.sh
// runs it against nginx, HAProxy and lbsim.
//
//	idle -url http://127.0.0.1:8085/ -conns 3000 -pids 1234,1235
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	target := flag.String("url", "", "a URL the proxy answers with 200")
	conns := flag.Int("conns", 3000, "idle connections to open")
	pids := flag.String("pids", "", "comma-separated process ids whose resident memory is summed")
	settle := flag.Duration("settle", 2*time.Second, "wait this long before each reading")
	flag.Parse()
	if err := run(*target, *conns, *pids, *settle); err != nil {
		fmt.Fprintln(os.Stderr, "idle:", err)
		os.Exit(1)
	}
}

func run(target string, n int, pidList string, settle time.Duration) error {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("-url %q: want http://host:port/path", target)
	}
	var pids []int
	for _, p := range strings.Split(pidList, ",") {
		pid, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return fmt.Errorf("-pids %q: %v", pidList, err)
		}
		pids = append(pids, pid)
	}
	time.Sleep(settle)
	before, err := rss(pids)
	if err != nil {
		return err
	}
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\n\r\n"
	open := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range open {
			c.Close()
		}
	}()
	for i := range n {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			return fmt.Errorf("connection %d: %v", i+1, err)
		}
		open = append(open, c)
		if _, err := c.Write([]byte(req)); err != nil {
			return fmt.Errorf("connection %d: %v", i+1, err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return fmt.Errorf("connection %d: %v", i+1, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("connection %d: status %d", i+1, resp.StatusCode)
		}
	}
	time.Sleep(settle)
	after, err := rss(pids)
	if err != nil {
		return err
	}
	// Still open? A proxy that closed idle connections saved nothing.
	for i, c := range open {
		c.SetReadDeadline(time.Now().Add(time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("connection %d was closed while idle (%v)", i+1, err)
		}
	}
	fmt.Printf("%d %d %.2f\n", before, after, float64(after-before)/float64(n))
	return nil
}

// rss sums the resident memory of pids, in KiB.
func rss(pids []int) (int64, error) {
	var total int64
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
		if err != nil {
			return 0, err
		}
		for line := range strings.Lines(string(b)) {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, err := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
				if err != nil {
					return 0, fmt.Errorf("pid %d: VmRSS: %v", pid, err)
				}
				total += kb
			}
		}
	}
	return total, nil
}
