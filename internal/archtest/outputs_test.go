package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// frameFiles are, per service whose handlers return typed outputs, the
// files allowed to write a response: the frame that renders outputs and
// errors, and the writers the frame hands a streamed body to. Every other
// file of the package neither names http.ResponseWriter nor calls
// awsproto.Write*, so no handler can answer by itself.
var frameFiles = map[string]map[string]string{
	"internal/lambda": {
		"frame.go":     "render: status, headers and body of every control-plane output",
		"service.go":   "ServeHTTP: the error answer",
		"outputs.go":   "the streamer output type's stream method, called by render",
		"stream.go":    "the event-stream writer InvokeWithResponseStream's output streams through",
		"urlserve.go":  "the function URL data plane (not a control-plane operation)",
		"urlstream.go": "the function URL data plane's streamed answers",
		"cwlogs.go":    "the CloudWatch Logs JSON 1.1 frame",
	},
}

// TestOnlyTheFrameWrites: in a service listed in frameFiles, no file but
// its frame files refers to http.ResponseWriter or calls awsproto.Write*.
func TestOnlyTheFrameWrites(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range listPackages(t) {
		allowed, ok := frameFiles[p.ImportPath]
		if !ok {
			continue
		}
		seen[p.ImportPath] = true
		for _, name := range p.GoFiles {
			if _, ok := allowed[name]; ok {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				x, ok := sel.X.(*ast.Ident)
				if !ok {
					return true
				}
				switch {
				case x.Name == "http" && sel.Sel.Name == "ResponseWriter":
					t.Errorf("%s: http.ResponseWriter outside %s's frame: a handler returns its output, the frame writes it", fset.Position(sel.Pos()), p.ImportPath)
				case x.Name == "awsproto" && strings.HasPrefix(sel.Sel.Name, "Write"):
					t.Errorf("%s: awsproto.%s outside %s's frame: a handler returns its output, the frame writes it", fset.Position(sel.Pos()), sel.Sel.Name, p.ImportPath)
				}
				return true
			})
		}
	}
	for path := range frameFiles {
		if !seen[path] {
			t.Errorf("package %s not found", path)
		}
	}
}
