// Package golden compares a test's output with a golden file in
// testdata, or rewrites the file when the test runs with -update.
//
// It imports no gatehouse package, so that any package's tests, in-package
// ones included, can use it without an import cycle. A test binary that
// imports it must not define its own "update" flag.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files from this run")

// Update reports whether the test runs with -update.
func Update() bool { return *update }

// Check compares got with the golden file file and reports the first
// differing line. With -update it writes got to file (creating its
// folder) instead.
func Check(t testing.TB, file, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (go test -run '%s' -update writes it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s changed (go test -run '%s' -update rewrites it): %s", file, t.Name(), FirstDiff(string(want), got))
	}
}

// FirstDiff describes the first line where got differs from want, or
// returns "" when they are equal.
func FirstDiff(want, got string) string {
	if want == got {
		return ""
	}
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		wl, gl := "(end of file)", "(end of file)"
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl || i >= len(w) || i >= len(g) {
			return "line " + strconv.Itoa(i+1) + ":\nwant: " + wl + "\ngot:  " + gl
		}
	}
	return ""
}
