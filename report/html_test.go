package report

import (
	"bytes"
	"html/template"
	"regexp"
	"strings"
	"testing"

	"github.com/lbsim/lbsim/results"
)

const scenarioYAML = `# A crash, to see how fast each algorithm stops using the server.
name: hand-built
servers: [{name: app, count: 3}]
`

// The parts of a page that would make a browser load something: an
// element that loads, an attribute that names what to load, a link that
// is not relative, CSS that imports or points at a URL. Text cannot hold
// a "<" unescaped, so only tags and style sheets need looking at.
var (
	htmlTag        = regexp.MustCompile(`<([a-zA-Z][\w:-]*)([^>]*)>`)
	loadingTag     = regexp.MustCompile(`(?i)^(script|link|img|iframe|frame|object|embed|video|audio|source|track|image|use|feimage|base|meta)$`)
	loadingAttr    = regexp.MustCompile(`(?i)\b(src|srcset|poster|data|action|formaction|background|ping)\s*=|\b(href|xlink:href)\s*=\s*["']?\s*([a-z][\w+.-]*:|//)|url\(`)
	styleSheet     = regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	loadingInStyle = regexp.MustCompile(`(?i)url\(|@import`)
)

// fetches returns what in page would load something; meta elements that
// only describe the page are allowed.
func fetches(page string) []string {
	var out []string
	for _, m := range htmlTag.FindAllStringSubmatch(page, -1) {
		if loadingTag.MatchString(m[1]) && !(strings.EqualFold(m[1], "meta") && !strings.Contains(strings.ToLower(m[2]), "http-equiv")) {
			out = append(out, m[0])
		} else if loadingAttr.MatchString(m[2]) {
			out = append(out, m[0])
		}
	}
	for _, m := range styleSheet.FindAllStringSubmatch(page, -1) {
		if loadingInStyle.MatchString(m[1]) {
			out = append(out, "style: "+loadingInStyle.FindString(m[1]))
		}
	}
	return out
}

// TestWriteHTML checks the page holds every part, inline, escapes what
// the scenario's author wrote, and loads nothing.
func TestWriteHTML(t *testing.T) {
	c := detailedRuns()
	c.Description = `<b>three</b> algorithms & one crash`
	charts := Charts(c)
	var buf bytes.Buffer
	if err := WriteHTML(&buf, c, []byte(scenarioYAML), charts); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	wants := []string{
		"<!DOCTYPE html>", "<title>hand-built: lbsim report</title>", "<h1>hand-built</h1>",
		"&lt;b&gt;three&lt;/b&gt; algorithms &amp; one crash",
		"# A crash, to see how fast each algorithm stops using the server.\nname: hand-built",
		"Seed 7; 3000 requests per algorithm; algorithms: round_robin, least_connections, power_of_two.",
		"round_robin had the lowest p99, 99 ms, against 297 ms for power_of_two.",
		"<h3>round_robin</h3>", `<th class="text">algorithm</th>`, `<td class="num">2000</td>`,
	}
	for _, r := range Readings(c) {
		wants = append(wants, r.Latency, r.Load)
	}
	for _, ch := range charts {
		// The chart, then its caption under it: the title and what to
		// look for.
		wants = append(wants, `<figure id="chart-`+ch.Name+`" class="chart">`+"\n"+`<svg role="img" aria-label="`,
			"</svg>\n<figcaption><strong>"+template.HTMLEscapeString(ch.Title)+".</strong> "+template.HTMLEscapeString(ch.About)+" Also as")
	}
	for _, want := range wants {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not contain %q", want)
		}
	}
	if n := strings.Count(page, "<svg "); n != len(charts) {
		t.Errorf("%d inline SVGs for %d charts", n, len(charts))
	}
	for _, not := range []string{"<b>three", "<?xml", "http://", "https://", "<!-- Generated"} {
		if strings.Contains(page, not) {
			t.Errorf("the page contains %q", not)
		}
	}
	if f := fetches(page); len(f) > 0 {
		t.Errorf("the page would load %q", f)
	}
	var again bytes.Buffer
	if err := WriteHTML(&again, detailedRunsDescribed(c.Description), []byte(scenarioYAML), Charts(c)); err != nil || !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Errorf("the same input gave a different page (err %v)", err)
	}
}

func detailedRunsDescribed(desc string) *results.Comparison {
	c := detailedRuns()
	c.Description = desc
	return c
}

// TestWriteHTMLText checks URLs and markup in the scenario's text are
// shown, not followed, and that a page without charts or YAML leaves
// their sections out.
func TestWriteHTMLText(t *testing.T) {
	c := detailedRuns()
	c.Scenario = `x"><script>alert(1)</script>`
	yaml := "# see https://example.com/docs and <img src=x>\nname: x\n"
	var buf bytes.Buffer
	if err := WriteHTML(&buf, c, []byte(yaml), nil); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if f := fetches(page); len(f) > 0 {
		t.Errorf("the page would load %q", f)
	}
	for _, want := range []string{"# see https://example.com/docs and &lt;img src=x&gt;", "x&#34;&gt;&lt;script&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page does not show %q", want)
		}
	}
	for _, not := range []string{`id="charts"`, "<svg"} {
		if strings.Contains(page, not) {
			t.Errorf("a page without charts contains %q", not)
		}
	}
	buf.Reset()
	if err := WriteHTML(&buf, c, nil, nil); err != nil || strings.Contains(buf.String(), `id="scenario"`) {
		t.Errorf("a page without YAML: err %v, has a scenario section %v", err, strings.Contains(buf.String(), `id="scenario"`))
	}
	if err := WriteHTML(&buf, nil, nil, nil); err == nil {
		t.Error("WriteHTML of a nil comparison: no error")
	}
}

// TestFetches checks the test's own detector of loads, so that a page
// passing it means something.
func TestFetches(t *testing.T) {
	for page, loads := range map[string]bool{
		`<img src="a.png">`:                                    true,
		`<link rel="stylesheet" href="a.css">`:                 true,
		`<script>x()</script>`:                                 true,
		`<a href="https://example.com/">x</a>`:                 true,
		`<a href="//example.com/">x</a>`:                       true,
		`<svg><image xlink:href="data:x"/></svg>`:              true,
		`<style>body { background: url(a.png) }</style>`:       true,
		`<style>@import "a.css";</style>`:                      true,
		`<div style="background:url(a.png)">`:                  true,
		`<meta http-equiv="refresh" content="0;x">`:            true,
		`<a href="latency-cdf.png">latency</a>`:                false,
		`<meta charset="utf-8">`:                               false,
		`<p>see https://example.com and &lt;img src=x&gt;</p>`: false,
	} {
		if got := len(fetches(page)) > 0; got != loads {
			t.Errorf("fetches(%q) = %v, want loads %v", page, fetches(page), loads)
		}
	}
}
