package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lbsim/lbsim/report"
)

func TestComplete(t *testing.T) {
	var formats []string
	for _, f := range report.Formats() {
		formats = append(formats, string(f))
	}
	tests := []struct {
		name    string
		words   []string
		want    []string // exactly these, unless some is set
		some    []string // at least these
		not     []string // none of these
		directs []directive
	}{
		{name: "every command", words: []string{""}, some: commands},
		{name: "a command", words: []string{"ru"}, want: []string{"run"}},
		{name: "top-level flags", words: []string{"--v"}, want: []string{"--version"}},
		{name: "unknown command", words: []string{"nope", ""}},
		{name: "a flag", words: []string{"run", "--fo"}, want: []string{"--format"}},
		{name: "only the command's flags", words: []string{"run", "--"}, some: []string{"--algorithms", "--out", "--quiet"}, not: []string{"--vary", "--junit"}},
		{name: "another command's flags", words: []string{"sweep", "--"}, some: []string{"--vary", "--shard"}},
		{name: "a flag given once is not offered again", words: []string{"run", "--seed", "3", "--se"}, want: []string{"--seeds"}},
		{name: "a list flag is offered again", words: []string{"run", "--algorithms", "random", "--alg"}, want: []string{"--algorithms"}},
		{name: "format values", words: []string{"run", "--format", ""}, want: formats},
		{name: "format after =", words: []string{"run", "--format=c"}, want: []string{"--format=csv"}},
		{name: "check's formats", words: []string{"check", "--format", "j"}, want: []string{"json", "junit"}},
		{name: "live's formats", words: []string{"live", "--format", ""}, want: []string{"table", "json"}},
		{name: "import's formats", words: []string{"import", "--format", ""}, want: []string{"nginx", "haproxy"}},
		{name: "aggregate", words: []string{"sweep", "--aggregate", "m"}, want: []string{"mean"}},
		{name: "proxy mode", words: []string{"proxy", "--mode", ""}, want: []string{"http", "tcp"}},
		{name: "an algorithm", words: []string{"trace", "--algorithm", "power"}, want: []string{"power_of_two"}},
		{name: "an alias when no policy matches", words: []string{"proxy", "--algorithm", "leastc"}, want: []string{"leastconn"}},
		{name: "aliases stay out of the usual list", words: []string{"proxy", "--algorithm", "least"}, not: []string{"least_conn", "least_time"}, some: []string{"least_connections"}},
		{name: "algorithm list, after the comma", words: []string{"run", "--algorithms", "round_robin,least_c"}, want: []string{"round_robin,least_connections"}, directs: []directive{noSpace}},
		{name: "algorithm list skips names given", words: []string{"run", "--algorithms=random,r"}, want: []string{"--algorithms=random,round_robin"}, directs: []directive{noSpace}},
		{name: "explain's argument", words: []string{"explain", "least_r"}, want: []string{"least_response_time"}},
		{name: "explain takes one", words: []string{"explain", "random", ""}},
		{name: "a bundled scenario or a file", words: []string{"run", "crash-w"}, want: []string{"crash-with-health-checks", "crash-without-health-checks"}, directs: []directive{files}},
		{name: "flag values are skipped", words: []string{"run", "--format", "json", "--seeds", "2", "--quiet", "zone"}, want: []string{"zone-outage"}, directs: []directive{files}},
		{name: "run takes one scenario", words: []string{"run", "--quiet", "black-friday", ""}},
		{name: "check takes many", words: []string{"check", "black-friday", "zone"}, want: []string{"zone-outage"}, directs: []directive{files}},
		{name: "after --", words: []string{"run", "--", "--fo"}, directs: []directive{files}},
		{name: "a number", words: []string{"run", "--seed", ""}},
		{name: "a directory", words: []string{"sweep", "--out", ""}, directs: []directive{dirs}},
		{name: "an address", words: []string{"proxy", "--listen", ""}},
		{name: "serve takes no arguments", words: []string{"serve", ""}},
		{name: "a file, by shorthand", words: []string{"proxy", "-c", ""}, directs: []directive{files}},
		{name: "a file after the shorthand's value", words: []string{"proxy", "-c", "x.yaml", "--lis"}, want: []string{"--listen"}},
		{name: "merge's files", words: []string{"merge", "a.json", ""}, directs: []directive{files}},
		{name: "no arguments", words: []string{"list", ""}},
		{name: "shells", words: []string{"completion", ""}, want: []string{"bash", "fish", "zsh"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, directs := complete(tt.words)
			if tt.some == nil && !slices.Equal(got, tt.want) {
				t.Errorf("complete(%q) = %q, want %q", tt.words, got, tt.want)
			}
			for _, w := range tt.some {
				if !slices.Contains(got, w) {
					t.Errorf("complete(%q) = %q, missing %q", tt.words, got, w)
				}
			}
			for _, w := range tt.not {
				if slices.Contains(got, w) {
					t.Errorf("complete(%q) = %q, should not offer %q", tt.words, got, w)
				}
			}
			if !slices.Equal(directs, tt.directs) {
				t.Errorf("complete(%q) directives %q, want %q", tt.words, directs, tt.directs)
			}
		})
	}
}

