package callers

import (
	"go/build"
	"strings"
	"testing"
)

// TestImports keeps the caller tools a client of gatehouse, not a part of
// it: of this module they may import only the public signing package, so
// they can never reach into server code (and pkg/sigv4client imports none).
func TestImports(t *testing.T) {
	const module = "github.com/gatehouse-dev/gatehouse/"
	allowed := map[string][]string{
		".":                     {module + "pkg/sigv4client"},
		"../../pkg/sigv4client": nil,
	}
	for dir, ok := range allowed {
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pkg.Imports {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			found := false
			for _, a := range ok {
				found = found || imp == a
			}
			if !found {
				t.Errorf("%s imports %s; allowed from this module: %v", pkg.ImportPath, imp, ok)
			}
		}
	}
}
