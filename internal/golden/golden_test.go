package golden

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFirstDiff(t *testing.T) {
	for _, tt := range []struct{ want, got, diff string }{
		{"a\nb\n", "a\nb\n", ""},
		{"a\nb\n", "a\nc\n", "line 2:\nwant: b\ngot:  c"},
		{"a\n", "a\nb\n", "line 2:\nwant: \ngot:  b"},
		{"a", "a\n", "line 2:\nwant: (end of file)\ngot:  "},
		{"a\nb", "a", "line 2:\nwant: b\ngot:  (end of file)"},
	} {
		if got := FirstDiff(tt.want, tt.got); got != tt.diff {
			t.Errorf("FirstDiff(%q, %q) = %q, want %q", tt.want, tt.got, got, tt.diff)
		}
	}
}

// fakeT records what Check reports.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Name() string          { return "TestX" }
func (f *fakeT) Errorf(string, ...any) { f.failed = true }
func (f *fakeT) Fatalf(string, ...any) { f.failed = true; panic(f) }
func (f *fakeT) Fatal(...any)          { f.failed = true; panic(f) }

func check(file, got string, upd bool) (failed bool) {
	old := *update
	*update = upd
	defer func() { *update = old }()
	f := &fakeT{}
	defer func() {
		if r := recover(); r != nil && r != f {
			panic(r)
		}
		failed = f.failed
	}()
	Check(f, file, got)
	return f.failed
}

func TestCheck(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sub", "x.golden")
	if !check(file, "one\n", false) {
		t.Error("a missing golden file passed")
	}
	if check(file, "one\n", true) {
		t.Error("-update failed")
	}
	if b, err := os.ReadFile(file); err != nil || string(b) != "one\n" {
		t.Errorf("-update wrote %q, %v", b, err)
	}
	if check(file, "one\n", false) {
		t.Error("the same output failed")
	}
	if !check(file, "two\n", false) {
		t.Error("a different output passed")
	}
}