// The flags completion offers for a command are those its --help lists,
// for every command: a command whose flags newFlags did not make would
// show here.
func TestCompleteFlagsMatchHelp(t *testing.T) {
	helpFlag := regexp.MustCompile(`(?m)^\s+(?:-\w, )?(--[\w-]+)`)
	for _, cmd := range commands {
		_, _, help := cli(cmd, "--help")
		var want []string
		for _, m := range helpFlag.FindAllStringSubmatch(help, -1) {
			want = append(want, m[1])
		}
		got, _ := complete([]string{cmd, "--"})
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: completion offers %q, --help lists %q", cmd, got, want)
		}
	}
}

// Every --format value completion offers is one the command takes, and
// every command with a --format flag has its values known.
func TestCompleteFormatsAccepted(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	// Each command line fails on the missing file, after --format is read.
	lines := map[string][]string{
		"run":    {missing},
		"sweep":  {"--vary", "rate=1:2:1", missing},
		"merge":  {missing},
		"check":  {missing},
		"live":   {missing},
		"import": {missing},
	}
	for _, cmd := range commands {
		if commandFlags(cmd).Lookup("format") == nil {
			continue
		}
		values := formatValues(cmd)
		args, ok := lines[cmd]
		if values == nil || !ok {
			t.Errorf("%s has --format but completion does not know its values: add them to formatValues and to this test", cmd)
			continue
		}
		for _, v := range append(values, "bogus") {
			_, _, stderr := cli(append([]string{cmd, "--format", v}, args...)...)
			if rejected := strings.Contains(stderr, "--format"); rejected != (v == "bogus") {
				t.Errorf("lbsim %s --format %s: %s", cmd, v, stderr)
			}
		}
	}
}

func TestCompletionCommand(t *testing.T) {
	for _, tt := range []cliCase{
		{name: "no shell", args: []string{"completion"}, code: exitUsage, stderr: "bash, fish, zsh"},
		{name: "unknown shell", args: []string{"completion", "tcsh"}, code: exitUsage, stderr: `unknown shell "tcsh" (valid: bash, fish, zsh)`},
		{name: "two shells", args: []string{"completion", "bash", "zsh"}, code: exitUsage, stderr: "one SHELL"},
		{name: "bash", args: []string{"completion", "bash"}, stdout: "complete -F _lbsim lbsim"},
		{name: "zsh", args: []string{"completion", "zsh"}, stdout: "compdef _lbsim lbsim"},
		{name: "fish", args: []string{"completion", "fish"}, stdout: "complete -c lbsim"},
		{name: "the hidden command", args: []string{"__complete", "run", "--qu"}, stdout: "--quiet\n:\n"},
		{name: "version", args: []string{"version"}, stdout: "lbsim " + versionString() + " (go"},
		{name: "--version", args: []string{"--version"}, stdout: "lbsim " + versionString() + " (go"},
		{name: "version takes no arguments", args: []string{"version", "x"}, code: exitUsage, stderr: "version takes no arguments"},
	} {
		t.Run(tt.name, tt.run)
	}
}

// shellCase is a command line typed up to the cursor, and the words the
// shell must offer for its last word, as they read in full.
type shellCase struct {
	line string
	want []string // exactly these, unless some is set
	some []string // at least these
	not  []string
}

