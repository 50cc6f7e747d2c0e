package dist

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"testing"
	"time"
)

// elfFile is the header of an ELF executable for machine; with an
// interpreter it has the program header a dynamically linked one has.
func elfFile(machine elf.Machine, interp bool) []byte {
	h := elf.Header64{Type: uint16(elf.ET_EXEC), Machine: uint16(machine), Version: uint32(elf.EV_CURRENT), Ehsize: 64}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS], h.Ident[elf.EI_DATA], h.Ident[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)
	var progs []elf.Prog64
	if interp {
		h.Phoff, h.Phentsize, h.Phnum = 64, 56, 1
		progs = append(progs, elf.Prog64{Type: uint32(elf.PT_INTERP)})
	}
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, h)
	binary.Write(&b, binary.LittleEndian, progs)
	return b.Bytes()
}

// machoFile is the header of a 64-bit Mach-O file of type typ for cpu.
func machoFile(cpu macho.Cpu, typ macho.Type) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, macho.FileHeader{Magic: macho.Magic64, Cpu: cpu, Type: typ})
	b.Write(make([]byte, 4)) // the 64-bit header's reserved word
	return b.Bytes()
}

// peFile is a PE file with no sections for machine.
func peFile(machine uint16, characteristics uint16) []byte {
	b := make([]byte, 0x40)
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3c:], 0x40)
	buf := bytes.NewBuffer(b)
	buf.WriteString("PE\x00\x00")
	binary.Write(buf, binary.LittleEndian, pe.FileHeader{Machine: machine, Characteristics: characteristics})
	buf.Write(make([]byte, 32)) // debug/pe reads 96 bytes of DOS header first
	return buf.Bytes()
}

func TestCheckBinary(t *testing.T) {
	linuxAMD64, linuxARM64 := Target{"linux", "amd64"}, Target{"linux", "arm64"}
	darwinARM64, windowsAMD64 := Target{"darwin", "arm64"}, Target{"windows", "amd64"}
	tests := []struct {
		name   string
		data   []byte
		target Target
		err    string // "" for a binary that passes
	}{
		{"static linux amd64", elfFile(elf.EM_X86_64, false), linuxAMD64, ""},
		{"static linux arm64", elfFile(elf.EM_AARCH64, false), linuxARM64, ""},
		{"wrong linux arch", elfFile(elf.EM_X86_64, false), linuxARM64, "ELF machine EM_X86_64, want EM_AARCH64"},
		{"dynamic linux", elfFile(elf.EM_X86_64, true), linuxAMD64, "dynamically linked"},
		{"darwin arm64", machoFile(macho.CpuArm64, macho.TypeExec), darwinARM64, ""},
		{"darwin amd64", machoFile(macho.CpuAmd64, macho.TypeExec), Target{"darwin", "amd64"}, ""},
		{"wrong darwin arch", machoFile(macho.CpuAmd64, macho.TypeExec), darwinARM64, "Mach-O CPU CpuAmd64, want CpuArm64"},
		{"darwin object file", machoFile(macho.CpuArm64, macho.TypeObj), darwinARM64, "want an executable"},
		{"windows amd64", peFile(pe.IMAGE_FILE_MACHINE_AMD64, pe.IMAGE_FILE_EXECUTABLE_IMAGE), windowsAMD64, ""},
		{"wrong windows arch", peFile(pe.IMAGE_FILE_MACHINE_ARM64, pe.IMAGE_FILE_EXECUTABLE_IMAGE), windowsAMD64, "PE machine 0xaa64, want 0x8664"},
		{"windows object file", peFile(pe.IMAGE_FILE_MACHINE_AMD64, 0), windowsAMD64, "not an executable image"},
		{"a Mach-O file for linux", machoFile(macho.CpuAmd64, macho.TypeExec), linuxAMD64, "not an ELF executable"},
		{"an ELF file for darwin", elfFile(elf.EM_AARCH64, false), darwinARM64, "not a Mach-O executable"},
		{"an ELF file for windows", elfFile(elf.EM_X86_64, false), windowsAMD64, "not a PE executable"},
		{"text", []byte("#!/bin/sh\n"), linuxAMD64, "not an ELF executable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckBinary(tt.data, tt.target)
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("CheckBinary: %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("CheckBinary = %v, want an error with %q", err, tt.err)
			}
		})
	}
}

