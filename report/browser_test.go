package report_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lbsim/lbsim/internal/chromium"
	"github.com/lbsim/lbsim/report"
	"github.com/lbsim/lbsim/scenarios"
	"github.com/lbsim/lbsim/sim"
)

// browserScenario is a small run with a warm-up and a crash, so the page
// has every chart with events.
const browserScenario = `name: browser-check
description: three servers, one crash, checked in a browser
requests: 6000
warmup: 10s
servers: [{name: app, count: 3, capacity: 2}]
workload:
  arrival: {process: poisson, rate: 50}
  service: {dist: exponential, mean: 30ms}
faults: [{at: 60s, server: app-2, kind: crash, for: 20s}]
health_check: {interval: 5s, fall: 2, rise: 1}
algorithms: [round_robin, least_connections]
`

// probe is added to a copy of the page: it writes each chart's laid-out
// size, whether its caption shows below it, and the number of resources
// the page fetched into the DOM, which --dump-dom prints. The page itself
// has no script.
const probe = `<script>
for (const f of document.querySelectorAll("figure.chart")) {
  const r = f.querySelector("svg").getBoundingClientRect();
  const c = f.querySelector("figcaption").getBoundingClientRect();
  f.setAttribute("data-laid-out", Math.round(r.width) + "x" + Math.round(r.height));
  f.setAttribute("data-caption-below", String(c.height > 0 && c.top >= r.bottom - 1));
}
document.body.setAttribute("data-resources", String(performance.getEntriesByType("resource").length));
</script>
`

// TestPageInChromium renders a real run's report.html in headless
// Chromium: the screenshot is a picture with the charts' colours in it,
// every chart is laid out at a useful size, and the page fetched nothing.
func TestPageInChromium(t *testing.T) {
	browser := chromium.Path(t)
	sc, err := scenarios.Parse("browser-check.yaml", []byte(browserScenario))
	if err != nil {
		t.Fatal(err)
	}
	runs, err := sim.CompareSeeds(sc, sc.Algorithms, []uint64{sc.Seed}, sim.Options{Timeline: true})
	if err != nil {
		t.Fatal(err)
	}
	charts := report.Charts(runs[0])
	var page bytes.Buffer
	if err := report.WriteHTML(&page, runs[0], sc.YAML, charts); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pagePath := filepath.Join(dir, "report.html")
	probePath := filepath.Join(dir, "probe.html")
	shot := filepath.Join(dir, "shot.png")
	withProbe := strings.Replace(page.String(), "</body>", probe+"</body>", 1)
	if err := os.WriteFile(pagePath, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(probePath, []byte(withProbe), 0o644); err != nil {
		t.Fatal(err)
	}

	// The screenshot: tall enough for the tables and the first charts.
	runBrowser(t, browser, dir, "--window-size=1100,2600", "--screenshot="+shot, "file://"+pagePath)
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if got := img.Bounds().Size(); got != (image.Point{1100, 2600}) {
		t.Errorf("screenshot is %v, want 1100x2600", got)
	}
	colours, ink, blue, vermillion := pixels(img)
	if colours < 200 || ink < 0.03 {
		t.Errorf("the screenshot looks blank: %d colours, %.1f%% not white", colours, 100*ink)
	}
	// The bars of the first two algorithms, in their palette colours.
	if blue < 500 || vermillion < 500 {
		t.Errorf("the charts are not in the screenshot: %d blue and %d vermillion pixels", blue, vermillion)
	}

	dom := runBrowser(t, browser, dir, "--window-size=1100,2600", "--dump-dom", "file://"+probePath)
	laidOut := regexp.MustCompile(`<figure id="chart-([\w-]+)" class="chart" data-laid-out="(\d+)x(\d+)" data-caption-below="(\w+)"`)
	sizes := map[string][2]int{}
	var order []string
	for _, m := range laidOut.FindAllStringSubmatch(dom, -1) {
		w, _ := strconv.Atoi(m[2])
		h, _ := strconv.Atoi(m[3])
		sizes[m[1]] = [2]int{w, h}
		order = append(order, m[1])
		if m[4] != "true" {
			t.Errorf("chart %s: its caption does not show below it", m[1])
		}
	}
	// The tail right after the distribution it details.
	if i := slices.Index(order, "latency-cdf"); i < 0 || i+1 >= len(order) || order[i+1] != "ccdf" {
		t.Errorf("charts in the page in the order %v, want ccdf right after latency-cdf", order)
	}
	for _, ch := range charts {
		size, ok := sizes[ch.Name]
		if !ok {
			t.Errorf("chart %s is not in the rendered page", ch.Name)
			continue
		}
		// Full width of the 1080 px column, less its padding, and the
		// chart's own proportions.
		if size[0] < 900 || size[1] < size[0]/3 {
			t.Errorf("chart %s is laid out at %dx%d", ch.Name, size[0], size[1])
		}
	}
	t.Logf("sizes %v, colours %d ink %.3f blue %d vermillion %d", sizes, colours, ink, blue, vermillion)
	if len(sizes) != len(charts) {
		t.Errorf("%d charts in the rendered page, want %d", len(sizes), len(charts))
	}
	if !strings.Contains(dom, `data-resources="0"`) {
		t.Errorf("the page fetched resources: %s", regexp.MustCompile(`data-resources="\d+"`).FindString(dom))
	}
}

// pixels counts an image's distinct colours, its share of pixels that are
// not white, and its pixels in the charts' first two colours.
func pixels(img image.Image) (colours int, ink float64, blue, vermillion int) {
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	var inked int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			seen[c] = true
			switch c {
			case color.RGBA{255, 255, 255, 255}:
				continue
			case color.RGBA{0, 114, 178, 255}:
				blue++
			case color.RGBA{213, 94, 0, 255}:
				vermillion++
			}
			inked++
		}
	}
	return len(seen), float64(inked) / float64(b.Dx()*b.Dy()), blue, vermillion
}

// runBrowser runs Chromium headless on its own profile in dir and returns
// what it printed on stdout; it fails the test if Chromium fails.
func runBrowser(t *testing.T, browser, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
		"--disable-background-networking", "--disable-component-update", "--mute-audio",
		"--user-data-dir=" + filepath.Join(dir, "profile"),
	}
	cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(browser), strings.Join(args, " "), err, lastLines(stderr.Bytes(), 10))
	}
	return stdout.String()
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
