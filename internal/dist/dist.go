// Package dist makes lbsim's release archives: a static binary for each
// platform, checked to be what its name says, packed with the README and
// LICENSE into archives whose bytes depend only on their contents and a
// given time, so that two builds of one commit can be compared by their
// SHA256SUMS.
package dist

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// Target is a platform lbsim is released for, as GOOS and GOARCH.
type Target struct{ OS, Arch string }

// Targets are the platforms a release covers.
var Targets = []Target{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"},
}

func (t Target) String() string { return t.OS + "/" + t.Arch }

// ParseTarget reads "linux/arm64".
func ParseTarget(s string) (Target, error) {
	goos, goarch, ok := strings.Cut(s, "/")
	t := Target{goos, goarch}
	if !ok || !slices.Contains(Targets, t) {
		names := make([]string, len(Targets))
		for i, t := range Targets {
			names[i] = t.String()
		}
		return Target{}, fmt.Errorf("unknown target %q (valid: %s)", s, strings.Join(names, ", "))
	}
	return t, nil
}

// Binary is the name of lbsim's executable on t.
func (t Target) Binary() string {
	if t.OS == "windows" {
		return "lbsim.exe"
	}
	return "lbsim"
}

// Base is the name of t's archive without its extension, and of the
// directory the archive holds: lbsim_VERSION_OS_ARCH.
func Base(version string, t Target) string {
	return fmt.Sprintf("lbsim_%s_%s_%s", version, t.OS, t.Arch)
}

// ArchiveName is the file name of t's archive: a zip file for Windows,
// where that is what people open, a gzipped tar file elsewhere.
func ArchiveName(version string, t Target) string {
	if t.OS == "windows" {
		return Base(version, t) + ".zip"
	}
	return Base(version, t) + ".tar.gz"
}

// BuildFlags are the go build flags of a release binary: no paths of the
// machine that built it, no VCS stamp that differs between checkouts, no
// symbol tables, and the version stamped into main.version. Build with
// CGO_ENABLED=0 too, for a static binary.
func BuildFlags(version string) []string {
	return []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w -X main.version=" + version}
}

// A File goes into an archive.
type File struct {
	Name string // within the archive's directory
	Mode fs.FileMode
	Data []byte
}

// earliestZip is the first time a zip file's MS-DOS timestamps can hold.
var earliestZip = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteArchive writes t's archive of files, all under the directory dir,
// to w. Every entry has the time mtime, owner 0 and no owner name, so the
// bytes depend only on the files, dir and mtime.
func WriteArchive(w io.Writer, t Target, dir string, files []File, mtime time.Time) error {
	mtime = mtime.UTC().Truncate(time.Second)
	if t.OS == "windows" {
		if mtime.Before(earliestZip) {
			return fmt.Errorf("zip archives cannot hold a time before 1980, got %s", mtime.Format(time.RFC3339))
		}
		return writeZip(w, dir, files, mtime)
	}
	return writeTarGz(w, dir, files, mtime)
}

func writeTarGz(w io.Writer, dir string, files []File, mtime time.Time) error {
	gz, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	hdr := func(name string, mode fs.FileMode, size int64, typ byte) *tar.Header {
		return &tar.Header{Typeflag: typ, Name: name, Mode: int64(mode.Perm()), Size: size, ModTime: mtime, Format: tar.FormatUSTAR}
	}
	if err := tw.WriteHeader(hdr(dir+"/", 0o755, 0, tar.TypeDir)); err != nil {
		return err
	}
	for _, f := range files {
		if err := tw.WriteHeader(hdr(dir+"/"+f.Name, f.Mode, int64(len(f.Data)), tar.TypeReg)); err != nil {
			return err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func writeZip(w io.Writer, dir string, files []File, mtime time.Time) error {
	zw := zip.NewWriter(w)
	d := &zip.FileHeader{Name: dir + "/", Modified: mtime}
	d.SetMode(fs.ModeDir | 0o755)
	if _, err := zw.CreateHeader(d); err != nil {
		return err
	}
	for _, f := range files {
		h := &zip.FileHeader{Name: dir + "/" + f.Name, Method: zip.Deflate, Modified: mtime}
		h.SetMode(f.Mode)
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.Data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// Sums is a SHA256SUMS file, as sha256sum writes it and `sha256sum -c`
// reads it, for the named contents, by name.
func Sums(files map[string][]byte) []byte {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	var b bytes.Buffer
	for _, name := range names {
		sum := sha256.Sum256(files[name])
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), name)
	}
	return b.Bytes()
}

// CheckBinary checks that data is an executable for t: its format is
// the one t's OS loads, its machine is t's architecture, and on Linux it
// is static (no interpreter, no shared libraries), so that it runs in an
// empty container.
func CheckBinary(data []byte, t Target) error {
	r := bytes.NewReader(data)
	switch t.OS {
	case "linux":
		f, err := elf.NewFile(r)
		if err != nil {
			return fmt.Errorf("%s: not an ELF executable: %w", t, err)
		}
		if want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[t.Arch]; f.Machine != want {
			return fmt.Errorf("%s: ELF machine %v, want %v", t, f.Machine, want)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				return fmt.Errorf("%s: dynamically linked: it names an interpreter", t)
			}
		}
		libs, err := f.ImportedLibraries()
		if err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
		if len(libs) > 0 {
			return fmt.Errorf("%s: dynamically linked: needs %s", t, strings.Join(libs, ", "))
		}
	case "darwin":
		f, err := macho.NewFile(r)
		if err != nil {
			return fmt.Errorf("%s: not a Mach-O executable: %w", t, err)
		}
		if want := map[string]macho.Cpu{"amd64": macho.CpuAmd64, "arm64": macho.CpuArm64}[t.Arch]; f.Cpu != want {
			return fmt.Errorf("%s: Mach-O CPU %v, want %v", t, f.Cpu, want)
		}
		if f.Type != macho.TypeExec {
			return fmt.Errorf("%s: Mach-O file type %v, want an executable", t, f.Type)
		}
	case "windows":
		f, err := pe.NewFile(r)
		if err != nil {
			return fmt.Errorf("%s: not a PE executable: %w", t, err)
		}
		if want := map[string]uint16{"amd64": pe.IMAGE_FILE_MACHINE_AMD64, "arm64": pe.IMAGE_FILE_MACHINE_ARM64}[t.Arch]; f.Machine != want {
			return fmt.Errorf("%s: PE machine %#x, want %#x", t, f.Machine, want)
		}
		if f.Characteristics&pe.IMAGE_FILE_EXECUTABLE_IMAGE == 0 {
			return fmt.Errorf("%s: PE file is not an executable image", t)
		}
	default:
		return fmt.Errorf("%s: no check for this OS", t)
	}
	return nil
}
