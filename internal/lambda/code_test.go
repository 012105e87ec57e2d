package lambda

import (
	"archive/zip"
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

type zentry struct {
	name string
	mode fs.FileMode
	body string
}

func makeZip(t testing.TB, entries []zentry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.body))
	}
	zw.Close()
	return buf.Bytes()
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name    string
		entries []zentry
		wantErr string // "" = success
		check   func(t *testing.T, dir string)
	}{
		{"modes kept", []zentry{{"bootstrap", 0o755, "#!/bin/sh\n"}, {"lib/data.txt", 0o644, "x"}, {"noattrs", 0, "y"}}, "", func(t *testing.T, dir string) {
			for name, want := range map[string]fs.FileMode{"bootstrap": 0o755, "lib/data.txt": 0o644, "noattrs": 0o644} {
				st, err := os.Stat(filepath.Join(dir, name))
				if err != nil || st.Mode().Perm() != want {
					t.Errorf("%s: %v %v, want %v", name, err, st.Mode(), want)
				}
			}
		}},
		{"zip slip", []zentry{{"../evil", 0o644, "x"}}, "Could not unzip uploaded file. Please check your file, then try to upload again.", nil},
		{"zip slip nested", []zentry{{"a/../../evil", 0o644, "x"}}, "Could not unzip uploaded file. Please check your file, then try to upload again.", nil},
		{"absolute", []zentry{{"/etc/evil", 0o644, "x"}}, "Could not unzip uploaded file. Please check your file, then try to upload again.", nil},
		{"backslash slip", []zentry{{"..\\evil", 0o644, "x"}}, "Could not unzip uploaded file. Please check your file, then try to upload again.", nil},
		{"symlink inside", []zentry{{"real.txt", 0o644, "r"}, {"link", fs.ModeSymlink | 0o777, "real.txt"}}, "", func(t *testing.T, dir string) {
			b, err := os.ReadFile(filepath.Join(dir, "link"))
			if err != nil || string(b) != "r" {
				t.Errorf("link: %v %q", err, b)
			}
		}},
		{"symlink escape", []zentry{{"link", fs.ModeSymlink | 0o777, "../../etc/passwd"}}, "Could not unzip uploaded file. Please check your file, then try to upload again.", nil},
		{"symlink absolute", []zentry{{"link", fs.ModeSymlink | 0o777, "/etc/passwd"}}, "Could not unzip uploaded file. Please check your file, then try to upload again.", nil},
		{"duplicate entry", []zentry{{"a", 0o644, "first"}, {"a", 0o644, "second"}}, "", func(t *testing.T, dir string) {
			if b, _ := os.ReadFile(filepath.Join(dir, "a")); string(b) != "first" {
				t.Errorf("a = %q", b)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &Service{dataDir: t.TempDir()}
			ci, err := s.storeZip(makeZip(t, tc.entries))
			if tc.wantErr != "" {
				ae := awserr.From(err)
				if err == nil || ae.Message != tc.wantErr || ae.Code != "InvalidParameterValueException" {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if _, err := os.Stat(filepath.Join(s.dataDir, "lambda", "evil")); err == nil {
					t.Error("file written outside the task root")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, ci.dir)
		})
	}
}

func TestExtractLimits(t *testing.T) {
	s := &Service{dataDir: t.TempDir()}
	_, err := s.storeZip(make([]byte, maxZipped+1))
	if ae := awserr.From(err); ae.Code != "RequestEntityTooLargeException" || ae.Message != "Zipped size must be smaller than 52428800 bytes" {
		t.Errorf("zipped limit: %v", err)
	}
	// A zip bomb: one entry that inflates past the unzipped limit.
	defer func(old int64) { maxUnzipped = old }(maxUnzipped)
	maxUnzipped = 4 << 20
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("bomb")
	chunk := make([]byte, 1<<20)
	for i := 0; i < int(maxUnzipped)/len(chunk)+2; i++ {
		w.Write(chunk)
	}
	zw.Close()
	_, err = s.storeZip(buf.Bytes())
	if ae := awserr.From(err); ae.Code != "InvalidParameterValueException" || ae.Message != "Unzipped size must be smaller than 262144000 bytes" {
		t.Errorf("unzipped limit: %v", err)
	}
	if matches, _ := filepath.Glob(filepath.Join(s.dataDir, "lambda", "code", "extract-*")); len(matches) != 0 {
		t.Errorf("partial extraction left behind: %v", matches)
	}
}

// FuzzExtract: no archive makes extraction write outside the task root or
// panic.
func FuzzExtract(f *testing.F) {
	f.Add(makeZip(f, []zentry{{"index.js", 0o644, "exports.handler=async()=>1"}}))
	f.Add(makeZip(f, []zentry{{"../x", 0o644, "x"}}))
	f.Add(makeZip(f, []zentry{{"l", fs.ModeSymlink | 0o777, "../.."}}))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		root := t.TempDir()
		s := &Service{dataDir: filepath.Join(root, "data")}
		ci, err := s.storeZip(b)
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			rel, _ := filepath.Rel(filepath.Join(root, "data", "lambda", "code"), p)
			if p != root && p != filepath.Join(root, "data") && p != filepath.Join(root, "data", "lambda") && (rel == ".." || len(rel) > 2 && rel[:3] == "../") {
				t.Fatalf("wrote %s outside the code dir", p)
			}
			return nil
		})
		if err == nil && ci.dir == "" {
			t.Fatal("success without a task root")
		}
	})
}

func TestCollectCode(t *testing.T) {
	s := &Service{dataDir: t.TempDir()}
	keep, err := s.storeZip(makeZip(t, []zentry{{"a", 0o644, "keep"}}))
	if err != nil {
		t.Fatal(err)
	}
	drop, err := s.storeZip(makeZip(t, []zentry{{"a", 0o644, "drop"}}))
	if err != nil {
		t.Fatal(err)
	}
	st := storeForTest(t)
	f := &function{Account: "000000000000", Region: "us-east-1", Name: "f", CodeDir: keep.dir, CodeZip: keep.zip}
	putFunction(t, st, f)
	svc, err := New(context.Background(), Config{Store: st, DataDir: s.dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	for _, p := range []string{keep.dir, keep.zip} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("used package removed: %v", err)
		}
	}
	for _, p := range []string{drop.dir, drop.zip} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("unused package %s kept", p)
		}
	}
}
