package e2e_test

import (
	"flag"
	"os"
	"testing"
)

// TestMain runs this package's tests four at a time unless -parallel is
// given: each spends much of its time waiting (on a server starting, on a
// tool's own polling and network round trips), and go test's default,
// GOMAXPROCS, serializes them two by two on a 2-core machine.
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		if err := flag.Set("test.parallel", "4"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
