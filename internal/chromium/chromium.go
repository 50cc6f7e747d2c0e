// Package chromium finds headless Chromium for the tests that render
// lbsim's pages in a real browser (report.html, the proxy's /stats),
// installing it with apt-get when it is missing and the test may.
package chromium

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Path returns the path of a Chromium binary, installing the chromium
// package first if none is found; it skips t, saying why, when there is
// none and installing is not possible or not wanted (LBSIM_BROWSER_INSTALL=no,
// -short, no apt-get, not root, or apt-get failing).
func Path(t testing.TB) string {
	t.Helper()
	if p := find(); p != "" {
		return p
	}
	apt, err := exec.LookPath("apt-get")
	switch {
	case os.Getenv("LBSIM_BROWSER_INSTALL") == "no":
		t.Skip("headless Chromium is not installed, and LBSIM_BROWSER_INSTALL=no says not to install it (apt-get install chromium)")
	case testing.Short():
		t.Skip("headless Chromium is not installed, and -short does not install it (apt-get install chromium)")
	case err != nil:
		t.Skip("headless Chromium is not installed, and there is no apt-get to install it")
	case os.Geteuid() != 0:
		t.Skip("headless Chromium is not installed, and installing it needs root: apt-get install chromium")
	}
	install := func(args ...string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, apt, args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		return cmd.CombinedOutput()
	}
	out, err := install("install", "-y", "--no-install-recommends", "chromium")
	if err != nil { // the package lists may be missing or stale
		if out, err = install("update"); err == nil {
			out, err = install("install", "-y", "--no-install-recommends", "chromium")
		}
	}
	if p := find(); err == nil && p != "" {
		return p
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	t.Skipf("headless Chromium is not installed, and apt-get could not install it: %v\n%s", err, strings.Join(lines[max(0, len(lines)-5):], "\n"))
	return ""
}

// find looks for Chromium, or Chrome, on PATH.
func find() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}