// entry is what an archive holds for one file, as read back.
type entry struct {
	name  string
	mode  fs.FileMode
	mtime time.Time
	data  string
}

func readTarGz(t *testing.T, data []byte) []entry {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var out []entry
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner %d:%d %q:%q, want 0:0 and no names", h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
		}
		body, _ := io.ReadAll(tr)
		out = append(out, entry{h.Name, h.FileInfo().Mode(), h.ModTime.UTC(), string(body)})
	}
}

func readZip(t *testing.T, data []byte) []entry {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out []entry
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(rc)
		rc.Close()
		out = append(out, entry{f.Name, f.Mode(), f.Modified.UTC(), string(body)})
	}
	return out
}

func TestWriteArchive(t *testing.T) {
	mtime := time.Date(2026, 3, 1, 12, 30, 5, 0, time.UTC)
	files := []File{
		{Name: "lbsim", Mode: 0o755, Data: []byte("\x7fELF binary")},
		{Name: "README.md", Mode: 0o644, Data: []byte("# lbsim\n")},
	}
	for _, tt := range []struct {
		target Target
		read   func(*testing.T, []byte) []entry
	}{
		{Target{"linux", "amd64"}, readTarGz},
		{Target{"windows", "amd64"}, readZip},
	} {
		t.Run(tt.target.String(), func(t *testing.T) {
			write := func(mtime time.Time) []byte {
				var b bytes.Buffer
				if err := WriteArchive(&b, tt.target, "lbsim_v1_x", files, mtime); err != nil {
					t.Fatal(err)
				}
				return b.Bytes()
			}
			data := write(mtime)
			want := []entry{
				{"lbsim_v1_x/", fs.ModeDir | 0o755, mtime, ""},
				{"lbsim_v1_x/lbsim", 0o755, mtime, "\x7fELF binary"},
				{"lbsim_v1_x/README.md", 0o644, mtime, "# lbsim\n"},
			}
			if got := tt.read(t, data); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("archive holds\n%v\nwant\n%v", got, want)
			}
			// The same files and time give the same bytes (in another
			// time zone too); another time gives other bytes.
			if again := write(mtime.In(time.FixedZone("east", 5*3600))); !bytes.Equal(again, data) {
				t.Error("a second archive of the same files differs")
			}
			if later := write(mtime.Add(time.Hour)); bytes.Equal(later, data) {
				t.Error("the archive does not depend on the time given")
			}
		})
	}
}

func TestWriteZipBefore1980(t *testing.T) {
	err := WriteArchive(io.Discard, Target{"windows", "amd64"}, "d", nil, time.Unix(0, 0))
	if err == nil || !strings.Contains(err.Error(), "before 1980") {
		t.Errorf("WriteArchive at 1970 = %v, want an error", err)
	}
}

func TestSums(t *testing.T) {
	got := string(Sums(map[string][]byte{"b.zip": []byte("abc"), "a.tar.gz": nil}))
	// SHA-256 of "" and of "abc", from FIPS 180-2's examples.
	want := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.tar.gz\n" +
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  b.zip\n"
	if got != want {
		t.Errorf("Sums =\n%s\nwant\n%s", got, want)
	}
}

func TestParseTarget(t *testing.T) {
	for _, tt := range []struct {
		in, err string
	}{
		{"linux/arm64", ""},
		{"windows/amd64", ""},
		{"plan9/386", `unknown target "plan9/386" (valid: linux/amd64, `},
		{"linux", `unknown target "linux"`},
	} {
		got, err := ParseTarget(tt.in)
		switch {
		case tt.err == "" && (err != nil || got.String() != tt.in):
			t.Errorf("ParseTarget(%q) = %v, %v", tt.in, got, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ParseTarget(%q) error %v, want %q", tt.in, err, tt.err)
		}
	}
}

func ExampleArchiveName() {
	for _, t := range Targets {
		fmt.Println(ArchiveName("v1.2.0", t))
	}
	// Output:
	// lbsim_v1.2.0_linux_amd64.tar.gz
	// lbsim_v1.2.0_linux_arm64.tar.gz
	// lbsim_v1.2.0_darwin_amd64.tar.gz
	// lbsim_v1.2.0_darwin_arm64.tar.gz
	// lbsim_v1.2.0_windows_amd64.zip
}
