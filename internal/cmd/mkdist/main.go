// Command mkdist makes lbsim's release archives (make dist): for each
// target it cross-builds a static lbsim stamped with the version, checks
// the binary's format and architecture, packs it with README.md and
// LICENSE (if there is one), and writes the archives' SHA256SUMS.
//
//	go run ./internal/cmd/mkdist [-out dist] [-version V] [-go go] [OS/ARCH...]
//
// Run it from the repository's root. The version defaults to `git describe
// --tags --always --dirty`, or "dev" outside git; every file in the
// archives has the time SOURCE_DATE_EPOCH, else the last commit's, so a
// commit built twice gives the same bytes.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lbsim/lbsim/internal/dist"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "mkdist: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	out := flag.String("out", "dist", "directory to write the archives and SHA256SUMS into")
	version := flag.String("version", "", "the version to stamp and name the archives by (default: git describe --tags --always --dirty, or dev)")
	goCmd := flag.String("go", "go", "the go command to build with")
	flag.Parse()
	targets := dist.Targets
	if flag.NArg() > 0 {
		targets = nil
		for _, arg := range flag.Args() {
			t, err := dist.ParseTarget(arg)
			if err != nil {
				return err
			}
			targets = append(targets, t)
		}
	}
	if *version == "" {
		*version = git("describe", "--tags", "--always", "--dirty")
	}
	if *version == "" {
		*version = "dev"
	}
	mtime, err := sourceDate()
	if err != nil {
		return err
	}
	var docs []dist.File
	for _, name := range []string{"README.md", "LICENSE"} {
		data, err := os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) && name == "LICENSE" {
			continue
		}
		if err != nil {
			return err
		}
		docs = append(docs, dist.File{Name: name, Mode: 0o644, Data: data})
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "mkdist")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	archives := map[string][]byte{}
	for _, t := range targets {
		bin := filepath.Join(tmp, t.OS+"_"+t.Arch, t.Binary())
		args := append(append([]string{"build"}, dist.BuildFlags(*version)...), "-o", bin, "./cmd/lbsim")
		build := exec.Command(*goCmd, args...)
		build.Env = append(os.Environ(), "GOOS="+t.OS, "GOARCH="+t.Arch, "CGO_ENABLED=0")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build for %s: %w", t, err)
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			return err
		}
		if err := dist.CheckBinary(data, t); err != nil {
			return err
		}
		files := append([]dist.File{{Name: t.Binary(), Mode: 0o755, Data: data}}, docs...)
		var archive bytes.Buffer
		if err := dist.WriteArchive(&archive, t, dist.Base(*version, t), files, mtime); err != nil {
			return err
		}
		name := dist.ArchiveName(*version, t)
		if err := os.WriteFile(filepath.Join(*out, name), archive.Bytes(), 0o644); err != nil {
			return err
		}
		archives[name] = archive.Bytes()
		fmt.Printf("%s/%s\n", *out, name)
	}
	if err := os.WriteFile(filepath.Join(*out, "SHA256SUMS"), dist.Sums(archives), 0o644); err != nil {
		return err
	}
	fmt.Printf("%s/SHA256SUMS\n", *out)
	return nil
}

// sourceDate is the time every file in the archives has:
// SOURCE_DATE_EPOCH, else the last commit's time, else 1980-01-01 (the
// first a zip file holds).
func sourceDate() (time.Time, error) {
	epoch := os.Getenv("SOURCE_DATE_EPOCH")
	if epoch == "" {
		epoch = git("log", "-1", "--format=%ct")
	}
	if epoch == "" {
		return time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), nil
	}
	sec, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH: %q is not a number of seconds", epoch)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// git runs git with args and returns its output's first line, or "" if git
// fails (not installed, or not a repository).
func git(args ...string) string {
	out, err := exec.Command("git", args...).Output()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}
