package iam

import (
	"strings"
	"testing"
)

// FuzzPrefixDir: the directory a PathPrefix is authorized on ends with '/',
// starts the prefix, and starts every path the prefix lists.
func FuzzPrefixDir(f *testing.F) {
	for _, s := range []string{"/", "/secret", "/secret/", "/a/b/c", "secret/", "/\x7f", "/é/", ""} {
		f.Add(s, "/secret/x/")
	}
	f.Fuzz(func(t *testing.T, prefix, path string) {
		dir, err := prefixDir(prefix)
		if err != nil {
			return
		}
		if !strings.HasSuffix(dir, "/") || !strings.HasPrefix(prefix, dir) {
			t.Fatalf("%q -> %q", prefix, dir)
		}
		if strings.HasPrefix(path, prefix) && !strings.HasPrefix(path, dir) {
			t.Fatalf("%q lists %q outside %q", prefix, path, dir)
		}
	})
}
