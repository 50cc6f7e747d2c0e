package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tiny is a scenario small enough to run in milliseconds, with expect
// lines added by each test.
func tiny(t *testing.T, expect ...string) string {
	t.Helper()
	body := `name: tiny
requests: 2000
servers: [{name: app, count: 2}]
workload:
  arrival: {rate: 10}
  service: {dist: exponential, mean: 50ms}
algorithms: [round_robin, least_connections]
`
	if len(expect) > 0 {
		body += "expect:\n"
		for _, e := range expect {
			body += "  - " + e + "\n"
		}
	}
	return writeFile(t, "tiny.yaml", body)
}

// TestCheckExitCodes holds lbsim check to the exit code contract: 0 when
// every assertion passes, 1 when one fails, 2 for bad input, which names
// the file, line, column and field.
func TestCheckExitCodes(t *testing.T) {
	deep := strings.Repeat("(", 40) + "round_robin.p99" + strings.Repeat(")", 40) + " < 1"
	tests := []cliCase{
		{"passes", []string{"check", tiny(t, "round_robin.completed == 2000", "least_connections.p99 <= 2 * round_robin.p99")}, 0, "", "2 passed, 0 failed"},
		{"fails", []string{"check", tiny(t, "round_robin.completed == 2000", "round_robin.p99 < 0")}, 1, "1 of 2 assertions failed", "FAIL  round_robin.p99 < 0"},
		{"no scenario", []string{"check"}, 2, "at least one SCENARIO", ""},
		{"nothing to check", []string{"check", tiny(t)}, 2, "no expect: lines and no --baseline", ""},
		{"unknown metric", []string{"check", tiny(t, "round_robin.p100 < 5")}, 2, `tiny.yaml:9:17: expect[0]: unknown metric "p100"`, ""},
		{"quoted expectation", []string{"check", tiny(t, `"round_robin.p100 < 5"`)}, 2, `tiny.yaml:9:18: expect[0]`, ""},
		{"caret", []string{"check", tiny(t, "round_robin.p100 < 5")}, 2, "    round_robin.p100 < 5\n                ^", ""},
		{"anchored", []string{"check", tiny(t, `&a "round_robin.p100 < 5"`)}, 2, `tiny.yaml:9:21: expect[0]`, ""},
		{"block scalar", []string{"check", tiny(t, ">-\n    round_robin.p100 < 5")}, 2, `tiny.yaml:10:17: expect[0]`, ""},
		{"escaped", []string{"check", tiny(t, `"round_robin.servers[\"app-1\"].requests > x"`)}, 2, `tiny.yaml:9:5: expect[0]: column 42 of the expectation`, ""},
		{"unknown algorithm", []string{"check", tiny(t, "least_connection.p99 < 5")}, 2, `tiny.yaml:9:5: expect[0]: unknown algorithm "least_connection", did you mean "least_connections"?`, ""},
		{"alias", []string{"check", tiny(t, "leastconn.completed == least_connections.completed", "least_conn.p99 <= 2 * round_robin.p99")}, 0, "", "2 passed, 0 failed"},
		{"alias not run", []string{"check", tiny(t, "round_robin.p99 < p2c.p99")}, 2, `tiny.yaml:9:23: expect[0]: "p2c" (power_of_two) is not among the scenario's algorithms`, ""},
		{"requests", []string{"check", tiny(t, "round_robin.completed == 500"), "--requests", "500"}, 0, "", "1 passed, 0 failed"},
		{"requests the file's", []string{"check", tiny(t, "round_robin.completed == 2000")}, 0, "", "1 passed, 0 failed"},
		{"zero requests", []string{"check", tiny(t, "round_robin.completed == 500"), "--requests", "0"}, 2, "--requests must be between 1 and", ""},
		{"tab", []string{"check", writeFile(t, "tab.yaml", "name: t\nservers:\n  - name: a\n\t  count: 2\n")}, 2, "tab.yaml:4: a tab indents this line; YAML indents with spaces", ""},
		{"algorithm not run", []string{"check", tiny(t, "round_robin.p99 < ip_hash.p99")}, 2, `tiny.yaml:9:23: expect[0]: "ip_hash" is not among the scenario's algorithms`, ""},
		{"unknown server", []string{"check", tiny(t, "round_robin.servers[db].requests > 0")}, 2, `tiny.yaml:9:25: expect[0]: no server is named "db"`, ""},
		{"unknown group", []string{"check", tiny(t, "round_robin.groups[db].p99 > 0")}, 2, `tiny.yaml:9:24: expect[0]: no server group is named "db"`, ""},
		{"group latency", []string{"check", tiny(t, "round_robin.groups[app].p99 == round_robin.groups[app].latency_ms.p99")}, 0, "", "1 passed, 0 failed"},
		{"no classes", []string{"check", tiny(t, "round_robin.classes[report].p99 > 0")}, 2, "single request class", ""},
		{"deep nesting", []string{"check", tiny(t, deep)}, 2, "nested more than 32 deep", ""},
		{"huge number", []string{"check", tiny(t, "round_robin.p99 < 1e400")}, 2, `number "1e400" is out of range`, ""},
		{"too long", []string{"check", tiny(t, "round_robin.p99 < 1"+strings.Repeat(" + 1", 300))}, 2, "longer than 1000 bytes", ""},
		{"not text", []string{"check", tiny(t, "{a: 1}")}, 2, "expect[0]: must be an expectation", ""},
		{"no comparison", []string{"check", tiny(t, "round_robin.p99")}, 2, "no comparison", ""},
		{"bad seeds", []string{"check", "mixed-50ms-5s", "--seeds", "0"}, 2, "--seeds", ""},
		{"bad aggregate", []string{"check", "mixed-50ms-5s", "--aggregate", "best"}, 2, "--aggregate", ""},
		{"bad tolerance", []string{"check", "mixed-50ms-5s", "--tolerance", "-5%"}, 2, "--tolerance", ""},
		{"bare tolerance over 1", []string{"check", "mixed-50ms-5s", "--tolerance", "5"}, 2, "a bare number is at most 1", ""},
		{"bad format", []string{"check", "mixed-50ms-5s", "--format", "xml"}, 2, "--format", ""},
		{"missing baseline", []string{"check", "mixed-50ms-5s", "--baseline", "no/such.json"}, 2, "no/such.json", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

// TestCheckBaseline makes a baseline with lbsim run and checks against it:
// the same code passes; a baseline whose p99 was half as large makes the
// p99 a regression; a baseline of other seeds is bad input.
func TestCheckBaseline(t *testing.T) {
	scenario := tiny(t, "round_robin.completed == 2000")
	dir := t.TempDir()
	baseline := filepath.Join(dir, "tiny.json")
	code, out, stderr := cli("run", scenario, "--format", "json")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	if err := os.WriteFile(baseline, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, stderr = cli("check", scenario, "--baseline", baseline)
	if code != 0 || !strings.Contains(out, " 0 worse") {
		t.Errorf("same code: exit %d, stdout %s, stderr %s", code, out, stderr)
	}
	// A directory holds NAME.json per scenario.
	if code, out, stderr = cli("check", scenario, "--baseline", dir); code != 0 {
		t.Errorf("baseline directory: exit %d, stdout %s, stderr %s", code, out, stderr)
	}

	var base map[string]any
	if err := json.Unmarshal([]byte(mustRead(t, baseline)), &base); err != nil {
		t.Fatal(err)
	}
	lat := base["results"].([]any)[0].(map[string]any)["latency_ms"].(map[string]any)
	lat["p99"] = lat["p99"].(float64) / 2
	better, _ := json.Marshal(base)
	faster := writeFile(t, "faster.json", string(better))
	code, out, stderr = cli("check", scenario, "--baseline", faster, "--tolerance", "5%")
	if code != 1 || !strings.Contains(out, "FAIL  round_robin.latency_ms.p99:") || !strings.Contains(out, "100% worse") {
		t.Errorf("regressed p99: exit %d, stdout %s, stderr %s", code, out, stderr)
	}

	code, out, stderr = cli("check", scenario, "--baseline", baseline, "--seeds", "2", "--format", "json")
	if code != 2 || !strings.Contains(stderr, "it was run with seed 1, this check with worst of seeds 1 to 2") {
		t.Errorf("baseline of one seed for two: exit %d, stderr %s", code, stderr)
	}
	// The expectations are still reported, and the report does not read
	// as passed.
	if !strings.HasPrefix(out, "{\n  \"passed\": false") || !strings.Contains(out, `"name": "round_robin.completed == 2000"`) {
		t.Errorf("baseline of one seed for two: stdout %s", out)
	}
	broken := writeFile(t, "broken.json", "{\n  \"scenario\": \"tiny\",\n  \"results\": [,]\n}\n")
	code, _, stderr = cli("check", scenario, "--baseline", broken)
	if code != 2 || !strings.Contains(stderr, "broken.json:3:") {
		t.Errorf("broken baseline: exit %d, stderr %s", code, stderr)
	}
}

// TestCheckSeedsBaseline: a baseline made by run with the same seeds and
// aggregate is comparable, and passes.
func TestCheckSeedsBaseline(t *testing.T) {
	scenario := tiny(t, "round_robin.completed == 2000")
	code, out, stderr := cli("run", scenario, "--format", "json", "--seeds", "3", "--aggregate", "mean")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	baseline := writeFile(t, "base.json", out)
	if code, out, stderr = cli("check", scenario, "--seeds", "3", "--aggregate", "mean", "--baseline", baseline); code != 0 {
		t.Errorf("exit %d, stdout %s, stderr %s", code, out, stderr)
	}
}

// TestCheckJUnitAndJSON checks the machine outputs of a failing check:
// the JUnit file has one testcase per assertion and a failure for the
// failed one; the JSON says passed false; both are the same on a rerun.
func TestCheckJUnitAndJSON(t *testing.T) {
	scenario := tiny(t, "round_robin.completed == 2000", "round_robin.p99 < 0", "least_connections.failed == 0")
	junit := filepath.Join(t.TempDir(), "junit.xml")
	code, out, stderr := cli("check", scenario, "--seeds", "2", "--format", "json", "--junit", junit)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	var got struct {
		Passed bool `json:"passed"`
		Checks []struct {
			Scenario   string `json:"scenario"`
			Seeds      int    `json:"seeds"`
			Assertions []struct {
				Name   string  `json:"name"`
				Passed bool    `json:"passed"`
				Seed   *uint64 `json:"seed"`
				Line   int     `json:"line"`
			} `json:"assertions"`
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got.Passed || len(got.Checks) != 1 || got.Checks[0].Seeds != 2 || len(got.Checks[0].Assertions) != 3 {
		t.Fatalf("json %+v", got)
	}
	for i, a := range got.Checks[0].Assertions {
		if a.Passed != (i != 1) || a.Seed == nil || a.Line != 9+i {
			t.Errorf("assertion %d: %+v", i, a)
		}
	}

	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Line    int       `xml:"line,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(mustRead(t, junit)), &suites); err != nil {
		t.Fatal(err)
	}
	if suites.Tests != 3 || suites.Failures != 1 || len(suites.Suites) != 1 || len(suites.Suites[0].Cases) != 3 {
		t.Fatalf("junit %+v", suites)
	}
	if c := suites.Suites[0].Cases[1]; c.Name != "round_robin.p99 < 0" || c.Failure == nil || c.Line != 10 {
		t.Errorf("failed case %+v", c)
	}

	_, again, _ := cli("check", scenario, "--seeds", "2", "--format", "json")
	if again != out {
		t.Error("two checks of the same scenario printed different JSON")
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestCIGuideMakefile runs the Makefile targets docs/checks.md offers
// users, as written there, on a scenario of their own: the baseline
// target records it, the check target passes against it and writes the
// JUnit file.
func TestCIGuideMakefile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds lbsim and runs make")
	}
	makePath, err := exec.LookPath("make")
	if err != nil {
		t.Skip("make is not installed")
	}
	doc := mustRead(t, "../../docs/checks.md")
	_, block, ok := strings.Cut(doc, "```make\n")
	block, _, closed := strings.Cut(block, "```")
	if !ok || !closed {
		t.Fatal("docs/checks.md has no make block")
	}
	repo := t.TempDir()
	bin := filepath.Join(repo, "bin", "lbsim")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if err := os.MkdirAll(filepath.Join(repo, "lbsim"), 0o755); err != nil {
		t.Fatal(err)
	}
	scenario := mustRead(t, tiny(t, "least_connections.p99 <= 2 * round_robin.p99"))
	if err := os.WriteFile(filepath.Join(repo, "lbsim", "tiny.yaml"), []byte(scenario), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(repo, "Makefile"), []byte(block), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"lbsim-baseline", "lbsim-check"} {
		cmd := exec.Command(makePath, target, "LBSIM="+bin, "LBSIM_SEEDS=2")
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make %s: %v\n%s", target, err, out)
		}
	}
	if junit := mustRead(t, filepath.Join(repo, "lbsim-junit.xml")); !strings.Contains(junit, `failures="0"`) || !strings.Contains(junit, "lbsim.tiny.baseline") {
		t.Errorf("junit file:\n%s", junit)
	}
}