func shellCases() []shellCase {
	var formats []string
	for _, f := range report.Formats() {
		formats = append(formats, string(f))
	}
	return []shellCase{
		{line: "lbsim ", some: commands},
		{line: "lbsim ru", want: []string{"run"}},
		{line: "lbsim run --fo", want: []string{"--format"}},
		{line: "lbsim run --format ", want: formats},
		{line: "lbsim run --format=j", want: []string{"--format=json"}},
		{line: "lbsim check --format j", want: []string{"json", "junit"}},
		{line: "lbsim run --algorithms round_robin,", some: []string{"round_robin,least_connections", "round_robin,power_of_two"}, not: []string{"round_robin,round_robin"}},
		{line: "lbsim explain power", want: []string{"power_of_two"}},
		// The test runs in a directory holding mine.yaml and sub/.
		{line: "lbsim run mi", some: []string{"mine.yaml", "mixed-50ms-5s"}},
		{line: "lbsim run --out su", want: []string{"sub"}},
		{line: "lbsim run --out=su", want: []string{"--out=sub"}},
		{line: "lbsim completion ", want: shellNames()},
	}
}

// TestShellCompletion loads each shell's script into the shell itself
// and completes command lines with an lbsim built from this package on
// PATH. zsh and fish are skipped when they are not installed.
func TestShellCompletion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds lbsim and runs shells")
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "lbsim"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work := t.TempDir()
	if err := os.WriteFile(filepath.Join(work, "mine.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(work, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "HOME="+t.TempDir())
	// shell runs a script in work and returns its output.
	shell := func(t *testing.T, name string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir, cmd.Env = work, env
		out, err := cmd.Output()
		if err != nil {
			var stderr string
			if e, ok := err.(*exec.ExitError); ok {
				stderr = string(e.Stderr)
			}
			t.Fatalf("%s %q: %v\n%s%s", name, args, err, out, stderr)
		}
		return string(out)
	}
	script := func(t *testing.T, sh string) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "_lbsim")
		if err := os.WriteFile(path, []byte(shells[sh]), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	installed := func(t *testing.T, sh string) {
		t.Helper()
		if _, err := exec.LookPath(sh); err != nil {
			t.Skipf("%s is not installed (.ci/run installs it with apt-get)", sh)
		}
	}

	t.Run("bash", func(t *testing.T) {
		installed(t, "bash")
		path := script(t, "bash")
		for _, tc := range shellCases() {
			words := bashWords(tc.line)
			driver := `source "$1"; shift; COMP_LINE=$1; COMP_POINT=${#1}; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _lbsim; printf '%s\n' "${COMPREPLY[@]}"`
			out := shell(t, "bash", append([]string{"--norc", "--noprofile", "-c", driver, "bash", path, tc.line}, words...)...)
			// Readline replaces what follows the last = or : in the word:
			// put back what comes before, to compare whole words.
			last := tc.line[strings.LastIndexByte(tc.line, ' ')+1:]
			prefix := last[:strings.LastIndexAny(last, "=:")+1]
			var got []string
			for _, w := range lines(out) {
				got = append(got, prefix+w)
			}
			tc.check(t, got)
		}
	})

	t.Run("zsh", func(t *testing.T) {
		installed(t, "zsh")
		path := script(t, "zsh")
		if out, err := exec.Command("zsh", "-n", path).CombinedOutput(); err != nil {
			t.Fatalf("zsh -n: %v\n%s", err, out)
		}
		dir := t.TempDir()
		hits := filepath.Join(dir, "hits")
		// The script is autoloaded from $fpath, as an installed one is, into
		// an interactive zsh on a pseudo-terminal where compinit runs. TAB
		// completes the line and clears it; compadd writes what it offers to
		// the hits file, and each TAB ends with a line --end--.
		initScript := `PROMPT=
autoload -Uz compinit && compinit -u -D
fpath=(${(q)1} $fpath)
autoload -Uz _lbsim && compdef _lbsim lbsim
compadd() {
	if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
		builtin compadd "$@"
		return
	fi
	local -a hits
	builtin compadd -A hits "$@"
	(( $#hits )) && print -rl -- $IPREFIX${^hits} >> $HITS
	builtin compadd "$@"
}
complete-and-clear() {
	zle complete-word
	print -r -- --end-- >> $HITS
	zle kill-whole-line
}
zle -N complete-and-clear
bindkey '^I' complete-and-clear
echo ready
`
		initFile := filepath.Join(dir, "init.zsh")
		if err := os.WriteFile(initFile, []byte(initScript), 0o644); err != nil {
			t.Fatal(err)
		}
		// The driver types each line and a TAB, and waits for its --end--.
		driver := `zmodload zsh/zpty zsh/zselect
zpty z 'zsh -f -i'
zpty -w z "HITS=${(q)1}; source ${(q)2} ${(q)3}"
local hits=$1 line n=0
shift 3
while zpty -r z line; do [[ $line == ready* ]] && break; done
for l in "$@"; do
	zpty -w -n z "$l"$'\t'
	(( n++ ))
	repeat 2000; do
		while zpty -r -t z line '?*'; do :; done
		[[ -f $hits ]] && (( ${#${(@M)${(@f)"$(<$hits)"}:#--end--}} >= n )) && break
		zselect -t 1
	done
done
zpty -w z exit
while zpty -r z line '?*'; do :; done
`
		cases := shellCases()
		args := []string{"-f", "-c", driver, "zsh", hits, initFile, filepath.Dir(path)}
		for _, tc := range cases {
			args = append(args, tc.line)
		}
		shell(t, "zsh", args...)
		data, err := os.ReadFile(hits)
		if err != nil {
			t.Fatal(err)
		}
		offered := strings.Split(string(data), "--end--\n")
		if len(offered) != len(cases)+1 {
			t.Fatalf("zsh completed %d lines of %d:\n%s", len(offered)-1, len(cases), data)
		}
		for i, tc := range cases {
			tc.check(t, lines(offered[i]))
		}
	})

	t.Run("fish", func(t *testing.T) {
		installed(t, "fish")
		path := script(t, "fish")
		for _, tc := range shellCases() {
			out := shell(t, "fish", "--no-config", "-c", `source $argv[1]; complete -C $argv[2]`, path, tc.line)
			var got []string
			for _, w := range lines(out) {
				w, _, _ = strings.Cut(w, "\t") // a description
				got = append(got, w)
			}
			tc.check(t, got)
		}
	})
}

// check compares what a shell offered, each word once and without a
// directory's trailing slash, with what tc wants.
func (tc shellCase) check(t *testing.T, offered []string) {
	t.Helper()
	var got []string
	for _, w := range offered {
		if w = strings.TrimSuffix(w, "/"); !slices.Contains(got, w) {
			got = append(got, w)
		}
	}
	slices.Sort(got)
	if tc.some == nil {
		want := slices.Sorted(slices.Values(tc.want))
		if !slices.Equal(got, want) {
			t.Errorf("%q offers %q, want %q", tc.line, got, want)
		}
	}
	for _, w := range tc.some {
		if !slices.Contains(got, w) {
			t.Errorf("%q offers %q, missing %q", tc.line, got, w)
		}
	}
	for _, w := range tc.not {
		if slices.Contains(got, w) {
			t.Errorf("%q offers %q, should not offer %q", tc.line, got, w)
		}
	}
}

// bashWords splits a line as bash does for COMP_WORDS with its default
// COMP_WORDBREAKS: at spaces, and around runs of = and : (the ones lbsim's
// words hold); a line ending in a space ends in an empty word.
func bashWords(line string) []string {
	var words []string
	for _, field := range strings.Split(line, " ") {
		for field != "" {
			i := strings.IndexAny(field, "=:")
			if i < 0 {
				words = append(words, field)
				break
			}
			if i > 0 {
				words = append(words, field[:i])
			}
			j := i
			for j < len(field) && strings.IndexByte("=:", field[j]) >= 0 {
				j++
			}
			words = append(words, field[i:j])
			field = field[j:]
		}
	}
	if strings.HasSuffix(line, " ") {
		words = append(words, "")
	}
	return words
}

// lines splits output into its non-empty lines.
func lines(out string) []string {
	var ws []string
	for _, l := range strings.Split(out, "\n") {
		if l != "" {
			ws = append(ws, l)
		}
	}
	return ws
}
