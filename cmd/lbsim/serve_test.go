package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lbsim/lbsim/playground"
)

func TestServeBadInput(t *testing.T) {
	tests := []cliCase{
		{"an argument", []string{"serve", "8090"}, 2, `serve takes no arguments, got ["8090"]; the address is given with --listen`, ""},
		{"no port", []string{"serve", "--listen", "127.0.0.1"}, 2, `--listen "127.0.0.1": want HOST:PORT, such as 127.0.0.1:8090`, ""},
		{"no requests", []string{"serve", "--max-requests", "0"}, 2, "--max-requests must be at least 1, got 0", ""},
		{"no time", []string{"serve", "--max-time", "0s"}, 2, "--max-time must be above 0, such as 60s, got 0s", ""},
		{"a time without unit", []string{"serve", "--max-time", "60"}, 2, "--max-time", ""},
		{"no runs", []string{"serve", "--max-runs", "0"}, 2, "--max-runs must be at least 1, got 0", ""},
		{"a misspelt flag", []string{"serve", "--max-request", "5"}, 2, "did you mean --max-requests?", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

// post sends body to the playground at base and returns the status and
// the answer.
func post(t *testing.T, base, path, body string) (int, string) {
	t.Helper()
	res, err := http.Post(base+path, "application/yaml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// TestServeAnswersAsTheCLI: the playground's API answers what lbsim run,
// explain and trace print, and refuses a bad scenario with lbsim run's
// message, for a bundled scenario and for a file of one's own.
func TestServeAnswersAsTheCLI(t *testing.T) {
	srv := httptest.NewServer(playground.New(playground.Config{}))
	defer srv.Close()
	t.Chdir(t.TempDir())
	own := strings.Replace(one, "requests: 20", "requests: 2000", 1) + "seed: 3\n"
	broken := strings.Replace(own, "count: 3", "count: -1", 1)
	for name, body := range map[string]string{playground.DefaultFile: own, "broken.yaml": broken} {
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	crash := "crash-with-health-checks"
	crashYAML := getText(t, srv.URL+"/api/scenarios", crash)

	tests := []struct {
		name       string
		path, body string
		args       []string
		status     int
	}{
		{"a bundled scenario", "/api/run", crashYAML, []string{"run", crash, "--format", "json"}, 200},
		{"with the run flags", "/api/run?seeds=3&aggregate=mean&algorithms=power_of_two,round_robin&requests=4000", crashYAML,
			[]string{"run", crash, "--format", "json", "--seeds", "3", "--aggregate", "mean", "--algorithms", "power_of_two,round_robin", "--requests", "4000"}, 200},
		{"a file of one's own", "/api/run", own, []string{"run", playground.DefaultFile, "--format", "json"}, 200},
		{"a bad file", "/api/run?file=broken.yaml", broken, []string{"run", "broken.yaml", "--format", "json"}, 400},
		{"trace", "/api/trace?algorithm=round_robin&from=2m&first=12", crashYAML, []string{"trace", crash, "--algorithm", "round_robin", "--from", "2m", "--first", "12"}, 200},
		{"trace past the end", "/api/trace?from=1h&seed=5", own, []string{"trace", playground.DefaultFile, "--from", "1h", "--seed", "5"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := post(t, srv.URL, tt.path, tt.body)
			code, stdout, stderr := cli(tt.args...)
			if status != tt.status {
				t.Fatalf("%s answered %d: %s", tt.path, status, got)
			}
			if status == 200 {
				if code != exitOK || got != stdout {
					t.Errorf("%s answered\n%s\nlbsim %s (exit %d) prints\n%s%s", tt.path, got, strings.Join(tt.args, " "), code, stdout, stderr)
				}
				return
			}
			var e struct{ Error string }
			if err := json.Unmarshal([]byte(got), &e); err != nil {
				t.Fatal(err)
			}
			if code != exitUsage || "lbsim: "+e.Error+"\n" != stderr {
				t.Errorf("%s answered %q; lbsim %s (exit %d) says %q", tt.path, e.Error, strings.Join(tt.args, " "), code, stderr)
			}
		})
	}
	for _, alg := range []string{"round_robin", "leastconn", "peak_ewma"} {
		res, err := http.Get(srv.URL + "/api/explain?algorithm=" + alg)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if _, stdout, _ := cli("explain", alg); string(got) != stdout {
			t.Errorf("/api/explain?algorithm=%s answered\n%s\nlbsim explain prints\n%s", alg, got, stdout)
		}
	}
}

// getText finds a bundled scenario's file in /api/scenarios.
func getText(t *testing.T, url, name string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var list []struct{ Name, YAML string }
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.Name == name {
			return s.YAML
		}
	}
	t.Fatalf("no scenario %s", name)
	return ""
}

// serving runs lbsim serve on addr with args until it answers, and
// returns the URL to reach it and how it ends.
func serving(t *testing.T, addr string, args ...string) (base string, exit <-chan exited) {
	t.Helper()
	base = "http://" + addr
	if strings.HasPrefix(addr, "0.0.0.0:") {
		base = "http://127.0.0.1:" + strings.TrimPrefix(addr, "0.0.0.0:")
	}
	return base, startServing(t, base+"/", append([]string{"serve", "--listen", addr}, args...)...)
}

// stopServing sends the process SIGTERM and returns how lbsim serve
// ended.
func stopServing(t *testing.T, exit <-chan exited) exited {
	t.Helper()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-exit:
		return res
	case <-time.After(10 * time.Second):
		t.Fatal("lbsim serve did not stop after SIGTERM")
	}
	return exited{}
}

// TestServeSignals: lbsim serve says where it is, answers only requests
// addressed to loopback, warns when it is not on loopback, and on SIGTERM
// stops the run in progress and exits 0.
func TestServeSignals(t *testing.T) {
	addr := freeAddr(t, "127.0.0.1")
	base, exit := serving(t, addr, "--max-runs", "1", "--max-requests", "1000000000000")
	for host, want := range map[string]int{addr: 200, "localhost:1": 200, "[::1]:1": 200, "evil.example:" + strings.Split(addr, ":")[1]: 403} {
		req, err := http.NewRequest("GET", base+"/api/algorithms", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("addressed to %s: %d, want %d", host, res.StatusCode, want)
		}
	}
	long := "name: long\nrequests: 1000000000\nservers: [{name: app, count: 4, capacity: 4}]\n" +
		"workload: {arrival: {rate: 1000}, service: {dist: exponential, mean: 10ms}}\nalgorithms: [round_robin]\n"
	answered := make(chan string, 1)
	sendLong := func() {
		res, err := http.Post(base+"/api/run", "application/yaml", strings.NewReader(long))
		if err != nil {
			answered <- err.Error()
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		answered <- res.Status + " " + string(b)
	}
	go sendLong()
	// The long run holds the only slot once a short one is refused. (The
	// short one may take the slot first; then the long one goes again.)
	for i := 0; ; i++ {
		if status, _ := post(t, base, "/api/run", one); status == http.StatusServiceUnavailable {
			break
		}
		select {
		case got := <-answered:
			if !strings.Contains(got, "busy: ") {
				t.Fatalf("the long run ended: %s", got)
			}
			go sendLong()
		default:
		}
		if i > 200 {
			t.Fatal("the long run never took the slot")
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	res := stopServing(t, exit)
	if res.code != exitOK || time.Since(start) > 5*time.Second {
		t.Errorf("exit %d %v after SIGTERM, want 0 within seconds; stderr:\n%s", res.code, time.Since(start), res.stderr)
	}
	if want := "lbsim serve: the playground is at http://" + addr + "/ (Ctrl+C stops it)\n"; !strings.HasPrefix(res.stderr, want) || strings.Contains(res.stderr, "warning") {
		t.Errorf("stderr:\n%s\nwant it to start with %q and warn of nothing", res.stderr, want)
	}
	if got := <-answered; !strings.HasPrefix(got, "503 ") || !strings.Contains(got, "the run was stopped") {
		t.Errorf("the run in progress was answered %s; want 503, as it was stopped", got)
	}

	public := freeAddr(t, "0.0.0.0")
	_, exit = serving(t, public)
	if res := stopServing(t, exit); res.code != exitOK || !strings.Contains(res.stderr, "lbsim serve: warning: "+public+" is not a loopback address") {
		t.Errorf("on %s: exit %d, stderr:\n%s\nwant a warning", public, res.code, res.stderr)
	}
}
