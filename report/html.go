package report

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"strings"

	"github.com/lbsim/lbsim/results"
)

//go:embed report.html.tmpl
var pageSource string

var pageTemplate = template.Must(template.New("report.html.tmpl").Parse(pageSource))

// htmlPage is what the page template reads.
type htmlPage struct {
	Scenario, Description string
	Seeds                 string
	Requests              int64
	Algorithms            string
	Readings              []Reading
	Tables                []section
	ChartNote             string
	Charts                []htmlChart
	YAML                  string
}

type htmlChart struct {
	Name, Title, About string
	SVG                template.HTML
}

// WriteHTML writes c as one self-contained HTML page: the scenario's name,
// description and YAML text (yaml; nothing is shown when it is empty), a
// reading of each algorithm's result, the result tables and the charts,
// inline as SVG. The page loads nothing: no script, no style sheet, font
// or image from elsewhere. Like Write, it renders in memory and writes
// once, and the same input gives the same bytes.
func WriteHTML(w io.Writer, c *results.Comparison, yaml []byte, charts []*Chart) error {
	if c == nil {
		return errors.New("report: nil comparison")
	}
	n := results.Rounded(c)
	names := results.AlgorithmNames(n.Results)
	page := htmlPage{
		Scenario:    n.Scenario,
		Description: n.Description,
		Seeds:       upperFirst(results.SeedText(n.Seed, n.Seeds, n.Aggregate)),
		Requests:    n.Requests,
		Algorithms:  strings.Join(names, ", "),
		Readings:    Readings(&n),
		Tables:      sections(&n, false),
		YAML:        string(yaml),
	}
	if n.Seeds > 1 {
		page.ChartNote = fmt.Sprintf("The tables and the per-server bars combine %d seeds (%s of each metric). "+
			"The latency distribution and the charts over time show one run, the first seed's (seed %d).",
			n.Seeds, n.Aggregate, n.Seed)
	}
	for _, ch := range charts {
		var svg bytes.Buffer
		if err := ch.WriteSVG(&svg); err != nil {
			return err
		}
		page.Charts = append(page.Charts, htmlChart{Name: ch.Name, Title: ch.Title, About: ch.About, SVG: inlineSVG(svg.Bytes(), ch.Title)})
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, page); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// svgPrelude matches what an SVG document has before its <svg> element,
// and svgNamespaces the namespace declarations an SVG inside HTML does
// without (the HTML parser supplies them): leaving them out keeps every
// URL off the page.
var (
	svgPrelude    = regexp.MustCompile(`(?s)^.*?<svg\b`)
	svgNamespaces = regexp.MustCompile(`\s+xmlns(:xlink)?="[^"]*"`)
)

// inlineSVG turns an SVG document made by WriteSVG into an element to
// place in HTML, labelled for screen readers. gonum/plot escapes the text
// it draws, so the markup is safe to insert as it is.
func inlineSVG(doc []byte, title string) template.HTML {
	s := svgPrelude.ReplaceAllString(string(doc), "<svg")
	s = svgNamespaces.ReplaceAllString(s, "")
	s = strings.Replace(s, "<svg", `<svg role="img" aria-label="`+template.HTMLEscapeString(title)+`"`, 1)
	return template.HTML(strings.TrimSpace(s))
}
