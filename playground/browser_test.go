//go:build e2e

// The playground in a real browser, run by make e2e (go test -tags e2e):
// it needs Chromium and takes seconds, so go test ./... leaves it out.

package playground_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lbsim/lbsim/internal/chromium"
	"github.com/lbsim/lbsim/playground"
	"github.com/lbsim/lbsim/scenarios"
)

// screenshotEnv names the file to save a screenshot of the page with two
// runs side by side in (make playground-screenshot).
const screenshotEnv = "LBSIM_PLAYGROUND_SCREENSHOT"

// TestPlaygroundInChromium drives the page as a learner would: pick a
// bundled scenario, run it and see its table and charts; pin it, raise
// the load with the quick controls and see the second run beside the
// first with what changed; step through lbsim explain; break the YAML
// and see the message with its file and line. The page fetches nothing
// but its own files and API.
func TestPlaygroundInChromium(t *testing.T) {
	browser := chromium.Path(t)
	srv := httptest.NewServer(playground.New(playground.Config{}))
	defer srv.Close()
	const name = "mixed-50ms-5s"
	sc, err := scenarios.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	want := runJSON(t, srv.URL, sc.YAML)

	ctx, fetched := chromium.Open(t, browser, srv.URL+"/", 1280, 900,
		chromedp.Flag("hide-scrollbars", true), chromedp.Flag("force-device-scale-factor", "1"))
	eval := func(js string) string {
		t.Helper()
		out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return out
	}
	wait := func(what, js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))); err != nil {
			t.Fatalf("waiting for %s: %v\nstatus %q, error %q", what, err,
				eval(`document.getElementById("status").textContent`), eval(`document.getElementById("error-text").textContent`))
		}
	}
	click := func(sel string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
			t.Fatalf("clicking %s: %v", sel, err)
		}
	}

	// Pick the scenario: the editor holds its file.
	wait("the scenarios", `document.querySelectorAll("#pick option").length > 2 && document.getElementById("yaml").value !== ""`)
	eval(`(() => { const p = document.getElementById("pick"); p.value = "` + name + `"; p.dispatchEvent(new Event("change")); return ""; })()`)
	if got := eval(`document.getElementById("yaml").value`); got != string(sc.YAML) {
		t.Fatalf("picking %s put in the editor:\n%s", name, got)
	}
	wait("the quick controls", `document.getElementById("q-load").value === "0.7"`)

	// Run it: the table has the run's numbers, and the charts are laid out.
	click("#run")
	wait("the first run", `document.querySelector("#current table.results tbody tr") !== null && document.querySelector("#current figure.chart svg") !== null`)
	var rows [][]string
	if err := json.Unmarshal([]byte(eval(`JSON.stringify([...document.querySelectorAll("#current table.results tbody tr")].map(
		(tr) => [...tr.children].map((c) => c.textContent)))`)), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want.Results) {
		t.Fatalf("the table has %d rows, want one per algorithm: %q", len(rows), rows)
	}
	for i, r := range want.Results {
		if rows[i][0] != r.Algorithm || rows[i][1] != withCommas(r.Completed) {
			t.Errorf("row %d is %q; want %s with %s completed, as /api/run says", i, rows[i][:2], r.Algorithm, withCommas(r.Completed))
		}
	}
	// The scenario judges by p99 (the default): its column says so.
	if heads := eval(`[...document.querySelectorAll("#current table.results thead th")].map((th) => th.textContent).join("|")`); !strings.Contains(heads, "|p99 ms (judged)|") {
		t.Errorf("the table's columns are %q; want p99 ms marked as judged", heads)
	}
	width, _ := strconv.ParseFloat(eval(`String(document.querySelector("#current figure.chart svg").getBoundingClientRect().width)`), 64)
	if width < 600 {
		t.Errorf("the first chart is %.0f px wide", width)
	}
	if got := eval(`document.querySelector("#current .run-head p").textContent`); !strings.Contains(got, "bundled:"+name) {
		t.Errorf("the run is described as %q; want it named bundled:%s", got, name)
	}

	// Pin it, raise the load, and run again: the runs stand side by side.
	click("#current button.pin")
	wait("the pinned run", `!document.getElementById("pinned").hidden && document.getElementById("runs").classList.contains("pair")`)
	eval(`(() => { const l = document.getElementById("q-load"); l.value = "0.85"; l.dispatchEvent(new Event("input")); return ""; })()`)
	click("#apply-run")
	wait("the second run", `/^Run 2:/.test(document.querySelector("#current h3").textContent) && document.querySelector("#current figure.chart svg") !== null`)
	if got := eval(`document.querySelector("#current .changes").textContent`); !strings.Contains(got, "- "+"  arrival: {process: poisson, load: 0.7}") || !strings.Contains(got, "+   arrival: {process: poisson, load: 0.85}") {
		t.Errorf("the second run shows the change as %q", got)
	}
	if got := eval(`document.getElementById("yaml").value`); !strings.Contains(got, "# The classic mixed API") {
		t.Errorf("the quick change lost the file's comments:\n%s", got)
	}
	if path := os.Getenv(screenshotEnv); path != "" {
		screenshot(t, ctx, path)
	}

	// Step through lbsim explain: prose first, then one decision a step.
	eval(`(() => { const a = document.getElementById("l-alg"); a.value = "round_robin"; return ""; })()`)
	click("#l-load")
	wait("the explanation", `document.getElementById("l-pos").textContent === "step 0 of 9"`)
	click("#l-next")
	click("#l-next")
	if got := eval(`document.getElementById("l-pos").textContent + " | " + document.querySelector("#l-out mark").textContent.trim()`); !strings.HasPrefix(got, "step 2 of 9 | t=0.200s request 2 ") {
		t.Errorf("after two steps the lesson shows %q", got)
	}
	if got := eval(`document.getElementById("l-out").textContent`); !strings.HasPrefix(got, "round_robin: each backend in turn") || strings.Contains(got, "t=0.300s") {
		t.Errorf("after two steps the lesson text is:\n%s", got)
	}

	// And lbsim trace of the scenario in the editor, from the first minute.
	eval(`(() => { const k = document.getElementById("l-kind"); k.value = "trace"; k.dispatchEvent(new Event("change"));
		document.getElementById("l-from").value = "1m"; document.getElementById("l-first").value = "5"; return ""; })()`)
	click("#l-load")
	wait("the trace", `document.getElementById("l-pos").textContent === "step 0 of 5"`)
	click("#l-all")
	if got := eval(`document.getElementById("l-out").textContent`); !strings.HasPrefix(got, name+" with round_robin, seed 1, from t=60.000s:\n") || strings.Count(got, " -> ") != 5 {
		t.Errorf("the trace reads:\n%s", got)
	}

	// Break the file: the message names it and the line, as lbsim run does.
	broken := strings.Replace(eval(`document.getElementById("yaml").value`), "capacity: 2", "capacity: 0", 1)
	line := slices.Index(strings.Split(broken, "\n"), "    capacity: 0") + 1
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("yaml"), broken)); err != nil {
		t.Fatal(err)
	}
	click("#run")
	wait("the error", `!document.getElementById("error").hidden`)
	msg := eval(`document.getElementById("error-text").textContent`)
	if !regexp.MustCompile(fmt.Sprintf(`^scenario\.yaml:%d:\d+: servers\[0\]\.capacity: `, line)).MatchString(msg) {
		t.Errorf("the error reads %q; want scenario.yaml:%d: and the field", msg, line)
	}
	if got := eval(`document.getElementById("error-line").textContent`); got != fmt.Sprintf("%d |     capacity: 0", line) {
		t.Errorf("the error quotes the line as %q", got)
	}

	origin := srv.URL + "/"
	for _, u := range fetched() {
		if !strings.HasPrefix(u, origin) && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page fetched %s", u)
		}
	}
}

// runAnswer is the part of /api/run's answer the test compares.
type runAnswer struct {
	Results []struct {
		Algorithm string
		Completed int64
	}
}

// runJSON posts yaml to /api/run and decodes the answer.
func runJSON(t *testing.T, base string, yaml []byte) runAnswer {
	t.Helper()
	res, err := http.Post(base+"/api/run", "application/yaml", bytes.NewReader(yaml))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out runAnswer
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("/api/run: %d, %v", res.StatusCode, err)
	}
	return out
}

// withCommas writes n as the page does, 196,467.
func withCommas(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// screenshot saves the top of the page, the editor and the two runs'
// tables and first charts, as a PNG.
func screenshot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dy() > shotHeight {
		b.Max.Y = b.Min.Y + shotHeight
	}
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&out, img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(b)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%dx%d)", path, b.Dx(), b.Dy())
}

// shotHeight is how much of the page the screenshot keeps, in pixels.
const shotHeight = 1750
