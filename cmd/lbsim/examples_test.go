package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The examples run with this many requests a run instead of the
// scenario's, so that each takes a second; slices and whole sweep alike.
var exampleRequests = []string{"--requests", "5000"}

// indexedJob is what docs/examples/sweep-indexed-job.yaml must get right
// for Kubernetes to run one slice per pod.
type indexedJob struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Spec       struct {
		CompletionMode string `yaml:"completionMode"`
		Completions    int    `yaml:"completions"`
		Parallelism    int    `yaml:"parallelism"`
		Template       struct {
			Spec struct {
				RestartPolicy string `yaml:"restartPolicy"`
				Containers    []struct {
					Image string      `yaml:"image"`
					Args  []yaml.Node `yaml:"args"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// TestIndexedJobExample runs the Kubernetes example's arguments as each of
// its pods would, with JOB_COMPLETION_INDEX from 0 to completions-1, and
// holds the merged slices to the whole sweep, byte for byte.
func TestIndexedJobExample(t *testing.T) {
	var job indexedJob
	readYAML(t, "../../docs/examples/sweep-indexed-job.yaml", &job)
	spec := job.Spec
	if job.APIVersion != "batch/v1" || job.Kind != "Job" || spec.CompletionMode != "Indexed" {
		t.Errorf("a %s %s in %q mode, want a batch/v1 Job in Indexed mode", job.APIVersion, job.Kind, spec.CompletionMode)
	}
	if p := spec.Template.Spec.RestartPolicy; p != "Never" && p != "OnFailure" {
		t.Errorf("restartPolicy %q: a Job's pods take Never or OnFailure", p)
	}
	containers := spec.Template.Spec.Containers
	if len(containers) != 1 || containers[0].Image != "lbsim:latest" {
		t.Fatalf("want one container of image lbsim:latest, got %+v", containers)
	}
	var args []string
	for _, a := range containers[0].Args {
		// Kubernetes takes strings only: load=0.5:... and 3 need quotes.
		if a.Kind != yaml.ScalarNode || a.Tag != "!!str" {
			t.Errorf("line %d: argument %q is a %s, not a string", a.Line, a.Value, a.Tag)
		}
		args = append(args, a.Value)
	}
	n := autoShards(t, args)
	if spec.Completions != n {
		t.Errorf("completions: %d, but --shard auto/%d makes %d slices", spec.Completions, n, n)
	}
	if spec.Parallelism < 1 || spec.Parallelism > spec.Completions {
		t.Errorf("parallelism %d, want 1 to %d", spec.Parallelism, spec.Completions)
	}
	if len(args) == 0 || args[0] != "sweep" || flagValue(args, "--format") != "json" {
		t.Fatalf("args %q: want a sweep printing JSON", args)
	}

	t.Chdir(t.TempDir())
	args = append(args, exampleRequests...)
	var files []string
	for i := range spec.Completions {
		t.Setenv("JOB_COMPLETION_INDEX", strconv.Itoa(i))
		name := fmt.Sprintf("slice-%d.json", i)
		redirect{file: name}.write(t, runOK(t, args...))
		files = append(files, name)
	}
	whole := withoutFlag(args, "--shard")
	for _, format := range []string{"json", "table"} {
		got := runOK(t, append(append([]string{"merge"}, files...), "--format", format)...)
		if want := runOK(t, append(withoutFlag(whole, "--format"), "--format", format)...); got != want {
			t.Errorf("--format %s: the merged slices print\n%s\nthe whole sweep\n%s", format, got, want)
		}
	}
}

// actionsWorkflow is what docs/examples/sweep-matrix.yml must get right.
type actionsWorkflow struct {
	Jobs map[string]struct {
		Needs    yaml.Node `yaml:"needs"`
		Strategy struct {
			Matrix map[string][]int `yaml:"matrix"`
		} `yaml:"strategy"`
		Steps []struct {
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// TestMatrixExample runs the GitHub Actions example's lbsim lines as its
// matrix jobs and its merge job would, in one directory standing for the
// artifacts, and holds everything the merge job prints and writes to the
// whole sweep, byte for byte.
func TestMatrixExample(t *testing.T) {
	var wf actionsWorkflow
	readYAML(t, "../../docs/examples/sweep-matrix.yml", &wf)
	slice, merge := wf.Jobs["slice"], wf.Jobs["merge"]
	if merge.Needs.Value != "slice" {
		t.Errorf("the merge job needs %q, want the slice job", merge.Needs.Value)
	}
	shards := slice.Strategy.Matrix["shard"]
	var sweepLine string
	var uploaded []string
	for _, st := range slice.Steps {
		if strings.Contains(st.Run, "lbsim sweep") {
			sweepLine = st.Run
		}
		if strings.HasPrefix(st.Uses, "actions/upload-artifact@") {
			uploaded = append(uploaded, st.With["name"], st.With["path"])
		}
	}
	n := autoShards(t, strings.Fields(strings.ReplaceAll(sweepLine, "${{ matrix.shard }}", "auto")))
	want := make([]int, n)
	for i := range want {
		want[i] = i + 1
	}
	if !slices.Equal(shards, want) {
		t.Errorf("matrix shard: %v, but --shard .../%d wants %v", shards, n, want)
	}
	if len(uploaded) != 2 {
		t.Fatalf("the slice job uploads %d artifacts, want 1", len(uploaded)/2)
	}
	var pattern string
	for _, st := range merge.Steps {
		if strings.HasPrefix(st.Uses, "actions/download-artifact@") {
			pattern = st.With["pattern"]
			if st.With["merge-multiple"] != "true" {
				t.Errorf("download-artifact without merge-multiple puts each slice in a directory of its own")
			}
		}
	}

	dir := t.TempDir()
	t.Chdir(dir)
	env := map[string]string{"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary.md")}
	var wholeArgs []string
	for _, k := range shards {
		env["{{ matrix.shard }}"] = strconv.Itoa(k)
		name, path := expand(uploaded[0], env), expand(uploaded[1], env)
		if ok, _ := filepath.Match(pattern, name); !ok {
			t.Errorf("artifact %s: the merge job downloads %s", name, pattern)
		}
		args, out := shellLine(t, sweepLine, env)
		args = append(args, exampleRequests...)
		if out.file != path {
			t.Errorf("shard %d: the sweep writes %q, the upload takes %q", k, out.file, path)
		}
		out.write(t, runOK(t, args...))
		wholeArgs = withoutFlag(args, "--shard")
	}
	merges := 0
	for _, st := range merge.Steps {
		for line := range strings.Lines(st.Run) {
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "go install ") {
				continue
			}
			args, out := shellLine(t, line, env)
			if args[0] != "merge" {
				t.Fatalf("the merge job runs %q", line)
			}
			merges++
			// The whole sweep with the merge line's own output flags, into
			// a directory of its own.
			var files []string
			flags := args[1:]
			for len(flags) > 0 && !strings.HasPrefix(flags[0], "-") {
				files, flags = append(files, flags[0]), flags[1:]
			}
			if len(files) != len(shards) {
				t.Errorf("%q merges %d files, want %d", line, len(files), len(shards))
			}
			whole := append(withoutFlag(wholeArgs, "--format"), flags...)
			if o := flagValue(flags, "--out"); o != "" {
				whole = append(withoutFlag(whole, "--out"), "--out", filepath.Join("whole", o))
			}
			got, want := runOK(t, args...), runOK(t, whole...)
			if got != want {
				t.Errorf("%q prints\n%s\nthe whole sweep\n%s", line, got, want)
			}
			out.write(t, got)
			if o := flagValue(flags, "--out"); o != "" {
				compareDirs(t, o, filepath.Join("whole", o))
			}
		}
	}
	if merges == 0 {
		t.Fatal("the merge job runs no lbsim merge")
	}
	if summary := mustRead(t, env["GITHUB_STEP_SUMMARY"]); !strings.Contains(summary, "| load |") {
		t.Errorf("the step summary holds no markdown table:\n%s", summary)
	}
}

// autoShards returns the n of "--shard auto/n" in args.
func autoShards(t *testing.T, args []string) int {
	t.Helper()
	v := flagValue(args, "--shard")
	n, err := strconv.Atoi(strings.TrimPrefix(v, "auto/"))
	if !strings.HasPrefix(v, "auto/") || err != nil {
		t.Fatalf("--shard %q, want auto/n (or ${{ matrix.shard }}/n)", v)
	}
	return n
}

// redirect is where a shell line sends its stdout: nowhere, or a file,
// replaced (>) or appended to (>>).
type redirect struct {
	file   string
	append bool
}

func (r redirect) write(t *testing.T, out string) {
	t.Helper()
	if r.file == "" {
		return
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if r.append {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(r.file, flags, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(out); err != nil {
		t.Fatal(err)
	}
}

// shellLine reads one line of a run: step as the shell would for the
// little it may use: ${{ }} and $VAR from env, double quotes, globs, and
// one redirect of stdout. It returns the arguments after "lbsim".
func shellLine(t *testing.T, line string, env map[string]string) ([]string, redirect) {
	t.Helper()
	fields := strings.Fields(expand(line, env))
	if len(fields) == 0 || fields[0] != "lbsim" {
		t.Fatalf("%q is not an lbsim command", line)
	}
	var args []string
	var out redirect
	for i := 1; i < len(fields); i++ {
		f := strings.Trim(fields[i], `"`)
		switch {
		case f == ">" || f == ">>":
			if i+1 >= len(fields) {
				t.Fatalf("%q: a redirect to nothing", line)
			}
			out = redirect{file: strings.Trim(fields[i+1], `"`), append: f == ">>"}
			i++
		case strings.ContainsAny(f, "|&;<>'`\\"):
			t.Fatalf("%q: %q is more shell than this test reads", line, f)
		case strings.Contains(f, "*"):
			matches, err := filepath.Glob(f)
			if err != nil || len(matches) == 0 {
				t.Fatalf("%q: %s matches no file", line, f)
			}
			args = append(args, matches...)
		default:
			args = append(args, f)
		}
	}
	return args, out
}

// expand replaces ${{ NAME }} and $NAME by their values in env, where the
// former are keyed "{{ NAME }}".
func expand(s string, env map[string]string) string {
	return regexp.MustCompile(`\$(\{\{ [^}]* \}\}|[A-Z_]+)`).ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := env[m[1:]]; ok {
			return v
		}
		return m
	})
}

// flagValue is the value of the last flag name in args, "" if none.
func flagValue(args []string, name string) string {
	v := ""
	for i, a := range args {
		if a == name && i+1 < len(args) {
			v = args[i+1]
		}
	}
	return v
}

// withoutFlag is args without flag name and its value.
func withoutFlag(args []string, name string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		if args[i] == name {
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// runOK runs an lbsim command line and returns its stdout.
func runOK(t *testing.T, args ...string) string {
	t.Helper()
	code, out, stderr := cli(args...)
	if code != 0 {
		t.Fatalf("lbsim %s: exit %d: %s", strings.Join(args, " "), code, stderr)
	}
	return out
}

// compareDirs checks that directory got holds the files of want, byte
// for byte.
func compareDirs(t *testing.T, got, want string) {
	t.Helper()
	entries, err := os.ReadDir(want)
	if err != nil || len(entries) == 0 {
		t.Fatalf("%s: %v, %d files", want, err, len(entries))
	}
	for _, e := range entries {
		w := mustRead(t, filepath.Join(want, e.Name()))
		if g := mustRead(t, filepath.Join(got, e.Name())); g != w {
			t.Errorf("%s differs from the whole sweep's", filepath.Join(got, e.Name()))
		}
	}
}
