package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestTutorial runs docs/tutorial.md as a reader would: every command of
// its sh blocks must succeed (with out/ in a temporary directory), every
// line of an output block must be in what the commands before it printed,
// and every chart it shows must be in docs/.
func TestTutorial(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every command of the tutorial")
	}
	doc := mustRead(t, "../../docs/tutorial.md")
	out := t.TempDir()
	var printed bytes.Buffer // stdout of the latest sh block
	commands := 0
	parts := strings.Split(doc, "```")
	for i := 1; i < len(parts); i += 2 { // the code blocks
		lang, body, _ := strings.Cut(parts[i], "\n")
		switch lang {
		case "sh":
			printed.Reset()
			for line := range strings.Lines(body) {
				args := strings.Fields(line)
				if len(args) == 0 {
					continue
				}
				if args[0] != "bin/lbsim" {
					t.Fatalf("a command that is not lbsim's: %q", line)
				}
				for i, a := range args {
					if rest, ok := strings.CutPrefix(a, "out/"); ok {
						args[i] = filepath.Join(out, rest)
					}
				}
				var stderr bytes.Buffer
				if code := lbsim(args[1:], &printed, &stderr); code != exitOK {
					t.Errorf("%s: exit %d\n%s", strings.TrimSpace(line), code, stderr.String())
				}
				commands++
			}
		case "":
			for line := range strings.Lines(body) {
				if line = strings.TrimSpace(line); line != "" && !strings.Contains(printed.String(), line) {
					t.Errorf("the tutorial shows %q, which its commands did not print", line)
				}
			}
		}
	}
	if commands < 10 {
		t.Errorf("%d commands found; the tutorial's sh blocks were not read", commands)
	}
	for _, m := range regexp.MustCompile(`!\[[^]]*\]\(([^)]+)\)`).FindAllStringSubmatch(doc, -1) {
		if _, err := os.Stat(filepath.Join("../../docs", m[1])); err != nil {
			t.Errorf("chart %s: %v", m[1], err)
		}
	}
}
