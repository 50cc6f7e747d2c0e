package proxy

import (
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// zombie answers every request with a 500 (and a body, so that dropping
// the answer must drop its connection too), counting them.
func zombie(t *testing.T) (*testServer, *atomic.Int64) {
	n := new(atomic.Int64)
	return serveHTTP(t, "zombie", func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Error(w, "database down", http.StatusInternalServerError)
	}), n
}

// TestErrorStatus checks error answers (the simulator's 5xx fault, for
// real): by default they pass through as they are, neither retried nor
// ejecting their server; retries on 5xx send an idempotent request to
// another server, and the client gets the last answer when none is left;
// passive checks on 5xx eject the server at its first error.
func TestErrorStatus(t *testing.T) {
	for _, tc := range []struct {
		name, extra, method string
		// ok is how many of 20 requests get a 200; between hitsLo and
		// hitsHi reach the zombie.
		ok, hitsLo, hitsHi int64
	}{
		{"passed through", "", "GET", 10, 10, 10},
		{"the default defences ignore them", "retries: {count: 1}\npassive: {max_fails: 1, fail_timeout: 10s}\n", "GET", 10, 10, 10},
		// Each retry is a pick, so round robin's next turn is the
		// zombie's again: nearly every request tries it first.
		{"retried", "retries: {count: 1, on: [5xx]}\n", "GET", 20, 19, 20},
		{"not retried when not idempotent", "retries: {count: 1, on: [5xx]}\n", "POST", 10, 10, 10},
		{"ejected", "passive: {max_fails: 1, fail_timeout: 10s, on: [5xx]}\n", "GET", 19, 1, 1},
		{"retried and ejected", "retries: {count: 1, on: [5xx]}\npassive: {max_fails: 1, fail_timeout: 10s, on: [5xx]}\n", "GET", 20, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good := startServer(t, "good", "127.0.0.1:0", 0)
			bad, hits := zombie(t)
			r := startProxy(t, config(t, "algorithm: round_robin\n"+tc.extra, good, bad), Options{})
			var ok int64
			for range 20 {
				req, _ := http.NewRequest(tc.method, r.url("/"), strings.NewReader("x"))
				resp, err := r.client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch {
				case resp.StatusCode == http.StatusOK:
					ok++
				case resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), "database down"):
					t.Fatalf("status %d (%q), want 200 or the server's own 500", resp.StatusCode, body)
				}
			}
			if n := hits.Load(); ok != tc.ok || n < tc.hitsLo || n > tc.hitsHi {
				t.Errorf("%d of 20 answered 200, %d reached the zombie; want %d and %d to %d", ok, n, tc.ok, tc.hitsLo, tc.hitsHi)
			}
			if s := r.server(t, "zombie"); s.Failures != 0 {
				t.Errorf("zombie: %d failures, want 0: an error status is an answer", s.Failures)
			}
		})
	}
}

// TestErrorStatusLastServer checks that an error status to be retried
// with no other server left reaches the client as that status, as nginx
// answers with the last server's response, not as a 502.
func TestErrorStatusLastServer(t *testing.T) {
	bad, hits := zombie(t)
	r := startProxy(t, config(t, "retries: {count: 1, on: [5xx]}\n", bad), Options{})
	if code, _ := r.get(t, "/"); code != http.StatusInternalServerError || hits.Load() != 1 {
		t.Errorf("status %d after %d attempts, want the server's 500 after 1", code, hits.Load())
	}
}
