package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/lbsim/lbsim/internal/dist"
	"github.com/lbsim/lbsim/scenarios"
)

// dockerfile is what the test reads from the Dockerfile.
type dockerfile struct {
	froms      []string          // every stage's image, ARGs expanded
	args       map[string]string // ARG defaults; one without a default is ""
	buildEnv   []string          // NAME=value before go build
	buildArgs  []string          // go build's arguments
	copyFrom   string            // the file the last stage copies from the build stage
	entrypoint string
}

// shellWord matches a word of a RUN line: runs of unquoted characters and
// double-quoted strings.
var shellWord = regexp.MustCompile(`(?:[^\s"]+|"[^"]*")+`)

func readDockerfile(t *testing.T, path string) dockerfile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	df := dockerfile{args: map[string]string{}}
	expand := func(s string) string { return os.Expand(s, func(k string) string { return df.args[k] }) }
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	for _, line := range strings.Split(text, "\n") {
		inst, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch strings.ToUpper(inst) {
		case "ARG":
			name, value, _ := strings.Cut(rest, "=")
			df.args[name] = expand(value)
		case "FROM":
			fields := strings.Fields(rest)
			if strings.HasPrefix(fields[0], "--platform") {
				fields = fields[1:]
			}
			df.froms = append(df.froms, expand(fields[0]))
		case "RUN":
			words := shellWord.FindAllString(rest, -1)
			i := slices.Index(words, "go")
			if i < 0 || i+1 >= len(words) || words[i+1] != "build" {
				continue
			}
			for j, w := range words {
				words[j] = expand(strings.ReplaceAll(w, `"`, ""))
			}
			df.buildEnv, df.buildArgs = words[:i], words[i+2:]
		case "COPY":
			if fields := strings.Fields(rest); len(fields) == 3 && strings.HasPrefix(fields[0], "--from=") {
				df.copyFrom = fields[1]
			}
		case "ENTRYPOINT":
			df.entrypoint = rest
		}
	}
	return df
}

// TestDockerfile builds lbsim as the Dockerfile's build stage does, with
// the flags make dist uses, and checks that the binary is static and
// runs with no environment and no files around it, as in the image.
func TestDockerfile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds lbsim")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the image is a Linux one")
	}
	df := readDockerfile(t, "../../Dockerfile")
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(gomod)
	if len(df.froms) != 2 || goVersion == nil || df.froms[0] != "golang:"+string(goVersion[1]) {
		t.Fatalf("Dockerfile stages %q: want golang:%s, then the image", df.froms, goVersion[1])
	}
	if img := df.froms[1]; img != "scratch" && !strings.HasPrefix(img, "gcr.io/distroless/static") {
		t.Errorf("the image is built on %s: want a static base (distroless static, or scratch)", img)
	}
	if df.entrypoint != `["/lbsim"]` {
		t.Errorf(`ENTRYPOINT %s, want ["/lbsim"]`, df.entrypoint)
	}
	if !slices.Contains(df.buildEnv, "CGO_ENABLED=0") {
		t.Errorf("go build runs with %q: want CGO_ENABLED=0", df.buildEnv)
	}
	version := df.args["VERSION"]
	o := slices.Index(df.buildArgs, "-o")
	if o < 0 || o+1 >= len(df.buildArgs) || !slices.Equal(df.buildArgs[:o], dist.BuildFlags(version)) {
		t.Fatalf("go build %q: want the flags %q, then -o", df.buildArgs, dist.BuildFlags(version))
	}
	if df.buildArgs[o+1] != df.copyFrom {
		t.Errorf("go build writes %s, the image copies %s", df.buildArgs[o+1], df.copyFrom)
	}

	bin := filepath.Join(t.TempDir(), "lbsim")
	args := slices.Concat([]string{"build"}, df.buildArgs[:o], []string{"-o", bin}, df.buildArgs[o+2:])
	build := exec.Command("go", args...)
	build.Dir = "../.."
	build.Env = append(os.Environ(), df.buildEnv...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := dist.CheckBinary(data, dist.Target{OS: runtime.GOOS, Arch: runtime.GOARCH}); err != nil {
		t.Error(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"list"}, "  " + scenarios.BundledNames()[0] + " "},
		{[]string{"--version"}, "lbsim " + version + " ("},
	} {
		cmd := exec.Command(bin, tt.args...)
		cmd.Dir, cmd.Env = t.TempDir(), []string{}
		out, err := cmd.Output()
		if err != nil || !strings.Contains(string(out), tt.want) {
			t.Errorf("lbsim %s in an empty environment: %v\n%s", strings.Join(tt.args, " "), err, out)
		}
	}
}
